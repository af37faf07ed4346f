"""Test harness.

- One application per run, on its own database: a temporary SQLite file, or a fresh PostgreSQL
  database created for the run when `--database-url` (or ORGANIZER_TEST_DATABASE_URL) names a
  server. The schema comes from the Alembic migrations, exactly as in production.
- Each test runs inside a transaction on one connection that is rolled back at the end; the
  session works in SAVEPOINTs, so the code under test may commit and roll back as it does live.
- Mail goes through a real SMTP server (aiosmtpd) and lands in the `mailbox` fixture.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import re
import socket
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient

from organizer import create_app
from organizer.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-url",
        default=os.environ.get("ORGANIZER_TEST_DATABASE_URL") or "sqlite",
        help="'sqlite' (a temporary file) or a PostgreSQL URL whose server gets a fresh database",
    )
    parser.addoption(
        "--redis-url",
        default=os.environ.get("ORGANIZER_TEST_REDIS_URL") or "",
        help="a Redis URL: the rate-limit tests run once more against it (else skipped)",
    )


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [
        f"organizer test database: {config.getoption('--database-url')}",
        f"organizer test redis: {config.getoption('--redis-url') or 'none (skipped)'}",
    ]


# Rate-limit counters of this run live under their own key prefix, so that runs sharing one
# Redis never see each other's counts.
TEST_RUN_ID = uuid.uuid4().hex[:12]


# --- databases -------------------------------------------------------------------------------


@contextlib.contextmanager
def scratch_database(option: str, directory: Path, label: str) -> Iterator[str]:
    """A URL for an empty database that exists for the duration of the block."""
    if option == "sqlite":
        yield f"sqlite:///{directory / f'{label}.sqlite3'}"
        return
    from organizer.config import normalise_database_url

    server = sa.make_url(normalise_database_url(option))
    name = f"organizer_{label}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def migrate_to_head(app: Flask) -> None:
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()  # alembic's connection must not linger in the pool


# --- mail --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """What reached the SMTP server, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    def clear(self) -> None:
        self.messages.clear()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def last(self, address: str) -> EmailMessage:
        found = self.to(address)
        assert found, f"no mail to {address}; got {[m['To'] for m in self.messages]}"
        return found[-1]

    @staticmethod
    def text(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        assert part is not None
        return part.get_content()

    @staticmethod
    def html(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("html",))
        assert part is not None
        return part.get_content()

    def link(self, message: EmailMessage, path_prefix: str) -> str:
        """The path of the first link in the plain text that starts with path_prefix."""
        for url in re.findall(r"https?://\S+", self.text(message)):
            path = re.sub(r"^https?://[^/]+", "", url)
            if path.startswith(path_prefix):
                return path
        raise AssertionError(f"no link to {path_prefix} in:\n{self.text(message)}")


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


@pytest.fixture
def mailbox(smtp_server: tuple[Mailbox, int]) -> Mailbox:
    box = smtp_server[0]
    box.clear()
    return box


# --- the application -----------------------------------------------------------------------------


def test_settings(database_url: str, smtp_port: int, tmp: Path) -> dict[str, object]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key-not-for-production-0123456789",
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "MAIL_SENDER": "Workshop <noreply@organizer.test>",
        "MAIL_OUTBOX_DIR": str(tmp / "outbox"),
        "UPLOAD_DIR": str(tmp / "uploads"),
        "PRINT_CACHE_DIR": str(tmp / "print"),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast; production uses scrypt
        "SERVER_NAME": "organizer.test",
        # Per-client limits would trip over the suite's many posts from 127.0.0.1; the tests of
        # the limits switch them on (tests/core/test_rate_limits.py).
        "RATE_LIMITS_ENABLED": False,
        "REDIS_URL": "",
        # Tasks run where they are enqueued (Huey's immediate mode), so a test reads the mail a
        # request sent; tests/queue starts real workers on SQLite, PostgreSQL and Redis.
        "QUEUE_BACKEND": "immediate",
        # In immediate mode a release would render its PDFs inside the test's request: only
        # the tests of that switch it on.
        "PRINT_ON_RELEASE": False,
        # Tests change live rows and read the page at once; tests/public_schedule/test_page_cache.py
        # switches the schedule page's reuse on.
        "PUBLIC_PAGE_CACHE_SECONDS": 0,
        "RATE_LIMIT_KEY_PREFIX": f"organizer-test-{TEST_RUN_ID}",
    }


@contextlib.contextmanager
def migrated_app(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    smtp_port: int,
    label: str,
    **overrides: object,
) -> Iterator[Flask]:
    """An application on its own scratch database, migrated to the latest revision.
    Overrides set to None remove a test setting."""
    tmp = tmp_path_factory.mktemp(label)
    with scratch_database(request.config.getoption("--database-url"), tmp, label) as url:
        settings = {**test_settings(url, smtp_port, tmp), **overrides}
        application = create_app({k: v for k, v in settings.items() if v is not None})
        migrate_to_head(application)
        try:
            yield application
        finally:
            with application.app_context():
                db.engine.dispose()


@pytest.fixture(scope="session")
def app(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    smtp_server: tuple[Mailbox, int],
) -> Iterator[Flask]:
    with migrated_app(
        request, tmp_path_factory, smtp_server[1], "unit", WTF_CSRF_ENABLED=False
    ) as application:
        yield application


@pytest.fixture(autouse=True)
def _isolated_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test but the browser ones: one connection, one outer transaction, rolled back."""
    if request.node.get_closest_marker("e2e"):
        yield
        return
    app: Flask = request.getfixturevalue("app")
    with app.test_request_context():
        engines = db.engines
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        # Flask-SQLAlchemy resolves the bind through db.engines, so point it at the connection.
        engines[None] = connection  # type: ignore[assignment]
        original_session = db.session
        db.session = db._make_scoped_session({"join_transaction_mode": "create_savepoint"})
        try:
            yield
        finally:
            db.session.remove()
            db.session = original_session
            engines[None] = engine
            outer.rollback()
            connection.close()


class TestClient(FlaskClient):
    """Each request runs in its own application context, so it has its own session, `g` and
    signed-in user, as in production. The test's own setup is committed first (as if an earlier
    request had made it) and the test's objects are expired after, so the test reads what the
    request really saved."""

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        db.session.commit()
        try:
            with self.application.app_context():
                return super().open(*args, **kwargs)
        finally:
            db.session.expire_all()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = TestClient
    return app.test_client()


@pytest.fixture
def queries(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement run while the test body runs, for asserting query counts."""
    statements: list[str] = []
    connection = db.engines[None]

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            statements.append(statement)

    sa.event.listen(connection, "before_cursor_execute", record)
    yield statements
    sa.event.remove(connection, "before_cursor_execute", record)


@pytest.fixture
def assert_constant_queries(client: FlaskClient, queries: list[str]):
    """assert_constant_queries(urls, grow): GET each url, call grow() to add data, GET again;
    each page must run the same number of SQL statements both times (no query per row)."""

    def count(url: str) -> int:
        db.session.commit()
        queries.clear()
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return len(queries)

    def check(urls: list[str], grow) -> dict[str, int]:  # type: ignore[no-untyped-def]
        grow()
        before = {url: count(url) for url in urls}
        grow()
        after = {url: count(url) for url in urls}
        assert before == after, f"query counts grew with the data: {before} -> {after}"
        return after

    return check
