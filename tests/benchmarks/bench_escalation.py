"""Benchmark `escalation`: how late does a due visit's notice reach the push service?

A fresh database holds `--active` running visits with every step of the default ladder
planned, as check-ins make them. `--due` of them fall due during the run, spread over
`--window` seconds; the others are due hours later. The escalator runs as its own process
(`flask --app app escalator`, as in production) and sends through the real push path to a
local fake push service, which decrypts each message and notes when it arrived.

Lag is measured from a visit's due time to the arrival of its "overdue" notice. Also
reported: the median cost of a tick with nothing due, measured after the run, to show that
a tick's cost follows what is due, not how many visits are running. Prints one JSON line:

    {"bench": "escalation", "active_visits": 10000, "due": 2000, "p50_lag_ms": ..., ...}

Usage: python tests/benchmarks/bench_escalation.py [--active 10000] [--due 2000] [--window 10]
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.clock import iso  # noqa: E402
from app.db import connect, migrate  # noqa: E402
from app.escalation import policy  # noqa: E402
from tests.push_service import FakePushService  # noqa: E402

WORKERS = 200
LEAD_SECONDS = 6  # time for the escalator process to start before the first visit is due
SETUP_PER_VISIT = 1 / 8000  # seconds: planning a visit and its jobs, with room to spare


def seed(db, service: FakePushService) -> list[int]:
    """Create a team, its workers (each with a device) and an office user; return worker ids."""
    now = iso(datetime.now(UTC))
    db.execute("insert into teams (name, active, created_at) values ('Bench', 1, ?)", [now])
    team = db.execute("select id from teams").fetchone()[0]
    rows = [(f"w{n}", f"Worker {n}", "x", "field_worker", team, now, now) for n in range(WORKERS)]
    rows.append(("office", "Office", "x", "office", team, now, now))
    db.conn.executemany(
        "insert into users (username, display_name, password_hash, role, team_id, active, "
        "created_at, password_changed_at) values (?, ?, ?, ?, ?, 1, ?, ?)",
        rows,
    )
    workers = [r[0] for r in db.execute("select id from users where role = 'field_worker'")]
    subs = []
    for worker in workers:
        data = service.subscribe(f"w{worker}")
        subs.append((worker, data["endpoint"], data["keys"]["p256dh"], data["keys"]["auth"]))
    db.conn.executemany(
        "insert into push_subscriptions (user_id, endpoint, p256dh, auth, host, created_at) "
        "values (?, ?, ?, ?, '127.0.0.1', ?)",
        [(*s, now) for s in subs],
    )
    return workers


def plan_visits(
    db, workers: list[int], active: int, due: int, start: datetime, window: float, lead: float
):
    """Insert running visits and their ladder's jobs; return {visit_id: due moment}."""
    ladder = policy.default_policy()
    team = db.execute("select id from teams").fetchone()[0]
    created = iso(start)
    due_soon: dict[int, datetime] = {}
    db.execute("BEGIN")
    for n in range(active):
        if n < due:
            moment = start + timedelta(seconds=lead + window * n / max(1, due))
        else:
            moment = start + timedelta(hours=2, seconds=n)
        moment = moment.replace(microsecond=0)  # due times are stored in whole seconds
        checked_in = moment - timedelta(minutes=60)
        worker = workers[n % len(workers)]
        visit_id = db.execute(
            "insert into visits (team_id, worker_id, created_by, created_at, street, "
            "house_number, postcode, city, address_key, location_type, voluntary, purpose, "
            "planned_start, expected_minutes, status, checked_in_at, due_at) values "
            "(?, ?, ?, ?, 'Benchweg', ?, '1234AB', 'Utrecht', ?, 'home', 1, 'intake', ?, 60, "
            "'running', ?, ?)",
            [
                team,
                worker,
                worker,
                created,
                str(n),
                f"1234AB|{n}",
                iso(checked_in),
                iso(checked_in),
                iso(moment),
            ],
        ).lastrowid
        if n < due:
            due_soon[visit_id] = moment
        jobs = []
        for job in policy.plan(ladder, {"voluntary": 1}, checked_in, moment):
            spec = {
                **job["spec"],
                "policy": {"renotify": 120, "repeat_limit": 10, "ack_timeout": 900},
            }
            # A reminder before the run was sent by the escalator that ran before this one.
            status = "done" if job["due"] < start else "pending"
            key = f"t{n}:{job['kind']}{'' if job['step'] is None else job['step']}"
            jobs.append(
                (
                    visit_id,
                    key,
                    job["kind"],
                    job["step"],
                    json.dumps(spec),
                    iso(job["due"]),
                    status,
                    created,
                )
            )
        db.conn.executemany(
            "insert into escalation_jobs (visit_id, key, kind, step, spec, due_at, status, "
            "created_at) values (?, ?, ?, ?, ?, ?, ?, ?)",
            jobs,
        )
    db.execute("COMMIT")
    return due_soon


