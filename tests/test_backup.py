"""Backups while the app runs, and a restore that never overwrites a database in use."""

import os
import subprocess
import sys
import threading

from app.backup import BackupError, restore
from app.db import connect

from .conftest import ROOT, LiveServer
from .failover import _phone, _report, _send

FLASK = [sys.executable, "-m", "flask", "--app", "app"]


def _flask(data_dir, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "VOP_DATA_DIR": str(data_dir)}
    return subprocess.run(FLASK + list(args), env=env, cwd=ROOT, capture_output=True, text=True)


def test_backup_while_running_and_restore_round_trip(tmp_path):
    server = LiveServer(tmp_path / "live")
    try:
        session, token = _phone(server.url)
        before = [_report(n) for n in range(20)]
        assert {r["outcome"] for r in _send(session, server.url, token, before)} == {"stored"}
        writing = threading.Event()

        def keep_writing():  # the app is busy while the backup runs
            n = 100
            while not writing.is_set():
                _send(session, server.url, token, [_report(n)])
                n += 1

        writer = threading.Thread(target=keep_writing, daemon=True)
        writer.start()
        made = _flask(tmp_path / "live", "backup", str(tmp_path))
        writing.set()
        writer.join(10)
        assert made.returncode == 0, made.stderr
        copy = made.stdout.split("Back-up gemaakt: ")[1].split(" (")[0]
        refused = _flask(tmp_path / "live", "restore", copy)
        assert refused.returncode != 0 and "in gebruik" in refused.stderr
    finally:
        server.stop()
    standby = tmp_path / "standby"
    standby.mkdir()
    restored = _flask(standby, "restore", copy)
    assert restored.returncode == 0, restored.stderr
    db = connect(str(standby / "veilig-op-pad.sqlite"))
    try:
        ids = {r[0] for r in db.execute("select client_id from incidents")}
        assert {item["id"] for item in before} <= ids  # everything confirmed before the backup
        assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
        actions = [r[0] for r in db.execute("select action from audit_log order by id")]
        assert actions[-1] == "restore"
    finally:
        db.conn.close()


def test_restore_refuses_a_damaged_or_foreign_file(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    target = tmp_path / "db.sqlite"
    for source in (junk, tmp_path / "missing.sqlite"):
        try:
            restore(source, str(target))
        except BackupError as error:
            assert str(error)
        else:
            raise AssertionError(f"{source} was restored")
    assert not target.exists() or target.stat().st_size == 0
