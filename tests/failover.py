"""The takeover, as a scenario the failover test and the failover benchmark share.

A primary (`flask serve` with its escalator, and `flask replicate` shipping every commit to a
Litestream replica folder) takes reports from a worker's phone. Visits are checked in so
that they fall due a few seconds after the primary dies. Then the machine is lost: server and
Litestream get SIGKILL at the same instant. A standby restores from the replica
(`flask takeover`) and starts. Counted afterwards: every report the primary confirmed and the
standby lacks (RPO), and the time from the kill to the first late alarm that reaches the
push service (RTO); every alarm due during the outage must fire exactly once, marked late.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from app import create_app
from app.db import connect
from app.escalation import policy

from .conftest import ROOT, find_free_port, signed_in, wait_for_server
from .escalation_helpers import subscribe
from .factories import make_visit

FLASK = [sys.executable, "-m", "flask", "--app", "app"]
FAST = {
    "reminder_before": 0,
    "high_risk_grace": 2,
    "renotify": 3600,
    "repeat_limit": 0,
    "ack_timeout": 3600,
    "steps": [
        {"delay": 0, "who": ["worker"], "channels": ["push"]},
        {"delay": 2, "who": ["office"], "channels": ["push"]},
    ],
}


class Node:
    """One machine: a data directory and the processes it runs (in their own group)."""

    def __init__(self, data_dir: Path, replica: Path):
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.port = find_free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "VOP_DATA_DIR": str(data_dir),
            "PROMETHEUS_MULTIPROC_DIR": str(data_dir / "metrics"),
            "VOP_REPLICA_URL": replica.as_uri(),
            "VOP_PUSH_HOSTS": "127.0.0.1",
            "VOP_ESCALATOR_TICK_SECONDS": "0.2",
            "VOP_SECRET_KEY": "failover",
        }
        self.processes: list[subprocess.Popen] = []

    def run(self, *command: str) -> str:
        done = subprocess.run(
            FLASK + list(command), env=self.env, cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def start(self, *command: str) -> subprocess.Popen:
        log = open(self.data_dir / f"{command[0]}.log", "a")  # noqa: SIM115 - the process's
        process = subprocess.Popen(
            FLASK + list(command),
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def serve(self) -> None:
        self.start("serve", "--port", str(self.port))
        wait_for_server(self.url + "/healthz", timeout=30)

    def lose(self) -> float:
        """Lose the machine: SIGKILL every process at once; return the moment."""
        moment = time.time()
        for process in self.processes:
            os.killpg(process.pid, signal.SIGKILL)
        for process in self.processes:
            process.wait(10)
        return moment

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(15)

    def db(self):
        return connect(str(self.data_dir / "veilig-op-pad.sqlite"))


def _prepare(node: Node, push_service, visits: int) -> list[int]:
    """Seed the primary, set a ladder in seconds, give worker and office a device."""
    node.run("init-db")
    node.run("seed-demo")
    before = os.environ.get("VOP_DATA_DIR")
    os.environ["VOP_DATA_DIR"] = str(node.data_dir)
    try:
        app = create_app()
    finally:
        os.environ.pop("VOP_DATA_DIR") if before is None else os.environ.update(
            VOP_DATA_DIR=before
        )
    app.config["VOP_PUSH_HOSTS"] = "127.0.0.1"
    with app.app_context():
        from app.db import get_db

        db = get_db()
        team = db.execute("select id from teams").fetchone()[0]
        policy.save(db, team, FAST, None)
        subscribe(db, "demo-medewerker", push_service, "worker")
        subscribe(db, "demo-kantoor", push_service, "office")
        return [make_visit(db, expected_minutes=1, house_number=str(n + 1)) for n in range(visits)]


def _phone(url: str) -> tuple[requests.Session, str]:
    """Sign in as the demo worker, as the phone does; return the session and a CSRF token."""
    session = signed_in(url, "demo-medewerker")
    status = session.get(url + "/sync/status", headers={"Accept": "application/json"}).json()
    return session, status["csrf_token"]


def _send(session, url: str, token: str, items: list[dict]) -> list[dict]:
    response = session.post(
        url + "/sync",
        data=json.dumps({"items": items}),
        headers={"Content-Type": "application/json", "X-CSRFToken": token},
        timeout=5,
    )
    return response.json()["results"]


def _action(kind: str, visit_id: int, tapped: datetime | None = None) -> dict:
    """An outbox item for a visit action (check_in, check_out …) tapped at `tapped` (now)."""
    return {
        "id": str(uuid.uuid4()),
        "kind": kind,
        "created_at": (tapped or datetime.now(UTC)).isoformat(timespec="milliseconds"),
        "data": {"visit_id": visit_id},
    }


def _report(n: int) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "kind": "incident",
        "created_at": None,
        "data": {
            "behaviours": ["insult"],
            "description": f"Belasting {n}",
            "consequences": "none",
            "place_kind": "home_visit",
            "occurred_at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    }


class Load(threading.Thread):
    """Reports sent one after another; remembers those the server confirmed."""

    def __init__(self, session, url: str, token: str):
        super().__init__(daemon=True)
        self.session, self.url, self.token = session, url, token
        self.confirmed: list[tuple[str, float]] = []  # (client id, when the answer came)
        self.stopping = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.stopping.is_set():
            item = _report(n)
            n += 1
            try:
                [result] = _send(self.session, self.url, self.token, [item])
            except (requests.RequestException, ValueError):
                return  # the primary is gone
            if result["outcome"] == "stored":
                self.confirmed.append((item["id"], time.time()))


def _replicated(replica: Path, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(replica.rglob("*.ltx")):
            return
        time.sleep(0.1)
    raise AssertionError("Litestream wrote no replica")


def run(workdir: Path, push_service, *, visits: int = 10, outage: float = 8.0) -> dict:
    """Play the takeover once; return what was measured and counted.

    The visits fall due 1 to 2 s after the kill; the standby is started `outage`
    seconds after it (the time to notice and decide), so every alarm came due meanwhile.
    """
    replica = workdir / "replica"
    primary = Node(workdir / "primary", replica)
    standby = Node(workdir / "standby", replica)
    visit_ids = _prepare(primary, push_service, visits)
    try:
        primary.start("replicate")
        primary.serve()
        _replicated(replica)
        session, token = _phone(primary.url)
        # Check in so that each 1-minute visit falls due 1 to 2 s after the kill.
        kill_at = time.time() + 2.0
        items = []
        for n, visit_id in enumerate(visit_ids):
            due = kill_at + 1.0 + n * 1.0 / visits
            tapped = datetime.fromtimestamp(due, UTC) - timedelta(minutes=1)
            items.append(_action("check_in", visit_id, tapped))
        assert {r["outcome"] for r in _send(session, primary.url, token, items)} == {"stored"}
        load = Load(session, primary.url, token)
        load.start()
        time.sleep(max(0.0, kill_at - time.time()))
        killed = primary.lose()
        load.stopping.set()
        load.join(10)
        before = len(push_service.received())
        time.sleep(max(0.0, killed + outage - time.time()))
        taken_over = time.time()
        standby.run("takeover")
        standby.serve()
        push_service.wait_for(before + 2 * visits, timeout=60)
        first_late = min(m.at for m in push_service.received()[before:])
        deadline = time.monotonic() + 5  # the escalator's next ticks: a duplicate would show
        while time.monotonic() < deadline:
            time.sleep(0.2)
        counts = _count(standby, push_service, visit_ids, load.confirmed, killed, first_late)
        return {**counts, "outage_s": outage, "takeover_s": round(first_late - taken_over, 2)}
    finally:
        primary.stop()
        standby.stop()


def _count(standby: Node, push_service, visit_ids, confirmed, killed, first_late) -> dict:
    db = standby.db()
    try:
        stored = {r[0] for r in db.execute("select client_id from incidents")}
        late = {
            r[0]: r[1]
            for r in db.execute(
                "select visit_id, min(late_seconds) from escalation_jobs where kind = 'step' "
                "and status = 'done' group by visit_id"
            )
        }
    finally:
        db.conn.close()
    sent: dict[tuple[int, str], int] = {}
    for message in push_service.received():
        key = (message.payload.get("visit_id"), message.payload["type"])
        sent[key] = sent.get(key, 0) + 1
    alarms = [sent.get((v, "alarm"), 0) for v in visit_ids]
    overdue = [sent.get((v, "overdue"), 0) for v in visit_ids]
    lost = [at for client_id, at in confirmed if client_id not in stored]
    return {
        "confirmed_writes": len(confirmed),
        "rpo_writes_lost": len(lost),
        "rpo_s": round(killed - min(lost), 2) if lost else 0.0,
        "rto_s": round(first_late - killed, 2),
        "visits": len(visit_ids),
        "alarms_once": sum(1 for n in alarms if n == 1),
        "duplicates": sum(max(0, n - 1) for n in alarms + overdue),
        "missed": sum(1 for n in alarms + overdue if n == 0),
        "marked_late": sum(1 for v in visit_ids if late.get(v, 0) > 0),
    }