def idle_tick_ms(data_dir: str) -> float:
    """Return the median time of a tick when nothing is due (the cost of looking)."""
    os.environ["VOP_DATA_DIR"] = data_dir
    from app import create_app
    from app.escalation.engine import Escalator

    app = create_app({"VOP_PUSH_HOSTS": "127.0.0.1"})
    escalator = Escalator(app, holder="bench-idle")
    times = []
    for _ in range(30):
        started = time.perf_counter()
        result = escalator.tick()
        times.append((time.perf_counter() - started) * 1000)
        if not result["leader"] or result["fired"]:
            raise SystemExit(f"idle tick measured wrongly: {result}")
    escalator.dispatcher.shutdown()
    return round(statistics.median(times[5:]), 2)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(active: int, due: int, window: float) -> dict:
    service = FakePushService()
    data_dir = tempfile.mkdtemp(prefix="vop-bench-escalation-")
    db = connect(str(Path(data_dir) / "veilig-op-pad.sqlite"))
    migrate(db)
    workers = seed(db, service)
    start = datetime.now(UTC)
    lead = LEAD_SECONDS + active * SETUP_PER_VISIT
    due_soon = plan_visits(db, workers, active, due, start, window, lead)
    setup = (datetime.now(UTC) - start).total_seconds()
    if setup > lead - 4:
        raise SystemExit(f"setup took {setup:.1f} s: raise SETUP_PER_VISIT")
    env = {**os.environ, "VOP_DATA_DIR": data_dir, "VOP_PUSH_HOSTS": "127.0.0.1"}
    log = open(Path(data_dir) / "escalator.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "escalator"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        service.wait_for(due, timeout=lead + window + 30)
        time.sleep(2)  # room for duplicates to arrive
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        log.close()
    first: dict[int, float] = {}
    counts = Counter()
    for message in service.received(status=None):
        key = (message.payload["visit_id"], message.payload["type"])
        counts[key] += 1
        first.setdefault(message.payload["visit_id"], message.at)
    lags = [(first[v] - moment.timestamp()) * 1000 for v, moment in due_soon.items() if v in first]
    unexpected = sum(1 for (v, _kind) in counts if v not in due_soon)
    service.close()
    idle = idle_tick_ms(data_dir)
    shutil.rmtree(data_dir, ignore_errors=True)
    return {
        "bench": "escalation",
        "active_visits": active,
        "due": due,
        "window_s": window,
        "p50_lag_ms": round(percentile(lags, 0.5)) if lags else None,
        "p99_lag_ms": round(percentile(lags, 0.99)) if lags else None,
        "max_lag_ms": round(max(lags)) if lags else None,
        "missed": len(due_soon) - len(lags),
        "duplicates": sum(c - 1 for c in counts.values()) + unexpected,
        "idle_tick_ms": idle,
        "setup_s": round(setup, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--active", type=int, default=10000)
    parser.add_argument("--due", type=int, default=2000)
    parser.add_argument("--window", type=float, default=10.0)
    args = parser.parse_args()
    print(json.dumps(run(args.active, min(args.due, args.active), args.window)))


if __name__ == "__main__":
    main()
