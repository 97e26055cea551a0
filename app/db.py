"""The SQLite database: one connection per request, one-row reads, write transactions."""

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
from pathlib import Path

import click
import sqlite_utils
from flask import Flask, current_app, g
from flask.cli import with_appcontext
from sqlite_utils.utils import dedupe_keys

BUSY_TIMEOUT_MS = 15000  # how long a write waits for another's lock
WAITING_SUFFIX = "-writer-waiting"  # beside the database: touched by a writer kept waiting
WAITING_FRESH_SECONDS = 0.1  # a touch this recent means a writer waits now
RETRY_SECONDS = 0.005  # a writer kept waiting tries again this often


def connect(path: str) -> sqlite_utils.Database:
    """Open the database file with the settings every connection needs."""
    conn = sqlite3.connect(path, timeout=15, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA foreign_keys = ON")
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    # FULL: a check-in, check-out, alarm or report the app has confirmed survives a power
    # loss (NORMAL could drop the last commits). docs/operations.md gives its measured cost.
    db.execute("PRAGMA synchronous = FULL")
    db.waiting_marker = None if path == ":memory:" else f"{path}{WAITING_SUFFIX}"
    return db


def _is_busy(error: sqlite3.OperationalError) -> bool:
    """Tell whether SQLite refused because another connection holds the lock."""
    return "locked" in str(error) or "busy" in str(error)


def _begin(db: sqlite_utils.Database, wait_ms: int) -> None:
    """BEGIN IMMEDIATE, trying again every RETRY_SECONDS for up to `wait_ms`; while it
    waits, the writer says so (`writer_waiting`).

    SQLite's own busy handler sleeps up to 100 ms between tries and no writer queues: a
    process writing batch after batch (the escalator in a burst) could keep a panic from the
    web server waiting for seconds (measured: 3.8 s). The escalator pauses between its
    batches while a writer waits, and this writer, trying every 5 ms, takes that turn.
    """
    deadline = time.monotonic() + wait_ms / 1000
    db.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                db.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if not _is_busy(error) or time.monotonic() >= deadline:
                    raise
            marker = getattr(db, "waiting_marker", None)
            if marker:
                with suppress(OSError):  # a read-only or full disk: the write will say so
                    Path(marker).touch()
            time.sleep(RETRY_SECONDS)
    finally:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")  # for writes outside one


def writer_waiting(db: sqlite_utils.Database) -> bool:
    """Tell whether another writer is waiting for the write lock (touched the marker just now)."""
    marker = getattr(db, "waiting_marker", None)
    try:
        return bool(marker) and os.stat(marker).st_mtime > time.time() - WAITING_FRESH_SECONDS
    except OSError:
        return False


# What SQLite says when the disk is full or the files cannot be written.
STORAGE_ERRORS = {
    "database or disk is full": "full",
    "attempt to write a readonly database": "read-only",
    "disk i/o error": "io",
    "unable to open database file": "unavailable",
}


def storage_problem(error: BaseException) -> str | None:
    """Tell whether an error means the storage cannot take writes ("full", "read-only", ...)."""
    if not isinstance(error, sqlite3.OperationalError | sqlite3.DatabaseError):
        return None
    message = str(error).lower()
    return next((kind for text, kind in STORAGE_ERRORS.items() if text in message), None)


PROBE_BUSY_MS = 1500  # a write that waits longer for the lock is "busy", not broken


def write_probe(db: sqlite_utils.Database) -> str:
    """Write one row, so a full or read-only disk shows at once: "ok", "busy" or the problem
    ("full", "read-only", "io", "unavailable", "error"). Used by /healthz and the board."""
    from .clock import iso, now

    try:
        with transaction(db, wait_ms=PROBE_BUSY_MS):
            db.execute(
                "insert into health_probe (id, at) values (1, ?) "
                "on conflict(id) do update set at = excluded.at",
                [iso(now())],
            )
    except sqlite3.OperationalError as error:
        if _is_busy(error):
            return "busy"
        current_app.logger.error("The database takes no writes: %s", error)
        return storage_problem(error) or "error"
    return "ok"


def get_db() -> sqlite_utils.Database:
    """Return this request's database connection, opening it on first use."""
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"])
    return g.db


def _read(db: sqlite_utils.Database, sql: str, params) -> tuple[sqlite3.Cursor, list[str]]:
    cursor = db.conn.execute(sql, params)
    if cursor.description is None:
        raise ValueError("db.rows/db.one are for statements that return rows")
    return cursor, dedupe_keys(column[0] for column in cursor.description)


def rows(db: sqlite_utils.Database, sql: str, params: list | tuple = ()) -> list[dict]:
    """Return every row of a query as a dict, all read at once.

    sqlite-utils' `query` wraps each read in a savepoint (three statements for one) and
    hands back an open cursor; the escalator reads thousands of rows a second on its hot
    path. Read at once, no cursor stays open for a write on the same connection to trip
    over (under WAL such a write fails at once with SQLITE_BUSY_SNAPSHOT).
    """
    cursor, names = _read(db, sql, params)
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def one(db: sqlite_utils.Database, sql: str, params: list | tuple = ()) -> dict | None:
    """Return the first row of a query as a dict, or None when there is none."""
    cursor, names = _read(db, sql, params)
    try:
        row = cursor.fetchone()
    finally:
        cursor.close()
    return dict(zip(names, row, strict=True)) if row is not None else None


# When one process serves everything (`flask serve`, what `make run` runs), its threads take
# turns at the write lock here instead of in SQLite's busy handler, which sleeps up to 100 ms
# between tries: check-in/check-out p99 at concurrency 10 went from 1.3 s to 0.18 s. With
# several processes (gunicorn) a thread waiting for another process would hold up its own
# process's writers: measured 30 % fewer check-ins a second, so there it stays off.
_WRITERS = threading.RLock()
_serialized = False


def serialize_writers() -> None:
    """Let this process's threads queue for the write lock in Python (one-process servers)."""
    global _serialized
    _serialized = True


@contextmanager
def transaction(
    db: sqlite_utils.Database, wait_ms: int = BUSY_TIMEOUT_MS
) -> Iterator[sqlite_utils.Database]:
    """Run a block in one write transaction that takes the write lock up front.

    A deferred transaction that reads and then writes can fail at once with "database is
    locked" when another process wrote in between; BEGIN IMMEDIATE makes it wait its turn
    instead (for up to `wait_ms`). Nested inside a transaction the block is a savepoint.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    with _WRITERS if _serialized else nullcontext():
        _begin(db, wait_ms)
        try:
            yield db
        except BaseException:
            if db.conn.in_transaction:
                db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")


def close_db(_exc: BaseException | None = None) -> None:
    """Close this request's connection, if one was opened."""
    db = g.pop("db", None)
    if db is not None:
        db.conn.close()


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply pending migrations and the state vocabulary; return the migrations applied."""
    from . import vocabulary
    from .migrations import migrations

    pending = [m.name for m in migrations.pending(db)]
    migrations.apply(db)
    vocabulary.install(db)
    return pending


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create the database or bring its schema up to date (never drops data)."""
    applied = migrate(get_db())
    click.echo(f"Database: {current_app.config['DATABASE']}")
    click.echo(f"Migraties toegepast: {', '.join(applied) if applied else 'geen (al actueel)'}")


def init_app(app: Flask) -> None:
    """Register the teardown and the init-db command."""
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
