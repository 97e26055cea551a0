"""What the visit buttons show for one visit (templates/escalation/_visit_actions.html)."""

from flask_babel import gettext as _
from sqlite_utils import Database

from ..clock import local_text, now, parse
from ..incidents.texts import office_phone
from ..visits.access import is_on_visit
from . import actions, halfway
from .alarms import HIDDEN_AT_SCENE
from .pins import has_duress_pin

SHOW_OK_SECONDS = 600  # "Alles goed — 15 min erbij" appears in the visit's last ten minutes


def office_notice(db: Database, visit_id: int) -> dict | None:
    """Return what the worker may know about their alarm: the office was alerted, or who saw it.

    Nothing at all once the visit has a duress (or wrong-PIN) alarm: that one stays
    invisible at the scene, and so must everything that would show the office is acting.
    """
    rows = db.query(
        "select a.kind, a.status, a.opened_at, a.acknowledged_at, u.display_name as seen_by "
        "from alarms a left join users u on u.id = a.acknowledged_by where a.visit_id = ? "
        "order by a.id desc",
        [visit_id],
    )
    alarms = list(rows)
    if not alarms or any(a["kind"] in HIDDEN_AT_SCENE for a in alarms):
        return None
    latest = alarms[0]
    if latest["acknowledged_at"]:
        text = _(
            "%(name)s heeft uw alarm gezien (%(t)s)",
            name=latest["seen_by"],
            t=local_text(latest["acknowledged_at"], "HH:mm"),
        )
        return {"seen": True, "text": text}
    text = _("Het kantoor is gewaarschuwd (%(t)s)", t=local_text(latest["opened_at"], "HH:mm"))
    return {"seen": False, "text": text}


def _countdown(seconds: int) -> str:
    """Say how long until (or since) the due time, as the countdown shows it."""
    minutes = abs(seconds) // 60
    if seconds >= 0:
        return _("nog %(m)d min", m=minutes)
    return _("%(m)d min te laat", m=minutes)


class Screen:
    """Answers shared by every visit on one page: asked once, not once per visit."""

    def __init__(self, db: Database, user):
        self.db, self.user = db, user
        self.has_pin = has_duress_pin(db, user.id)
        self.office_phone = office_phone(db, user.team_id).replace(" ", "")

    def state(self, visit: dict, *, on_visit: bool | None = None) -> dict:
        """Return what the buttons of one visit need; `on_visit` when the caller knows it."""
        if on_visit is None:
            on_visit = is_on_visit(self.db, visit, self.user.id)
        state = {
            "has_pin": self.has_pin,
            "can_act": on_visit,
            "office_phone": self.office_phone,
            "max_extend": actions.MAX_EXTEND_MINUTES,
            "max_reason": actions.MAX_REASON,
            "seconds_left": None,
            "overdue": False,
            "show_ok": False,
            "due_text": "",
            "countdown": "",
            "office_notice": office_notice(self.db, visit["id"]) if on_visit else None,
            "ask_check": False,  # the halfway check asks "Alles goed?"
        }
        if visit["status"] == "running":
            left = int((parse(visit["due_at"]) - now()).total_seconds())
            state.update(
                seconds_left=left,
                overdue=left < 0,
                show_ok=left <= SHOW_OK_SECONDS,
                due_text=local_text(visit["due_at"], "HH:mm"),
                countdown=_countdown(left),
                ask_check=halfway.is_waiting(visit, now()),
            )
        return state


def with_timer(db: Database, visit: dict, user) -> dict:
    """Return the visit with the state of its buttons attached (`visit.timer`)."""
    return {**visit, "timer": Screen(db, user).state(visit)}
