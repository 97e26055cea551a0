"""Headers, caching rules, role checks and languages."""

import pytest

ADMIN_URLS = ["/beheer/", "/beheer/gebruikers/nieuw", "/beheer/gebruikers/1", "/beheer/audit"]


@pytest.mark.parametrize("username", ["demo-medewerker", "demo-kantoor", "demo-coordinator"])
@pytest.mark.parametrize("url", ADMIN_URLS)
def test_non_admins_get_403_on_admin_screens(client, auth, username, url):
    auth.login(username)
    response = client.get(url)
    assert response.status_code == 403
    assert "U heeft geen toegang tot deze pagina." in response.get_data(as_text=True)


def test_non_admin_cannot_deactivate_anyone(client, auth, db):
    auth.login("demo-kantoor")
    assert auth.post("/beheer/gebruikers/1/actief", {"active": "0"}).status_code == 403
    assert db.execute("select active from users where id = 1").fetchone()[0] == 1


def test_anonymous_is_sent_to_login(client):
    response = client.get("/beheer/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("url", ["/", "/account", "/offline", "/healthz", "/beheer/"])
def test_authenticated_answers_are_not_stored(client, auth, url):
    auth.login("demo-beheer")
    assert client.get(url).headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", ["/login", "/"])
def test_security_headers(client, auth, url):
    auth.login()
    response = client.get(url, follow_redirects=True)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script(client, auth):
    auth.login("demo-beheer")
    for url in ["/login", "/", "/account", "/beheer/", "/offline"]:
        html = client.get(url).get_data(as_text=True)
        assert "<script>" not in html and " on" + "click=" not in html


def test_dutch_by_default_english_on_request(client):
    assert '<h1 class="utrecht-heading-1">Inloggen</h1>' in client.get("/login").get_data(
        as_text=True
    )
    english = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert '<h1 class="utrecht-heading-1">Log in</h1>' in english.get_data(as_text=True)
    assert '<html lang="en">' in english.get_data(as_text=True)


def test_users_language_choice_wins(client, auth, db):
    auth.login()
    auth.post("/account", {"action": "language", "language": "en"})
    page = client.get("/", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert '<h1 class="utrecht-heading-1">Today</h1>' in page
    assert "Emotion is allowed, aggression is not." in page
    lang = db.execute("select language from users where username='demo-medewerker'").fetchone()
    assert lang[0] == "en"


def test_english_error_message_for_throttling(app, client, auth):
    for _ in range(app.config["VOP_LOGIN_MAX_FAILURES_ACCOUNT"] + 1):
        response = client.post(
            "/login",
            data={"username": "demo-kantoor", "password": "x", "csrf_token": _token(client)},
            headers={"Accept-Language": "en"},
        )
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)


def _token(client):
    from .conftest import csrf_token

    return csrf_token(client)


def test_every_page_carries_the_csrf_meta(client, auth):
    auth.login("demo-beheer")
    for url in ["/", "/account", "/beheer/", "/beheer/audit", "/offline"]:
        assert '<meta name="csrf-token" content="' in client.get(url).get_data(as_text=True)


def test_unknown_page_is_a_dutch_404(client):
    response = client.get("/bestaat-niet")
    assert response.status_code == 404
    assert "Deze pagina bestaat niet (meer)." in response.get_data(as_text=True)


def test_secure_cookies_behind_https(monkeypatch, tmp_path):
    from app import create_app

    monkeypatch.setenv("VOP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("VOP_SECURE_COOKIES", "1")
    assert create_app().config["SESSION_COOKIE_SECURE"] is True


def test_hsts_when_cookies_are_secure(app, client):
    app.config["SESSION_COOKIE_SECURE"] = True
    hsts = client.get("/login").headers.get("Strict-Transport-Security", "")
    max_age = int(hsts.split("max-age=")[1].split(";")[0]) if "max-age=" in hsts else 0
    assert max_age >= 365 * 24 * 3600 and "includeSubDomains" in hsts


def test_no_hsts_over_plain_http(client):
    # Without secure cookies the app is not behind HTTPS: HSTS would lock a browser out.
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_the_dev_server_names_no_framework_or_version(live_server):
    import urllib.request

    with urllib.request.urlopen(live_server.url + "/login") as response:
        server = response.headers.get("Server", "")
    assert "werkzeug" not in server.lower() and "python" not in server.lower()
    assert not any(ch.isdigit() for ch in server)


def test_the_production_layout_serves_without_a_server_header(tmp_path):
    """gunicorn with gunicorn.conf.py and the escalator beside it, as deploy/ runs them."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    import requests

    from .conftest import ROOT, find_free_port, wait_for_server

    port = find_free_port()
    env = {
        **os.environ,
        "VOP_DATA_DIR": str(tmp_path),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "VOP_BIND": f"127.0.0.1:{port}",
    }
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    subprocess.run(flask + ["init-db"], env=env, cwd=ROOT, check=True, capture_output=True)
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 - the processes'
    processes = [
        subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        for command in (
            [gunicorn, "-c", "gunicorn.conf.py", "app:create_app()"],
            flask + ["escalator"],
        )
    ]
    try:
        wait_for_server(f"http://127.0.0.1:{port}/healthz", timeout=30)  # 200: it ticks
        response = requests.get(f"http://127.0.0.1:{port}/login", timeout=5)
        assert response.status_code == 200
        assert "Server" not in response.headers, response.headers.get("Server")
        assert response.headers["X-Request-ID"]  # the app's own JSON log line names it
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(20)
        log.close()
