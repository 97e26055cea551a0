"""Generated junk at every form and JSON endpoint (Hypothesis): never a 500, and a refused
request changes nothing.

Each endpoint is asked as the first role of the route matrix that gets past the role check
(so the junk reaches the validation), on a fresh copy of the same database every time.
Fields are drawn from the names the app's forms use, with values from plausible to hostile:
control characters, lone surrogates (JSON), extreme years, odd time zones, huge numbers,
lists and objects where text belongs, deep nesting. `VOP_JUNK_EXAMPLES` sets the number of
examples per endpoint (default 30; GET pages get a third of it).
"""

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.legacy import MOVED

from .test_route_matrix import MATRIX
from .world import JSON_PREFIXES, ROLES, built, fingerprint

EXAMPLES = int(os.environ.get("VOP_JUNK_EXAMPLES", "30"))
PAST_THE_DOOR = {"302", "308", "401", "403", "404"}
FIELDS = [
    "username", "password", "next", "at", "lat", "lon", "pin", "pin_repeat", "minutes",
    "reason", "custom", "held", "outcome", "note", "action", "language", "current_password",
    "new_password", "new_password_repeat", "display_name", "role", "team_id", "phone",
    "active", "name", "two_factor_workers", "code", "case_ref", "companion", "external_name",
    "external_kind", "street", "house_number", "postcode", "city", "location_type",
    "voluntary", "purpose", "planned_start", "expected_minutes", "behaviours", "description",
    "consequences", "place_kind", "occurred_at", "perpetrator_kind", "perpetrator_description",
    "colleagues_present", "visit_id", "client_id", "worker_id", "waive", "measures", "body",
    "policy", "answers", "confirm", "endpoint", "keys", "token", "receipt", "items", "id",
    "kind", "data", "created_at",
]  # fmt: skip
PLAUSIBLE = [
    "1", "0", "15", "240", "-1", "99999999999999999999", "1e308", "NaN", "true", "on",
    "2026-11-02T10:00", "2026-11-02T09:00:00Z", "0001-01-01", "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00", "2026-11-02T09:00:00+23:59", "3511AB", "12", "12-A",
    "Z-2026-001", "insult", "verbal", "physical", "home", "home_visit", "kitchen_table",
    "field_worker", "admin", "nl", "en", "demo-wachtwoord", "/", "//evil.example",
    "/\t/evil.example", "https://evil.example", "ok", "extend", "resolved", "false_alarm",
]  # fmt: skip
FORM_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300
)  # a browser sends UTF-8: no lone surrogates in a form
FORM_VALUE = st.one_of(
    st.sampled_from(PLAUSIBLE),
    FORM_TEXT,
    st.text(alphabet="\x00\x01\x1b\n\r\t\u202e\u200b\ufeff <>\"'&%\\", max_size=40),
    st.integers().map(str),
    st.just("x" * 5000),
)
FORM = st.dictionaries(
    st.sampled_from(FIELDS), st.one_of(FORM_VALUE, st.lists(FORM_VALUE, max_size=4)), max_size=8
)
JSON_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(PLAUSIBLE),
    st.text(max_size=80),  # JSON may carry lone surrogates ("\ud800")
)
JSON_VALUE = st.recursive(
    JSON_SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(FIELDS), inner, max_size=5)
    ),
    max_leaves=25,
)
OUTBOX_ITEM = st.fixed_dictionaries(
    {
        "id": st.one_of(st.uuids().map(str), JSON_SCALAR),
        "kind": st.one_of(
            st.sampled_from(["incident", "check_in", "check_out", "extend", "im_ok", "panic"]),
            JSON_VALUE,
        ),
        "created_at": JSON_VALUE,
        "data": st.one_of(st.dictionaries(st.sampled_from(FIELDS), JSON_VALUE), JSON_VALUE),
    }
)
JSON_BODY = st.one_of(
    JSON_VALUE,
    st.dictionaries(st.sampled_from(FIELDS), JSON_VALUE, max_size=6),
    st.builds(lambda items: {"items": items}, st.lists(OUTBOX_ITEM, max_size=5)),
    st.just("[" * 5000 + "]" * 5000).map(lambda raw: ("raw", raw)),
)
# Outcomes of /sync items that store nothing the phone asked for.
NOTHING_STORED = {"invalid", "conflict", "deferred", "error"}


def endpoints() -> list[tuple[str, str, str]]:
    """Return (method, rule, role) for every non-legacy route, asked by the first role that
    gets past the role check."""
    found = []
    for (method, rule), answers in sorted(MATRIX.items()):
        if rule in MOVED:
            continue
        codes = answers.split()
        role = next((r for r, c in zip(ROLES, codes, strict=True) if c not in PAST_THE_DOOR), None)
        found.append((method, rule, role or "anonymous"))
    return found


ENDPOINTS = endpoints()
WRITES = [e for e in ENDPOINTS if e[0] != "GET"]
PAGES = [e for e in ENDPOINTS if e[0] == "GET"]


@pytest.fixture(scope="module")
def world(tmp_path_factory, seeded_database):
    """The organisation the junk is thrown at (made once for the module)."""
    with built(tmp_path_factory, seeded_database, "junk") as made:
        yield made


def _unchanged(world) -> list[str]:
    db = world.database()
    try:
        now = fingerprint(db)
    finally:
        db.conn.close()
    return [t for t, h in now.items() if world.base_fingerprint.get(t) != h]


def _check(world, method: str, rule: str, role: str, response) -> None:
    expected_503 = rule == "/healthz" and response.status_code == 503  # no escalator runs
    assert response.status_code < 500 or expected_503, (
        method,
        rule,
        role,
        response.get_data(as_text=True)[:300],
    )
    if response.status_code >= 400:
        assert not _unchanged(world), (method, rule, role, response.status_code)
    elif rule == "/sync" and response.status_code == 200:
        outcomes = {r["outcome"] for r in response.get_json()["results"]}
        if outcomes <= NOTHING_STORED:
            assert not _unchanged(world), (method, rule, role, outcomes)


@pytest.mark.parametrize(("method", "rule", "role"), WRITES)
def test_junk_at_every_form_and_json_endpoint(world, method, rule, role):
    is_json = rule.startswith(JSON_PREFIXES)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(body=JSON_BODY if is_json else FORM)
    def run(body):
        if isinstance(body, tuple):
            response = world.request(method, rule, role, raw=body[1])
        elif is_json:
            response = world.request(method, rule, role, raw=json.dumps(body))
        else:
            response = world.request(method, rule, role, body)
        _check(world, method, rule, role, response)

    run()


@pytest.mark.parametrize(("method", "rule", "role"), PAGES)
def test_junk_in_the_query_of_every_page(world, method, rule, role):
    @settings(
        max_examples=max(1, EXAMPLES // 3),
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(query=FORM)
    def run(query):
        path = world.path(rule)
        from urllib.parse import urlencode

        response = world.request_path(method, path + "?" + urlencode(query, doseq=True), role)
        _check(world, method, rule, role, response)

    run()


def test_the_property_covers_every_endpoint():
    assert len(WRITES) + len(PAGES) == len([k for k in MATRIX if k[1] not in MOVED])
    assert {role for *_r, role in WRITES} - {"anonymous"}  # the junk gets past the door
