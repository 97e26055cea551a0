"""The team's conditions for the citizen during a visit (the seed's model text by default)."""

from flask_babel import gettext as _
from sqlite_utils import Database

from ..clock import iso, now
from .defaults import DEFAULT_CONDITIONS

MAX_LENGTH = 3000


def text(db: Database, team_id: int) -> str:
    """Return the team's conditions text, or the default in the user's language."""
    row = db.execute("select body from visit_conditions where team_id = ?", [team_id]).fetchone()
    return row[0] if row else _(DEFAULT_CONDITIONS)


def save(db: Database, team_id: int, body: str, user_id: int) -> None:
    """Store the team's conditions text."""
    db["visit_conditions"].upsert(
        {"team_id": team_id, "body": body, "updated_at": iso(now()), "updated_by": user_id},
        pk="team_id",
    )


def check(raw: str) -> tuple[str, str | None]:
    """Tidy the submitted text; return it and a message when it cannot be saved."""
    body = "\n".join(line.rstrip() for line in raw.strip().splitlines())
    if len(body) < 20:
        return body, _("Schrijf de voorwaarden uit (minstens 20 tekens).")
    if len(body) > MAX_LENGTH:
        return body, _("Hoogstens %(n)d tekens.", n=MAX_LENGTH)
    return body, None
