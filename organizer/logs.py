"""Logging: one handler on stderr, as text or as one JSON object per line, and a request id.

Every request gets an id: the incoming `X-Request-ID` when it is a sane token (letters, digits,
`.`, `_`, `-`; at most 64 characters), else a new uuid4 hex. It is kept in `flask.g.request_id`,
echoed in the `X-Request-ID` response header and added to every log record written during the
request, so that a proxy's log line, the app's log lines and a person's report can be matched.
Work done outside a request (a queued task) can carry the id of the request that caused it:
`current_request_id()` when queuing, `bound_request_id(value)` around the work.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
import re
import sys
import uuid
from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-ID"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_bound: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id bound by `bound_request_id`, else the id of the request being served."""
    bound = _bound.get()
    if bound is not None:
        return bound
    if has_request_context():
        return g.get("request_id") or _assign_request_id()
    return None


@contextlib.contextmanager
def bound_request_id(value: str | None) -> Iterator[None]:
    """Around work for an earlier request (a queued task): log records in the block carry
    `value`, also when the work opens a request context of its own (to build URLs)."""
    token = _bound.set(value)
    try:
        yield
    finally:
        _bound.reset(token)


def _assign_request_id() -> str:
    incoming = request.headers.get(HEADER, "")
    value = incoming if _SANE_ID.fullmatch(incoming) else uuid.uuid4().hex
    g.request_id = value
    return value


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


class TextFormatter(logging.Formatter):
    """`TEXT_FORMAT`, then ` request_id=<id>` for a record written during a request."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        if request_id is None:
            return line
        first, newline, rest = line.partition("\n")  # after the message, not the traceback
        return f"{first} request_id={request_id}{newline}{rest}"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id,
    and the traceback as `exception` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is at the time (test runners replace it)."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def configure_logging(app: Flask) -> None:
    """The app's logging (LOG_FORMAT, LOG_LEVEL) and its request ids."""
    install_log_handler(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    _register_request_id(app)


def install_log_handler(log_format: str, level: str) -> None:
    """One handler on the root logger (replacing the one an earlier app put there), so that
    the app's, the libraries' and gunicorn's Python warnings all reach stderr the same way.
    The app's own loggers (`organizer.*`) log from `level`; the others from WARNING."""
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(_RequestIdFilter())
    handler.organizer = True  # type: ignore[attr-defined]
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "organizer", False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)
    logging.getLogger("organizer").setLevel(level)
    werkzeug = logging.getLogger("werkzeug")  # the development server's request lines
    if werkzeug.level == logging.NOTSET:
        werkzeug.setLevel(logging.INFO)


def _register_request_id(app: Flask) -> None:
    def assign() -> None:
        _assign_request_id()

    def echo(response: Response) -> Response:
        request_id = current_request_id()
        if request_id is not None:
            response.headers[HEADER] = request_id
        return response

    # First before any other hook (CSRF, rate limits), so that their records carry the id.
    app.before_request_funcs.setdefault(None, []).insert(0, assign)
    app.after_request(echo)
