"""Visits and the pre-visit risk assessment (dreigingsanalyse).

Glossary (Dutch term of art → identifier): dreigingsanalyse / risico-inschatting →
assessment; vrijwillig / onvrijwillig bezoek → voluntary; keukentafelgesprek →
kitchen_table; uithuisplaatsing → removal; bemoeizorg → bemoeizorg; contactverbod →
contact_ban; pandverbod → building_ban; duo → pair; teamprotocol → protocol.
"""

from flask import Blueprint, Flask
from flask_login import current_user

bp = Blueprint("visits", __name__)


def today_for_worker() -> dict:
    """Return the signed-in worker's visits for the Today screen (used by its template)."""
    from ..db import get_db
    from .listing import worker_today

    return worker_today(get_db(), current_user.id)


def init_app(app: Flask) -> None:
    """Give templates the visit labels and the Today screen's data."""
    from . import labels, planning

    app.add_template_global(today_for_worker, "visits_today")
    app.add_template_global(labels, "visit_labels")
    app.add_template_global(planning.purpose_label, "purpose_label")
    app.add_template_filter(labels.translate, "protocol_text")
    app.add_template_filter(labels.when, "visit_when")
    app.add_template_filter(labels.clock_time, "visit_time")


from . import assess_views, team_views, views  # noqa: E402,F401  (routes attach to bp)
