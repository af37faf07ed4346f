"""What the site admin's queue page shows: how many tasks wait, which workers are alive, when
each periodic task last ran, and the tasks that failed for good (to retry or forget)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from organizer import permissions, queue, tasks
from organizer.errors import NotFound

WORKER_GONE_AFTER = queue.WORKER_GONE_AFTER


@dataclass(frozen=True)
class Worker:
    name: str  # host:pid
    last_seen: dt.datetime
    alive: bool


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    purpose: str  # the first line of the task's docstring
    last_run: dict[str, Any] | None
    last_skip: str | None
    running_since: str | None


@dataclass(frozen=True)
class FailedTask:
    id: str
    task: str
    arguments: str
    error: str
    failed_at: dt.datetime


@dataclass(frozen=True)
class Overview:
    backend: str
    waiting: int
    scheduled: int
    workers: list[Worker]
    periodic: list[PeriodicTask]
    failed: list[FailedTask]


def overview(*, viewer: Any, now: dt.datetime) -> Overview:
    permissions.require(permissions.can_manage_queue(viewer))
    kept = queue.records()
    workers = sorted(
        (
            Worker(name=key.removeprefix(queue.WORKER_PREFIX), last_seen=seen, alive=alive)
            for key, value in kept.items()
            if key.startswith(queue.WORKER_PREFIX)
            for seen in [dt.datetime.fromisoformat(value)]
            for alive in [seen > now - WORKER_GONE_AFTER]
        ),
        key=lambda worker: (not worker.alive, worker.name),
    )
    periodic = [
        PeriodicTask(
            name=name,
            purpose=(job.__doc__ or "").strip().split("\n\n")[0].replace("\n", " "),
            last_run=kept.get(f"last-run:{name}"),
            last_skip=kept.get(f"last-skip:{name}"),
            running_since=kept.get(f"lock:{name}"),
        )
        for job in tasks.PERIODIC_TASKS
        for name in [job.func.__name__]
    ]
    failed = sorted(
        (
            FailedTask(
                id=value["id"],
                task=value["task"].rpartition(".")[2],
                arguments=_arguments(value["args"], value["kwargs"]),
                error=value["error"],
                failed_at=dt.datetime.fromisoformat(value["failed_at"]),
            )
            for key, value in kept.items()
            if key.startswith(queue.FAILED_PREFIX)
        ),
        key=lambda failure: failure.failed_at,
        reverse=True,
    )
    return Overview(
        backend=current_app.config["QUEUE_BACKEND_IN_USE"],
        waiting=queue.huey.pending_count(),
        scheduled=queue.huey.scheduled_count(),
        workers=workers,
        periodic=periodic,
        failed=failed,
    )


def _arguments(args: list[Any], kwargs: dict[str, Any]) -> str:
    shown = [repr(arg) for arg in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return ", ".join(shown)[:300]


def retry(*, actor: Any, task_id: str) -> None:
    permissions.require(permissions.can_manage_queue(actor))
    if not queue.retry_failed(task_id):
        raise NotFound(_("There is no such failed task (it may have been retried already)."))


def forget(*, actor: Any, task_id: str) -> None:
    permissions.require(permissions.can_manage_queue(actor))
    if not queue.forget_failed(task_id):
        raise NotFound(_("There is no such failed task (it may have been retried already)."))
