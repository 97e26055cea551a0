"""Every route × method × role, with the answer it must give; a route added without a row
fails here, naming it.

To add a route: run this test, copy the line the failure prints into MATRIX and check each
of the ten answers (the roles are in `world.ROLES`, in this order):

    anonymous  worker  colleague  office  coordinator  admin
    other-worker  other-office  other-coordinator  other-admin

"worker" owns the visit, the report and the alarm's visit (all of the demo team); "colleague"
is another field worker of that team, not on the visit; "other-*" are of another team. A
POST is sent as the page would (CSRF token, an empty form; `{}` to a JSON endpoint). Every
request runs on a fresh copy of the same database, and a refused one (4xx) must leave it
unchanged. Old addresses (app/legacy.py) answer 308 to everyone.
"""

import pytest

from app.legacy import MOVED

from .world import ROLES, built, fingerprint

MATRIX = {
    (
        "GET",
        "/timer/<int:visit_id>/alarm-verstuurd/stand",
    ): "302 200 404 200 200 404 404 404 404 404",
    ("GET", "/timer/alarm-verstuurd"): "302 200 200 200 200 200 200 200 200 200",
    ("GET", "/timer/alarm-verstuurd/stand"): "302 200 200 200 200 200 200 200 200 200",
    ("GET", "/timer/zonder-verbinding"): "200 200 200 200 200 200 200 200 200 200",
    ("GET", "/uitloggen"): "302 200 200 200 200 200 200 200 200 200",
    (
        "POST",
        "/bezoeken/<int:visit_id>/toestemming/vragen",
    ): "302 303 404 303 303 404 404 404 404 404",
    (
        "POST",
        "/bezoeken/<int:visit_id>/toestemming/weigeren",
    ): "302 403 403 403 422 403 403 403 404 403",
    ("POST", "/timer/<int:visit_id>/halfweg"): "302 409 404 403 403 404 404 404 404 404",
    ("POST", "/timer/alarm"): "302 200 200 200 200 200 200 200 200 200",
    ("GET", "/login/opnieuw"): "302 200 200 200 200 200 200 200 200 200",
    ("GET", "/opvolging/"): "302 403 403 403 200 403 403 403 200 403",
    ("GET", "/opvolging/<int:incident_id>"): "302 403 403 403 200 403 403 403 404 403",
    (
        "GET",
        "/opvolging/<int:incident_id>/aangifte/informatieblad",
    ): "302 403 403 403 200 403 403 403 404 403",
    ("GET", "/opvolging/export/alarmen.csv"): "302 403 403 403 200 403 403 403 200 403",
    ("GET", "/opvolging/export/incidenten.csv"): "302 403 403 403 200 403 403 403 200 403",
    ("GET", "/opvolging/rapport"): "302 403 403 403 200 403 403 403 200 403",
    ("GET", "/opvolging/signaleringen"): "302 403 403 403 200 403 403 403 200 403",
    ("GET", "/opvolging/trends"): "302 403 403 403 200 403 403 403 200 403",
    ("POST", "/login/opnieuw"): "302 422 422 422 422 422 422 422 422 422",
    ("POST", "/opvolging/<int:incident_id>/aangifte"): "302 403 403 403 422 403 403 403 404 403",
    ("POST", "/opvolging/<int:incident_id>/afsluiten"): "302 403 403 403 422 403 403 403 404 403",
    ("POST", "/opvolging/<int:incident_id>/analyse"): "302 403 403 403 422 403 403 403 404 403",
    ("POST", "/opvolging/<int:incident_id>/eigenaar"): "302 403 403 403 422 403 403 403 404 403",
    ("POST", "/opvolging/<int:incident_id>/heropenen"): "302 403 403 403 422 403 403 403 404 403",
    ("POST", "/opvolging/<int:incident_id>/nazorg"): "302 403 403 403 422 403 403 403 404 403",
    ("POST", "/opvolging/<int:incident_id>/reactie"): "302 403 403 403 422 403 403 403 404 403",
    ("POST", "/opvolging/<int:incident_id>/schade"): "302 403 403 403 422 403 403 403 404 403",
    ("POST", "/opvolging/signaleringen"): "302 403 403 403 422 403 403 403 422 403",
    (
        "POST",
        "/opvolging/signaleringen/<int:flag_id>/beeindigen",
    ): "302 403 403 403 422 403 403 403 404 403",
    (
        "POST",
        "/opvolging/signaleringen/<int:flag_id>/kennisgeving",
    ): "302 403 403 403 422 403 403 403 404 403",
    ("GET", "/"): "302 200 200 200 200 200 200 200 200 200",
    ("GET", "/account"): "302 200 200 200 200 200 200 200 200 200",
    ("POST", "/account"): "302 422 422 422 422 422 422 422 422 422",
    ("GET", "/account/tweestaps"): "302 200 200 200 200 200 200 200 200 200",
    ("POST", "/account/tweestaps"): "302 422 422 422 422 422 422 200 200 200",
    ("GET", "/beheer/"): "302 403 403 403 403 200 403 403 403 200",
    ("GET", "/beheer/audit"): "302 403 403 403 403 200 403 403 403 200",
    ("GET", "/beheer/gebruikers/<int:user_id>"): "302 403 403 403 403 200 403 403 403 200",
    ("POST", "/beheer/gebruikers/<int:user_id>"): "302 403 403 403 403 422 403 403 403 422",
    ("POST", "/beheer/gebruikers/<int:user_id>/actief"): "302 403 403 403 403 303 403 403 403 303",
    (
        "POST",
        "/beheer/gebruikers/<int:user_id>/tweestaps",
    ): "302 403 403 403 403 303 403 403 403 303",
    ("GET", "/beheer/gebruikers/nieuw"): "302 403 403 403 403 200 403 403 403 200",
    ("POST", "/beheer/gebruikers/nieuw"): "302 403 403 403 403 422 403 403 403 422",
    ("POST", "/beheer/teams"): "302 403 403 403 403 303 403 403 403 303",
    ("POST", "/beheer/teams/<int:team_id>"): "302 403 403 403 403 303 403 403 403 303",
    ("GET", "/bezoeken/mijn"): "302 200 200 200 200 200 200 200 200 200",
    ("GET", "/bezoeken/<int:visit_id>"): "302 200 404 200 200 404 404 404 404 404",
    ("POST", "/bezoeken/<int:visit_id>/annuleren"): "302 303 404 303 303 404 404 404 404 404",
    ("POST", "/bezoeken/<int:visit_id>/begeleiders"): "302 422 404 422 422 404 404 404 404 404",
    (
        "POST",
        "/bezoeken/<int:visit_id>/begeleiders/<int:companion_id>/verwijderen",
    ): "302 303 404 303 303 404 404 404 404 404",
    ("GET", "/bezoeken/<int:visit_id>/inschatting"): "302 200 404 200 200 404 404 404 404 404",
    ("POST", "/bezoeken/<int:visit_id>/inschatting"): "302 422 404 422 422 404 404 404 404 404",
    (
        "POST",
        "/bezoeken/<int:visit_id>/inschatting/uitkomst",
    ): "302 200 404 200 200 404 404 404 404 404",
    ("POST", "/bezoeken/<int:visit_id>/maatregelen"): "302 422 404 422 422 404 404 404 404 404",
    ("POST", "/bezoeken/<int:visit_id>/toestemming"): "302 403 403 403 422 403 403 403 404 403",
    ("GET", "/bezoeken/<int:visit_id>/wijzigen"): "302 200 404 200 200 404 404 404 404 404",
    ("POST", "/bezoeken/<int:visit_id>/wijzigen"): "302 422 404 422 422 404 404 404 404 404",
    ("GET", "/bezoeken/nieuw"): "302 200 200 200 200 403 200 200 200 403",
    ("POST", "/bezoeken/nieuw"): "302 422 422 422 422 403 422 422 422 403",
    ("GET", "/bezoeken/protocol"): "302 403 403 403 200 200 403 403 200 200",
    ("POST", "/bezoeken/protocol"): "302 403 403 403 422 422 403 403 422 422",
    ("GET", "/bezoeken/protocolkaart"): "200 200 200 200 200 200 200 200 200 200",
    ("GET", "/bezoeken/team"): "302 403 403 200 200 403 403 200 200 403",
    ("GET", "/bezoeken/voorwaarden"): "302 403 403 200 200 200 403 200 200 200",
    ("POST", "/bezoeken/voorwaarden"): "302 403 403 422 422 422 403 422 422 422",
    ("GET", "/healthz"): "503 503 503 503 503 503 503 503 503 503",
    # the test client is 127.0.0.1; from elsewhere only with VOP_METRICS_TOKEN (test_metrics)
    ("GET", "/metrics"): "200 200 200 200 200 200 200 200 200 200",
    ("GET", "/incidenten/"): "302 200 200 200 200 200 200 200 200 200",
    ("GET", "/incidenten/<int:incident_id>"): "302 200 404 404 200 404 404 404 404 404",
    ("GET", "/incidenten/formulier"): "200 200 200 200 200 200 200 200 200 200",
    ("GET", "/incidenten/nieuw"): "302 200 200 200 200 403 200 200 200 403",
    ("POST", "/incidenten/nieuw"): "302 422 422 422 422 403 422 422 422 403",
    ("GET", "/instellingen/"): "302 200 200 200 200 200 200 200 200 200",
    ("POST", "/instellingen/noodcode"): "302 422 422 422 422 422 422 422 422 422",
    ("GET", "/inzage/"): "302 403 403 403 200 403 403 403 200 403",
    ("POST", "/inzage/"): "302 403 403 403 422 403 403 403 422 403",
    ("GET", "/kantoor/"): "302 403 403 200 200 403 403 200 200 403",
    ("GET", "/kantoor/alarmen/<int:alarm_id>"): "302 404 404 200 200 404 404 404 404 404",
    (
        "POST",
        "/kantoor/alarmen/<int:alarm_id>/afhandelen",
    ): "302 404 404 422 422 404 404 404 404 404",
    (
        "POST",
        "/kantoor/alarmen/<int:alarm_id>/bevestigen",
    ): "302 403 404 303 303 404 404 404 404 404",
    ("GET", "/kantoor/escalatiebeleid"): "302 403 403 403 200 200 403 403 200 200",
    ("POST", "/kantoor/escalatiebeleid"): "302 403 403 403 422 422 403 403 422 422",
    ("GET", "/kantoor/live"): "302 403 403 200 200 403 403 200 200 403",
    ("GET", "/login"): "200 302 302 302 302 302 302 302 302 302",
    ("POST", "/login"): "401 401 401 401 401 401 401 401 401 401",
    ("GET", "/login/tweede-stap"): "302 302 302 302 302 302 302 302 302 302",
    ("POST", "/login/tweede-stap"): "302 302 302 302 302 302 302 302 302 302",
    ("POST", "/logout"): "303 409 303 303 303 303 303 303 303 303",
    ("GET", "/manifest.webmanifest"): "200 200 200 200 200 200 200 200 200 200",
    ("GET", "/offline"): "200 200 200 200 200 200 200 200 200 200",
    ("POST", "/push/actions"): "400 400 400 400 400 400 400 400 400 400",
    ("POST", "/push/receipts"): "400 400 400 400 400 400 400 400 400 400",
    ("POST", "/push/subscriptions"): "401 400 400 400 400 400 400 400 400 400",
    ("DELETE", "/push/subscriptions"): "401 400 400 400 400 400 400 400 400 400",
    ("POST", "/push/test"): "401 202 202 202 202 202 202 202 202 202",
    ("GET", "/push/vapid-public-key"): "200 200 200 200 200 200 200 200 200 200",
    ("GET", "/sw.js"): "200 200 200 200 200 200 200 200 200 200",
    ("POST", "/sync"): "401 400 400 400 400 400 400 400 400 400",
    ("GET", "/sync/status"): "401 200 200 200 200 200 200 200 200 200",
    ("GET", "/timer/<int:visit_id>"): "302 200 404 200 200 404 404 404 404 404",
    ("POST", "/timer/<int:visit_id>/alarm"): "302 200 404 200 200 404 404 404 404 404",
    ("GET", "/timer/<int:visit_id>/alarm-verstuurd"): "302 200 404 200 200 404 404 404 404 404",
    ("POST", "/timer/<int:visit_id>/inchecken"): "302 303 404 403 403 404 404 404 404 404",
    ("POST", "/timer/<int:visit_id>/oke"): "302 409 404 403 403 404 404 404 404 404",
    ("POST", "/timer/<int:visit_id>/uitchecken"): "302 409 404 403 403 404 404 404 404 404",
    ("GET", "/timer/<int:visit_id>/uitgecheckt"): "302 200 404 200 200 404 404 404 404 404",
    ("POST", "/timer/<int:visit_id>/verlengen"): "302 422 404 422 422 404 404 404 404 404",
}
LEGACY = {(method, rule) for rule in MOVED for method in ("GET", "POST")}
MOVED_ANSWER = " ".join(["308"] * len(ROLES))


