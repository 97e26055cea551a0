"""Whether a visit may be checked in: the assessment is complete and its measures in place.

The check-in calls `check_in_blockers` and shows its messages; an empty list lets the
check-in go ahead. A coordinator's recorded approval for the current assessment clears it.
"""

from flask_babel import gettext as _
from sqlite_utils import Database

from . import assessments
from .access import get_visit


def blockers_for(db: Database, visit: dict) -> list[str]:
    """Return, in the user's language, what stands in the way of checking in a visit."""
    if visit["status"] == "cancelled":
        return [_("Dit bezoek is geannuleerd.")]
    if assessments.approval_for(db, visit) is not None:
        return []
    return assessments.unmet(db, visit, assessments.current(db, visit), approved=False)


def check_in_blockers(db: Database, visit_id: int) -> list[str]:
    """Return what stands in the way of checking in the visit with this id (empty: allowed)."""
    visit = get_visit(db, visit_id)
    if visit is None:
        return [_("Dit bezoek bestaat niet.")]
    return blockers_for(db, visit)
