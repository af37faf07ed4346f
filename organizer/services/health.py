"""Readiness checks for `/readyz`: is this process able to serve requests now?

`CHECKS` maps a name to a function that returns None when all is well, or a short reason
(never a secret, never a traceback: the answer is public). Adding a check (a task queue, say)
is one entry here and a line in docs/operator.md.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from organizer.extensions import db
from organizer.queue import huey

Check = Callable[[], str | None]


def database() -> str | None:
    """`SELECT 1` through the session, as a request would query."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        db.session.rollback()
        cause = getattr(error, "orig", None) or error
        return f"cannot query the database ({type(cause).__name__})"
    return None


def storage() -> str | None:
    """The upload folder and the print cache folder exist (made if missing, as the app does
    when it first writes there) and a file can be written in each."""
    for setting in ("UPLOAD_DIR", "PRINT_CACHE_DIR"):
        folder = Path(current_app.config[setting])
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=folder, prefix=".readyz-"):
                pass
        except OSError as error:
            return f"{setting} is not writable ({error.strerror or type(error).__name__})"
    return None


def task_queue() -> str | None:
    """The queue's storage answers (its length is read from it). In immediate mode there is
    no storage to reach."""
    try:
        huey.pending_count()
    except Exception as error:  # each storage raises its own driver's errors
        return f"cannot reach the task queue ({type(error).__name__})"
    return None


CHECKS: dict[str, Check] = {"database": database, "storage": storage, "queue": task_queue}


def readiness(checks: dict[str, Check] | None = None) -> tuple[bool, dict[str, str]]:
    """Runs every check: (all passed, name → "ok" or the reason it failed)."""
    results: dict[str, str] = {}
    for name, check in (CHECKS if checks is None else checks).items():
        problem = check()
        results[name] = "ok" if problem is None else problem
    return all(result == "ok" for result in results.values()), results
