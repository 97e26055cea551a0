"""Check-in/check-out timers, the escalation engine, web push and the office's live board.

Four blueprints, each with its own part of the URL space:
  timer     /timer/<visit>/...   the worker's buttons during a visit
  office    /kantoor/...         the live board, alarms, the team's escalation policy
  push      /push/...            web-push subscriptions, receipts and notification buttons
  settings  /instellingen/...    this device's notifications and the worker's duress PIN
"""

from flask import Blueprint, Flask

bp = Blueprint("timer", __name__, url_prefix="/timer")
office_bp = Blueprint("office", __name__, url_prefix="/kantoor")
push_bp = Blueprint("push", __name__, url_prefix="/push")
settings_bp = Blueprint("settings", __name__, url_prefix="/instellingen")


def blueprints() -> tuple[Blueprint, ...]:
    """Return the blueprints with their routes (the view modules attach them when imported)."""
    from . import board, emergency, policy_views, push_views, settings_views, views  # noqa: F401

    return (bp, office_bp, push_bp, settings_bp)


def start_in_process(app: Flask):
    """Start the escalator in a background thread of this process, unless told not to."""
    if not app.config["VOP_ESCALATOR_IN_PROCESS"]:
        return None
    from .engine import Escalator

    escalator = Escalator(app)
    escalator.start()
    return escalator
