"""PostgreSQL ends a connection between a request's last query and its end (a restart, an
administrator): the request is still answered by the app, not by gunicorn's bare "Internal
Server Error", and the next request gets a working connection. Found by the load test's
database restart (tests/load)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask

from organizer import create_app
from organizer.config import normalise_database_url
from organizer.extensions import db
from organizer.logs import install_log_handler
from tests.conftest import scratch_database


@pytest.fixture
def server_app(request: pytest.FixtureRequest, tmp_path: Path, app: Flask) -> Iterator[Flask]:
    """Not TESTING (exceptions are handled as in production), on a database of its own: its
    connections are really ended, which the suite's shared connection must not be."""
    option = request.config.getoption("--database-url")
    if option == "sqlite":
        pytest.skip("only a database server ends a connection under a running request")
    with scratch_database(option, tmp_path, "lost") as url:
        lost = create_app(
            {
                "INSTANCE_PATH": str(tmp_path / "instance"),
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "test-secret-key-not-for-production-0123456789",
                "RATE_LIMITS_ENABLED": False,
                "QUEUE_BACKEND": "immediate",
            }
        )
        try:
            yield lost
        finally:
            with lost.app_context():
                db.engine.dispose()
            install_log_handler(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])


def end_connection(url: str, pid: int) -> None:
    """What a restarting server does to each connection, and wait until it is gone."""
    plain = sa.make_url(normalise_database_url(url)).set(drivername="postgresql")
    with psycopg.connect(plain.render_as_string(hide_password=False), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 10
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            assert time.monotonic() < deadline, "the connection was not ended"
            time.sleep(0.02)


def test_a_connection_ended_after_the_last_query_still_gets_the_apps_answer(server_app, capsys):
    url = server_app.config["SQLALCHEMY_DATABASE_URI"]

    @server_app.route("/ended")
    def ended():  # type: ignore[no-untyped-def]
        pid = db.session.scalar(sa.text("SELECT pg_backend_pid()"))  # a transaction is open
        end_connection(url, pid)
        return "answered"

    @server_app.route("/next")
    def next_request():  # type: ignore[no-untyped-def]
        return str(db.session.scalar(sa.text("SELECT 1")))

    client = server_app.test_client()
    response = client.get("/ended")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "answered"
    assert client.get("/next").get_data(as_text=True) == "1"
    log = capsys.readouterr().err
    assert "the database connection was lost at the end of the request" in log
