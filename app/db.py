"""The SQLite database: one connection per request, the init-db command."""

import sqlite3

import click
import sqlite_utils
from flask import Flask, current_app, g
from flask.cli import with_appcontext


def connect(path: str) -> sqlite_utils.Database:
    """Open the database file with the settings every connection needs."""
    conn = sqlite3.connect(path, timeout=15, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA busy_timeout = 15000")
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def get_db() -> sqlite_utils.Database:
    """Return this request's database connection, opening it on first use."""
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"])
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    """Close this request's connection, if one was opened."""
    db = g.pop("db", None)
    if db is not None:
        db.conn.close()


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply pending migrations; return the names applied."""
    from .migrations import migrations

    pending = [m.name for m in migrations.pending(db)]
    migrations.apply(db)
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
