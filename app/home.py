"""The home screen: each role lands where its work is."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from . import users

bp = Blueprint("home", __name__)

TEMPLATES = {
    users.FIELD_WORKER: "home/field_worker.html",
    users.OFFICE: "home/office.html",
    users.COORDINATOR: "home/coordinator.html",
    users.ADMIN: "home/admin.html",
}


@bp.get("/")
@login_required
def index():
    """Show the signed-in user's home screen for their role."""
    return render_template(TEMPLATES[current_user.role])
