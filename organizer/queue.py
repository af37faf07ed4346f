"""The task queue (Huey): work that must not run inside a web request, and the clock that
replaces cron.

Where tasks wait is a setting (QUEUE_BACKEND):
- "sqlite": a file beside the database (the embedded install: no server to run);
- "postgres": tables `huey_*` in the app's own PostgreSQL database (created by Huey, not by the
  migrations: they hold transient queue state, never domain data);
- "redis": the server at REDIS_URL (several machines);
- "auto" (the default): redis when REDIS_URL is set, else postgres on PostgreSQL, else sqlite;
- "immediate": run each task in the caller, at once (the test suite, except the tests that
  start real workers).

A task runs in its own application context, with its own database session, in the worker
(`flask --app wsgi worker`) or, in immediate mode, in the process that enqueued it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from flask import Flask, current_app, g, has_app_context
from huey import Huey
from huey.api import PeriodicTask
from huey.signals import SIGNAL_ERROR
from huey.storage import MemoryStorage, PostgresStorage, PriorityRedisStorage, SqliteStorage
from sqlalchemy.engine import make_url

from organizer.logs import bound_request_id, current_request_id

log = logging.getLogger(__name__)

BACKENDS = ("auto", "sqlite", "postgres", "redis", "immediate")
QUEUE_NAME = "organizer"
HOUR = dt.timedelta(hours=1)
WRITES = "organizer.writes"  # flask.g: this context's transactions will write (see app.py)
REQUEST_ID = "_request_id"  # the keyword in which a task carries its request's id
SKIPPED = {"skipped": "another worker was running it"}  # a periodic task's turn, not taken

P = ParamSpec("P")
R = TypeVar("R")

_app: Flask | None = None  # the app of the last init_queue: the worker's


class AppHuey(Huey):
    """One Huey for the process, whose storage and mode belong to the application in whose
    context it is used (the worker's own when none is active), so that several apps in one
    process (the test suite) each keep their own queue."""

    def __init__(self, name: str) -> None:
        # No results: nothing reads what a task returns, and kept it would pile up for ever.
        super().__init__(name, storage_class=MemoryStorage, utc=True, results=False)

    def create_storage(self) -> None:  # type: ignore[override]
        return None  # each app's storage is made by init_queue

    def enqueue(self, task):  # type: ignore[no-untyped-def]
        """Every task carries the id of the request that enqueued it, for its log lines."""
        if not isinstance(task, PeriodicTask) and REQUEST_ID not in (task.kwargs or {}):
            task.kwargs = {**(task.kwargs or {}), REQUEST_ID: current_request_id()}
        return super().enqueue(task)

    @property
    def storage(self):  # type: ignore[no-untyped-def,override]
        return _state().storage

    @storage.setter
    def storage(self, value) -> None:  # type: ignore[no-untyped-def]
        pass  # set per app by init_queue

    @property
    def _immediate(self) -> bool:  # type: ignore[override]
        return _state().immediate

    @_immediate.setter
    def _immediate(self, value: bool) -> None:
        pass


class _SchemaOnFirstUse:
    """Huey's SQL storages create their tables when constructed, which needs the database;
    the app must start while the database is down (it then answers 503, and recovers without
    a restart), so the tables are created on first use instead."""

    _schema_ready = False

    @contextlib.contextmanager
    def db(self, commit: bool = False, close: bool = False) -> Iterator[Any]:
        if not self._schema_ready:
            self._schema_ready = True  # initialize_schema itself goes through db()
            try:
                self.initialize_schema()  # type: ignore[attr-defined]
            except Exception:
                self._schema_ready = False
                raise
        with super().db(commit, close) as cursor:  # type: ignore[misc]
            yield cursor


class SqliteQueueStorage(_SchemaOnFirstUse, SqliteStorage):
    pass


class PostgresQueueStorage(_SchemaOnFirstUse, PostgresStorage):
    pass


class QueueState:
    def __init__(self, backend: str, storage: Any) -> None:
        self.backend = backend
        self.storage = storage
        self.immediate = backend == "immediate"


huey = AppHuey(QUEUE_NAME)
_EXTENSION = "organizer.queue"


def chosen_backend(config: dict[str, Any]) -> str:
    backend = config["QUEUE_BACKEND"]
    if backend not in BACKENDS:
        raise ValueError(f"QUEUE_BACKEND must be one of {BACKENDS}, not {backend!r}")
    if backend != "auto":
        return backend
    if config["REDIS_URL"]:
        return "redis"
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return "postgres"
    return "sqlite"


def _storage(backend: str, config: dict[str, Any]) -> Any:
    name = config["QUEUE_NAME"]
    if backend == "immediate":
        return MemoryStorage(name)
    if backend == "redis":
        return PriorityRedisStorage(name, url=config["REDIS_URL"])
    if backend == "postgres":
        url = make_url(config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
        return PostgresQueueStorage(
            name, dsn=url.render_as_string(hide_password=False), create_tables=False
        )
    path = config["QUEUE_SQLITE_PATH"] or str(Path(config["INSTANCE_PATH"]) / "queue.sqlite3")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return SqliteQueueStorage(name, filename=path, create_tables=False)


def init_queue(app: Flask) -> None:
    """Give the app its queue, as its settings choose. Outside any application context
    (the worker's threads) the queue is the last app's: a worker process has one app."""
    global _app
    backend = chosen_backend(app.config)
    app.config["QUEUE_BACKEND_IN_USE"] = backend
    app.extensions[_EXTENSION] = QueueState(backend, _storage(backend, app.config))
    _app = app


def _task_app() -> Flask:
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    if _app is None:
        raise RuntimeError("the task queue is used before init_queue(app)")
    return _app


def _state() -> QueueState:
    return _task_app().extensions[_EXTENSION]


def _in_app_context(fn: Callable[P, R], *, writes: bool = True) -> Callable[P, R]:
    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        request_id = kwargs.pop(REQUEST_ID, None)
        with _task_app().app_context(), bound_request_id(request_id):  # type: ignore[arg-type]
            g.setdefault(WRITES, writes)  # on SQLite a writing task takes the lock up front
            return fn(*args, **kwargs)

    return run


def task(  # type: ignore[no-untyped-def]
    *, retries: int = 0, retry_delay: int = 0, priority: int | None = None, writes: bool = True
):
    """A task: `@task()` above a function; call `fn(...)` to enqueue it (`fn.call_local(...)`
    runs it here). It runs in an application context of its own. A task that only reads
    (`writes=False`, e.g. rendering a PDF for half a minute) must say so: on SQLite a writing
    task holds the database's write lock for as long as its transaction is open."""

    def decorate(fn: Callable[P, R]):  # type: ignore[no-untyped-def]
        return huey.task(retries=retries, retry_delay=retry_delay, priority=priority)(
            _in_app_context(fn, writes=writes)
        )

    return decorate


class Locked(Exception):
    """Another worker holds the lock."""


def take(key: str, *, expires: dt.timedelta) -> bool:
    """Take a marker in the queue's storage, shared by every worker and web process; False
    when someone holds it. Huey's own locks never expire on SQLite and PostgreSQL, so a
    worker killed while holding one would stop its task for good: a marker older than
    `expires` (longer than the work it guards can take) is taken over."""
    now = dt.datetime.now(dt.UTC)
    if huey.put_if_empty(key, now.isoformat()):
        return True
    held_since = huey.get(key, peek=True)
    if held_since is not None and dt.datetime.fromisoformat(held_since) > now - expires:
        return False
    log.warning("%s, held since %s, has expired; taking it over", key, held_since)
    huey.delete(key)
    return bool(huey.put_if_empty(key, now.isoformat()))


def give_back(key: str) -> None:
    huey.delete(key)


@contextlib.contextmanager
def lock(name: str, *, expires: dt.timedelta) -> Iterator[None]:
    """Hold the lock `name` for the block (see `take`); Locked when another holds it."""
    key = f"lock:{name}"
    if not take(key, expires=expires):
        raise Locked(name)
    try:
        yield
    finally:
        give_back(key)


def periodic(schedule: Callable[[dt.datetime], bool], *, lock_expires: dt.timedelta = HOUR):  # type: ignore[no-untyped-def]
    """A task the worker runs on a schedule (`huey.crontab(...)`), instead of cron.

    It holds a lock named after it, so that two workers never run it at the same time (the
    second one skips that turn), and records its last run for the queue's admin page."""

    def decorate(fn: Callable[[], Any]):  # type: ignore[no-untyped-def]
        name = fn.__name__

        @functools.wraps(fn)
        def locked() -> Any:
            try:
                with lock(name, expires=lock_expires):
                    started = dt.datetime.now(dt.UTC)
                    result = _in_app_context(fn)()
                    record_run(name, started=started, result=result)
                    return result
            except Locked:
                log.info("periodic task %s is running in another worker; skipped", name)
                huey.put(f"last-skip:{name}", dt.datetime.now(dt.UTC).isoformat())
                return SKIPPED

        return huey.periodic_task(schedule)(locked)

    return decorate


# --- What the site admin's queue page reads --------------------------------------------------

HEARTBEAT_SECONDS = 30
# A worker writes its heartbeat every HEARTBEAT_SECONDS; twice that without one, it is gone.
WORKER_GONE_AFTER = dt.timedelta(seconds=2 * HEARTBEAT_SECONDS)
FAILED_PREFIX = "failed:"
WORKER_PREFIX = "worker:"

this_worker: str | None = None  # host:pid in a worker process (cli.worker_command), else None


@huey.signal(SIGNAL_ERROR)
def _remember_failure(signal: str, task: Any, exc: BaseException | None = None) -> None:
    """A task that failed for good (no retries left) is kept, with its error and what it
    was called with, until a site admin retries or forgets it."""
    if task.retries:
        return  # Huey runs it again
    kwargs = {k: v for k, v in (task.kwargs or {}).items() if k != REQUEST_ID}
    huey.put(
        f"{FAILED_PREFIX}{task.id}",
        {
            "id": task.id,
            "task": huey._registry.task_to_string(type(task)),
            "args": list(task.args or ()),
            "kwargs": kwargs,
            "error": f"{type(exc).__name__}: {exc}"[:2000],
            "failed_at": dt.datetime.now(dt.UTC).isoformat(),
        },
    )


def retry_failed(task_id: str) -> bool:
    """Enqueue a failed task again, as it was called; False when there is no such record."""
    record = huey.get(f"{FAILED_PREFIX}{task_id}", peek=True)
    if record is None:
        return False
    task_class = huey._registry.string_to_task(record["task"])
    huey.enqueue(task_class(args=tuple(record["args"]), kwargs=record["kwargs"]))
    huey.delete(f"{FAILED_PREFIX}{task_id}")
    return True


def forget_failed(task_id: str) -> bool:
    return bool(huey.delete(f"{FAILED_PREFIX}{task_id}"))


def heartbeat(worker: str) -> None:
    """A worker says it is alive (every HEARTBEAT seconds, see cli.worker_command)."""
    huey.put(f"{WORKER_PREFIX}{worker}", dt.datetime.now(dt.UTC).isoformat())


def stopped(worker: str) -> None:
    huey.delete(f"{WORKER_PREFIX}{worker}")


def worker_gone(worker: str, *, now: dt.datetime) -> bool:
    """Whether the worker `worker` (host:pid) has stopped: no heartbeat for WORKER_GONE_AFTER
    (a killed worker's last one stays behind; a worker stopped with Ctrl-C removes its own)."""
    beat = huey.get(f"{WORKER_PREFIX}{worker}", peek=True)
    return beat is None or dt.datetime.fromisoformat(beat) <= now - WORKER_GONE_AFTER


def records() -> dict[str, Any]:
    """Every record the queue keeps beside its tasks (runs, skips, locks, failures, workers),
    by key. Huey's task results are skipped (they are keyed by bare task ids)."""
    found = {}
    for key, raw in huey.all_results().items():
        name = key.decode() if isinstance(key, bytes) else key
        if name.startswith((FAILED_PREFIX, WORKER_PREFIX, "last-run:", "last-skip:", "lock:")):
            found[name] = huey.serializer.deserialize(raw)
    return found


def record_run(name: str, *, started: dt.datetime, result: Any) -> None:
    huey.put(
        f"last-run:{name}",
        {
            "started": started.isoformat(),
            "finished": dt.datetime.now(dt.UTC).isoformat(),
            "result": result,
        },
    )


def last_run(name: str) -> dict[str, Any] | None:
    """The last run of a periodic task (kept until the next), or None. (Huey keeps no
    results of periodic tasks: this is how the admin page and the tests see them.)"""
    return huey.get(f"last-run:{name}", peek=True)


def last_skip(name: str) -> str | None:
    """When a periodic task last skipped its turn because another worker held its lock."""
    return huey.get(f"last-skip:{name}", peek=True)
