"""The installable shell: manifest, service worker, offline page and health check."""

import hashlib
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, render_template, url_for
from flask_babel import gettext as _

from .db import get_db

bp = Blueprint("pwa", __name__)
SW_SOURCE = Path(__file__).resolve().parent.parent / "service_worker" / "sw.js"

# The static shell the service worker precaches. Never an authenticated page.
SHELL_FILES = [
    "css/app.css",
    "js/app.js",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "js/outbox.js",  # the incident outbox (issue 5)
    "js/outbox-actions.js",  # visit actions through the outbox
    "js/outbox-report.js",  # the incident report form through the outbox
    "css/incidents.css",
    "js/panic.js",  # visit buttons, the live board, push (issue 4)
    "js/board.js",
    "js/push.js",
    "css/escalation.css",
]
VENDOR_CSS = [
    "vendor/utrecht/design-tokens-5.0.1-theme.css",
    "vendor/utrecht/document-3.0.1.css",
    "vendor/utrecht/page-3.0.1.css",
    "vendor/utrecht/heading-1-3.0.1.css",
    "vendor/utrecht/heading-2-3.0.1.css",
    "vendor/utrecht/paragraph-4.0.1.css",
    "vendor/utrecht/link-3.0.1.css",
    "vendor/utrecht/button-4.0.1.css",
    "vendor/utrecht/form-field-3.0.1.css",
    "vendor/utrecht/form-label-3.0.1.css",
    "vendor/utrecht/form-field-description-3.0.1.css",
    "vendor/utrecht/textbox-4.0.1.css",
    "vendor/utrecht/select-3.0.1.css",
    "vendor/utrecht/checkbox-3.0.1.css",
    "vendor/utrecht/alert-4.0.2.css",
    "vendor/utrecht/table-3.0.1.css",
]
VENDOR_JS = ["vendor/htmx-2.0.11.min.js"]


def shell_assets() -> list[str]:
    """Return every static file the shell needs, relative to static/."""
    return VENDOR_CSS + VENDOR_JS + SHELL_FILES


@cache
def _shell_version(static_folder: str) -> str:
    """Hash the worker and the shell files, so any change installs a new worker."""
    digest = hashlib.sha256(SW_SOURCE.read_bytes())
    for name in shell_assets():
        digest.update((Path(static_folder) / name).read_bytes())
    return digest.hexdigest()[:12]


@bp.get("/manifest.webmanifest")
def manifest():
    """Describe the app for installation on a phone's home screen."""
    data = {
        "name": "Veilig op Pad",
        "short_name": "Veilig op Pad",
        "description": _("Veilig op huis- en bedrijfsbezoek"),
        "lang": "nl",
        "start_url": url_for("home.index"),
        "scope": "/",
        "id": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#154273",
        "icons": [
            {
                "src": url_for("static", filename=f"icons/icon-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any",
            }
            for size in (192, 512)
        ],
    }
    response = jsonify(data)
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/sw.js")
def service_worker():
    """Serve the service worker with its version and precache list filled in."""
    version = _shell_version(current_app.static_folder)
    urls = [url_for("static", filename=name) for name in shell_assets()]
    urls.append(url_for("incidents.shell"))  # the report form for use offline (issue 5)
    urls.append(url_for("visits.protocol_card"))  # the norm and what to do, without signal
    urls.append(url_for("pwa.offline"))
    body = SW_SOURCE.read_text().replace("__VERSION__", version)
    body = body.replace("__PRECACHE__", repr(urls).replace("'", '"'))
    response = Response(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/offline")
def offline():
    """Show the page the service worker serves when there is no network."""
    return render_template("offline.html")


@bp.get("/healthz")
def healthz():
    """Report whether the database answers and the escalator ticked in the last 10 s."""
    from .escalation.engine import heartbeat

    escalator = {"alive": False, "last_tick": None}
    try:
        get_db().execute("select 1").fetchone()
        db_state = "ok"
        escalator = heartbeat(get_db())
    except Exception:  # any failure to answer is a failed health check
        current_app.logger.exception("Health check: database does not answer")
        db_state = "error"
    status = "ok" if db_state == "ok" and escalator["alive"] else "degraded"
    body = {"status": status, "db": db_state, "escalator": escalator}
    return jsonify(body), 200 if status == "ok" else 503


@bp.app_context_processor
def stylesheets() -> dict:
    """Give every page the list of vendored NL Design System stylesheets."""
    return {"vendor_css": VENDOR_CSS}
