"""The read API (/api/v1/). Only `Authorization: Bearer <token>` identifies the caller: a
session cookie is never read here (the views use the token's owner, never `current_user`), so
a page open in the same browser cannot be made to call the API, and CSRF does not apply.

Errors are `application/problem+json` (RFC 9457): 400 bad paging, 401 no usable token, 403 not
allowed (or a read-only token asked to write), 404, 405, 429 (per token, RATE_LIMIT_API).
Every route and answer is described in openapi.json, which tests/api check responses against.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from flask import Blueprint, Response, g, request, url_for
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import HTTPException

from organizer.blueprints._common import access, rollback, utcnow
from organizer.blueprints._limits import api_limited, seconds_until_retry
from organizer.errors import DomainError
from organizer.extensions import db
from organizer.paths import PROJECT_ROOT
from organizer.services import api_tokens
from organizer.services.api import reads
from organizer.services.api.access import Caller, Page, paging, reachable_event

PREFIX = "/api/v1/"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OPENAPI_PATH = PROJECT_ROOT / "organizer" / "blueprints" / "api" / "openapi.json"
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
}

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def problem(status: int, detail: str, **headers: str) -> Response:
    body = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    response.headers.update(headers)
    return response


def _json(data: dict[str, Any]) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), mimetype="application/json")


@bp.before_app_request
def _authenticate() -> Response | None:
    """Before every request under /api/v1/ (also those that match no route, so that they get
    JSON too): the caller from the bearer token, or a 401."""
    if not request.path.startswith(PREFIX) or request.endpoint == "api.openapi":
        return None
    # Never read the browser session here: the app's hooks (locale, security headers) would
    # load the signed-in person from the cookie and touch the session (app.py reads this flag).
    g.no_user_lookup = True
    now = utcnow()
    found = api_tokens.authenticate_api_header(request.headers.get("Authorization"), now=now)
    if found is None:
        rollback()
        return problem(
            401,
            _("Send a valid API token: Authorization: Bearer <token>. Cookies are not used."),
            **{"WWW-Authenticate": 'Bearer realm="organizer API"'},
        )
    user, token = found
    if token.last_used_at == now:
        db.session.commit()  # at most once a minute per token (services/api_tokens.py)
    if request.method not in SAFE_METHODS and token.read_only:
        return problem(403, _("This token is read-only: it may only send GET requests."))
    routing = request.routing_exception
    if isinstance(routing, HTTPException) and routing.code in TITLES:
        detail = (
            _("The API only reads: use GET.")
            if routing.code == 405
            else _("There is nothing at this address.")
        )
        return problem(routing.code, detail)
    g.api_caller = Caller(user=user, token=token)
    return None


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError) -> Response:
    rollback()
    status = error.status_code if error.status_code in TITLES else 400
    return problem(status, error.message)


@bp.errorhandler(RateLimitExceeded)
def _rate_limited(error: RateLimitExceeded) -> Response:
    wait = seconds_until_retry()
    return problem(
        429,
        _("Too many requests with this token. Try again in %(n)d seconds.", n=wait),
        **{"Retry-After": str(wait)},
    )


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    status = error.code if error.code in TITLES else 400
    return problem(status or 400, error.description or TITLES.get(status or 400, "Error"))


@bp.after_request
def _api_headers(response: Response) -> Response:
    if request.endpoint != "api.openapi":
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Authorization")
    return response


def _caller() -> Caller:
    return g.api_caller


def _paged() -> Any:
    return paging(request.args.get("page"), request.args.get("per_page"))


def _listing(page: Page, **extra: Any) -> Response:
    following = None
    if page.has_next:
        following = url_for(
            request.endpoint or "",
            **(request.view_args or {}),
            page=page.page + 1,
            per_page=page.per_page,
        )
    return _json(
        {
            **extra,
            "items": page.items,
            "page": page.page,
            "per_page": page.per_page,
            "total": page.total,
            "next": following,
        }
    )


def _event_meta(event: Any) -> dict[str, Any]:
    return {"event": {"slug": event.slug, "name": event.name, "timezone": event.timezone}}


@cache
def _openapi_text() -> str:
    return OPENAPI_PATH.read_text(encoding="utf-8")


@access("public")
@bp.get("/openapi.json")
def openapi() -> Response:
    response = Response(_openapi_text(), mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@access("api")
@bp.get("/events")
@api_limited
def events() -> Response:
    return _listing(reads.read_events(_caller(), _paged()))


@access("api")
@bp.get("/events/<event_slug>/proposals")
@api_limited
def proposals(event_slug: str) -> Response:
    event = reachable_event(_caller(), event_slug)
    return _listing(reads.read_proposals(_caller(), event, _paged()), **_event_meta(event))


@access("api")
@bp.get("/events/<event_slug>/proposals/<public_id>")
@api_limited
def proposal(event_slug: str, public_id: str) -> Response:
    event = reachable_event(_caller(), event_slug)
    return _json({**_event_meta(event), **reads.read_proposal(_caller(), event, public_id)})


@access("api")
@bp.get("/events/<event_slug>/reviews")
@api_limited
def reviews(event_slug: str) -> Response:
    event = reachable_event(_caller(), event_slug)
    return _listing(reads.read_reviews(_caller(), event, _paged()), **_event_meta(event))


@access("api")
@bp.get("/events/<event_slug>/speakers")
@api_limited
def speakers(event_slug: str) -> Response:
    event = reachable_event(_caller(), event_slug)
    return _listing(reads.read_speakers(_caller(), event, _paged()), **_event_meta(event))


@access("api")
@bp.get("/events/<event_slug>/grant-applications")
@api_limited
def grant_applications(event_slug: str) -> Response:
    event = reachable_event(_caller(), event_slug)
    return _listing(reads.read_grant_applications(_caller(), event, _paged()), **_event_meta(event))


@access("api")
@bp.get("/events/<event_slug>/registrations")
@api_limited
def registrations(event_slug: str) -> Response:
    event = reachable_event(_caller(), event_slug)
    return _listing(reads.read_registrations(_caller(), event, _paged()), **_event_meta(event))


@access("api")
@bp.get("/events/<event_slug>/schedule")
@api_limited
def schedule(event_slug: str) -> Response:
    event = reachable_event(_caller(), event_slug)
    page, meta = reads.read_schedule(_caller(), event, _paged())
    return _listing(page, **_event_meta(event), **meta)
