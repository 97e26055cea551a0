"""/metrics in Prometheus text format, checked against what the escalation really did."""

from prometheus_client.parser import text_string_to_metric_families

from .escalation_helpers import advance, running_visit, subscribe


def scrape(client, **kwargs) -> dict[tuple, float]:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.status_code
    values = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


def delta(before: dict, after: dict, name: str, **labels) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0) - before.get(key, 0)


def test_the_figures_follow_what_happened(db, clock, escalator, web, push_service):
    client, _auth = web
    subscribe(db, "demo-medewerker", push_service, "worker")
    subscribe(db, "demo-kantoor", push_service, "office")
    before = scrape(client)
    running_visit(db, clock, minutes=10)
    ticks = 0
    for minutes in (6, 5, 6):  # reminder, due (worker's notice), past the grace (alarm)
        advance(clock, escalator, minutes * 60)
        ticks += 1
    after = scrape(client)
    assert delta(before, after, "vop_escalator_ticks_total") == ticks
    fired = delta(before, after, "vop_escalation_fired_total", kind="step")
    assert (
        fired
        == db.execute(
            "select count(*) from escalation_jobs where kind = 'step' and status = 'done'"
        ).fetchone()[0]
        == 2
    )
    assert delta(before, after, "vop_escalation_fired_total", kind="reminder") == 1
    sent = delta(before, after, "vop_sends_total", channel="push", outcome="accepted")
    # reminder, overdue notice, office alarm, and the worker told the office was alerted
    assert sent == len(push_service.received()) == 4
    lagged = delta(before, after, "vop_escalation_lag_seconds_count", kind="step")
    assert lagged == 2
    assert after[("vop_open_alarms", (("kind", "overdue"),))] == 1
    assert after[("vop_escalation_jobs_overdue", ())] == 0


def test_sync_items_are_counted_by_outcome(client, auth):
    auth.login("demo-medewerker")
    before = scrape(client)
    token = client.get("/sync/status").get_json()["csrf_token"]
    bad = {"id": "not-a-uuid", "kind": "incident", "data": {}}
    client.post("/sync", json={"items": [bad]}, headers={"X-CSRFToken": token})
    after = scrape(client)
    assert delta(before, after, "vop_sync_items_total", kind="incident", outcome="invalid") == 1


def test_only_loopback_or_the_token_may_scrape(app, client):
    outside = {"REMOTE_ADDR": "10.1.2.3"}
    assert client.get("/metrics", environ_base=outside).status_code == 403
    proxied = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.status_code == 403  # a proxy on this machine forwards outsiders
    app.config["VOP_METRICS_TOKEN"] = "geheim-token-123"
    assert client.get("/metrics", environ_base=outside).status_code == 403
    good = {"Authorization": "Bearer geheim-token-123"}
    assert client.get("/metrics", environ_base=outside, headers=good).status_code == 200
    wrong = {"Authorization": "Bearer geheim-token-124"}
    assert client.get("/metrics", environ_base=outside, headers=wrong).status_code == 403
