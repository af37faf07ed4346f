"""An application whose database cannot be reached: a SQLite file in a folder that does not
exist, or a PostgreSQL server address on a port nobody listens on. Every connection attempt
fails for real (no mock), as when the database server is down."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from organizer import create_app
from organizer.config import normalise_database_url
from organizer.logs import install_log_handler
from tests.conftest import free_port


def unreachable_url(option: str, tmp: Path) -> str:
    if option == "sqlite":
        return f"sqlite:///{tmp / 'no-such-folder' / 'organizer.sqlite3'}"
    url = sa.make_url(normalise_database_url(option))
    return url.set(host="127.0.0.1", port=free_port()).render_as_string(hide_password=False)


@contextlib.contextmanager
def unreachable_app(option: str, tmp: Path, *, restore: Flask) -> Iterator[Flask]:
    """Not TESTING: an unexpected exception goes to the 500 handler, as in production.
    Afterwards the log handler is `restore`'s again (each app installs its own)."""
    down = create_app(
        {
            "INSTANCE_PATH": str(tmp / "instance"),
            "SQLALCHEMY_DATABASE_URI": unreachable_url(option, tmp),
            "SECRET_KEY": "test-secret-key-not-for-production-0123456789",
            "SERVER_NAME": "organizer.test",
            "RATE_LIMITS_ENABLED": False,
            "SUPPORTED_LOCALES": "en,de",
            "WTF_CSRF_ENABLED": False,
        }
    )
    try:
        yield down
    finally:
        install_log_handler(restore.config["LOG_FORMAT"], restore.config["LOG_LEVEL"])
