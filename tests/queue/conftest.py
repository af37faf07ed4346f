"""Real queue workers (`flask --app wsgi worker` in a subprocess) on each storage the queue
supports: SQLite always, PostgreSQL when the suite runs on PostgreSQL (the queue then lives in
the app's own database), Redis when --redis-url / ORGANIZER_TEST_REDIS_URL is set."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from organizer.extensions import db
from organizer.queue import huey
from tests.conftest import TEST_RUN_ID, migrated_app

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", params=["sqlite", "postgres", "redis"])
def queue_app(request, tmp_path_factory, smtp_server) -> Iterator[Flask]:
    """An app of its own (not the suite's shared one) whose queue is real, not immediate."""
    backend = request.param
    on_postgres = request.config.getoption("--database-url") != "sqlite"
    redis_url = request.config.getoption("--redis-url")
    if backend == "postgres" and not on_postgres:
        pytest.skip("the PostgreSQL queue lives in the app's database: run on PostgreSQL")
    if backend == "redis" and not redis_url:
        pytest.skip("no Redis: set ORGANIZER_TEST_REDIS_URL or --redis-url")
    folder = tmp_path_factory.mktemp(f"queue-{backend}")
    with migrated_app(
        request,
        tmp_path_factory,
        smtp_server[1],
        f"queue_{backend}",
        QUEUE_BACKEND=backend,
        QUEUE_SQLITE_PATH=str(folder / "queue.sqlite3"),
        QUEUE_NAME=f"organizer-test-{TEST_RUN_ID}-{backend}",
        REDIS_URL=redis_url if backend == "redis" else "",
        INSTANCE_PATH=str(folder / "instance"),
        PRINT_ON_RELEASE=True,
    ) as app:
        with app.app_context():
            huey.flush()
        yield app
        with app.app_context():
            huey.flush()
            huey.storage.close()  # this thread's connection to the queue's database


@pytest.fixture
def in_queue_app(queue_app: Flask) -> Iterator[Flask]:
    """The test body runs in the queue app's context, with an empty queue and outbox."""
    with queue_app.test_request_context():
        huey.flush()
        yield queue_app
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()


def worker_environment(app: Flask, **extra: str) -> dict[str, str]:
    config = app.config
    return {
        **os.environ,
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "ORGANIZER_INSTANCE_PATH": config["INSTANCE_PATH"],
        "ORGANIZER_SECRET_KEY": config["SECRET_KEY"],
        "ORGANIZER_QUEUE_BACKEND": config["QUEUE_BACKEND"],
        "ORGANIZER_QUEUE_SQLITE_PATH": config["QUEUE_SQLITE_PATH"],
        "ORGANIZER_QUEUE_NAME": config["QUEUE_NAME"],
        "ORGANIZER_REDIS_URL": config["REDIS_URL"],
        "ORGANIZER_MAIL_BACKEND": "smtp",
        "ORGANIZER_MAIL_SERVER": config["MAIL_SERVER"],
        "ORGANIZER_MAIL_PORT": str(config["MAIL_PORT"]),
        "ORGANIZER_MAIL_SENDER": config["MAIL_SENDER"],
        "ORGANIZER_BASE_URL": "http://organizer.test",
        "ORGANIZER_PRINT_CACHE_DIR": config["PRINT_CACHE_DIR"],
        "ORGANIZER_UPLOAD_DIR": config["UPLOAD_DIR"],
        **extra,
    }


@contextlib.contextmanager
def running_worker(app: Flask, *, threads: int = 2, log: Path) -> Iterator[subprocess.Popen]:
    """`flask worker` in a process of its own; stopped with Ctrl-C (SIGINT) at the end."""
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--threads", str(threads)],
            cwd=PROJECT_ROOT,
            env=worker_environment(app),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    except BaseException:
        print(f"--- {log.name}:\n{log.read_text(errors='replace')[-4000:]}")  # shown on failure
        raise
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until(condition: Callable[[], object], *, timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
