"""Sign in and out, change one's password and language; who may see what."""

import functools

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from . import audit, sessions, throttle, two_factor, users
from .db import get_db
from .security import safe_next
from .textinput import clean_text

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
    if not row:
        return None
    user = users.User(row, session_id)
    team = two_factor.team_flags(db, row["team_id"])
    user.demo = bool(team["demo"])
    user.must_enrol = two_factor.required(row, team) and not two_factor.enrolled(row)
    return user


# What a user who must still switch on the second factor may reach: the enrolment page,
# logging out, what anyone may see without a login (the service worker precaches the shell
# pages with the user's cookie), and the buttons of a notification, which carry their own
# proof.
ENROLMENT_OPEN = {
    "auth.two_factor",
    "auth.logout",
    "auth.login",
    "auth.second_factor",
    "static",
    "incidents.shell",
    "visits.protocol_card",
    "push.vapid_public_key",
    "push.receipt",
    "push.notification_action",
}


def require_enrolment():
    """Send a user who must use a second factor, and has none yet, to switch it on first."""
    if not current_user.is_authenticated or not getattr(current_user, "must_enrol", False):
        return None
    endpoint = request.endpoint or ""
    if endpoint in ENROLMENT_OPEN or endpoint.startswith("pwa."):
        return None
    message = _("Stel eerst tweestapsverificatie in voor uw account.")
    if request.headers.get("HX-Request") or request.accept_mimetypes.best == "application/json":
        return {"error": message}, 403
    return redirect(url_for("auth.two_factor"))


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


def throttled(wait: int, username: str):
    """Answer a login (or second step) that must wait: 429 with a Dutch message."""
    audit.record("login", "throttled", object_type="user", object_id=username)
    if wait < 60:
        message = _(
            "Te veel mislukte pogingen. Probeer het over %(seconds)d seconden opnieuw.",
            seconds=wait,
        )
    else:
        message = _(
            "Te veel mislukte pogingen. Probeer het over %(minutes)d minuten opnieuw.",
            minutes=-(-wait // 60),
        )
    page = render_template("auth/login.html", error=message, username=username)
    return page, 429, {"Retry-After": str(wait)}


def fresh_session() -> None:
    """Start a fresh session (nothing carries over from before) with its CSRF token in it.

    The token goes into this very answer's cookie: requests the page or the service worker
    send at the same moment then share it, instead of each making its own and the last
    cookie to arrive making the page's form token stale.
    """
    session.clear()
    g.pop("csrf_token", None)
    generate_csrf()


def start_session(db, row: dict, origin: str | None) -> None:
    """Start a fresh server-side session for a user whose every factor matched."""
    throttle.clear_account(db, row["username"], origin)
    fresh_session()
    session["sid"] = sessions.start(db, row["id"], origin)
    session.permanent = True
    login_user(users.User(row, session["sid"]))


def complete_login(db, row: dict, method: str, target: object):
    """Sign a user in whose every factor matched: a fresh session, audited."""
    start_session(db, row, audit.origin())
    detail = {"second_factor": method} if method != "password" else None
    audit.record("login", "ok", object_type="user", object_id=row["id"], detail=detail)
    team = two_factor.team_flags(db, row["team_id"])
    if two_factor.required(row, team) and not two_factor.enrolled(row):
        return redirect(url_for("auth.two_factor"))
    return redirect(safe_next(target, url_for("home.index")))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form and check the password (the first factor)."""
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(url_for("home.index"))
        return render_template("auth/login.html")
    db = get_db()
    username = clean_text(request.form.get("username", "").strip()[:100])
    password = request.form.get("password", "")
    origin = audit.origin()
    wait = throttle.wait_seconds(db, username, origin)
    if wait:
        return throttled(wait, username)
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
    if two_factor.enrolled(row):
        from .two_factor_views import ask_second_factor

        return ask_second_factor(row, request.args.get("next"))
    return complete_login(db, row, "password", request.args.get("next"))


@bp.route("/login/opnieuw", methods=["GET", "POST"])
@login_required
def renew():
    """Sign in again before the session's absolute limit, without leaving the page.

    Every factor the login asks is asked again: the password and, when the user has one,
    the code of the authenticator app. The live board posts here through htmx and stays
    open: the answer carries a fresh CSRF token (the old session's token is void).
    """
    db = get_db()
    row = users.get_user(db, current_user.id)
    asks_code = two_factor.enrolled(row)
    if request.method == "GET":
        return render_template("auth/renew.html", asks_code=asks_code)
    origin = audit.origin()
    status = 200
    if throttle.wait_seconds(db, current_user.username, origin):
        audit.record("login.renew", "throttled", object_type="user", object_id=current_user.id)
        message, status = (
            _("Te veel mislukte pogingen. Probeer het over enkele minuten opnieuw."),
            429,
        )
    elif users.password_matches(row, request.form.get("password", "")) and (
        not asks_code or two_factor.check_totp(db, row, request.form.get("code", ""))
    ):
        old = current_user.session_id
        start_session(db, row, origin)
        sessions.end(db, old, "renewed")
        audit.record("login.renew", "ok", object_type="user", object_id=row["id"])
        message = _("U bent opnieuw ingelogd. Het bord werkt door.")
    else:
        throttle.record_failure(db, current_user.username, origin)
        audit.record("login.renew", "refused", object_type="user", object_id=current_user.id)
        wrong = _("Het wachtwoord of de code klopt niet.") if asks_code else None
        message, status = wrong or _("Het wachtwoord klopt niet."), 422
    if request.headers.get("HX-Request"):
        return render_template("auth/_renewed.html", message=message, ok=status == 200), status
    flash(message, "success" if status == 200 else "error")
    if status != 200:
        return render_template("auth/renew.html", asks_code=asks_code), status
    return redirect(safe_next(request.args.get("next"), url_for("home.index")), 303)


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
        from .escalation import push  # the escalation capability imports this module

        db = get_db()
        sessions.end(db, current_user.session_id, "logout")
        push.forget_session_devices(db, current_user.session_id)
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
    problem = users.password_problem(new, row["username"])
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
    app.before_request(require_enrolment)
