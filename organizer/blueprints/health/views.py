"""Probes for a process manager or load balancer: `/healthz` (the process answers) and
`/readyz` (it can serve: services/health.py's checks). Neither reads the session or the
signed-in person (`g.no_user_lookup`), so they set no cookie, and `/healthz` needs no
database."""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify

from organizer.blueprints._common import access
from organizer.extensions import limiter
from organizer.services import health

bp = Blueprint("health", __name__)


def _uncached(response: Response, status: int) -> Response:
    g.no_user_lookup = True  # the app's after-request hooks leave the session alone
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@access("public")
@bp.route("/healthz")
@limiter.exempt
def healthz():
    return _uncached(jsonify(status="ok"), 200)


@access("public")
@bp.route("/readyz")
@limiter.exempt
def readyz():
    ready, checks = health.readiness()
    return _uncached(
        jsonify(status="ok" if ready else "fail", checks=checks), 200 if ready else 503
    )
