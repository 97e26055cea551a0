"""Incident reports and the offline outbox's sync endpoint."""

from flask import Blueprint

bp = Blueprint("incidents", __name__)
