"""Public pages: the site's list of events and each event's landing page."""

from __future__ import annotations

from flask import Blueprint, make_response, render_template

from organizer.blueprints._caching import shared_for_a_while
from organizer.blueprints._common import access, paginate, utcnow, viewable_event
from organizer.services.cfp import call as call_service
from organizer.services.events import public_events
from organizer.services.grants import programmes as grant_programmes
from organizer.services.registration import records
from organizer.services.scheduling import releases

bp = Blueprint("public", __name__)


@access("public")
@bp.route("/")
def home():
    page = paginate(public_events(today=utcnow().date()))
    page_html = render_template("public/home.html", page=page, today=utcnow().date())
    return shared_for_a_while(make_response(page_html))


@access("public")
@bp.route("/<event_slug>/")
def event(event_slug: str):
    event = viewable_event(event_slug)  # a draft event does not exist for outsiders
    page = render_template(
        "public/event.html",
        event=event,
        call=call_service.call_of(event),
        programmes=grant_programmes.programmes(event),
        release=releases.latest(event),
        registration_settings=records.settings_of(event),
        now=utcnow(),
    )
    return shared_for_a_while(make_response(page))
