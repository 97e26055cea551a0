"""Property: whatever the network and the server do, every report is stored exactly once.

A model of the phone's outbox (the same rules as static/js/outbox.js: an item leaves only
when the server answered "stored" for its id) flushes through the real /sync endpoint while
hypothesis drops requests and answers, sends batches twice, reorders them, lets a stale
second tab resend old items, crashes the server half-way through a batch and makes single
items fail. After the trouble, calm flushes empty the outbox.
"""

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.incidents import reports

from .test_sync_protocol import JSON, report

FAULTS = ["ok", "drop_request", "drop_response", "duplicate", "crash", "item_errors", "stale_tab"]


@st.composite
def trouble(draw, size: int):
    """Draw one flush attempt and what goes wrong with it."""
    return {
        "fault": draw(st.sampled_from(FAULTS)),
        "order": draw(st.permutations(range(size))),
        "failing": draw(st.sets(st.integers(0, size - 1), max_size=size)),
        "cut": draw(st.integers(0, size)),
    }


@st.composite
def scenarios(draw):
    size = draw(st.integers(1, 8))
    return size, draw(st.lists(trouble(size), min_size=1, max_size=12))


class Server:
    """The real endpoint, with a switch to make chosen items fail inside the transaction."""

    def __init__(self, client, monkeypatch):
        self.client = client
        self.failing: set[str] = set()
        real_insert = reports.insert

        def insert(db, row, **kwargs):
            if kwargs["client_id"] in self.failing:
                raise RuntimeError("injected server error")
            return real_insert(db, row, **kwargs)

        monkeypatch.setattr(reports, "insert", insert)
        self.token = client.get("/sync/status", headers=JSON).get_json()["csrf_token"]

    def sync(self, batch: list[dict]) -> list[dict]:
        headers = {**JSON, "X-CSRFToken": self.token}
        response = self.client.post("/sync", json={"items": batch}, headers=headers)
        assert response.status_code == 200
        return response.get_json()["results"]


class Phone:
    """The outbox: items stay until the server answered "stored" for their id."""

    def __init__(self, items: list[dict]):
        self.made = items
        self.outbox = {item["id"]: item for item in items}

    def batch(self, step: dict) -> list[dict]:
        if step["fault"] == "stale_tab":  # another tab with an old copy of the outbox
            return [self.made[i] for i in step["order"][: step["cut"]]]
        pending = [item for item in self.made if item["id"] in self.outbox]
        ranked = sorted(pending, key=lambda item: step["order"][self.made.index(item)])
        return ranked

    def hear(self, results: list[dict], batch: list[dict]) -> None:
        for result in results:
            assert result["id"] == batch[result["index"]]["id"]
            assert result["outcome"] in ("stored", "error"), result
            if result["outcome"] == "stored":
                self.outbox.pop(result["id"], None)


def flush(phone: Phone, server: Server, step: dict) -> None:
    """One flush attempt under the drawn fault."""
    batch = phone.batch(step)
    fault = step["fault"]
    if fault == "drop_request" or not batch:
        return
    if fault == "crash":  # the server dies part-way: what it committed stays, no answer
        server.sync(batch[: step["cut"]])
        return
    if fault == "item_errors":
        server.failing = {phone.made[i]["id"] for i in step["failing"]}
    try:
        results = server.sync(batch)
        if fault == "duplicate":
            results = server.sync(batch)
    finally:
        server.failing = set()
    if fault != "drop_response":
        phone.hear(results, batch)


@pytest.fixture
def server(client, auth, monkeypatch) -> Server:
    auth.login("demo-medewerker")
    return Server(client, monkeypatch)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
def test_every_report_is_stored_exactly_once(server, db, scenario):
    size, steps = scenario
    db.execute("delete from sync_receipts")
    db.execute("delete from incidents")
    items = [
        {
            "id": str(uuid.uuid4()),
            "kind": "incident",
            "created_at": f"2026-11-02T08:5{n}:00Z",
            "data": report(description=f"Melding {n}"),
        }
        for n in range(size)
    ]
    phone = Phone(items)
    for step in steps:
        flush(phone, server, step)
    for _ in range(3):  # the network calms down
        flush(phone, server, {"fault": "ok", "order": list(range(size)), "failing": set()})
    assert phone.outbox == {}
    rows = db.execute("select client_id, description from incidents order by id").fetchall()
    assert sorted(r[0] for r in rows) == sorted(item["id"] for item in items)
    assert {r[0]: r[1] for r in rows} == {i["id"]: i["data"]["description"] for i in items}
