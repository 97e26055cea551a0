"""Backups with SQLite's online backup API, and a restore that never overwrites a live database.

A backup copies the database page by page while the app keeps running: writers wait at most
for one step of pages, never for the whole copy. A restore first takes the database file's
exclusive lock: in WAL mode every open connection (the web server, the escalator) holds a
shared lock on it, so the restore is refused while anything still uses the database.
"""

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

PAGES_PER_STEP = 1024  # 4 MB at a time: a running app's writes wait for one step at most


class BackupError(Exception):
    """A backup or restore that cannot be done; nothing was changed."""


def _check(conn: sqlite3.Connection, what: str) -> None:
    """Refuse a database that is damaged or is not one of ours."""
    try:
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
        ours = conn.execute(
            "select count(*) from sqlite_master where name in ('_sqlite_migrations', 'visits')"
        ).fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{what} is geen SQLite-database: {exc}") from None
    if ok != "ok":
        raise BackupError(f"{what} is beschadigd: {ok}")
    if ours != 2:
        raise BackupError(f"{what} is geen database van Veilig op Pad.")


def backup(database: str, destination: str | Path) -> dict:
    """Copy the database to `destination` (a file, or a folder for a dated file) while it runs."""
    target = Path(destination)
    if target.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = target / f"veilig-op-pad-{stamp}.sqlite"
    if target.exists():
        raise BackupError(f"{target} bestaat al; kies een nieuwe naam.")
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=15)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy, pages=PAGES_PER_STEP)
        _check(copy, str(target))
        copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    except BaseException:
        copy.close()
        target.unlink(missing_ok=True)
        raise
    finally:
        source.close()
    copy.close()
    return {"file": str(target), "bytes": target.stat().st_size}


def restore(source: str | Path, database: str) -> dict:
    """Replace the database with a backup, refusing while any process has the database open."""
    src_path = Path(source)
    if not src_path.is_file():
        raise BackupError(f"{src_path} bestaat niet.")
    src = sqlite3.connect(f"file:{src_path}?mode=ro", uri=True)
    try:
        _check(src, str(src_path))
        target = sqlite3.connect(database, timeout=0, isolation_level=None)
        try:
            target.execute("PRAGMA locking_mode = EXCLUSIVE")
            try:
                target.execute("BEGIN EXCLUSIVE")
                target.execute("COMMIT")  # holds the exclusive lock from here on (locking mode)
            except sqlite3.OperationalError:
                raise BackupError(
                    "De database is in gebruik: stop eerst de app en de escalatie "
                    "(alle processen), en herstel dan."
                ) from None
            src.backup(target)
            _check(target, database)
        finally:
            target.close()
    finally:
        src.close()
    return {"file": database, "from": str(src_path), "bytes": Path(database).stat().st_size}
