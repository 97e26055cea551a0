"""Check-in/check-out timers, the escalation engine, web push and the office's live board."""

from flask import Blueprint

bp = Blueprint("escalation", __name__)
