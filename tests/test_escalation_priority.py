"""Alarms before reminders, and a dead escalator's sends taken over at once."""

import json
import socket
import subprocess
import sys
from datetime import timedelta

from app.clock import iso
from app.escalation import actions, engine

from .escalation_helpers import running_visit, subscribe, user


def test_a_panic_goes_out_before_a_burst_of_reminders(db, clock, escalator, push_service):
    subscribe(db, "demo-medewerker", push_service, "worker")
    subscribe(db, "demo-kantoor", push_service, "office")
    visits = [running_visit(db, clock, minutes=10, house_number=str(n + 1)) for n in range(150)]
    clock.advance(minutes=5, seconds=1)  # every visit's reminder is due now
    actions.panic(db, visits[0], user(db, "demo-medewerker"), at=clock())
    escalator.tick()
    first = push_service.received()[0]
    assert first.name == "office" and first.payload["type"] == "panic"
    kinds = [m.payload["type"] for m in push_service.received()]
    assert kinds.count("reminder") < 150  # the burst goes on in the next ticks
    while escalator.tick()["fired"]:
        pass
    assert [m.payload["type"] for m in push_service.received()].count("reminder") == 150


def test_a_new_leader_sends_at_once_what_a_dead_one_had_claimed(
    db, clock, escalator, push_service
):
    subscribe(db, "demo-kantoor", push_service, "office")
    sub = db.execute("select id from push_subscriptions").fetchone()[0]
    payload = {"type": "alarm", "title": "ALARM", "body": "x", "url": "/", "alarm_id": 1}
    delivery = (
        db["deliveries"]
        .insert(
            {
                "channel": "push",
                "subscription_id": sub,
                "host": "127.0.0.1",
                "kind": "alarm",
                "payload": json.dumps(payload),
                "ttl": 3600,
                "urgency": "high",
                "status": "sending",  # claimed by a process that died before it answered
                "attempts": 1,
                "claimed_by": "elsewhere:12345:dead",
                "next_attempt_at": iso(clock() + timedelta(seconds=60)),
                "created_at": iso(clock()),
            }
        )
        .last_pk
    )
    escalator.tick()
    assert [m.payload["type"] for m in push_service.received("office")] == ["alarm"]
    row = db["deliveries"].get(delivery)
    assert (row["status"], row["claimed_by"], row["attempts"]) == ("sent", escalator.holder, 2)


def test_a_dead_holder_on_this_machine_loses_the_lease_at_once(db, clock):
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead = f"{socket.gethostname()}:{gone.stdout.strip()}:abc"
    alive = f"{socket.gethostname()}:1:abc"  # pid 1 always runs
    elsewhere = "another-host:4242:abc"
    for holder, taken in ((dead, True), (alive, False), (elsewhere, False)):
        db.execute("delete from escalator_lease")
        db.execute(
            "insert into escalator_lease (name, holder, expires_at) values ('escalator', ?, ?)",
            [holder, iso(clock() + timedelta(seconds=5))],
        )
        assert engine.take_lease(db, "me:1:x", clock()) is taken, holder


def test_a_batch_of_a_burst_reads_its_visits_and_people_once(db, clock, escalator, push_service):
    subscribe(db, "demo-medewerker", push_service, "worker")
    visits = [running_visit(db, clock, minutes=10, house_number=str(n + 1)) for n in range(30)]
    clock.advance(minutes=5, seconds=1)  # every visit's reminder is due now
    reads = []
    escalator.db.conn.set_trace_callback(reads.append)
    try:
        assert escalator.tick()["fired"] == 30
    finally:
        escalator.db.conn.set_trace_callback(None)
    # One query for the batch's visits, one for its worker and one for her devices, not 30 of
    # each.
    assert sum(" from visits where id" in sql for sql in reads) == 1
    assert sum(" from users where id in" in sql for sql in reads) == 1
    assert sum("from push_subscriptions where user_id in" in sql for sql in reads) == 1
    kinds = [m.payload["type"] for m in push_service.received("worker")]
    assert kinds == ["reminder"] * 30
    assert {m.payload["visit_id"] for m in push_service.received("worker")} == set(visits)
