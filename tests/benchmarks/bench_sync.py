"""Benchmark `sync`: outbox items through the real /sync endpoint, sent the way phones do.

A real server (`flask serve`, escalation worker included) on a fresh database. Two "tabs"
of the same worker each send every report, in batches of 20 and in their own order, so
every item arrives at least twice, often at the same moment; one answer in ten is "lost"
and its batch sent again. Then the database is counted: every report must be there
exactly once. Prints one JSON line (the form `make bench` collects):

    {"bench": "sync", "ops": 1000, "seconds": 1.9, "ops_per_s": 526, "lost": 0, "duplicates": 0}

Usage: python tests/benchmarks/bench_sync.py [--ops 1000] [--tabs 2] [--batch 20]
"""

import argparse
import http.cookiejar
import json
import random
import re
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.conftest import LiveServer  # noqa: E402

BEHAVIOURS = ["insult", "humiliation", "taunting", "intimidation", "posture_gesture", "spit"]


def make_items(count: int) -> list[dict]:
    """Return `count` incident reports as the phone's outbox holds them."""
    rng = random.Random(5)
    return [
        {
            "id": str(uuid.uuid4()),
            "kind": "incident",
            "created_at": f"2026-01-05T09:{n % 60:02d}:00Z",
            "data": {
                "behaviours": [rng.choice(BEHAVIOURS)],
                "description": f"Melding {n}: " + "de burger werd boos bij de voordeur. " * 4,
                "consequences": rng.choice(["none", "emotional"]),
                "place_kind": rng.choice(["home_visit", "counter", "phone"]),
                "occurred_at": "2026-01-05T10:00",
                "wants_aftercare": n % 7 == 0,
            },
        }
        for n in range(count)
    ]


class Tab:
    """One browser tab of the demo worker: its own session and CSRF token."""

    def __init__(self, base: str):
        self.base = base
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = self.opener.open(base + "/login").read().decode()
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        form = {"username": "demo-medewerker", "password": "demo-wachtwoord", "csrf_token": token}
        self.opener.open(base + "/login", urllib.parse.urlencode(form).encode()).read()
        status = self.get_json("/sync/status")
        self.token = status["csrf_token"]

    def get_json(self, path: str) -> dict:
        request = urllib.request.Request(self.base + path, headers={"Accept": "application/json"})
        return json.loads(self.opener.open(request).read())

    def send(self, batch: list[dict]) -> list[dict]:
        body = json.dumps({"items": batch}).encode()
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "X-CSRFToken": self.token,
        }
        request = urllib.request.Request(self.base + "/sync", body, headers, method="POST")
        return json.loads(self.opener.open(request).read())["results"]


def run_tab(tab: Tab, items: list[dict], batch: int, seed: int, errors: list) -> None:
    """Send every item until the server confirmed each, losing some answers on the way."""
    rng = random.Random(seed)
    waiting = {item["id"]: item for item in items}
    try:
        while waiting:
            pending = list(waiting.values())
            chunks = [pending[i : i + batch] for i in range(0, len(pending), batch)]
            rng.shuffle(chunks)
            for chunk in chunks:
                results = tab.send(chunk)
                if rng.random() < 0.1:
                    continue  # the answer never arrived: the batch goes again
                for result in results:
                    if result["outcome"] == "stored":
                        waiting.pop(result["id"], None)
    except Exception as error:  # reported as a failed run, not a hang
        errors.append(repr(error))


def count(server: LiveServer, items: list[dict]) -> tuple[int, int]:
    """Return (lost, duplicates) of the items in the server's database."""
    db = server.db()
    try:
        rows = [r[0] for r in db.execute("select client_id from incidents").fetchall()]
    finally:
        db.conn.close()
    ids = {item["id"] for item in items}
    found = [cid for cid in rows if cid in ids]
    return len(ids - set(found)), len(found) - len(set(found))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=1000, help="reports to send")
    parser.add_argument("--tabs", type=int, default=2, help="tabs sending every report")
    parser.add_argument("--batch", type=int, default=20, help="items per request")
    args = parser.parse_args()
    items = make_items(args.ops)
    with tempfile.TemporaryDirectory() as data_dir:
        server = LiveServer(Path(data_dir))
        try:
            tabs = [Tab(server.url) for _ in range(args.tabs)]
            errors: list[str] = []
            threads = [
                threading.Thread(target=run_tab, args=(tab, items, args.batch, n, errors))
                for n, tab in enumerate(tabs)
            ]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            seconds = time.perf_counter() - started
            lost, duplicates = count(server, items)
        finally:
            server.stop()
    if errors:
        print(errors[0], file=sys.stderr)
        return 1
    result = {
        "bench": "sync",
        "ops": args.ops,
        "seconds": round(seconds, 2),
        "ops_per_s": round(args.ops / seconds),
        "lost": lost,
        "duplicates": duplicates,
        "tabs": args.tabs,
        "batch": args.batch,
    }
    print(json.dumps(result))
    return 0 if lost == 0 and duplicates == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
