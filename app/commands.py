"""Command-line commands: seed-demo, create-admin, serve, escalator, purge, seed-demo-year,
backup, restore, replicate and takeover."""

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from . import audit, demo, metrics, users
from .db import get_db, migrate, serialize_writers


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Seed the demo organisation when the database has no users; print the demo logins."""
    db = get_db()
    migrate(db)
    if demo.is_empty(db):
        demo.seed(db)
        click.echo("Demo-organisatie aangemaakt.")
    if users.find_by_username(db, demo.DEMO_USERS[0][0]):
        click.echo(demo.logins_text())
    else:
        click.echo("Database heeft al gebruikers: geen demo-organisatie aangemaakt.")


@click.command("create-admin")
@click.option("--username", prompt="Gebruikersnaam", help="Login name of the administrator.")
@click.option("--name", "display_name", prompt="Naam", help="Display name.")
@click.password_option(
    "--password", prompt="Wachtwoord", help="Password (at least 12 characters)."
)
@with_appcontext
def create_admin_command(username: str, display_name: str, password: str) -> None:
    """Create an administrator account for a production start."""
    db = get_db()
    migrate(db)
    problem = users.password_problem(password, username.strip().lower())
    if problem:
        raise click.BadParameter(problem, param_hint="--password")
    if users.find_by_username(db, username.strip().lower()):
        raise click.BadParameter("Deze gebruikersnaam bestaat al.", param_hint="--username")
    user_id = users.create_user(
        db,
        username=username.strip().lower(),
        display_name=display_name.strip(),
        role=users.ADMIN,
        team_id=None,
        password=password,
    )
    audit.record("admin.user.create", object_type="user", object_id=user_id, actor="cli")
    click.echo(f"Beheerder {username} aangemaakt.")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, help="Requests served at once.")
@with_appcontext
def serve_command(host: str, port: int, threads: int) -> None:
    """Serve the app on one machine with waitress, escalation worker included (make run)."""
    import signal

    from waitress import create_server

    from .escalation import start_in_process

    application = current_app._get_current_object()
    # ident="" : no Server header naming the server or its version.
    server = create_server(application, host=host, port=port, threads=threads, ident="")
    serialize_writers()  # one process: its threads queue for the write lock in Python
    metrics.forget_dead_processes()
    escalator = start_in_process(application)

    def stop(*_args):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    click.echo(f"Veilig op Pad draait op http://{host}:{port}/ (waitress, {threads} threads)")
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("Veilig op Pad stopt.")
    finally:
        server.close()
        if escalator is not None:
            escalator.stop()


@click.command("escalator")
@with_appcontext
def escalator_command() -> None:
    """Run the escalation worker on its own (production: beside the WSGI server)."""
    import signal

    from .escalation.engine import Escalator

    metrics.forget_dead_processes()
    escalator = Escalator(current_app._get_current_object())
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_args: escalator.stopping.set())
    click.echo(f"Escalator {escalator.holder} draait (stoppen: Ctrl-C).")
    escalator.run()


@click.command("purge")
@with_appcontext
def purge_command() -> None:
    """Delete everything past its retention period now (the escalator also does it daily)."""
    from . import housekeeping
    from .clock import now

    db = get_db()
    migrate(db)
    counts = housekeeping.purge(db, now(), actor="cli")
    click.echo(
        "Verwijderd na de bewaartermijn: " + ", ".join(f"{k} {v}" for k, v in counts.items())
    )


@click.command("seed-demo-year")
@with_appcontext
def seed_demo_year_command() -> None:
    """Seed a realistic year of demo incidents and alarms into the demo team (marked as demo)."""
    from .followup import demo_year

    db = get_db()
    migrate(db)
    try:
        made = demo_year.seed(db)
    except demo_year.NotDemo as refusal:
        raise click.ClickException(str(refusal)) from refusal
    click.echo(
        f"Demogegevens aangemaakt in {demo.DEMO_TEAM}: {made['incidents']} incidenten, "
        f"{made['alarms']} alarmen (gemarkeerd als demo)."
    )


@click.command("backup")
@click.argument("destination", type=click.Path(path_type=str))
@with_appcontext
def backup_command(destination: str) -> None:
    """Copy the database to DESTINATION (a file, or a folder) while the app keeps running."""
    from . import backup

    try:
        result = backup.backup(current_app.config["DATABASE"], destination)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    audit.record("backup", object_type="database", detail=result, actor="cli")
    click.echo(f"Back-up gemaakt: {result['file']} ({result['bytes']} bytes)")


@click.command("restore")
@click.argument("source", type=click.Path(path_type=str))
@with_appcontext
def restore_command(source: str) -> None:
    """Replace the database with the backup SOURCE; refused while the app or escalator runs."""
    from . import backup

    try:
        result = backup.restore(source, current_app.config["DATABASE"])
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    audit.record("restore", object_type="database", detail=result, actor="cli")
    click.echo(f"Hersteld uit {result['from']} naar {result['file']}")


@click.command("replicate")
@with_appcontext
def replicate_command() -> None:
    """Replicate the database continuously to VOP_REPLICA_URL with Litestream (until stopped)."""
    import os

    from . import replication

    try:
        command = replication.replicate_command_line(current_app._get_current_object())
    except replication.ReplicationError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Litestream repliceert naar {current_app.config['VOP_REPLICA_URL']}")
    os.execv(command[0], command)  # Litestream itself answers the signals from here on


@click.command("takeover")
@click.option("--force", is_flag=True, help="Overwrite a database that is already here.")
@with_appcontext
def takeover_command(force: bool) -> None:
    """Restore the database from VOP_REPLICA_URL on a standby machine, ready to start."""
    from . import replication

    try:
        result = replication.take_over(current_app._get_current_object(), force=force)
    except replication.ReplicationError as error:
        raise click.ClickException(str(error)) from None
    applied = migrate(get_db())
    audit.record("takeover", object_type="database", detail=result, actor="cli")
    click.echo(f"Overgenomen uit {result['replica']}; migraties: {', '.join(applied) or 'geen'}")


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(escalator_command)
    app.cli.add_command(purge_command)
    app.cli.add_command(seed_demo_year_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(replicate_command)
    app.cli.add_command(takeover_command)
