"""Protection shared by every page: CSRF, security headers, caching rules, error pages."""

import re
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from .db import storage_problem
from .textinput import SafeRequest

csrf = CSRFProtect()
HSTS = "max-age=31536000; includeSubDomains"

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def _offsite(target: str) -> bool:
    """Tell whether a browser could read `target` as another site: "//host", "/\\host",
    a tab, newline or other space in it, or a scheme."""
    if not target.startswith("/") or target.startswith("//"):
        return True
    if any(ch == "\\" or ch.isspace() or not ch.isprintable() for ch in target):
        return True
    parts = urlsplit(target)
    return bool(parts.scheme or parts.netloc)


def safe_next(target: object, fallback: str) -> str:
    """Return `target` when it is a path on this site, else `fallback`: never another site.

    Browsers read "//host", "/\\host" and a path with a tab or newline in it ("/\t/host")
    as another site, so a target must start with one slash and hold no backslash, no
    control character and no space; it must not name a scheme or a host either. Its path
    must pass the same test percent-decoded (up to three times), since a proxy or a browser
    may decode "%2F", "%5C" or "%0A" before it reads the address.
    """
    if not isinstance(target, str) or len(target) > 2000 or _offsite(target):
        return fallback
    path = re.split(r"[?#]", target, maxsplit=1)[0]
    for _round in range(3):
        decoded = unquote(path)
        if decoded == path:
            return target
        path = re.split(r"[?#]", decoded, maxsplit=1)[0]
        if _offsite(path):
            return fallback
    return fallback


def add_headers(response):
    """Set the security headers, and keep authenticated answers out of every cache."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Permissions-Policy"] = "geolocation=(self), camera=(), microphone=()"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        # Secure cookies mean the app is served over HTTPS: browsers must never fall back.
        response.headers["Strict-Transport-Security"] = HSTS
    # Name no framework or version (a WSGI server may add its own; see commands.serve).
    response.headers.pop("Server", None)
    if request.endpoint == "static":
        return response  # the same for everyone, cached as app/assets.py says
    if current_user and current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    elif "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Cookie")
    if request.headers.get("HX-Request"):
        response.vary.add("HX-Request")
    return response


def _error_page(status: int, message: str):
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return {"error": message}, status
    return render_template("error.html", status=status, message=message), status


def handle_csrf(error: CSRFError):
    """Refuse a state change without a valid CSRF token, in Dutch."""
    return _error_page(
        400,
        _(
            "Dit formulier is verlopen of niet vanuit de app verstuurd. "
            "Laad de pagina opnieuw en probeer het nog eens."
        ),
    )


def handle_http(error: HTTPException):
    """Show HTTP errors as a page in the user's language."""
    messages = {
        400: _("Dit verzoek klopt niet."),
        403: _("U heeft geen toegang tot deze pagina."),
        404: _("Deze pagina bestaat niet (meer)."),
        405: _("Deze actie kan hier niet."),
        413: _("Dit verzoek is te groot."),
        429: _("Te veel verzoeken. Probeer het straks opnieuw."),
    }
    return _error_page(error.code or 500, messages.get(error.code, _("Er ging iets mis.")))


def handle_unexpected(error: Exception):
    """Log an unexpected error and show a calm page instead of a stack trace."""
    from flask import current_app

    if isinstance(error, HTTPException):
        return handle_http(error)
    if storage_problem(error):
        current_app.logger.error("Storage cannot take writes: %s", error)
        return _error_page(
            503,
            _(
                "De app kan nu niets opslaan: de opslag van de server is vol of niet "
                "beschrijfbaar. Uw invoer is niet opgeslagen; wat de telefoon bewaart, "
                "gaat later vanzelf. Probeer het over een paar minuten opnieuw."
            ),
        )
    current_app.logger.exception("Unexpected error")
    return _error_page(
        500, _("Er ging iets mis aan onze kant. Uw gegevens zijn niet gewijzigd; probeer opnieuw.")
    )


def init_app(app: Flask) -> None:
    """Install CSRF protection, headers and error handlers."""
    if app.config["VOP_PROXY_HOPS"]:
        hops = app.config["VOP_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.config.setdefault("MAX_CONTENT_LENGTH", 1024 * 1024)
    app.request_class = SafeRequest
    csrf.init_app(app)
    app.after_request(add_headers)
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
