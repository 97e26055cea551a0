"""Veilig op Pad: the Flask application factory."""

from pathlib import Path

from flask import Flask
from flask_compress import Compress

from . import (
    config,
    metrics,  # first: it chooses prometheus_client's multiprocess mode on import
)

ROOT = Path(__file__).resolve().parent.parent
compress = Compress()


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the application."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=config.instance_path(),
        template_folder=str(ROOT / "templates"),
        static_folder=None,  # app/assets.py serves /static/ with content-hashed names
    )
    config.load(app, test_config)

    from . import (
        admin,
        assets,
        auth,
        commands,
        db,
        escalation,
        followup,
        home,
        i18n,
        incidents,
        legacy,
        logs,
        privacy,
        pwa,
        security,
        templating,
        two_factor_views,  # noqa: F401 - adds the second step to the auth blueprint
        visits,
    )

    assets.init_app(app)
    compress.init_app(app)  # pages and JSON; static files come compressed already
    db.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    commands.init_app(app)
    templating.init_app(app)
    logs.init_app(app)
    if not app.testing:
        logs.configure()
    for blueprint in (
        auth.bp,
        admin.bp,
        home.bp,
        pwa.bp,
        *visits.blueprints(),
        *escalation.blueprints(),
        *incidents.blueprints(),
        *followup.blueprints(),
        privacy.bp,
        legacy.bp,
        metrics.bp,
    ):
        app.register_blueprint(blueprint)
    return app
