"""A disk that takes no writes: a clear answer and 503, /healthz degraded at once, the office
board says so, nothing lost.

Root ignores file modes, so the server runs with the capabilities that override them dropped
(setpriv); the full disk is a 4 MB tmpfs. Both need root, as CI and `make test` run.
"""

import os
import subprocess
import time

import pytest
import requests

from .conftest import LiveServer, signed_in
from .factories import make_visit
from .failover import _phone, _report, _send

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounts and drops capabilities")
NO_OVERRIDE = ("setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--inh-caps=-all")
STORED = "select count(*) from incidents where client_id = ?"


def _healthz(server) -> tuple[int, dict]:
    response = requests.get(server.url + "/healthz", timeout=5)
    return response.status_code, response.json()


def _degraded_within(server, seconds: float, db_state: str) -> float:
    """Return how long /healthz took to say degraded with this database state."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        status, body = _healthz(server)
        if status == 503 and body["db"] == db_state:
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"/healthz still says {body} after {seconds} s")


def _check_in_form(session, server, visit_id: int) -> requests.Response:
    page = session.get(f"{server.url}/timer/{visit_id}").text
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    return session.post(
        f"{server.url}/timer/{visit_id}/inchecken", data={"csrf_token": token}, timeout=5
    )


def _board(server) -> requests.Session:
    """The duty officer's board, signed in before the fault."""
    office = signed_in(server.url, "demo-kantoor")
    assert "data-storage-fault" not in office.get(server.url + "/kantoor/live").text
    return office


def _fault_and_recover(server, session, token, visit_id, break_it, mend_it, db_state):
    item = _report(1)
    office = _board(server)
    break_it()
    try:
        took = _degraded_within(server, 2.0, db_state)
        board = office.get(server.url + "/kantoor/live", timeout=5)  # its next poll
        assert f'data-storage-fault="{db_state}"' in board.text
        assert 'data-degraded="1"' in board.text  # the board sounds its warning
        [result] = _send(session, server.url, token, [item])
        assert (result["outcome"], result["status"]) == ("deferred", 503)  # kept on the phone
        answer = _check_in_form(session, server, visit_id)
        assert answer.status_code == 503 and "De app kan nu niets opslaan" in answer.text
    finally:
        mend_it()
    assert _healthz(server)[0] == 200
    assert "data-storage-fault" not in office.get(server.url + "/kantoor/live").text
    [again] = _send(session, server.url, token, [item])  # the phone sends it again
    assert again["outcome"] == "stored"
    db = server.db()
    try:
        assert db.execute(STORED, [item["id"]]).fetchone()[0] == 1
        assert (
            db["visits"].get(visit_id)["status"] == "planned"
        )  # the refused check-in did nothing
    finally:
        db.conn.close()
    return took


def _visit(server, monkeypatch) -> int:
    """Plan an assessed visit on the server's database (its protocol needs the app)."""
    from app import create_app

    monkeypatch.setenv("VOP_DATA_DIR", str(server.data_dir))
    db = server.db()
    try:
        with create_app().app_context():
            return make_visit(db)
    finally:
        db.conn.close()


def test_read_only_database_files(tmp_path, monkeypatch):
    server = LiveServer(tmp_path / "data", wrapper=NO_OVERRIDE)
    files = [tmp_path / "data" / f"veilig-op-pad.sqlite{s}" for s in ("", "-wal", "-shm")]
    try:
        session, token = _phone(server.url)
        visit_id = _visit(server, monkeypatch)
        took = _fault_and_recover(
            server,
            session,
            token,
            visit_id,
            lambda: [os.chmod(f, 0o444) for f in files],
            lambda: [os.chmod(f, 0o644) for f in files],
            "read-only",
        )
        print(f"read-only: /healthz degraded after {took:.2f} s")
    finally:
        server.stop()


def test_full_disk(tmp_path, monkeypatch):
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], check=True)
    try:
        server = LiveServer(mount)
        filler = mount / "filler"
        try:
            session, token = _phone(server.url)
            visit_id = _visit(server, monkeypatch)

            def fill():
                with open(filler, "wb") as fh:
                    try:
                        while True:
                            fh.write(b"\0" * 65536)
                            fh.flush()
                    except OSError:
                        pass

            took = _fault_and_recover(
                server, session, token, visit_id, fill, lambda: filler.unlink(), "full"
            )
            print(f"full disk: /healthz degraded after {took:.2f} s")
        finally:
            server.stop()
    finally:
        _unmount(mount)


def _unmount(mount) -> None:
    """Unmount, waiting for the server's last processes (its push sender, multiprocessing's
    resource tracker) to let go of the log file; lazily if they do not within 5 s."""
    deadline = time.monotonic() + 5
    while subprocess.run(["umount", str(mount)], capture_output=True).returncode != 0:
        if time.monotonic() > deadline:
            subprocess.run(["umount", "-l", str(mount)], check=False)
            return
        time.sleep(0.1)
