"""The worker's PINs: a personal check-out PIN and a duress PIN, stored hashed.

With PINs set, a check-out asks for one: the check-out PIN checks out, the duress PIN checks
out the same way on the screen and raises a silent alarm, any other PIN is refused.
"""

from sqlite_utils import Database
from werkzeug.security import check_password_hash, generate_password_hash

from ..clock import iso, now
from ..db import one, transaction

PIN_LENGTHS = range(4, 9)
CHECK_OUT, DURESS, WRONG = "check_out", "duress", "wrong"


def _row(db: Database, user_id: int) -> dict | None:
    return one(db, "select * from duress_pins where user_id = ?", [user_id])


def has_duress_pin(db: Database, user_id: int) -> bool:
    """Tell whether a user has set PINs (a check-out then asks for one)."""
    return _row(db, user_id) is not None


def has_checkout_pin(db: Database, user_id: int) -> bool:
    """Tell whether a user has set their own check-out PIN beside the duress PIN."""
    row = _row(db, user_id)
    return row is not None and row["checkout_hash"] is not None


def verdict(db: Database, user_id: int, pin: str | None) -> str:
    """Say what a PIN typed at check-out is: the check-out PIN, the duress PIN, or wrong."""
    row = _row(db, user_id)
    pin = str(pin or "").strip()
    if row is None:
        return CHECK_OUT  # no PINs set: the check-out asks for none
    if pin and check_password_hash(row["pin_hash"], pin):
        return DURESS
    if row["checkout_hash"] is None:
        # A duress PIN set before check-out PINs existed: an empty field still checks out.
        return CHECK_OUT if not pin else WRONG
    if pin and check_password_hash(row["checkout_hash"], pin):
        return CHECK_OUT
    return WRONG


def save_pins(db: Database, user_id: int, checkout: str, duress: str) -> None:
    """Set or replace a user's check-out PIN and duress PIN."""
    with transaction(db):
        db["duress_pins"].upsert(
            {
                "user_id": user_id,
                "checkout_hash": generate_password_hash(checkout),
                "pin_hash": generate_password_hash(duress),
                "updated_at": iso(now()),
            },
            pk="user_id",
        )


def remove_pins(db: Database, user_id: int) -> None:
    """Remove a user's PINs: check-out asks for none any more."""
    db.execute("delete from duress_pins where user_id = ?", [user_id])
