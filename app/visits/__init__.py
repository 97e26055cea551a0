"""Visits and the pre-visit risk assessment (dreigingsanalyse).

Glossary (Dutch term of art → identifier): dreigingsanalyse / risico-inschatting →
assessment; vrijwillig / onvrijwillig bezoek → voluntary; keukentafelgesprek →
kitchen_table; uithuisplaatsing → removal; bemoeizorg → bemoeizorg; contactverbod →
contact_ban; pandverbod → building_ban; duo → pair; teamprotocol → protocol.
"""

from flask import Blueprint

bp = Blueprint("visits", __name__, url_prefix="/bezoeken")


def blueprints() -> tuple[Blueprint, ...]:
    """Return the blueprint with its routes (the view modules attach them when imported)."""
    from . import assess_views, team_views, views  # noqa: F401

    return (bp,)
