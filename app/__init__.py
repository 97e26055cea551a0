"""Veilig op Pad: the Flask application factory."""

import importlib
from pathlib import Path

from flask import Flask

from . import config

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the application."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=config.instance_path(),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    config.load(app, test_config)

    from . import (
        admin,
        audit,
        auth,
        commands,
        db,
        home,
        i18n,
        pwa,
        security,
    )

    db.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    audit.init_app(app)
    commands.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(pwa.bp)
    # One blueprint per capability; each package registers its own views on its blueprint.
    for capability in ("visits", "escalation", "incidents"):
        module = importlib.import_module(f".{capability}", __name__)
        app.register_blueprint(module.bp)
        if hasattr(module, "init_app"):
            module.init_app(app)
    return app
