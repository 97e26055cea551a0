"""The worker's duress PIN: stored hashed, checked at check-out."""

from sqlite_utils import Database
from werkzeug.security import check_password_hash, generate_password_hash

from ..clock import iso, now
from ..db import one, transaction

PIN_LENGTHS = range(4, 9)


def has_duress_pin(db: Database, user_id: int) -> bool:
    """Tell whether a user has set a duress PIN."""
    return one(db, "select user_id from duress_pins where user_id = ?", [user_id]) is not None


def duress_pin_matches(db: Database, user_id: int, pin: str | None) -> bool:
    """Tell whether a PIN typed at check-out is the user's duress PIN."""
    if not pin:
        return False
    row = one(db, "select pin_hash from duress_pins where user_id = ?", [user_id])
    return row is not None and check_password_hash(row["pin_hash"], str(pin))


def save_duress_pin(db: Database, user_id: int, pin: str) -> None:
    """Set or replace a user's duress PIN."""
    with transaction(db):
        db["duress_pins"].upsert(
            {
                "user_id": user_id,
                "pin_hash": generate_password_hash(pin),
                "updated_at": iso(now()),
            },
            pk="user_id",
        )


def remove_duress_pin(db: Database, user_id: int) -> None:
    """Remove a user's duress PIN."""
    db.execute("delete from duress_pins where user_id = ?", [user_id])