@pytest.fixture(scope="module")
def world(tmp_path_factory, seeded_database):
    """The organisation every row is asked against (made once for the module)."""
    with built(tmp_path_factory, seeded_database, "matrix") as made:
        yield made


def app_routes(world) -> set[tuple[str, str]]:
    """Return every (method, rule) the app answers, but static files."""
    return {
        (method, rule.rule)
        for rule in world.app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_has_a_row(world):
    missing = sorted(app_routes(world) - set(MATRIX) - LEGACY)
    lines = []
    for method, rule in missing:
        answers = " ".join(str(world.request(method, rule, role).status_code) for role in ROLES)
        lines.append(f'    ("{method}", "{rule}"): "{answers}",  # check each answer')
    assert not missing, "Routes without a row in MATRIX (tests/test_route_matrix.py):\n" + (
        "\n".join(lines)
    )


def test_every_row_is_a_route(world):
    assert not sorted(set(MATRIX) - app_routes(world))


@pytest.mark.parametrize(("method", "rule"), sorted(set(MATRIX) | LEGACY))
def test_each_role_gets_its_answer(world, method, rule):
    expected = MATRIX.get((method, rule), MOVED_ANSWER).split()
    assert len(expected) == len(ROLES), f"{method} {rule}: give {len(ROLES)} answers"
    base = world.base_fingerprint if method != "GET" else None
    wrong = []
    for role, want in zip(ROLES, expected, strict=True):
        response = world.request(method, rule, role)
        if str(response.status_code) != want:
            wrong.append(f"{role}: {response.status_code} (expected {want})")
        elif base is not None and response.status_code >= 400:
            db = world.database()
            changed = [t for t, h in fingerprint(db).items() if base.get(t) != h]
            db.conn.close()
            if changed:
                wrong.append(f"{role}: refused ({want}) but changed {changed}")
    assert not wrong, f"{method} {rule}: " + "; ".join(wrong)
