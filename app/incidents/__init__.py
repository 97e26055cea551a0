"""Incident reports (meldingen) and the offline outbox's sync endpoint.

Two blueprints: `incidents` (/incidenten/...) for the report pages and `sync` (/sync) for
the phone's outbox, which sends reports and visit actions queued without signal.
"""

from flask import Blueprint

bp = Blueprint("incidents", __name__, url_prefix="/incidenten")
sync_bp = Blueprint("sync", __name__, url_prefix="/sync")


def blueprints() -> tuple[Blueprint, ...]:
    """Return the blueprints with their routes (the view module attaches them when imported)."""
    from . import views  # noqa: F401

    return (bp, sync_bp)
