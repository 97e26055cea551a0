"""Escalators as real processes: a restart after a due time, and two on one database."""

import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from app import create_app
from app.clock import now
from app.escalation import actions, policy

from .conftest import ROOT, children, proc_stat
from .escalation_helpers import subscribe, user
from .factories import make_visit

# Seconds after the due time: the worker's notice at once, the office's alarm 2 s later.
FAST = {
    "reminder_before": 0,
    "high_risk_grace": 2,
    "renotify": 3600,  # no repeats during a test: every message counted is a step
    "repeat_limit": 0,
    "ack_timeout": 3600,
    "steps": [
        {"delay": 0, "who": ["worker"], "channels": ["push"]},
        {"delay": 2, "who": ["office"], "channels": ["push"]},
    ],
}


@pytest.fixture
def setting(tmp_path, monkeypatch, seeded_database, push_service):
    """A data directory shared by the test (to plan visits) and escalator processes."""
    shutil.copyfile(seeded_database, tmp_path / "veilig-op-pad.sqlite")
    env = {
        "VOP_DATA_DIR": str(tmp_path),
        "VOP_PUSH_HOSTS": "127.0.0.1",
        "VOP_ESCALATOR_TICK_SECONDS": "0.2",
        "VOP_SECRET_KEY": "processes-test",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    app = create_app()
    with app.app_context():
        from app.db import get_db

        db = get_db()
        team = db.execute("select id from teams").fetchone()[0]
        policy.save(db, team, FAST, None)
        subscribe(db, "demo-medewerker", push_service, "worker")
        subscribe(db, "demo-kantoor", push_service, "office")
        yield app, db, {**os.environ, **env}, tmp_path


def _start(env: dict, log_path) -> subprocess.Popen:
    log = open(log_path, "a")  # noqa: SIM115 - owned by the process
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "escalator"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(15)


def _wait_for_tick(db, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = db.execute("select last_tick_at from escalator_lease").fetchone()
        if row and row[0]:
            return
        time.sleep(0.1)
    raise AssertionError("the escalator never ticked")


def _ticks_of(db, process: subprocess.Popen, count: int = 2, timeout: float = 20) -> None:
    """Wait until this escalator process has led and completed `count` more ticks."""
    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = db.execute("select holder, last_tick_at from escalator_lease").fetchone()
        if row and f":{process.pid}:" in row[0] and row[1]:
            seen.add(row[1])
            if len(seen) > count:
                return
        time.sleep(0.05)
    raise AssertionError(f"escalator {process.pid} completed {len(seen)} ticks")


def _settled(db) -> None:
    """Assert nothing is left to send: every delivery answered, no step still due."""
    unsent = db.execute(
        "select count(*) from deliveries where status in ('pending', 'sending')"
    ).fetchone()[0]
    due = db.execute(
        "select count(*) from escalation_jobs where status = 'pending' and kind != 'renotify' "
        "and due_at <= ?",
        [now().isoformat(timespec="seconds")],
    ).fetchone()[0]
    assert (unsent, due) == (0, 0)


def _sent(service) -> Counter:
    return Counter((m.payload["visit_id"], m.payload["type"]) for m in service.received())


def _visit_due_in(db, seconds: float, house: int) -> int:
    """Check in for a 1-minute visit so that it is due `seconds` from now (negative: past)."""
    visit_id = make_visit(db, expected_minutes=1, house_number=str(house))
    start = now() - timedelta(minutes=1) + timedelta(seconds=seconds)
    actions.check_in(db, visit_id, user(db, "demo-medewerker"), at=start)
    return visit_id


def test_a_process_started_after_the_due_time_sends_each_step_once(setting, push_service):
    app, db, env, tmp = setting
    first = _start(env, tmp / "first.log")
    _wait_for_tick(db)
    _stop(first)  # the escalator is down ...
    visit_id = _visit_due_in(db, -30, 1)  # ... while a visit falls due and its alarm too
    fired = "select count(*) from escalation_jobs where visit_id = ? and status = 'done'"
    assert db.execute(fired, [visit_id]).fetchone()[0] == 0  # nobody fires while it is down
    second = _start(env, tmp / "second.log")
    try:
        push_service.wait_for(3, timeout=20)
        _ticks_of(db, second)  # a duplicate would be sent in the ticks after the first sends
        _settled(db)
    finally:
        _stop(second)
    assert _sent(push_service) == {
        (visit_id, "overdue"): 1,
        (visit_id, "alarm"): 1,
        (visit_id, "office_alerted"): 1,  # the worker hears the office was alerted
    }
    late = db.execute(
        "select key, late_seconds from escalation_jobs where visit_id = ? order by id", [visit_id]
    ).fetchall()
    assert all(seconds >= 28 for _key, seconds in late)  # logged as late, not silently
    third = _start(env, tmp / "third.log")  # a further restart sends nothing again
    try:
        _ticks_of(db, third)
        _settled(db)
    finally:
        _stop(third)
    assert len(push_service.received()) == 3


def test_two_escalators_on_one_database_send_every_step_exactly_once(setting, push_service):
    app, db, env, tmp = setting
    processes = [_start(env, tmp / f"escalator-{n}.log") for n in (1, 2)]
    try:
        _wait_for_tick(db)
        visits = [_visit_due_in(db, 0.5 + n * 0.15, n + 1) for n in range(24)]
        push_service.wait_for(len(visits), timeout=20)
        # The leader steps down halfway; the other takes over the rest.
        holder = db.execute("select holder from escalator_lease").fetchone()[0]
        leader = next(p for p in processes if f":{p.pid}:" in holder)
        _stop(leader)
        push_service.wait_for(3 * len(visits), timeout=20)
        survivor = next(p for p in processes if p is not leader)
        _ticks_of(db, survivor)  # a duplicate would be sent in the ticks after the last sends
        _settled(db)
    finally:
        for process in processes:
            _stop(process)
    sent = _sent(push_service)
    expected = {(v, k): 1 for v in visits for k in ("overdue", "alarm", "office_alerted")}
    assert sent == expected
    holders = {row[0] for row in db.execute("select fired_by from escalation_jobs")}
    assert len(holders) == 2  # both led in turn, never both at once for one step


def _push_sender_of(escalator: subprocess.Popen, timeout: float = 20) -> int:
    """Return the pid of an escalator's push sender process (escalation/sender.py)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in children(escalator.pid):
            try:
                command = Path(f"/proc/{pid}/cmdline").read_text()
            except OSError:
                continue
            if "spawn_main" in command:
                return pid
        time.sleep(0.1)
    raise AssertionError("the escalator started no push sender")


def _gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fields = proc_stat(pid)
        if fields is None or fields[0] == "Z":  # Z: dead, waiting for its dead parent's reaper
            return True
        time.sleep(0.05)
    return False


def test_a_killed_escalator_takes_its_push_sender_with_it(setting):
    app, db, env, tmp = setting
    escalator = _start(env, tmp / "escalator.log")
    try:
        _wait_for_tick(db)
        pusher = _push_sender_of(escalator)
        escalator.send_signal(signal.SIGKILL)
        escalator.wait(10)
        # Nobody would record its answers: it stops at once, and the next escalator sends.
        assert _gone(pusher, timeout=2), "the push sender outlived its escalator"
    finally:
        _stop(escalator)


def test_a_push_sender_that_dies_is_replaced_and_its_messages_go_again(setting, push_service):
    app, db, env, tmp = setting
    escalator = _start(env, tmp / "escalator.log")
    try:
        _wait_for_tick(db)
        first = _push_sender_of(escalator)
        push_service.hang("worker", 2)
        visit_id = _visit_due_in(db, 0, 1)
        deadline = time.monotonic() + 20
        while push_service.begun["worker"] < 1 and time.monotonic() < deadline:
            time.sleep(0.05)  # the notice is at the push service, unanswered
        os.kill(first, signal.SIGKILL)
        push_service.hang("worker", 0)
        push_service.wait_for(4, timeout=20)  # the dead one's request ends too (a duplicate)
        _ticks_of(db, escalator)
        _settled(db)
        second = _push_sender_of(escalator)
        assert escalator.poll() is None and second != first
    finally:
        _stop(escalator)
    sent = _sent(push_service)
    assert sent[(visit_id, "overdue")] >= 1
    assert sent[(visit_id, "alarm")] == 1 and sent[(visit_id, "office_alerted")] == 1
    errors = [
        r[0]
        for r in db.execute(
            "select json_extract(detail, '$.error') from alarm_log "
            "where visit_id = ? and event = 'delivery'",
            [visit_id],
        )
    ]
    assert "sender process stopped" in errors  # the lost attempt is on record, then a retry
