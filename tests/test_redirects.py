"""One safe-redirect rule for every `next`, and the old addresses that moved."""

from urllib.parse import quote

import pytest

from app import demo
from app.security import safe_next

from .conftest import csrf_token
from .escalation_helpers import advance, running_visit
from .factories import make_visit

# What a browser would read as another site, or a path no page of ours has.
HOSTILE = [
    "//evil.example/",
    "/\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/ /evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "evil.example",
    "/\x00/evil.example",
    "\\\\evil.example",
    # Encoded forms: decoded once by the query string, or again by a proxy or a browser.
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "/%5Cevil.example",
    "/%09/evil.example",
    "/%0a/evil.example",
    "%2F%2Fevil.example",
    "/%252F%252Fevil.example",
    # Absolute URLs, also of look-alike schemes and with credentials.
    "http://evil.example",
    "HTTPS://evil.example/login",
    "//user@evil.example",
    "/\u3000/evil.example",
    "data:text/html,<script>alert(1)</script>",
    "https:/\\evil.example",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_the_rule_refuses_every_way_to_another_site(target):
    assert safe_next(target, "/fallback") == "/fallback"


@pytest.mark.parametrize("target", ["/", "/bezoeken/3", "/kantoor/?x=1#a", "/kantoor/?q=a%20b"])
def test_the_rule_keeps_paths_of_our_own(target):
    assert safe_next(target, "/fallback") == target


@pytest.mark.parametrize("target", HOSTILE)
def test_login_never_sends_anyone_elsewhere(client, target):
    token = csrf_token(client)
    response = client.post(
        "/login?next=" + quote(target, safe=""),
        data={"username": "demo-medewerker", "password": demo.DEMO_PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", HOSTILE)
def test_a_visit_action_never_sends_the_worker_elsewhere(db, auth, target):
    visit_id = make_visit(db)
    auth.login("demo-medewerker")
    response = auth.post(f"/timer/{visit_id}/inchecken", {"next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/timer/{visit_id}"
    assert db["visits"].get(visit_id)["status"] == "running"


@pytest.mark.parametrize("target", HOSTILE)
def test_an_alarm_action_never_sends_the_office_elsewhere(db, clock, escalator, web, target):
    _client, auth = web
    running_visit(db, clock, minutes=10)
    advance(clock, escalator, 20 * 60)
    alarm_id = db.execute("select id from alarms").fetchone()[0]
    auth.login("demo-kantoor")
    response = auth.post(f"/kantoor/alarmen/{alarm_id}/bevestigen", {"next": target})
    assert response.headers["Location"] == f"/kantoor/alarmen/{alarm_id}"
    assert db["alarms"].get(alarm_id)["status"] == "acknowledged"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/incidents/new?visit_id=3", "/incidenten/nieuw?visit_id=3"),
        ("/incidents/", "/incidenten/"),
        ("/incidents/7", "/incidenten/7"),
        ("/incidents/shell", "/incidenten/formulier"),
        ("/meldingen", "/instellingen/"),
        ("/protocolkaart", "/bezoeken/protocolkaart"),
        ("/escalatiebeleid", "/kantoor/escalatiebeleid"),
        ("/alarmen/4", "/kantoor/alarmen/4"),
        ("/bezoeken/5/acties", "/timer/5"),
        ("/bezoeken/5/alarm-verstuurd", "/timer/5/alarm-verstuurd"),
    ],
)
def test_old_addresses_on_phones_lead_to_the_new_ones(client, old, new):
    response = client.get(old)
    assert (response.status_code, response.headers["Location"]) == (308, new)


def test_a_form_posted_from_an_old_page_still_arrives(db, auth, client):
    visit_id = make_visit(db)
    auth.login("demo-medewerker")
    moved = auth.post(f"/bezoeken/{visit_id}/inchecken")
    assert (moved.status_code, moved.headers["Location"]) == (308, f"/timer/{visit_id}/inchecken")
    assert db["visits"].get(visit_id)["status"] == "planned"  # the redirect itself did nothing
    token = csrf_token(client)
    response = client.post(
        f"/bezoeken/{visit_id}/inchecken", data={"csrf_token": token}, follow_redirects=True
    )
    assert response.status_code == 200
    assert db["visits"].get(visit_id)["status"] == "running"
