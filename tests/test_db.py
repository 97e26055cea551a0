"""The database: migrations, the append-only audit trail, the command-line commands."""

import os
import sqlite3
import threading
import time

import pytest

from app import demo
from app.db import connect, migrate
from app.escalation.engine import Escalator
from app.migrations import migrations


def test_init_db_is_idempotent(runner, db):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0
    assert "geen (al actueel)" in result.output
    applied = [m.name for m in migrations.applied(db)]
    assert applied == sorted(applied) and applied[0] == "0001_accounts"


def test_database_uses_wal_and_foreign_keys(db):
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert db.execute("pragma foreign_keys").fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError):
        db["users"].insert(
            {
                "username": "x",
                "display_name": "x",
                "password_hash": "x",
                "role": "office",
                "team_id": 999,
                "active": 1,
                "created_at": "2026-01-01",
            }
        )


def test_audit_log_is_append_only(db, auth):
    auth.login()
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("update audit_log set result = 'ok'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("delete from audit_log")
    assert db["audit_log"].count == 1


def test_seed_demo_prints_logins_and_only_seeds_an_empty_database(runner, db):
    result = runner.invoke(args=["seed-demo"])
    assert "demo-medewerker" in result.output and demo.DEMO_PASSWORD in result.output
    assert db["users"].count == 4  # not seeded twice


def test_seed_demo_leaves_a_production_database_alone(tmp_path, monkeypatch):
    from app import create_app

    monkeypatch.setenv("VOP_DATA_DIR", str(tmp_path))
    app = create_app()
    runner = app.test_cli_runner()
    runner.invoke(args=["init-db"])
    result = runner.invoke(
        args=[
            "create-admin",
            "--username",
            "admin",
            "--name",
            "Admin",
            "--password",
            "een sterk wachtwoord",
        ]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["seed-demo"])
    assert "geen demo-organisatie" in result.output
    conn = connect(app.config["DATABASE"])
    assert [r[0] for r in conn.execute("select username from users")] == ["admin"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_create_admin_refuses_a_short_password(runner, db):
    result = runner.invoke(
        args=["create-admin", "--username", "root2", "--name", "R", "--password", "kort"]
    )
    assert result.exit_code != 0 and "minstens 12 tekens" in result.output
    assert db["users"].count == 4


def test_migrate_reports_nothing_new_on_second_run(tmp_path):
    conn = connect(str(tmp_path / "x.sqlite"))
    assert migrate(conn)[:2] == ["0001_accounts", "0002_audit_log"]
    assert migrate(conn) == []


def test_healthz_is_degraded_until_the_escalator_ticks(app, client, clock):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "degraded" and response.json["db"] == "ok"
    assert response.json["escalator"] == {"alive": False, "last_tick": None}
    Escalator(app).tick()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "db": "ok",
        "escalator": {"alive": True, "last_tick": "2026-11-02T09:00:00+00:00"},
    }
    clock.advance(seconds=11)  # no tick for more than 10 s: degraded again
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json["status"] == "degraded"


def test_a_writer_kept_waiting_says_so_and_the_escalator_gives_it_a_turn(app):
    from app.db import transaction, writer_waiting
    from app.escalation.engine import BURST_PAUSE
    from app.escalation.firing import BATCH

    holder, waiter = connect(app.config["DATABASE"]), connect(app.config["DATABASE"])
    escalator = Escalator(app)
    burst = {"fired": BATCH}
    assert not writer_waiting(holder)
    assert escalator._next_wait(burst) == 0.0  # nobody waits: the burst goes on at once
    holder.execute("BEGIN IMMEDIATE")  # a batch holds the write lock
    done = threading.Event()

    def write():
        with transaction(waiter):
            waiter.execute("insert into health_probe (id, at) values (2, 'x')")
        done.set()

    threading.Thread(target=write).start()
    deadline = time.monotonic() + 5
    while not writer_waiting(holder) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert writer_waiting(holder) and not done.is_set()  # it waits, and says so
    assert escalator._next_wait(burst) == BURST_PAUSE  # the escalator makes room
    holder.execute("COMMIT")
    assert done.wait(5)
    assert waiter.execute("select at from health_probe where id = 2").fetchone()[0] == "x"
    os.utime(app.config["DATABASE"] + "-writer-waiting", (0, time.time() - 2))
    assert not writer_waiting(holder)  # once it stops trying, it no longer counts
