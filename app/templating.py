"""Every helper a template may use, registered in one place: words and formats, never a query.

Views gather the data a page shows and pass it in; templates only lay it out.
"""

from flask import Flask
from flask_babel import get_locale

from . import pwa
from .clock import localtime
from .followup.values import euros
from .incidents.texts import outbox_texts
from .visits import labels
from .visits.planning import purpose_label


def current_language() -> str:
    """Return the language of this page ("nl" or "en")."""
    return str(get_locale() or "nl")


GLOBALS = {
    "current_language": current_language,
    "outbox_texts": outbox_texts,
    "purpose_label": purpose_label,
    "vendor_css": pwa.VENDOR_CSS,
    "visit_labels": labels,
}
FILTERS = {
    "euros": euros,
    "localtime": localtime,
    "protocol_text": labels.translate,
}


def init_app(app: Flask) -> None:
    """Register the template globals and filters."""
    for name, value in GLOBALS.items():
        app.add_template_global(value, name)
    for name, function in FILTERS.items():
        app.add_template_filter(function, name)
