"""Structured logs: one JSON object per line, each with the request id it belongs to.

Every request gets an id (the caller's `X-Request-ID` when it is a sane one, else a new one),
sent back in the `X-Request-ID` header and written on every log line made while serving it,
so an operator can follow one request from the proxy's log through the app's.
"""

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class JsonFormatter(logging.Formatter):
    """Format a record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "method", "path", "status", "ms", "user_id"):
            value = getattr(record, key, None)
            if value is not None:
                line[key] = value
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


JsonFormatter.converter = time.gmtime


class RequestIdFilter(logging.Filter):
    """Put the id of the request being served on every record made while serving it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context() and "request_id" in g and not hasattr(record, "request_id"):
            record.request_id = g.request_id
        return True


def configure(level: int = logging.INFO) -> None:
    """Send the app's logs to stderr as JSON lines (once per process)."""
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(level)


def _request_id() -> str:
    """Return this request's id, taking the caller's when it is a sane one."""
    if "request_id" not in g:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex[:16]
    return g.request_id


def init_app(app: Flask) -> None:
    """Give every request an id and log one line per answered request."""
    access = logging.getLogger("app.requests")

    @app.before_request
    def start_request():
        _request_id()
        g.started = time.perf_counter()

    @app.after_request
    def log_request(response):
        response.headers["X-Request-ID"] = _request_id()
        from flask_login import current_user

        access.info(
            "request",
            extra={
                "request_id": _request_id(),
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "ms": round(
                    (time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1
                ),
                "user_id": current_user.id if current_user.is_authenticated else None,
            },
        )
        return response
