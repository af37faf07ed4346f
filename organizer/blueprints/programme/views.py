"""Attendees: the public programme of the latest schedule release."""

from __future__ import annotations

from flask import Blueprint, abort, make_response, render_template, request
from flask_login import current_user

from organizer import permissions
from organizer.blueprints._common import event_or_404, paginate
from organizer.services.scheduling import releases

bp = Blueprint("programme", __name__)


@bp.route("/<event_slug>/schedule/changes/")
def changes(event_slug: str):
    """Every release, newest first, with its comment and what changed. Cacheable: it changes
    only with a release (Last-Modified) or with the page's bytes (ETag)."""
    event = event_or_404(event_slug)
    if not permissions.can_view_event(current_user, event):
        abort(404)  # a draft event does not exist for outsiders
    page = paginate(releases.releases_of(event))
    response = make_response(
        render_template(
            "programme/changes.html",
            event=event,
            page=page,
            logs={item.id: releases.change_rows(item.changes) for item in page.items},
        )
    )
    released_at = releases.last_released_at(event)
    if released_at is not None:
        response.last_modified = released_at
    response.add_etag()
    if not current_user.is_authenticated:
        # Caches may keep it, asking each time whether it changed (a 304 when not).
        response.cache_control.public = True
        response.cache_control.no_cache = True
    return response.make_conditional(request)
