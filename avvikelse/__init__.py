"""Avvikelse: deviations in collaboration between municipalities and a region."""

import os
from collections.abc import Mapping
from pathlib import Path

from flask import Flask

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> str:
    """templates/ and migrations/ sit at the repository top and inside the wheel's package."""
    packaged = PACKAGE_DIR / name
    if packaged.is_dir():
        return str(packaged)
    return str(PACKAGE_DIR.parent / name)


def create_app(test_config: Mapping | None = None) -> Flask:
    """Build the app. Starts no threads, runs no migrations, sends no mail (STYLE.md 2.2)."""
    from . import config as cfg
    from .cli import register_commands
    from .extensions import init_extensions
    from .security import install_security
    from .services.dates import install_clock
    from .views import register_blueprints
    from .views.errors import register_error_handlers

    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=resource_dir("templates"),
    )
    app.config.from_object(cfg.Defaults)
    app.config.from_pyfile("config.py", silent=True)
    cfg.load_environment(app.config)
    cfg.apply_overrides(app.config, test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    cfg.finish(app.config, app.instance_path)

    install_clock(app)
    install_security(app)
    init_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    return app
