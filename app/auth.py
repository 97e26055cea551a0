"""Sign in and out, change one's password and language; who may see what."""

import functools

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_required, login_user, logout_user

from . import audit, sessions, throttle, users
from .db import get_db
from .security import safe_next

bp = Blueprint("auth", __name__)
login_manager = LoginManager()


@login_manager.user_loader
def load_user(user_id: str) -> users.User | None:
    """Load the user of this request's session, if that session is still valid."""
    session_id = session.get("sid")
    if not session_id:
        return None
    db = get_db()
    if sessions.validate(db, session_id, int(user_id)) is not None:
        session.clear()
        return None
    row = users.get_user(db, int(user_id))
    return users.User(row, session_id) if row else None


@login_manager.unauthorized_handler
def unauthorized():
    """Send a browser to the login page; tell a script or htmx call plainly."""
    if request.headers.get("HX-Request") or request.accept_mimetypes.best == "application/json":
        return {"error": _("Uw sessie is verlopen. Log opnieuw in.")}, 401
    flash(_("Log in om verder te gaan."), "info")
    return redirect(url_for("auth.login", next=request.full_path))


def role_required(*roles: str):
    """Allow a view only to signed-in users with one of these roles (403 otherwise)."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form and sign a user in."""
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(url_for("home.index"))
        return render_template("auth/login.html")
    db = get_db()
    username = request.form.get("username", "").strip()[:100]
    password = request.form.get("password", "")
    origin = audit.origin()
    wait = throttle.wait_seconds(db, username, origin)
    if wait:
        audit.record("login", "throttled", object_type="user", object_id=username)
        minutes = max(1, -(-wait // 60))
        message = _(
            "Te veel mislukte pogingen. Probeer het over %(minutes)d minuten opnieuw.",
            minutes=minutes,
        )
        response = render_template("auth/login.html", error=message, username=username), 429
        return (*response, {"Retry-After": str(wait)})
    row = users.find_by_username(db, username) if username else None
    if not users.password_matches(row, password) or not row["active"]:
        throttle.record_failure(db, username, origin)
        audit.record(
            "login",
            "refused",
            object_type="user",
            object_id=username,
            detail={"reason": "inactive" if row and row["active"] == 0 else "credentials"},
        )
        error = _("Gebruikersnaam of wachtwoord klopt niet.")
        return render_template("auth/login.html", error=error, username=username), 401
    throttle.clear_account(db, username)
    session.clear()  # a fresh session on every login: nothing carries over from before
    session["sid"] = sessions.start(db, row["id"], origin)
    session.permanent = True
    login_user(users.User(row, session["sid"]))
    audit.record("login", "ok", object_type="user", object_id=row["id"])
    return redirect(safe_next(request.args.get("next"), url_for("home.index")))


def _running_visit_page():
    """Return the warning page when the user is on a running visit, else None."""
    from .escalation.emergency import running_visit
    from .escalation.screen import with_timer

    if not current_user.is_authenticated:
        return None
    db = get_db()
    visit = running_visit(db, current_user.id)
    if visit is None:
        return None
    return render_template("auth/logout.html", visit=with_timer(db, visit, current_user))


@bp.get("/uitloggen")
@login_required
def logout_page():
    """Ask before signing out: a running visit keeps its timer, and loses its buttons here."""
    return _running_visit_page() or render_template("auth/logout.html", visit=None)


@bp.post("/logout")
def logout():
    """Sign out and end this session on the server (after a warning while a visit runs)."""
    if not request.form.get("confirm"):
        warning = _running_visit_page()
        if warning is not None:
            return warning, 409
    if current_user.is_authenticated:
        audit.record("logout", "ok", object_type="user", object_id=current_user.id)
        sessions.end(get_db(), current_user.session_id, "logout")
        logout_user()
    session.clear()
    flash(_("U bent uitgelogd."), "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Let users change their own password and language."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        db = get_db()
        row = users.get_user(db, current_user.id)
        if request.form.get("action") == "language":
            language = request.form.get("language")
            if language not in users.LANGUAGES:
                errors["language"] = _("Kies een taal uit de lijst.")
            else:
                db["users"].update(current_user.id, {"language": language})
                audit.record("user.language", object_type="user", object_id=current_user.id)
                return redirect(url_for("auth.account"), 303)
        else:
            errors = _password_errors(row)
            if not errors:
                _change_password(db, row)
                flash(_("Uw wachtwoord is gewijzigd."), "success")
                return redirect(url_for("auth.account"), 303)
            audit.record("user.password", "refused", object_type="user", object_id=current_user.id)
    status = 422 if errors else 200
    return render_template("auth/account.html", errors=errors, languages=users.LANGUAGES), status


def _password_errors(row: dict) -> dict[str, str]:
    """Check the password form; return messages per field."""
    errors = {}
    if not users.password_matches(row, request.form.get("current_password", "")):
        errors["current_password"] = _("Uw huidige wachtwoord klopt niet.")
    new = request.form.get("new_password", "")
    problem = users.password_problem(new)
    if problem:
        errors["new_password"] = problem
    elif new != request.form.get("new_password_repeat", ""):
        errors["new_password_repeat"] = _("De twee nieuwe wachtwoorden zijn niet gelijk.")
    return errors


def _change_password(db, row: dict) -> None:
    """Store the new password and end the user's other sessions."""
    from .clock import iso, now

    db["users"].update(
        row["id"],
        {
            "password_hash": users.hash_password(request.form["new_password"]),
            "password_changed_at": iso(now()),
        },
    )
    db.execute(
        "update user_sessions set ended_at = ?, ended_reason = 'password' "
        "where user_id = ? and id != ? and ended_at is null",
        [iso(now()), row["id"], current_user.session_id],
    )
    audit.record("user.password", object_type="user", object_id=row["id"])


def init_app(app: Flask) -> None:
    """Attach flask-login to the app."""
    login_manager.init_app(app)
    login_manager.session_protection = None  # our own server-side sessions do this job
