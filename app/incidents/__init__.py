"""Incident reports and the offline outbox's sync endpoint."""

from flask import Blueprint

bp = Blueprint("incidents", __name__)

from . import views  # noqa: E402, F401  (attaches the routes to bp)
