"""Check-in/check-out timers, the escalation engine, web push and the office's live board."""

from flask import Blueprint, Flask

bp = Blueprint("escalation", __name__)


def init_app(app: Flask) -> None:
    """Give every template the visit-actions helper (the visits pages include the fragment)."""

    @app.context_processor
    def escalation_helpers() -> dict:
        from .board import board_context
        from .views import ui_state

        return {"escalation_ui": ui_state, "escalation_board": board_context}

    @app.template_filter("esc_time")
    def esc_time(value: str | None) -> str:
        """Show a stored UTC moment as the time in Europe/Amsterdam."""
        from ..clock import local_text

        return local_text(value, "HH:mm:ss")


def start_in_process(app: Flask):
    """Start the escalator in a background thread of this process, unless told not to."""
    if not app.config["VOP_ESCALATOR_IN_PROCESS"]:
        return None
    from .engine import Escalator

    escalator = Escalator(app)
    escalator.start()
    return escalator


from . import board, policy_views, push_views, views  # noqa: E402,F401 - attach the routes
