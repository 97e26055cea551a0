"""The worker's own safety settings: notifications on this device, check-out and duress PINs."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import audit
from ..db import get_db
from . import pins, settings_bp
from .actions import WRONG_PINS


def settings_page(errors: dict, status: int = 200):
    """Render the notifications and PIN page for the current user."""
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
        has_checkout_pin=pins.has_checkout_pin(db, current_user.id),
        wrong_pins=WRONG_PINS,
        errors=errors,
    )
    return page, status


@settings_bp.get("/")
@login_required
def index():
    """Let users turn on push on this device, test it, and set their PINs."""
    return settings_page({})


def _pin_errors(form) -> dict[str, str]:
    """Check the two PINs and their repeats; return messages per field."""
    errors = {}
    checkout, duress = form.get("checkout_pin", "").strip(), form.get("pin", "").strip()
    fields = (
        ("checkout_pin", checkout, _("Kies een pincode van 4 tot 8 cijfers.")),
        ("pin", duress, _("Kies een noodcode van 4 tot 8 cijfers.")),
    )
    for name, pin, message in fields:
        if not pin.isdigit() or len(pin) not in pins.PIN_LENGTHS:
            errors[name] = message
        elif pin != form.get(f"{name}_repeat", "").strip():
            errors[f"{name}_repeat"] = _("De twee codes zijn niet gelijk.")
    if not errors and checkout == duress:
        errors["pin"] = _("Kies een noodcode die anders is dan uw eigen pincode.")
    return errors


@settings_bp.post("/noodcode")
@login_required
def duress_pin():
    """Set or remove the check-out PIN and the duress PIN (set together, removed together)."""
    db = get_db()
    if request.form.get("remove"):
        pins.remove_pins(db, current_user.id)
        audit.record("duress_pin.remove", object_type="user", object_id=current_user.id)
        flash(_("Uw pincodes zijn verwijderd. Uitchecken vraagt geen pincode meer."), "success")
        return redirect(url_for("settings.index"), 303)
    errors = _pin_errors(request.form)
    if errors:
        return settings_page(errors, 422)
    pins.save_pins(
        db, current_user.id, request.form["checkout_pin"].strip(), request.form["pin"].strip()
    )
    audit.record("duress_pin.set", object_type="user", object_id=current_user.id)
    flash(_("Uw pincode en noodcode zijn ingesteld."), "success")
    return redirect(url_for("settings.index"), 303)
