"""The home screen: each role lands where its work is, with that work gathered here."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from . import users
from .clock import now
from .db import get_db
from .escalation.board import board_context
from .escalation.screen import Screen
from .followup.checks import local_date
from .followup.flags import incomplete_count
from .followup.register import overdue
from .incidents.visibility import reports_for
from .visits.approval import pending
from .visits.listing import worker_today

bp = Blueprint("home", __name__)


def _field_worker(db) -> dict:
    """The worker's Today screen: running and planned visits, each with its buttons."""
    today = worker_today(db, current_user.id)
    screen = Screen(db, current_user)
    for visit in today["current"] + today["later"]:
        visit["timer"] = screen.state(visit, on_visit=True)  # the list holds only their own
    return {"today": today}


def _office(db) -> dict:
    """The office's home is the live board."""
    return {"b": board_context(db, current_user)}


def _coordinator(db) -> dict:
    """The coordinator's home: requests for approval first, then the reports to follow up,
    and how much follow-up is overdue."""
    moment = now()
    return {
        "requests": pending(db, current_user.team_id),
        "reports": reports_for(db, current_user, 50),
        "overdue": overdue(db, current_user.team_id, moment),
        "incomplete_flags": incomplete_count(db, current_user.team_id, local_date(moment)),
    }


SCREENS = {
    users.FIELD_WORKER: ("home/field_worker.html", _field_worker),
    users.OFFICE: ("home/office.html", _office),
    users.COORDINATOR: ("home/coordinator.html", _coordinator),
    users.ADMIN: ("home/admin.html", lambda db: {}),
}


@bp.get("/")
@login_required
def index():
    """Show the signed-in user's home screen for their role."""
    template, gather = SCREENS[current_user.role]
    return render_template(template, **gather(get_db()))
