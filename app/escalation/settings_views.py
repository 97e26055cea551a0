"""The worker's own safety settings: notifications on this device, the duress PIN."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import audit
from ..db import get_db
from . import pins, settings_bp


def settings_page(errors: dict, status: int = 200):
    """Render the notifications and duress-PIN page for the current user."""
    db = get_db()
    subscriptions = list(
        db.query(
            "select * from push_subscriptions where user_id = ? order by id", [current_user.id]
        )
    )
    page = render_template(
        "escalation/settings.html",
        subscriptions=subscriptions,
        has_pin=pins.has_duress_pin(db, current_user.id),
        errors=errors,
    )
    return page, status


@settings_bp.get("/")
@login_required
def index():
    """Let users turn on push on this device, test it, and set their duress PIN."""
    return settings_page({})


@settings_bp.post("/noodcode")
@login_required
def duress_pin():
    """Set or remove the personal duress PIN (checking out with it raises a silent alarm)."""
    db = get_db()
    if request.form.get("remove"):
        pins.remove_duress_pin(db, current_user.id)
        audit.record("duress_pin.remove", object_type="user", object_id=current_user.id)
        flash(_("Uw noodcode is verwijderd."), "success")
        return redirect(url_for("settings.index"), 303)
    pin = request.form.get("pin", "").strip()
    errors = {}
    if not pin.isdigit() or len(pin) not in pins.PIN_LENGTHS:
        errors["pin"] = _("Kies een noodcode van 4 tot 8 cijfers.")
    elif pin != request.form.get("pin_repeat", "").strip():
        errors["pin_repeat"] = _("De twee codes zijn niet gelijk.")
    if errors:
        return settings_page(errors, 422)
    pins.save_duress_pin(db, current_user.id, pin)
    audit.record("duress_pin.set", object_type="user", object_id=current_user.id)
    flash(_("Uw noodcode is ingesteld."), "success")
    return redirect(url_for("settings.index"), 303)
