"""Attendees' calendars and conference apps: iCal feeds, frab XML and JSON of the latest
schedule release. Public, cacheable, conditional: the ETag and Last-Modified come from the
release (one small query), so a 304 is answered before anything is rendered."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, request
from flask_babel import gettext as _
from flask_login import current_user

from organizer import permissions
from organizer.blueprints._caching import same_for_everyone
from organizer.blueprints._common import access
from organizer.errors import NotFound
from organizer.models import Event
from organizer.services import agendas, feeds
from organizer.services.events import event_by_slug
from organizer.services.public_schedule import Stamp, stamp_of

bp = Blueprint("feeds", __name__)

ICS = "text/calendar; charset=utf-8"
XML = "application/xml; charset=utf-8"
JSON = "application/json; charset=utf-8"
MAX_AGE = 300


def _plain(message: str, status: int = 404) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


def _event(slug: str) -> Event | None:
    event = event_by_slug(slug)
    if event is None or not permissions.can_view_event(current_user, event):
        return None  # a draft event does not exist for outsiders
    return event


def _not_modified(tag: str, last_modified: dt.datetime | None) -> bool:
    if request.if_none_match:  # a malformed header parses as no tag: answered with a 200
        return request.if_none_match.contains_weak(tag)
    since = request.if_modified_since
    if since is not None and last_modified is not None:
        return last_modified.replace(microsecond=0) <= since
    return False


def _respond(
    *,
    event: Event,
    stamp: Stamp | None,
    key: str,
    content_type: str,
    private: bool = False,
    starred: tuple[str, ...] = (),
    last_modified: dt.datetime | None = None,
) -> Response:
    tag = feeds.etag(event, stamp, key)
    if last_modified is None and stamp is not None:
        last_modified = stamp.released_at
    if _not_modified(tag, last_modified):
        response = Response(status=304)
    elif stamp is None:
        if content_type != ICS or key.startswith(("speaker:", "session:", "track:", "room:")):
            return _plain(_("No schedule has been published yet."))
        response = Response(feeds.empty_calendar(event), content_type=content_type)
    else:
        body = feeds.render(event, stamp, key, starred)
        if body is None:
            return _plain(_("There is no such feed."))
        response = Response(body, content_type=content_type)
    response.set_etag(tag)
    if last_modified is not None:
        response.last_modified = last_modified
    response.cache_control.max_age = MAX_AGE
    if private or not event.is_public:
        # The agenda's feed, and a draft event's feed seen by its team: theirs alone.
        response.vary.add("Cookie")
        response.cache_control.private = True
    else:
        # The same bytes for everyone, signed in or not: one copy in a shared cache, not one
        # per visitor's cookie (Flask would add `Vary: Cookie`, since hooks read the session).
        same_for_everyone()
        response.cache_control.public = True
    return response


def _feed(event_slug: str, key: str, content_type: str = ICS) -> Response:
    event = _event(event_slug)
    if event is None:
        return _plain(_("There is no such event."))
    return _respond(event=event, stamp=stamp_of(event), key=key, content_type=content_type)


@access("public")
@bp.route("/<event_slug>/schedule.ics")
def event_ics(event_slug: str) -> Response:
    """Every session of the latest release, breaks and plenary items included."""
    return _feed(event_slug, feeds.EVENT)


@access("public")
@bp.route("/<event_slug>/schedule/track/<track_slug>.ics")
def track_ics(event_slug: str, track_slug: str) -> Response:
    return _feed(event_slug, f"track:{track_slug}")


@access("public")
@bp.route("/<event_slug>/schedule/room/<room_slug>.ics")
def room_ics(event_slug: str, room_slug: str) -> Response:
    return _feed(event_slug, f"room:{room_slug}")


@access("public")
@bp.route("/<event_slug>/speaker/<code>.ics")
def speaker_ics(event_slug: str, code: str) -> Response:
    return _feed(event_slug, f"speaker:{code}")


@access("public")
@bp.route("/<event_slug>/talk/<code>.ics")
def session_ics(event_slug: str, code: str) -> Response:
    return _feed(event_slug, f"session:{code}")


@access("public")
@bp.route("/<event_slug>/schedule.xml")
def frab_xml(event_slug: str) -> Response:
    return _feed(event_slug, feeds.XML, XML)


@access("public")
@bp.route("/<event_slug>/schedule.json")
def frab_json(event_slug: str) -> Response:
    return _feed(event_slug, feeds.JSON, JSON)


@access("token")
@bp.route("/<event_slug>/agenda/<token>.ics")
def agenda_ics(event_slug: str, token: str) -> Response:
    """The starred sessions of one agenda. Nothing personal in it: no name, no token; its
    ETag is a hash of the release and the starred sessions. Private to caches."""
    event = _event(event_slug)
    if event is None:
        return _plain(_("There is no such event."))
    try:
        agenda = agendas.by_token(event, token)
    except NotFound as error:
        return _plain(error.message)
    starred = feeds.starred_uids(agenda)
    stamp = stamp_of(event)
    return _respond(
        event=event,
        stamp=stamp,
        key=feeds.agenda_key(starred),
        content_type=ICS,
        private=True,
        starred=starred,
    )
