"""The escalation worker prunes what would only grow: old failures, sessions, deliveries."""

from datetime import timedelta

from app.clock import iso


def _failure(db, at) -> None:
    db["login_failures"].insert({"username": "x", "origin": "1.2.3.4", "at": iso(at)})


def _session(db, sid: str, created, ended=None) -> None:
    db["user_sessions"].insert(
        {
            "id": sid,
            "user_id": 1,
            "created_at": iso(created),
            "last_seen_at": iso(created),
            "ended_at": iso(ended) if ended else None,
        }
    )


def _delivery(db, status: str, created, next_attempt=None) -> int:
    row = {
        "channel": "push",
        "host": "127.0.0.1",
        "kind": "reminder",
        "payload": "{}",
        "status": status,
        "next_attempt_at": iso(next_attempt or created),
        "created_at": iso(created),
    }
    return db["deliveries"].insert(row).last_pk


def test_a_tick_prunes_what_is_past_keeping_and_nothing_else(db, clock, escalator):
    now = clock()
    _failure(db, now - timedelta(days=2))
    _failure(db, now - timedelta(minutes=10))  # still counted by the throttle
    _session(db, "old", now - timedelta(days=45), now - timedelta(days=44))
    _session(db, "stale", now - timedelta(days=40))  # never ended, long expired
    _session(db, "recent", now - timedelta(days=2), now - timedelta(days=1))
    _session(db, "open", now - timedelta(hours=1))
    old_sent = _delivery(db, "sent", now - timedelta(days=31))
    # Still being sent (by this escalator, claimed and not yet answered): never dropped.
    old_waiting = _delivery(db, "sending", now - timedelta(days=31), now + timedelta(seconds=30))
    db["deliveries"].update(old_waiting, {"claimed_by": escalator.holder})
    new_sent = _delivery(db, "sent", now - timedelta(days=1))
    sessions_before = db["user_sessions"].count

    result = escalator.tick()

    assert result["pruned"] == {"login_failures": 1, "user_sessions": 2, "deliveries": 1}
    assert db["login_failures"].count == 1
    left = {r[0] for r in db.execute("select id from user_sessions")}
    assert {"recent", "open"} <= left and not {"old", "stale"} & left
    assert db["user_sessions"].count == sessions_before - 2
    ids = {r[0] for r in db.execute("select id from deliveries")}
    assert old_sent not in ids and {old_waiting, new_sent} <= ids


def test_pruning_runs_once_an_hour(db, clock, escalator):
    escalator.tick()
    _failure(db, clock() - timedelta(days=3))
    clock.advance(minutes=30)
    assert escalator.tick()["pruned"] is None
    assert db["login_failures"].count == 1
    clock.advance(minutes=31)
    assert escalator.tick()["pruned"]["login_failures"] == 1
    assert db["login_failures"].count == 0
