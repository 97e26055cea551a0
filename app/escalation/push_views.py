"""Web push for the browser and the service worker: the public key, subscriptions, a test
message, receipts of shown messages and the buttons on a reminder."""

from flask import flash, jsonify, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import audit, sessions, users
from ..clock import iso, local_text, now
from ..db import get_db
from ..security import csrf
from ..textinput import text_problem
from . import actions, messages, push, push_bp
from .errors import ActionError
from .payloads import push_payload, read_action_token, read_receipt_token
from .settings_views import settings_page


def _error(message: str, status: int):
    return jsonify({"error": message}), status


@push_bp.get("/vapid-public-key")
def vapid_public_key():
    """Give the browser the key to subscribe with (applicationServerKey)."""
    return jsonify({"publicKey": push.public_key()})


@push_bp.post("/subscriptions")
@login_required
def subscribe():
    """Store this device's push subscription for the signed-in user."""
    try:
        sub_id = push.save_subscription(
            get_db(),
            current_user.id,
            request.get_json(silent=True),
            request.headers.get("User-Agent"),
            current_user.session_id,
        )
    except ActionError as error:
        return _error(error.message, error.status)
    audit.record("push.subscribe", object_type="push_subscription", object_id=sub_id)
    return jsonify({"id": sub_id}), 201


@push_bp.delete("/subscriptions")
@login_required
def unsubscribe():
    """Forget one of the signed-in user's devices."""
    body = request.get_json(silent=True) or {}
    endpoint = body.get("endpoint") if isinstance(body, dict) else None
    if not isinstance(endpoint, str) or text_problem(endpoint):
        return _error(_("Geef het adres (endpoint) van het abonnement op."), 400)
    get_db().execute(
        "delete from push_subscriptions where endpoint = ? and user_id = ?",
        [endpoint, current_user.id],
    )
    return "", 204


@push_bp.post("/test")
@login_required
def send_test():
    """Queue a test notification to each of the user's devices (the escalator sends it)."""
    db = get_db()
    me = users.get_user(db, current_user.id)
    devices = messages.queue_push(
        db, [current_user.id], "test", lambda _r: push_payload("test", None, None, me), ttl=300
    )
    if request.is_json or request.accept_mimetypes.best == "application/json":
        return jsonify({"devices": devices}), 202
    if devices:
        flash(_("Testmelding verstuurd naar %(n)d apparaat/apparaten.", n=devices), "success")
    else:
        flash(_("Dit account heeft nog geen apparaat voor pushmeldingen."), "error")
    # 202 also for the form button: the settings page shows what was queued.
    return settings_page({}, 202)


@push_bp.post("/receipts")
@csrf.exempt  # the service worker has no page token; the signed receipt token is the proof
def receipt():
    """Record that a device received and showed a push (its service worker reports it)."""
    body = request.get_json(silent=True)
    delivery_id = read_receipt_token(body.get("receipt")) if isinstance(body, dict) else None
    if delivery_id is None:
        return _error(_("Onbekende ontvangstmelding."), 400)
    db = get_db()
    moment = iso(now())
    db.execute(
        "update deliveries set receipt_at = coalesce(receipt_at, ?) where id = ?",
        [moment, delivery_id],
    )
    db.execute(
        "update push_subscriptions set last_receipt_at = ? where id = "
        "(select subscription_id from deliveries where id = ?)",
        [moment, delivery_id],
    )
    return "", 204


@push_bp.post("/actions")
@csrf.exempt  # a notification button has no page token; the signed action token is the proof
def notification_action():
    """Do what a worker tapped on a notification: "Alles goed — 15 min erbij", "Verlengen"
    (15 min) or, on the halfway check, "Alles goed"."""
    body = request.get_json(silent=True)
    claims = read_action_token(body.get("token")) if isinstance(body, dict) else None
    if claims is None or body.get("action") not in ("ok", "extend", "halfway_ok"):
        return _error(_("Deze knop is verlopen. Open de app."), 400)
    db = get_db()
    row = users.get_user(db, claims["u"])
    # The button lasts as long as the session that registered the device (logout, a
    # password change or the session's limits end it).
    if row is None or sessions.validate(db, claims["s"], row["id"]) is not None:
        return _error(_("Deze knop is verlopen. Open de app."), 400)
    worker = users.User(row)
    try:
        if body["action"] == "ok":
            visit = actions.im_ok(db, claims["v"], worker, at=body.get("at"))
        elif body["action"] == "halfway_ok":
            visit = actions.halfway_ok(db, claims["v"], worker, at=body.get("at"))
        else:
            visit = actions.extend(
                db,
                claims["v"],
                worker,
                minutes=15,
                at=body.get("at"),
                reason=_("Verlengd vanuit de melding"),
            )
    except ActionError as error:
        return _error(error.message, error.status)
    with force_locale(row["language"] or "nl"):
        message = _("Nieuwe eindtijd: %(t)s", t=local_text(visit["due_at"], "HH:mm"))
        return jsonify({"ok": True, "title": _("Doorgegeven"), "message": message})
