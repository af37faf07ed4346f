"""The stack a load run starts and stops: a fresh PostgreSQL database, the SMTP sink, gunicorn
and the queue workers, all in processes of their own so that they can be killed."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from email.parser import BytesHeaderParser
from pathlib import Path

import psycopg
import redis
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"
WEB_WORKERS = 4
QUEUE_WORKERS = 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SinkHandler:
    """Counts every message the sink accepts, by Message-ID. `delay` makes each accepted
    message take that long, so that a delivery run lasts long enough to be interrupted."""

    def __init__(self) -> None:
        self.counts: collections.Counter[str] = collections.Counter()
        self.lock = threading.Lock()
        self.delay = 0.0

    async def handle_DATA(self, server, session, envelope) -> str:
        headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.counts[str(headers.get("Message-ID", "")).strip()] += 1
        return "250 Message accepted"

    def snapshot(self) -> collections.Counter[str]:
        with self.lock:
            return collections.Counter(self.counts)


class Stack:
    """Everything one run needs; `close()` stops the processes and drops the database."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.tag = secrets.token_hex(4)
        self.database = f"organizer_load_{self.tag}"
        self.database_url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{self.database}"
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.sink = SinkHandler()
        self.smtp = Controller(self.sink, hostname="127.0.0.1", port=free_port())
        self.gunicorn: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": self.database_url,
            "ORGANIZER_SECRET_KEY": secrets.token_urlsafe(48),
            "ORGANIZER_INSTANCE_PATH": str(run_dir / "instance"),
            "ORGANIZER_REDIS_URL": REDIS_URL,
            "ORGANIZER_QUEUE_NAME": f"organizer-load-{self.tag}",
            "ORGANIZER_RATE_LIMIT_KEY_PREFIX": f"organizer-load-{self.tag}",
            # Every client comes from 127.0.0.1: per-client limits would refuse the crowd.
            "ORGANIZER_RATE_LIMITS_ENABLED": "false",
            "ORGANIZER_MAIL_BACKEND": "smtp",
            "ORGANIZER_MAIL_SERVER": "127.0.0.1",
            "ORGANIZER_MAIL_PORT": str(self.smtp.port),
            "ORGANIZER_BASE_URL": self.base_url,
            "ORGANIZER_PRINT_ON_RELEASE": "false",  # no PDF rendering beside the measurements
            "ORGANIZER_LOG_LEVEL": "WARNING",
        }

    # --- processes ------------------------------------------------------------------------

    def flask(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """A `flask --app wsgi` command, waited for; its output goes to the run's log."""
        with (self.run_dir / "flask.log").open("ab") as log:
            return subprocess.run(
                [sys.executable, "-m", "flask", "--app", "wsgi", *args],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=check,
                timeout=300,
            )

    def python(self, module: str, *args: str) -> str:
        """`python -m module args` in the run's environment; what it printed."""
        with (self.run_dir / "flask.log").open("ab") as log:
            return subprocess.run(
                [sys.executable, "-m", module, *args],
                cwd=ROOT,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=log,
                check=True,
                timeout=300,
                text=True,
            ).stdout

    def spawn(self, name: str, *args: str) -> subprocess.Popen:
        log = (self.run_dir / f"{name}.log").open("ab")
        return subprocess.Popen(
            [sys.executable, "-m", *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C of the run is handled by close(), not by them
        )

    def start_worker(self, number: int) -> subprocess.Popen:
        return self.spawn(f"worker{number}", "flask", "--app", "wsgi", "worker", "--threads", "2")

    def start(self) -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.database}"')
        self.smtp.start()
        self.flask("db", "upgrade")
        self.gunicorn = self.spawn(
            "gunicorn",
            "gunicorn",
            "--workers",
            str(WEB_WORKERS),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--timeout",
            "60",
            "wsgi:app",
        )
        self.workers = [self.start_worker(n) for n in range(QUEUE_WORKERS)]
        self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/readyz", timeout=5).status_code == 200:
                    return
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer /readyz in {timeout} s")

    def kill_worker(self, number: int) -> None:
        """kill -9 one queue worker (its process group: the worker has no children we keep)."""
        os.killpg(self.workers[number].pid, signal.SIGKILL)
        self.workers[number].wait()

    def close(self) -> None:
        for process in [*self.workers, self.gunicorn]:
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in [*self.workers, self.gunicorn]:
            if process is None:
                continue
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        with contextlib.suppress(Exception):
            self.smtp.stop()
        with contextlib.suppress(Exception):
            client = redis.Redis.from_url(REDIS_URL)
            # Huey names its keys after the queue name without its dashes (huey.results.<name>).
            for pattern in (f"*organizer-load-{self.tag}*", f"*organizerload{self.tag}*"):
                for key in client.scan_iter(pattern):
                    client.delete(key)
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    # --- the database, read directly -------------------------------------------------------

    def query(self, sql: str, *params: object) -> list[tuple]:
        url = self.database_url.replace("+psycopg", "")
        with psycopg.connect(url, autocommit=True) as conn:
            return conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, *params: object) -> object:
        return self.query(sql, *params)[0][0]


def restart_postgresql() -> None:
    """The brief's restart: the cluster goes down and up (a few seconds)."""
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        capture_output=True,
        timeout=120,
    )
