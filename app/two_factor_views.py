"""The second step of the login and the page that switches the second factor on."""

from datetime import timedelta

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from . import audit, throttle, two_factor, users
from .auth import bp, complete_login, fresh_session, throttled
from .clock import iso, now, parse
from .db import get_db

PENDING_MINUTES = 5  # the password was right: the code must follow within this time


def ask_second_factor(row: dict, target: object):
    """Remember a correct password for a few minutes and ask for the code."""
    fresh_session()
    session["mfa"] = {"user": row["id"], "at": iso(now()), "next": target}
    audit.record("login", "second_factor", object_type="user", object_id=row["id"])
    return redirect(url_for("auth.second_factor"), 303)


def _pending() -> dict | None:
    """Return the user row waiting for its second factor, if still in time."""
    pending = session.get("mfa")
    if not isinstance(pending, dict):
        return None
    if now() - parse(pending["at"]) > timedelta(minutes=PENDING_MINUTES):
        session.pop("mfa", None)
        return None
    row = users.get_user(get_db(), pending["user"])
    return row if row and row["active"] and two_factor.enrolled(row) else None


@bp.route("/login/tweede-stap", methods=["GET", "POST"])
def second_factor():
    """Ask for the code of the authenticator app, or a recovery code."""
    row = _pending()
    if row is None:
        if request.method == "POST":
            flash(_("Dat duurde te lang. Log opnieuw in."), "error")
        return redirect(url_for("auth.login"))
    if request.method == "GET":
        return render_template("auth/second_factor.html")
    db = get_db()
    origin = audit.origin()
    wait = throttle.wait_seconds(db, row["username"], origin)
    if wait:
        return throttled(wait, row["username"])
    code = request.form.get("code", "")
    # A recovery code has letters: its own field (a phone's number pad cannot type them),
    # but one pasted into the code field by a password manager counts too.
    recovery = request.form.get("recovery_code", "").strip() or code
    method = "totp" if two_factor.check_totp(db, row, code) else None
    if method is None and two_factor.use_recovery_code(db, row["id"], recovery):
        method = "recovery"
    if method is None:
        throttle.record_failure(db, row["username"], origin)
        audit.record(
            "login",
            "refused",
            object_type="user",
            object_id=row["username"],
            detail={"reason": "second_factor"},
        )
        error = _("Deze code klopt niet of is al gebruikt. Gebruik de nieuwste code uit uw app.")
        return render_template("auth/second_factor.html", error=error), 401
    response = complete_login(db, row, method, session["mfa"].get("next"))
    if method == "recovery":  # after complete_login: it starts a fresh session
        left = two_factor.recovery_codes_left(db, row["id"])
        flash(_("U gebruikte een herstelcode; er zijn er nog %(n)d over.", n=left), "info")
    return response


@bp.route("/account/tweestaps", methods=["GET", "POST"], endpoint="two_factor")
@login_required
def enrol():
    """Switch the second factor on: scan the QR code, type the first code, keep the codes."""
    db = get_db()
    row = users.get_user(db, current_user.id)
    if two_factor.enrolled(row):
        left = two_factor.recovery_codes_left(db, row["id"])
        return render_template("auth/two_factor.html", enrolled=True, left=left)
    error = None
    if request.method == "POST":
        if row["totp_secret"] and two_factor.check_totp(db, row, request.form.get("code", "")):
            codes = two_factor.enable(db, row["id"])
            audit.record("user.two_factor.enable", object_type="user", object_id=row["id"])
            return render_template("auth/two_factor.html", enrolled=True, codes=codes)
        audit.record("user.two_factor.enable", "refused", object_type="user", object_id=row["id"])
        error = _("Deze code klopt niet. Controleer de tijd op uw telefoon en probeer opnieuw.")
        if not row["totp_secret"]:  # nothing was shown yet: show it, refuse, change nothing
            page = render_template("auth/two_factor.html", enrolled=False, error=error)
            return page, 422
    # Showing the page makes the secret to enrol (once); a refused code keeps it.
    secret = two_factor.pending_secret(db, row)
    page = render_template(
        "auth/two_factor.html",
        enrolled=False,
        qr=two_factor.qr_data_uri(row["username"], secret),
        secret=two_factor.grouped(secret),
        error=error,
        required=current_user.must_enrol,
    )
    return page, (422 if error else 200)
