"""What the scheduler's and the grant allocation's solves share in their views: handing a
committed solve to the worker, its progress page, and the JSON its script polls."""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, jsonify, make_response, render_template

from organizer import tasks
from organizer.blueprints._common import commit, utcnow
from organizer.models import Solve
from organizer.services import solves

log = logging.getLogger(__name__)

REFRESH_SECONDS = 3  # the progress page's reload without JavaScript


def enqueue(solve: Solve, *, progress_url: str) -> str:
    """Hand the committed solve to the worker (in immediate mode it runs here and now) and
    return `progress_url`. The request's reading transaction is closed first: an immediate
    task has a session of its own and must not run inside this one's. A queue that cannot be
    reached marks the solve failed rather than leaving it waiting for ever."""
    public_id = solve.public_id
    commit()
    try:
        tasks.run_solve(public_id)
    except Exception:
        log.exception("enqueueing solve %s failed", public_id)
        solves.not_enqueued(solve, now=utcnow())
        commit()
    return progress_url


def progress_page(template: str, *, status: solves.Status, **context: Any) -> Response:
    """The progress page, never cached; it reloads itself until the solve has finished."""
    response = make_response(
        render_template(
            template,
            status=status,
            refresh=None if status.state.finished else REFRESH_SECONDS,
            **context,
        )
    )
    response.cache_control.no_store = True
    return response


def status_json(status: solves.Status, *, result_url: str | None) -> Response:
    response = jsonify({**status.as_json(), "result_url": result_url})
    response.cache_control.no_store = True
    return response
