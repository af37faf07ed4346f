"""Public pages: the site's list of events and each event's landing page."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from organizer import permissions
from organizer.blueprints._common import access, event_or_404, paginate, utcnow
from organizer.services.cfp import call as call_service
from organizer.services.events import public_events
from organizer.services.grants import programmes as grant_programmes
from organizer.services.scheduling import releases

bp = Blueprint("public", __name__)


@access("public")
@bp.route("/")
def home():
    page = paginate(public_events(today=utcnow().date()))
    return render_template("public/home.html", page=page, today=utcnow().date())


@access("public")
@bp.route("/<event_slug>/")
def event(event_slug: str):
    event = event_or_404(event_slug)
    if not permissions.can_view_event(current_user, event):
        abort(404)  # a draft event does not exist for outsiders
    return render_template(
        "public/event.html",
        event=event,
        call=call_service.call_of(event),
        programmes=grant_programmes.programmes(event),
        release=releases.latest(event),
        now=utcnow(),
    )
