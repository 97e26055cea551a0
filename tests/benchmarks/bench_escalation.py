"""Benchmark `escalation`: how late does a due step reach the push service?

A fresh database holds `--active` running visits with every step of their ladder planned, as
check-ins make them. `--due` of them fall due during the run, spread over `--window` seconds
(`--burst`: all in the same second); the others are due hours later. The escalator runs as
its own process (`flask --app app escalator`, as in production) and sends through the real
push path (aes128gcm, VAPID) to a local fake push service, which notes when each message
arrives, answers after `--push-latency-ms` (a real push service over the internet: 50-300 ms)
and checks and decrypts the messages after the run, so its own work does not share the
cores with the escalator's while it is measured. Lag is from a step's due time to the
arrival of its message. Modes:

  (default)   the worker's "overdue" notice, the first step after the due time;
  --office N  the office's alarm step instead: N office users with a device each, the alarm
              e-mail to a local SMTP server, and the alarm records: the whole alarm path;
  --panic     `--due` reminders fall due in one second, and a panic is raised in the middle
              of that burst: the figure is how soon the panic reaches the office;
  --kill      the escalator gets kill -9 when half the messages arrived and is started again
              at once: duplicates (at least once, never lost) and sends later than 10 s after
              the restart are counted.

Also: the median cost of a tick with nothing due (`idle_tick_ms`). Prints one JSON line:

    {"bench": "escalation", "mode": "...", "active_visits": 10000, "due": 2000, ...}

Usage: python tests/benchmarks/bench_escalation.py [--active 10000] [--due 2000]
       [--window 10 | --burst] [--push-latency-ms 0] [--office 5 | --panic | --kill]
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
LEAD_SECONDS = 4  # from the end of the set-up to the first due step
PLANNED_AHEAD = timedelta(days=1)  # due times while planning; moved to the run afterwards
RULES = {"renotify": 3600, "repeat_limit": 0, "ack_timeout": 3600}
OFFICE_FIRST = {
    **policy.default_policy(),
    "reminder_before": 0,
    "steps": [{"delay": 0, "who": ["office"], "channels": ["push", "email"]}],
}


def seed(db, service: FakePushService, office: int) -> tuple[list[int], int]:
    """Create a team, its workers and office users, each with a device; return the ids."""
    now = iso(datetime.now(UTC))
    db.execute("insert into teams (name, active, created_at) values ('Bench', 1, ?)", [now])
    team = db.execute("select id from teams").fetchone()[0]
    rows = [(f"w{n}", f"Worker {n}", "field_worker") for n in range(WORKERS)]
    rows += [(f"office{n}", f"Office {n}", "office") for n in range(max(1, office))]
    db.conn.executemany(
        "insert into users (username, display_name, password_hash, role, team_id, active, "
        "created_at, password_changed_at) values (?, ?, 'x', ?, ?, 1, ?, ?)",
        [(*r, team, now, now) for r in rows],
    )
    subs = []
    for (user_id,) in db.execute("select id from users"):
        data = service.subscribe(f"u{user_id}")
        subs.append((user_id, data["endpoint"], data["keys"]["p256dh"], data["keys"]["auth"]))
    db.conn.executemany(
        "insert into push_subscriptions (user_id, endpoint, p256dh, auth, host, created_at) "
        "values (?, ?, ?, ?, '127.0.0.1', ?)",
        [(*s, now) for s in subs],
    )
    workers = [r[0] for r in db.execute("select id from users where role = 'field_worker'")]
    return workers, team


def plan_visits(db, workers, team, active, due, window, ladder, reminders) -> dict[int, float]:
    """Insert running visits and their ladder's jobs, due a day ahead; return the offsets.

    The offsets (seconds after the run's start) of the visits due during the run. Without
    `reminders`, the reminders count as sent already (by the escalator that ran before).
    """
    base = (datetime.now(UTC) + PLANNED_AHEAD).replace(microsecond=0)
    created = iso(datetime.now(UTC))
    offsets: dict[int, float] = {}
    db.execute("BEGIN")
    for n in range(active):
        offset = window * n / max(1, due) if n < due else 7200.0 + n
        moment = base + timedelta(seconds=int(offset))
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
            offsets[visit_id] = float(int(offset))
        jobs = [
            (
                visit_id,
                f"t{n}:{job['kind']}{job['step'] if job['step'] is not None else ''}",
                job["kind"],
                job["step"],
                json.dumps({**job["spec"], "policy": RULES}),
                iso(job["due"]),
                created,
            )
            for job in policy.plan(ladder, {"voluntary": 1}, checked_in, moment)
            if job["kind"] != "reminder" or reminders
        ]
        db.conn.executemany(
            "insert into escalation_jobs (visit_id, key, kind, step, spec, due_at, status, "
            "created_at) values (?, ?, ?, ?, ?, ?, 'pending', ?)",
            jobs,
        )
    db.execute("COMMIT")
    return offsets


def move_to(db, start: datetime) -> None:
    """Move every planned time so that the first visit falls due at `start` (one update)."""
    first = db.execute("select min(due_at) from visits").fetchone()[0]
    shift = (start.replace(microsecond=0) - datetime.fromisoformat(first)).total_seconds()
    moved = f"strftime('%Y-%m-%dT%H:%M:%S+00:00', {{}}, '{shift:+.0f} seconds')"
    db.execute("BEGIN")
    db.execute(f"update escalation_jobs set due_at = {moved.format('due_at')}")
    db.execute(
        f"update visits set due_at = {moved.format('due_at')}, "
        f"checked_in_at = {moved.format('checked_in_at')}"
    )
    db.execute("COMMIT")


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


class Escalator:
    """The escalator as its own process."""

    def __init__(self, env: dict, log: Path):
        self.env, self.log = env, open(log, "a")  # noqa: SIM115 - closed in stop()
        self.process = self._start()

    def _start(self) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "escalator"],
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def kill_and_restart(self) -> float:
        """Kill -9 and start again at once; return the moment of the restart."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        restarted = time.time()
        self.process = self._start()
        return restarted

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(30)
        self.log.close()


def _smtp():
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    from tests.conftest import find_free_port

    controller = Controller(Sink(), hostname="127.0.0.1", port=find_free_port())
    controller.start()
    return controller


def _panic(data_dir: str, visit_id: int) -> float:
    """Raise a panic on a visit the way the web server does; return the moment."""
    os.environ["VOP_DATA_DIR"] = data_dir
    from app import create_app
    from app.db import get_db
    from app.escalation import actions
    from app.users import User, get_user

    app = create_app({"VOP_PUSH_HOSTS": "127.0.0.1"})
    with app.app_context():
        db = get_db()
        worker = db.execute("select worker_id from visits where id = ?", [visit_id]).fetchone()
        raised = time.time()
        actions.panic(db, visit_id, User(get_user(db, worker[0])), at=None)
    return raised


def run(args) -> dict:
    office = args.office or 0
    service = FakePushService(latency=args.push_latency_ms / 1000, defer=True)
    data_dir = tempfile.mkdtemp(prefix="vop-bench-escalation-")
    db = connect(str(Path(data_dir) / "veilig-op-pad.sqlite"))
    migrate(db)
    workers, team = seed(db, service, office)
    window = 0.0 if args.burst or args.panic else args.window
    ladder = policy.default_policy()
    if office:
        ladder = OFFICE_FIRST
        db["escalation_policies"].insert(
            {"team_id": team, "policy": json.dumps(ladder), "updated_at": iso(datetime.now(UTC))}
        )
    if args.panic:  # the burst is of reminders: the visits are due 5 minutes after it
        ladder = {**ladder, "reminder_before": 300}
    set_up = time.time()
    offsets = plan_visits(
        db, workers, team, args.active, args.due, window, ladder, reminders=args.panic
    )
    set_up = time.time() - set_up
    smtp = _smtp() if office else None
    env = {
        **os.environ,
        "VOP_DATA_DIR": data_dir,
        "PROMETHEUS_MULTIPROC_DIR": str(Path(data_dir) / "metrics"),
        "VOP_PUSH_HOSTS": "127.0.0.1",
    }
    if smtp:
        env.update(
            VOP_SMTP_HOST="127.0.0.1",
            VOP_SMTP_PORT=str(smtp.port),
            VOP_OFFICE_EMAIL="kantoor@bench.example",
        )
    escalator = Escalator(env, Path(data_dir) / "escalator.log")
    time.sleep(2)  # the process starts and leads before anything is due
    start = datetime.now(UTC) + timedelta(seconds=LEAD_SECONDS)
    if args.panic:
        move_to(db, start + timedelta(minutes=5))  # the reminders fall due at `start`
    else:
        move_to(db, start)
    start_ts = start.replace(microsecond=0).timestamp()
    # Every message the run makes: with --office, each alarm's N pushes to the office and the
    # worker's notice that the office was alerted (counted on arrival: undecrypted, the
    # fake service cannot tell them apart), so the run is not cut short before the last.
    expected = len(offsets) * (office + 1 if office else 1)
    restarted = None
    panic_at = None
    try:
        if args.kill:
            service.wait_for(expected // 2, timeout=LEAD_SECONDS + window + 60)
            restarted = escalator.kill_and_restart()
        if args.panic:
            time.sleep(max(0.0, start_ts + 0.5 - time.time()))  # in the middle of the burst
            panic_at = _panic(data_dir, next(iter(offsets)))
            expected += office or 1
        service.wait_for(expected, timeout=LEAD_SECONDS + window + 120)
        time.sleep(2)  # a duplicate would arrive in the ticks after the last message
    finally:
        escalator.stop()
        if smtp:
            smtp.stop()
    result = _figures(service, offsets, start_ts, office, restarted, panic_at)
    service.close()
    db.conn.close()
    idle = idle_tick_ms(data_dir)
    shutil.rmtree(data_dir, ignore_errors=True)
    mode = "office" if office else "panic" if args.panic else "kill" if args.kill else "notice"
    return {
        "bench": "escalation",
        "mode": mode,
        "active_visits": args.active,
        "due": args.due,
        "window_s": window,
        "push_latency_ms": args.push_latency_ms,
        **result,
        "idle_tick_ms": idle,
        "setup_s": round(set_up, 1),
    }


def _figures(service, offsets, start_ts, office, restarted, panic_at) -> dict:
    wanted = "alarm" if office else "reminder" if panic_at else "overdue"
    first: dict[tuple, float] = {}
    counts: Counter = Counter()
    panic_arrival = None
    for message in service.received(status=None):
        kind = message.payload["type"]
        if kind == "panic":
            panic_arrival = min(panic_arrival or message.at, message.at)
            continue
        key = (message.payload.get("visit_id"), message.name, kind)
        counts[key] += 1
        first.setdefault(key, message.at)
    lags = [
        (at - (start_ts + offsets[visit])) * 1000
        for (visit, _name, kind), at in first.items()
        if visit in offsets and kind == wanted
    ]
    expected = len(offsets) * max(1, office)
    figures = {
        "p50_lag_ms": round(percentile(lags, 0.5)) if lags else None,
        "p99_lag_ms": round(percentile(lags, 0.99)) if lags else None,
        "max_lag_ms": round(max(lags)) if lags else None,
        "missed": expected - len(lags),
        "duplicates": sum(c - 1 for c in counts.values()),
        "refused": len(service.refusals),
    }
    if office:
        figures["office_users"] = office
    if panic_at is not None:
        figures["panic_ms"] = round((panic_arrival - panic_at) * 1000) if panic_arrival else None
    if restarted is not None:
        late = [at for at in first.values() if at > restarted + 10]
        figures["sent_later_than_10s_after_restart"] = len(late)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--active", type=int, default=10000)
    parser.add_argument("--due", type=int, default=2000)
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--burst", action="store_true", help="everything due in one second")
    parser.add_argument("--push-latency-ms", type=int, default=0)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--office", type=int, metavar="N", help="the office alarm step, N people")
    mode.add_argument("--panic", action="store_true", help="a panic in a burst of reminders")
    mode.add_argument("--kill", action="store_true", help="kill -9 the escalator mid-run")
    args = parser.parse_args()
    args.due = min(args.due, args.active)
    print(json.dumps(run(args)))


if __name__ == "__main__":
    main()
