"""The installable shell: manifest, service worker, offline page and health check."""

import hashlib
import json
import re
import sqlite3
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, url_for
from flask_babel import gettext as _

from . import assets
from .db import get_db, write_probe
from .users import LANGUAGES

bp = Blueprint("pwa", __name__)
SW_SOURCE = Path(__file__).resolve().parent.parent / "service_worker" / "sw.js"

# The static shell the service worker precaches. Never an authenticated page.
SHELL_FILES = [
    "css/app.css",
    "js/app.js",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "js/outbox.js",  # the outbox: reports and visit actions queued without signal
    "js/outbox-actions.js",  # visit actions through the outbox
    "js/outbox-report.js",  # the incident report form through the outbox
    "css/incidents.css",
    "js/panic.js",  # visit buttons: countdown, hold-to-alarm
    "js/visit-offline.js",  # the running visit's screen without signal
    "js/board.js",
    "js/push.js",
    "css/escalation.css",
]
VENDOR_CSS = [assets.DESIGN_SYSTEM]  # the NL Design System components, as one file
VENDOR_JS = ["vendor/htmx-2.0.11.min.js"]


def shell_assets() -> list[str]:
    """Return every static file the shell needs, relative to static/."""
    return VENDOR_CSS + VENDOR_JS + SHELL_FILES


# Pages the service worker keeps for use without signal, each in every language (`?taal=`);
# none names a user. The offline page comes last: the worker falls back to it.
PRECACHED_PAGES = (
    "incidents.shell",
    "visits.protocol_card",
    "timer.offline_visit",
    "pwa.offline",
)
CSRF_META = re.compile(rb'<meta name="csrf-token" content="[^"]*">')


def precached_urls() -> list[str]:
    """Return the addresses of the kept pages, each in every language."""
    return [url_for(e, taal=lang) for e in PRECACHED_PAGES for lang in LANGUAGES]


def _page_bytes(app: Flask, endpoint: str, language: str) -> bytes:
    """Render a precached page as the service worker fetches it in a language (no CSRF token)."""
    path = app.url_map.bind("localhost").build(endpoint, {"taal": language})
    # A fresh app context per page: `g` (the locale, the user) is its own, not the asker's.
    with (
        app.app_context(),
        app.test_request_context(path, headers={"Accept-Language": language}),
    ):
        body = app.make_response(app.view_functions[endpoint]()).get_data()
    return CSRF_META.sub(b"", body)


def shell_version(app: Flask) -> str:
    """Hash everything the worker precaches: itself, the shell files and the pages it keeps.

    The pages are rendered in every language, so a change to their templates or to the
    translations installs a new worker on the phones, as a change to a static file does.
    """
    digest = hashlib.sha256(SW_SOURCE.read_bytes())
    for name in shell_assets():
        digest.update(assets.content(name))
    for endpoint in PRECACHED_PAGES:
        for language in LANGUAGES:
            digest.update(_page_bytes(app, endpoint, language))
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
    app = current_app._get_current_object()
    version = app.extensions.get("vop_sw_version")
    if version is None:  # rendered once per process: the files do not change while it runs
        version = app.extensions["vop_sw_version"] = shell_version(app)
    urls = [url_for("static", filename=name) for name in shell_assets()] + precached_urls()
    routes = {
        "pages": {
            "report_shell": url_for("incidents.shell"),
            "protocol_card": url_for("visits.protocol_card"),
            "visit": url_for("timer.offline_visit"),
            "offline": url_for("pwa.offline"),
        },
        "languages": list(LANGUAGES),
        "report_form": url_for("incidents.new"),
        "outbox": url_for("static", filename="js/outbox.js"),
        "icon": url_for("static", filename="icons/icon-192.png"),
    }
    body = SW_SOURCE.read_text().replace("__VERSION__", version)
    body = body.replace("__PRECACHE__", json.dumps(urls)).replace("__ROUTES__", json.dumps(routes))
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
    """Report whether the database takes a write and the escalator ticked in the last 10 s."""
    from .escalation.engine import heartbeat

    escalator = {"alive": False, "last_tick": None}
    try:
        db = get_db()
        db_state = write_probe(db)
        escalator = heartbeat(db)
    except sqlite3.Error:  # a database that cannot even be read
        current_app.logger.exception("Health check: database does not answer")
        db_state = "error"
    status = "ok" if db_state in ("ok", "busy") and escalator["alive"] else "degraded"
    body = {"status": status, "db": db_state, "escalator": escalator}
    return jsonify(body), 200 if status == "ok" else 503
