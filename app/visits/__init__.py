"""Visits and the pre-visit risk assessment (dreigingsanalyse)."""

from flask import Blueprint

bp = Blueprint("visits", __name__)
