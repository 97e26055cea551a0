"""Who each step of a team's ladder can reach, known before any alarm: the policy screen
warns when a step's channels reach nobody by name (no device that confirmed a push lately,
no phone number for SMS) or a channel is not set up at all."""

from flask import Flask
from flask_babel import gettext as _
from sqlite_utils import Database

from ..clock import now
from ..users import COORDINATOR, OFFICE
from . import channels
from .logtext import unreachable_text
from .policy import WHO

# The groups a step can name that are people of the team (the rest differ per visit).
TEAM_ROLES = {
    "office": (OFFICE,),
    "coordinator": (COORDINATOR,),
    "everyone": (OFFICE, COORDINATOR),
}


def _members(db: Database, team_id: int, roles: tuple[str, ...]) -> list[int]:
    marks = ", ".join("?" for _ in roles)
    rows = db.execute(
        f"select id from users where team_id = ? and active = 1 and role in ({marks}) "
        "order by display_name",
        [team_id, *roles],
    )
    return [row[0] for row in rows]


def step_warnings(app: Flask, db: Database, team_id: int, step: dict) -> list[str]:
    """Return what the office should know about one step before it ever fires."""
    warnings = []
    known = channels.all_channels()
    for name in step["channels"]:
        channel = known.get(name)
        if channel is not None and not channel.available(app):
            warnings.append(
                _("Geen %(noun)s: %(why)s.", noun=channel.noun, why=channel.unavailable)
            )
    ids: list[int] = []
    for group in step["who"]:
        if group not in TEAM_ROLES:
            continue
        members = _members(db, team_id, TEAM_ROLES[group])
        if not members:
            warnings.append(_("Niemand in dit team hoort bij „%(group)s”.", group=WHO[group]))
        ids += [i for i in members if i not in ids]
    people = channels.people(db, ids)
    missed = channels.unreachable(app, [people[i] for i in ids], step["channels"], now())
    warnings += [unreachable_text([person]) + "." for person in missed]
    return warnings
