"""Benchmark `http`: requests per second and p99 latency of the two servers, side by side.

Each server is started on its own fresh database with the demo organisation and a few
thousand planned, assessed visits of the demo worker:
  - `waitress`: what `make run` serves with (`flask --app app serve`: one process, threads,
    the escalator beside it in the same process);
  - `gunicorn`: the documented production layout (gunicorn.conf.py: worker processes, the
    escalator as its own process next to it).
wrk (Debian's package; `make bench` installs it when missing, as root) drives two scenarios at
concurrency 10 and 50 for `--seconds` each:
  - `home`: the signed-in worker's Today page;
  - `check_in_out`: one /sync batch per request that checks a visit in and out again (two
    writes, as a phone's outbox sends them).
Prints one JSON line: {"bench": "http", "results": [{server, scenario, concurrency, rps,
p99_ms, errors}, ...]}.

Usage: python tests/benchmarks/bench_http.py [--seconds 10] [--visits 4000]
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.conftest import find_free_port, signed_in, wait_for_server  # noqa: E402
from tests.factories import make_visit  # noqa: E402

FLASK = [sys.executable, "-m", "flask", "--app", "app"]
GUNICORN = [str(Path(sys.executable).with_name("gunicorn")), "-c", "gunicorn.conf.py"]
CHECK_IN_OUT_LUA = r"""
-- Each request checks one visit in and out again through /sync (two outbox items).
local first, last = tonumber(os.getenv("VOP_FIRST")), tonumber(os.getenv("VOP_LAST"))
local threads, counter = 0, 0
function setup(thread) thread:set("offset", threads); threads = threads + 1 end
local function uuid()
  return string.format("%08x-%04x-4%03x-a%03x-%012x", math.random(0, 0xffffffff),
    math.random(0, 0xffff), math.random(0, 0xfff), math.random(0, 0xfff),
    math.random(0, 0xffffffffffff))
end
function init(args) math.randomseed(os.time() + offset * 7919); counter = offset end
function request()
  local visit = first + (counter % (last - first + 1))
  counter = counter + 2
  local at = os.date("!%Y-%m-%dT%H:%M:%SZ")
  local body = string.format(
    '{"items": [{"id": "%s", "kind": "check_in", "created_at": "%s", "data": {"visit_id": %d}},'
    .. ' {"id": "%s", "kind": "check_out", "created_at": "%s", "data": {"visit_id": %d}}]}',
    uuid(), at, visit, uuid(), at, visit)
  return wrk.format("POST", "/sync", nil, body)
end
"""


class Server:
    """One server on a fresh database, with a signed-in worker."""

    def __init__(self, kind: str, workdir: Path, visits: int):
        self.kind = kind
        self.data = workdir / kind
        self.data.mkdir()
        self.port = find_free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "VOP_DATA_DIR": str(self.data),
            "PROMETHEUS_MULTIPROC_DIR": str(self.data / "metrics"),
            "VOP_SECRET_KEY": "bench-http",
            "VOP_BIND": f"127.0.0.1:{self.port}",
        }
        for command in (["init-db"], ["seed-demo"]):
            subprocess.run(
                FLASK + command, env=self.env, cwd=ROOT, check=True, capture_output=True
            )
        self.visits = self._plan(visits)
        self.processes = []
        log = open(self.data / "server.log", "w")  # noqa: SIM115 - the processes'
        if kind == "waitress":
            self._start(FLASK + ["serve", "--port", str(self.port)], log)
        else:
            self._start(GUNICORN + ["app:create_app()"], log)
            self._start(FLASK + ["escalator"], log)
        wait_for_server(self.url + "/healthz", timeout=30)
        self.cookie, self.token = self._login()

    def _start(self, command: list[str], log) -> None:
        self.processes.append(
            subprocess.Popen(
                command,
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def _plan(self, count: int) -> tuple[int, int]:
        os.environ["VOP_DATA_DIR"] = str(self.data)
        from app import create_app
        from app.db import get_db

        with create_app().app_context():
            db = get_db()
            ids = [
                make_visit(db, start_in_minutes=5, house_number=str(n + 1)) for n in range(count)
            ]
        return min(ids), max(ids)

    def _login(self) -> tuple[str, str]:
        session = signed_in(self.url, "demo-medewerker")
        token = session.get(self.url + "/sync/status").json()["csrf_token"]
        cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        return cookie, token

    def stop(self) -> None:
        for process in self.processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            process.wait(30)


def _wrk(server: Server, scenario: str, concurrency: int, seconds: int, script: Path) -> dict:
    headers = ["-H", f"Cookie: {server.cookie}"]
    command = ["wrk", "-t2", f"-c{concurrency}", f"-d{seconds}s", "--latency", *headers]
    env = dict(os.environ)
    if scenario == "check_in_out":
        headers_post = [
            "-H",
            f"X-CSRFToken: {server.token}",
            "-H",
            "Content-Type: application/json",
        ]
        command += [*headers_post, "-s", str(script)]
        env.update(VOP_FIRST=str(server.visits[0]), VOP_LAST=str(server.visits[1]))
        url = server.url + "/sync"
    else:
        url = server.url + "/"
    out = subprocess.run(
        command + [url], capture_output=True, text=True, env=env, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p99[2]]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    timeouts = re.search(r"Socket errors:.*timeout (\d+)", out)
    return {
        "server": server.kind,
        "scenario": scenario,
        "concurrency": concurrency,
        "rps": round(rps),
        "p99_ms": round(float(p99[1]) * scale, 1),
        "errors": int(errors[1]) if errors else 0,
        "timeouts": int(timeouts[1]) if timeouts else 0,
    }


def run(seconds: int, visits: int) -> dict:
    if not shutil.which("wrk"):
        raise SystemExit("wrk ontbreekt: apt-get install wrk (make bench doet dit als root)")
    workdir = Path(tempfile.mkdtemp(prefix="vop-bench-http-"))
    script = workdir / "check_in_out.lua"
    script.write_text(CHECK_IN_OUT_LUA)
    results = []
    try:
        for kind in ("waitress", "gunicorn"):
            server = Server(kind, workdir, visits)
            try:
                for scenario in ("home", "check_in_out"):
                    for concurrency in (10, 50):
                        results.append(_wrk(server, scenario, concurrency, seconds, script))
                        time.sleep(1)
            finally:
                server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {"bench": "http", "seconds": seconds, "cores": os.cpu_count(), "results": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--visits", type=int, default=4000)
    args = parser.parse_args()
    print(json.dumps(run(args.seconds, args.visits)))


if __name__ == "__main__":
    main()
