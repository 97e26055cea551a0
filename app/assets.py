"""Static files: content-hashed names cached for good, compressed once, the design system as
one stylesheet.

`url_for("static", filename="css/app.css")` gives `/static/css/app.<hash>.css`, where the hash
is of the file's content: a changed file gets a new name, so every name can be cached by any
browser for a year (`immutable`); static files hold no personal data. A name without the
current hash (a page an older service worker kept) is still served, revalidated each time.
Each file is compressed once per process with brotli and gzip, whichever the browser takes.
"""

import gzip
import hashlib
import mimetypes
import re
from functools import cache
from pathlib import Path

import brotli
from flask import Flask, Response, abort, request
from werkzeug.security import safe_join

STATIC = Path(__file__).resolve().parent.parent / "static"
# The NL Design System components the app uses, served as one stylesheet (order matters:
# the design tokens first).
DESIGN_SYSTEM = "css/design-system.css"
BUNDLES = {
    DESIGN_SYSTEM: [
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
}
HASHED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{10})(?P<ext>\.[A-Za-z0-9]+)$")
FOREVER = "public, max-age=31536000, immutable"
REVALIDATE = "public, no-cache"
TEXT = ("text/", "application/javascript", "application/json", "image/svg+xml")


@cache
def content(name: str) -> bytes | None:
    """Return a static file's bytes (a bundle's parts joined), or None when there is none."""
    if name in BUNDLES:
        return b"\n".join(f"/* {part} */\n".encode() + content(part) for part in BUNDLES[name])
    path = safe_join(str(STATIC), name)
    if path is None or not Path(path).is_file():
        return None
    return Path(path).read_bytes()


@cache
def digest(name: str) -> str:
    """Return the first ten hex digits of a static file's SHA-256."""
    data = content(name)
    if data is None:
        raise FileNotFoundError(name)
    return hashlib.sha256(data).hexdigest()[:10]


def hashed_name(name: str) -> str:
    """Return a file's name with its content hash: css/app.css -> css/app.1a2b3c4d5e.css."""
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.{digest(name)}.{ext}" if dot else name


@cache
def _encoded(name: str, encoding: str) -> bytes:
    data = content(name)
    if encoding == "br":
        return brotli.compress(data, quality=11)
    return gzip.compress(data, compresslevel=9, mtime=0)


def _encoding(mimetype: str) -> str | None:
    """Choose brotli or gzip for a text file, as the browser accepts."""
    if not mimetype.startswith(TEXT):
        return None
    accepted = request.accept_encodings
    return next((e for e in ("br", "gzip") if accepted[e]), None)


def serve(filename: str) -> Response:
    """Serve a static file by its hashed or plain name."""
    match = HASHED.match(filename)
    name, cache_control = filename, REVALIDATE
    if match and content(match["stem"] + match["ext"]) is not None:
        name = match["stem"] + match["ext"]
        if match["digest"] == digest(name):
            cache_control = FOREVER
    data = content(name)
    if data is None:
        abort(404)
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if mimetype == "text/javascript":
        mimetype = "application/javascript"
    encoding = _encoding(mimetype)
    response = Response(_encoded(name, encoding) if encoding else data, mimetype=mimetype)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    response.headers["Cache-Control"] = cache_control
    response.set_etag(f"{digest(name)}-{encoding or 'identity'}")
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    """Serve /static/ with hashed names; make url_for('static', ...) give them."""
    app.add_url_rule("/static/<path:filename>", "static", serve)

    @app.url_defaults
    def hash_static(endpoint: str, values: dict) -> None:
        name = values.get("filename") if endpoint == "static" else None
        if name is not None and content(name) is not None:
            values["filename"] = hashed_name(name)
