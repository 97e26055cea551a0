"""Names shown for the protocol's levels, measure kinds and scopes, in the user's language."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from . import defaults as d

LEVELS = {
    d.LOW: _l("Laag"),
    d.MEDIUM: _l("Midden"),
    d.HIGH: _l("Hoog"),
    d.POLICE: _l("Niet zonder politie"),
}
MEASURE_KINDS = {
    d.CONFIRM: _l("Medewerker bevestigt"),
    d.COMPANION: _l("Begeleider mee"),
    d.POLICE_ESCORT: _l("Politie mee"),
    d.APPROVAL: _l("Toestemming coördinator"),
    d.ADVICE: _l("Advies (blokkeert niet)"),
}
QUESTION_SCOPES = {d.ALL: _l("Alle bezoeken"), d.INVOLUNTARY_ONLY: _l("Alleen onvrijwillig")}
MEASURE_SCOPES = {
    d.ALL: _l("Alle bezoeken"),
    d.VOLUNTARY_ONLY: _l("Alleen vrijwillig"),
    d.INVOLUNTARY_ONLY: _l("Alleen onvrijwillig"),
}
STATUSES = {
    "planned": _l("Gepland"),
    "running": _l("Loopt"),
    "ended": _l("Afgerond"),
    "cancelled": _l("Geannuleerd"),
}


def translate(text: str | None) -> str:
    """Translate a stored protocol text when the catalog knows it (default texts do)."""
    return _(text) if text else ""
