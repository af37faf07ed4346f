"""Extensions, created unbound; `create_app` binds them."""

from __future__ import annotations

from typing import Any

import click
from flask import Flask, current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from organizer.models.base import Base


class Migrations:
    """Flask-Migrate, bound when first used. It imports Alembic, Mako and Pygments (about
    11 MiB resident), which a web process never needs: `init_app` puts a stand-in in
    `app.extensions["migrate"]` and a `db` command group that bind Flask-Migrate when
    something reads the former (`flask_migrate.upgrade()`, a backup's revision check) or runs
    the latter (`flask db upgrade`)."""

    def init_app(self, app: Flask, db: SQLAlchemy, **options: Any) -> None:
        app.extensions["migrate"] = _UnboundMigrate(app, db, options)
        app.cli.add_command(_MigrationCommands(app, name="db", help="Perform database migrations."))


def _bind_migrate(app: Flask) -> Any:
    """Binds Flask-Migrate to `app` (once), which replaces both stand-ins; its config."""
    found = app.extensions["migrate"]
    if isinstance(found, _UnboundMigrate):
        from flask_migrate import Migrate

        Migrate(app, found.db, **found.options)  # sets app.extensions["migrate"], `flask db`
    return app.extensions["migrate"]


class _UnboundMigrate:
    def __init__(self, app: Flask, db: SQLAlchemy, options: dict[str, Any]) -> None:
        self.app, self.db, self.options = app, db, options

    def __getattr__(self, name: str) -> Any:  # only for what this stand-in does not have
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(_bind_migrate(self.app), name)


class _MigrationCommands(click.Group):
    """`flask db`: Flask-Migrate's own group, bound when the command line gets to it."""

    def __init__(self, app: Flask, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.app = app

    def _bound(self) -> click.Group:
        _bind_migrate(self.app)
        from flask_migrate.cli import db as group

        return group

    def make_context(self, info_name, args, parent=None, **extra):  # type: ignore[no-untyped-def]
        return self._bound().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._bound().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._bound().get_command(ctx, cmd_name)


db = SQLAlchemy(model_class=Base)
migrate = Migrations()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Keyed by the client's address, which ProxyFix (PROXY_COUNT) takes from X-Forwarded-For.
limiter = Limiter(key_func=get_remote_address)


@limiter.request_filter
def _rate_limits_switched_off() -> bool:
    """Read per request, so that one process can hold apps with and without limits (tests)."""
    return not current_app.config["RATE_LIMITS_ENABLED"]
