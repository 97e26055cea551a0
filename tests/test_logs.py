"""Structured logs: one JSON line per answered request, with the request's id."""

import json
import logging

from app.logs import JsonFormatter, RequestIdFilter


def test_each_request_is_logged_as_json_with_its_id(client, auth, caplog):
    auth.login("demo-medewerker")
    with caplog.at_level(logging.INFO, logger="app.requests"):
        response = client.get("/", headers={"X-Request-ID": "from-the-proxy-123"})
        other = client.get("/healthz")
    assert response.headers["X-Request-ID"] == "from-the-proxy-123"
    assert len(other.headers["X-Request-ID"]) == 16  # made here when none was given
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records]
    mine = next(line for line in lines if line["request_id"] == "from-the-proxy-123")
    assert (mine["method"], mine["path"], mine["status"]) == ("GET", "/", 200)
    assert mine["user_id"] == 1 and mine["ms"] >= 0 and mine["level"] == "info"


def test_a_header_that_is_not_a_sane_id_is_replaced(client):
    for bad in ("bad id <script>", "x" * 200, "kort"):
        response = client.get("/healthz", headers={"X-Request-ID": bad})
        assert response.headers["X-Request-ID"] != bad


def test_lines_made_while_serving_carry_the_request_id(app, caplog):
    log = logging.getLogger("app.test")
    log.addFilter(RequestIdFilter())
    with app.test_request_context("/"), caplog.at_level(logging.WARNING, logger="app.test"):
        from flask import g

        g.request_id = "abcdef123456"
        log.warning("iets")
    line = json.loads(JsonFormatter().format(caplog.records[-1]))
    assert (line["message"], line["request_id"]) == ("iets", "abcdef123456")
