"""The second factor: TOTP (an authenticator app or a password manager), recovery codes, and
who must have it.

Required for office, coordinator and administrator (they see every team's alarms and
reports), and for field workers of a team that switches it on. Never on the demo team that
`make run` seeds: its documented logins are password-only and the screens say it is a demo.
"""

import hashlib
import secrets

import pyotp
import segno
from sqlite_utils import Database

from . import users
from .clock import iso, now
from .db import one, transaction

ISSUER = "Veilig op Pad"
RECOVERY_CODES = 10
STAFF_ROLES = (users.OFFICE, users.COORDINATOR, users.ADMIN)
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or typed off paper


def team_flags(db: Database, team_id: int | None) -> dict:
    """Return a team's {"demo", "two_factor_workers"} (both off for no team)."""
    row = one(db, "select demo, two_factor_workers from teams where id = ?", [team_id])
    return row or {"demo": 0, "two_factor_workers": 0}


def required(row: dict, team: dict) -> bool:
    """Tell whether this user must sign in with a second factor."""
    if team["demo"]:
        return False
    return row["role"] in STAFF_ROLES or bool(team["two_factor_workers"])


def enrolled(row: dict) -> bool:
    """Tell whether the user has switched the second factor on."""
    return bool(row.get("totp_enabled_at"))


def pending_secret(db: Database, row: dict) -> str:
    """Return the secret being enrolled, making one the first time the page is opened."""
    if row.get("totp_secret") and not enrolled(row):
        return row["totp_secret"]
    secret = pyotp.random_base32()
    db["users"].update(row["id"], {"totp_secret": secret, "totp_last_step": None})
    return secret


def qr_data_uri(username: str, secret: str) -> str:
    """Return the otpauth:// QR code as an SVG data: URI (the CSP allows img-src data:)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def grouped(secret: str) -> str:
    """Show a secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _digits(code: object) -> str | None:
    text = "".join(str(code).split()) if isinstance(code, str) else ""
    return text if len(text) == 6 and text.isascii() and text.isdigit() else None


def check_totp(db: Database, row: dict, code: object) -> bool:
    """Accept a current code once: the step before and after count (clock drift), and a step
    already used (or older) never counts again, so a code seen over a shoulder is spent."""
    digits = _digits(code)
    if not digits or not row.get("totp_secret"):
        return False
    totp = pyotp.TOTP(row["totp_secret"])
    current = totp.timecode(now())
    last = row.get("totp_last_step") or 0
    for step in (current - 1, current, current + 1):
        if step > last and secrets.compare_digest(totp.generate_otp(step), digits):
            changed = db.execute(
                "update users set totp_last_step = ? where id = ? "
                "and coalesce(totp_last_step, 0) < ?",
                [step, row["id"], step],
            ).rowcount
            return changed == 1
    return False


def _normalised(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _hash(code: str) -> str:
    # A recovery code has 80 random bits: a plain SHA-256 cannot be reversed by guessing,
    # unlike a password, which needs a slow hash.
    return hashlib.sha256(_normalised(code).encode()).hexdigest()


def new_recovery_codes(db: Database, user_id: int) -> list[str]:
    """Replace a user's recovery codes with ten new ones; return them (shown only once)."""
    codes = []
    for _n in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _c in range(16))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:12]}-{raw[12:]}")
    moment = iso(now())
    with transaction(db):
        db.execute("delete from recovery_codes where user_id = ?", [user_id])
        for code in codes:
            db["recovery_codes"].insert(
                {"user_id": user_id, "code_hash": _hash(code), "created_at": moment}
            )
    return codes


def use_recovery_code(db: Database, user_id: int, code: object) -> bool:
    """Accept an unused recovery code once; mark it used."""
    if not isinstance(code, str) or not code.isascii() or len(_normalised(code)) != 16:
        return False
    return (
        db.execute(
            "update recovery_codes set used_at = ? where user_id = ? and code_hash = ? "
            "and used_at is null",
            [iso(now()), user_id, _hash(code)],
        ).rowcount
        == 1
    )


def recovery_codes_left(db: Database, user_id: int) -> int:
    """Return how many unused recovery codes a user has."""
    row = one(
        db,
        "select count(*) as n from recovery_codes where user_id = ? and used_at is null",
        [user_id],
    )
    return row["n"]


def enable(db: Database, user_id: int) -> list[str]:
    """Switch the second factor on for a user whose first code matched; return new codes."""
    db["users"].update(user_id, {"totp_enabled_at": iso(now())})
    return new_recovery_codes(db, user_id)


def reset(db: Database, user_id: int) -> None:
    """Switch the second factor off and forget its secret and recovery codes."""
    with transaction(db):
        db["users"].update(
            user_id, {"totp_secret": None, "totp_enabled_at": None, "totp_last_step": None}
        )
        db.execute("delete from recovery_codes where user_id = ?", [user_id])
