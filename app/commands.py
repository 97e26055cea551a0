"""Command-line commands: seed-demo, create-admin, serve, escalator, purge, seed-demo-year."""

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from . import audit, demo, users
from .db import get_db, migrate


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


def _request_handler():
    """Return werkzeug's request handler, made to name no framework or version."""
    from werkzeug.serving import WSGIRequestHandler

    class Handler(WSGIRequestHandler):
        def version_string(self) -> str:
            # http.server would say "Werkzeug/x.y Python/3.z": a map for an attacker.
            return "Veilig op Pad"

    return Handler


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, help="Port to listen on.")
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Serve the app for one machine (development and demo), escalation worker included."""
    from werkzeug.serving import run_simple

    from .escalation import start_in_process

    application = current_app._get_current_object()
    escalator = start_in_process(application)
    click.echo(f"Veilig op Pad draait op http://{host}:{port}/")
    try:
        run_simple(host, port, application, threaded=True, request_handler=_request_handler())
    finally:
        if escalator is not None:
            escalator.stop()


@click.command("escalator")
@with_appcontext
def escalator_command() -> None:
    """Run the escalation worker on its own (production: beside the WSGI server)."""
    import signal

    from .escalation.engine import Escalator

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


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(escalator_command)
    app.cli.add_command(purge_command)
    app.cli.add_command(seed_demo_year_command)
