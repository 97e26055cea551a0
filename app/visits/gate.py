"""Whether a visit may be checked in: the assessment is complete and its measures confirmed.

Placeholder until issue 3 lands: the visits work replaces this body with the real rule.
"""

from sqlite_utils import Database


def check_in_blockers(db: Database, visit_id: int) -> list[str]:
    """Return, in the user's language, what stands in the way of checking in (empty: allowed)."""
    return []
