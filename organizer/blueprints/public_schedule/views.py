"""Attendees: the public schedule of the latest schedule release (grid and list, sessions,
speakers, the change log) and personal agendas of starred sessions, with or without an
account."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from organizer.blueprints._caching import (
    embeddable,
    posted_from_this_site,
    same_for_everyone,
    shared_for_a_while,
)
from organizer.blueprints._common import (
    access,
    attachment,
    commit,
    paginate,
    rollback,
    safe_next_url,
    utcnow,
    viewable_event,
)
from organizer.blueprints._setup_forms import ConfirmForm
from organizer.errors import DomainError, NotFound
from organizer.models import Agenda, Event
from organizer.services import agendas, colours, materials, schedule_page, speaker_photos, uploads
from organizer.services import public_schedule_pages as pages
from organizer.services.cfp import call as call_service
from organizer.services.public_schedule import (
    PublicSchedule,
    Stamp,
    cancelled_session,
    public_schedule_of,
    session_schedule,
    speaker_schedule,
    stamp_of,
)
from organizer.services.scheduling import releases

bp = Blueprint("public_schedule", __name__)

COOKIE_AGE = 365 * 24 * 3600


@bp.app_template_global()
def feed_url(endpoint: str, **values: Any) -> str:
    """The absolute address of a feed (the feeds blueprint), for https and webcal links."""
    return url_for(endpoint, _external=True, **values)


@bp.app_template_global()
def zone_reset_url() -> str:
    """This page without ?tz= (back to the event's zone)."""
    args = {key: value for key, value in request.args.items() if key != "tz"}
    return url_for(request.endpoint or "", **(request.view_args or {}), **args)


@bp.app_template_global()
def webcal_url(url: str | None) -> str | None:
    return pages.webcal(url) if url else None


@bp.app_template_global()
def speaker_photo_url(event: Event, person: Any, *, small: bool = False) -> str:
    """The address of a speaker's public photo (`person.photo` is its version: not empty)."""
    return url_for(
        "public_schedule.speaker_photo",
        event_slug=event.slug,
        code=person.code,
        variant="photo-small" if small else "photo",
        ext=person.photo_ext,
        v=person.photo,
    )


bp.add_app_template_global(schedule_page.star_state, "star_state")
bp.add_app_template_global(pages.time_anchor, "time_anchor")


def _zone(event: Event) -> tuple[str, bool]:
    """The zone to show times in (?tz=, checked) and whether an unknown zone was asked for."""
    asked = request.args.get("tz", "").strip()
    zone = pages.valid_zone(asked) if asked else None
    return zone or event.timezone, bool(asked) and zone is None


def _cookie_name(event: Event) -> str:
    return f"agenda_{event.slug}"


def _current_agenda(event: Event, token: str | None = None) -> Agenda | None:
    """The visitor's agenda: their account's, else the one of the token sent (form or
    cookie). None when they have none yet."""
    if current_user.is_authenticated:
        return agendas.of_user(event, current_user)
    token = token or request.cookies.get(_cookie_name(event), "")
    if not token:
        return None
    try:
        return agendas.by_token(event, token)
    except NotFound:
        return None


def _starred(agenda: Agenda | None) -> set[str]:
    return agendas.starred_codes(agenda) if agenda is not None else set()


def _shared(event: Event, page: Any) -> Any:
    """A page shared caches may keep for anonymous visitors without an agenda (see
    `_caching`): the agenda's cookie makes it theirs (their stars and token are in it)."""
    return shared_for_a_while(make_response(page), personal_cookies=(_cookie_name(event),))


def _empty(event: Event, template: str = "public_schedule/empty.html"):  # type: ignore[no-untyped-def]
    call = call_service.call_of(event)
    now = utcnow()
    return render_template(template, event=event, call=call if call and call.is_open(now) else None)


def _common(event: Event, schedule: PublicSchedule, zone: str, **context: Any) -> dict[str, Any]:
    agenda = _current_agenda(event)
    return {
        "event": event,
        "schedule": schedule,
        "zone": zone,
        "starred": _starred(agenda),
        "agenda": agenda,
        "here": request.full_path.rstrip("?"),
        **context,
    }


@dataclasses.dataclass
class _Day:
    """A day of the schedule as the schedule page and the embedded schedule show it."""

    schedule: PublicSchedule
    zone: str
    bad_zone: bool
    filters: pages.Filters
    now: dt.datetime
    days: list[dt.date]
    day: dt.date | None
    view: str
    sessions_html: str  # every star off (schedule_page.overlay_stars turns a visitor's on)


def _day_of(event: Event, stamp: Stamp) -> _Day:
    """The day, zone, filters and view asked for, with the day's sessions rendered once for
    everyone for a while (services/schedule_page.py)."""
    programme = schedule_page.programme(event, stamp)
    schedule = programme.for_event(event)
    zone_name, bad_zone = _zone(event)
    zone = ZoneInfo(zone_name)
    filters = pages.filters_of(schedule, request.args)
    now = utcnow()
    days = programme.days(zone_name)
    day = pages.pick_day(days, request.args.get("day"), now.astimezone(zone).date())
    view = "list" if request.args.get("view") == "list" else "grid"

    def render_sessions() -> str:
        sessions = pages.apply(schedule, filters)
        return render_template(
            "public_schedule/_sessions.html",
            event=event,
            zone=zone_name,
            day=day,
            view=view,
            grid=pages.grid(schedule, sessions, day, zone) if day else None,
            groups=[(d, items) for d, items in pages.by_day(sessions, zone) if d == day],
        )

    html = schedule_page.sessions_html(
        programme,
        zone=zone_name,
        filters=filters,
        day=day,
        view=view,
        script_root=request.script_root,
        render=render_sessions,
    )
    return _Day(schedule, zone_name, bad_zone, filters, now, days, day, view, html)


@access("public")
@bp.route("/<event_slug>/schedule/")
def schedule(event_slug: str):
    """A day of the schedule, the visitor's stars overlaid on the shared sessions."""
    event = viewable_event(event_slug)
    stamp = stamp_of(event)
    if stamp is None:
        return _shared(event, _empty(event))
    found = _day_of(event, stamp)
    schedule = found.schedule
    now_next = pages.now_next(schedule, found.now)  # None unless the event is on
    context = _common(
        event,
        schedule,
        found.zone,
        bad_zone=found.bad_zone,
        filters=found.filters,
        days=found.days,
        day=found.day,
        view=found.view,
        now_next=now_next,
        jump=pages.now_anchor(
            pages.apply(schedule, found.filters), found.day, found.now, found.zone
        )
        if now_next
        else None,
    )
    sessions = schedule_page.overlay_stars(found.sessions_html, context["starred"])
    page = render_template("public_schedule/schedule.html", sessions=sessions, **context)
    return _shared(event, page)


@access("public")
@bp.route("/<event_slug>/schedule/embed")
def embed(event_slug: str):
    """The schedule for the event's own website, in an <iframe>: the days and their sessions
    without the site around them, links opening in a new tab, no stars (a framed page has no
    cookies of its own in most browsers). Any site may frame it (EMBED_FRAME_ANCESTORS)."""
    event = viewable_event(event_slug)
    stamp = stamp_of(event)
    accent = colours.link_colour(request.args.get("accent", ""))
    if stamp is None:
        page = render_template("public_schedule/embed.html", event=event, found=None, accent=accent)
    else:
        found = _day_of(event, stamp)
        page = render_template(
            "public_schedule/embed.html",
            event=event,
            found=found,
            accent=accent,
            sessions=Markup(found.sessions_html),  # noqa: S704 - rendered by Jinja, escaped
        )
    return embeddable(_shared(event, page))


@access("public")
@bp.route("/<event_slug>/schedule/embed.css")
def embed_theme(event_slug: str):
    """The embedded schedule's accent colour (?accent=RRGGBB, kept only if links stay readable
    on white), as a stylesheet: the pages allow no inline styles."""
    viewable_event(event_slug)
    accent = colours.link_colour(request.args.get("accent", ""))
    css = f":root {{ --accent: {accent}; --accent-dark: {accent}; }}\n" if accent else ""
    response = make_response(css)
    response.mimetype = "text/css"
    response.add_etag()
    return shared_for_a_while(response).make_conditional(request)


@access("public")
@bp.route("/<event_slug>/schedule/tracks.css")
def track_colours(event_slug: str):
    """The tracks' colours as a stylesheet (the pages allow no inline styles), for the public
    grid and the schedule editor. Cached by shared caches; an ETag answers repeats."""
    event = viewable_event(event_slug)
    css = colours.track_stylesheet([(t.id, t.colour) for t in call_service.tracks(event)])
    response = make_response(css)
    response.mimetype = "text/css"
    response.add_etag()
    response = shared_for_a_while(response)
    return response.make_conditional(request)


@access("public")
@bp.route("/<event_slug>/talk/<code>/")
def session(event_slug: str, code: str):
    """A session of the latest release. A session a release cancelled is 410 Gone with a
    notice (its title, time and room as released, and a link to the change log): 410, not
    200, so that search engines and link checkers drop the address, while people following an
    old link or a calendar entry learn what happened. An unknown code is 404."""
    event = viewable_event(event_slug)
    schedule = session_schedule(event, code)  # the few sessions the page shows, not all
    found = schedule.session(code) if schedule is not None else None
    if found is None:
        cancelled = cancelled_session(event, code)
        if cancelled is None:
            abort(404)
        zone_name, _bad_zone = _zone(event)
        page = render_template(
            "public_schedule/cancelled.html", event=event, session=cancelled, zone=zone_name
        )
        # Cached like the session's page was (for a while, when nothing in it is the
        # visitor's): a session that comes back shows again within PUBLIC_CACHE_SECONDS.
        response = _shared(event, page)
        response.status_code = 410
        return response
    zone_name, bad_zone = _zone(event)
    url = url_for("public_schedule.session", event_slug=event.slug, code=code, _external=True)
    all_rooms = _("All rooms")
    by_uid = schedule.by_uid
    room = next((r for r in schedule.rooms if r.id == found.room_id), None)
    page = render_template(
        "public_schedule/session.html",
        **_common(
            event,
            schedule,
            zone_name,
            bad_zone=bad_zone,
            session=found,
            room=room,
            parent=by_uid.get(found.parent) if found.parent else None,
            children=[by_uid[uid] for uid in found.children if uid in by_uid],
            description=schedule.descriptions.get(found.proposal or "", ""),
            materials=schedule.materials.get(found.proposal or "", ()),
            google=pages.google_link(found, schedule, url, all_rooms),
            outlook=pages.outlook_link(found, schedule, url, all_rooms),
        ),
    )
    return _shared(event, page)


@access("public")
@bp.route("/<event_slug>/talk/<code>/materials/<material_id>/<filename>")
def material_file(event_slug: str, code: str, material_id: str, filename: str):
    """A file of the talk's slides and recordings, while the latest release has the talk (a
    404 before, and for a talk cancelled or taken out since), as a download: `attachment`,
    no sniffing, a sandbox should it be opened anyway. `filename` is for the reader's eyes
    and their download folder only; a different one is 404 too."""
    event = viewable_event(event_slug)
    upload = materials.public_file(event, code, material_id)
    path = uploads.path_of(upload)
    if filename != upload.filename or not path.is_file():
        abort(404)
    return attachment(path, content_type=upload.content_type, name=upload.filename)


@access("public")
@bp.route("/<event_slug>/speakers/")
def speakers(event_slug: str):
    event = viewable_event(event_slug)
    schedule = public_schedule_of(event)
    if schedule is None:
        return _shared(event, _empty(event))
    people = sorted(schedule.speakers.values(), key=lambda p: (p.name.casefold(), p.code))
    sessions: dict[int, list] = {p.id: [] for p in people}
    for item in schedule.sessions:
        for ref in item.speakers:
            if ref.id in sessions:
                sessions[ref.id].append(item)
    page = render_template(
        "public_schedule/speakers.html",
        event=event,
        schedule=schedule,
        people=people,
        sessions=sessions,
    )
    return _shared(event, page)


@access("public")
@bp.route("/<event_slug>/speakers/<code>/")
def speaker(event_slug: str, code: str):
    event = viewable_event(event_slug)
    schedule = speaker_schedule(event, code)  # their sessions only
    person = schedule.speaker_by_code(code) if schedule is not None else None
    if person is None:
        abort(404)
    zone_name, bad_zone = _zone(event)
    page = render_template(
        "public_schedule/speaker.html",
        **_common(
            event,
            schedule,
            zone_name,
            bad_zone=bad_zone,
            person=person,
            website=pages.safe_website(person.website),
            items=schedule.sessions_of_speaker(person.id),
        ),
    )
    return _shared(event, page)


@access("public")
@bp.route("/<event_slug>/speakers/<code>/<any('photo', 'photo-small'):variant>.<any(jpg, png):ext>")
def speaker_photo(event_slug: str, code: str, variant: str, ext: str):
    """A speaker's photo (or its small square), when they consented to show it and are in
    the released schedule (services/speaker_photos.py), else 404. Shared caches keep it as
    long as the pages that show it; its address carries its version (`?v=`)."""
    event = viewable_event(event_slug)
    found = speaker_photos.public_photo(
        viewer=current_user, event=event, code=code, small=variant == "photo-small"
    )
    if found is None or speaker_photos.extension_of(found.content_type) != ext:
        abort(404)
    # Read whole (at most a few hundred KB), so that no file stays open with the response.
    response = Response(found.path.read_bytes(), mimetype=found.content_type)
    response.set_etag(found.version)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = f'inline; filename="{variant}.{ext}"'
    response.cache_control.max_age = int(current_app.config["PUBLIC_CACHE_SECONDS"])
    if event.is_public:
        same_for_everyone()  # the same bytes for everyone: one copy in a shared cache
        response.cache_control.public = True
    else:  # a draft event's, seen by its team
        response.cache_control.private = True
    response = response.make_conditional(request)
    return response


def _agenda_page(event: Event, agenda: Agenda | None, *, by_token: bool):  # type: ignore[no-untyped-def]
    schedule = public_schedule_of(event)
    if schedule is None:
        return _empty(event)
    zone_name, bad_zone = _zone(event)
    zone = ZoneInfo(zone_name)
    codes = _starred(agenda)
    items = pages.starred_sessions(schedule, codes)
    return render_template(
        "public_schedule/agenda.html",
        event=event,
        schedule=schedule,
        zone=zone_name,
        bad_zone=bad_zone,
        agenda=agenda,
        by_token=by_token,
        starred=codes,
        groups=pages.by_day(items, zone),
        clashes=pages.clashes(items),
        here=request.full_path.rstrip("?"),
    )


@access("public")
@bp.route("/<event_slug>/agenda/")
def agenda(event_slug: str):
    """My agenda: the account's, or the one whose token this browser keeps (cookie)."""
    event = viewable_event(event_slug)
    response = make_response(_agenda_page(event, _current_agenda(event), by_token=False))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@access("token")
@bp.route("/<event_slug>/agenda/<token>/")
def agenda_token(event_slug: str, token: str):
    event = viewable_event(event_slug)
    found = agendas.by_token(event, token)
    response = make_response(_agenda_page(event, found, by_token=True))
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the address is the secret
    return response


def _set_cookie(response: Any, event: Event, agenda: Agenda) -> None:
    if agenda.user_id is not None:
        return
    response.set_cookie(
        _cookie_name(event),
        agenda.token,
        max_age=COOKIE_AGE,
        httponly=False,  # agenda.js mirrors it into localStorage
        samesite="Lax",
        secure=request.is_secure or current_app.config.get("SESSION_COOKIE_SECURE", False),
        path="/",
    )


def _agenda_for_change(event: Event, token: str | None, now: dt.datetime) -> Agenda:
    """The agenda a star goes into: the account's (made when needed), else the token's, else
    a new anonymous one."""
    if current_user.is_authenticated:
        return agendas.create(event=event, now=now, user=current_user)
    found = _current_agenda(event, token)
    return found if found is not None else agendas.create(event=event, now=now)


@access("public")
@bp.route("/<event_slug>/agenda/stars", methods=["POST"])
@posted_from_this_site
def stars(event_slug: str):
    """Star or unstar a session: a plain form (redirects back) or JSON (answers JSON)."""
    event = viewable_event(event_slug)
    wants_json = request.is_json
    data = (request.get_json(silent=True) or {}) if wants_json else request.form
    if not isinstance(data, dict) and wants_json:
        data = {}
    code = str(data.get("code") or "")
    action = str(data.get("action") or "star")
    for choice in ("star", "unstar"):  # the schedule page's buttons: name=action, value=code
        if not wants_json and data.get(choice):
            code, action = str(data[choice]), choice
    token = str(data.get("token") or "") or None
    back = safe_next_url(str(data.get("next") or "")) or url_for(
        "public_schedule.agenda", event_slug=event.slug
    )
    schedule = public_schedule_of(event)
    released = pages.released_codes(schedule)
    now = utcnow()
    try:
        if action not in ("star", "unstar"):
            raise NotFound(_("Unknown action."))
        if code not in released:
            raise NotFound(_("There is no such session in the published schedule."))
        target = _agenda_for_change(event, token, now)
        if action == "star":
            agendas.star(event=event, agenda=target, code=code, released=released, now=now)
        else:
            agendas.unstar(event=event, agenda=target, code=code, now=now)
        codes = sorted(agendas.starred_codes(target) & released)
        token_value = target.token
    except DomainError as error:
        rollback()
        if wants_json:
            return jsonify(error=error.message), error.status_code
        flash(error.message, "error")
        return redirect(back)
    commit()
    if wants_json:
        response = jsonify(token=token_value, codes=codes, starred=code in codes)
    else:
        title = schedule.session(code).title if schedule else code
        flash(
            _("Starred “%(title)s”.", title=title)
            if action == "star"
            else _("Removed “%(title)s” from your agenda.", title=title),
            "success",
        )
        response = redirect(back)
    _set_cookie(response, event, target)
    return response


@access("token")
@bp.route("/<event_slug>/agenda/<token>/sync", methods=["POST"])
@posted_from_this_site
def sync(event_slug: str, token: str):
    """The browser's copy of the stars (JSON {codes: [...]}) replaces the token's agenda."""
    event = viewable_event(event_slug)
    try:
        found = agendas.by_token(event, token)
    except NotFound as error:
        return jsonify(error=error.message), 404
    data = request.get_json(silent=True)
    codes = data.get("codes") if isinstance(data, dict) else None
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        return jsonify(error=_('Send {"codes": [...]}, a list of session codes.')), 400
    released = pages.released_codes(public_schedule_of(event))
    agendas.replace_stars(event=event, agenda=found, codes=codes, released=released, now=utcnow())
    result = sorted(agendas.starred_codes(found) & released)
    commit()
    return jsonify(token=found.token, codes=result)


@access("token")
@bp.route("/<event_slug>/agenda/<token>/replace", methods=["GET", "POST"])
def replace_token(event_slug: str, token: str):
    """A new private address for the agenda; the old address and its feed stop working."""
    event = viewable_event(event_slug)
    found = agendas.by_token(event, token)
    form = ConfirmForm()
    if form.validate_on_submit():
        agendas.replace_token(agenda=found, now=utcnow())
        new_token = found.token
        commit()
        flash(
            _("Your agenda has a new address. The old address and its feed no longer work."),
            "success",
        )
        response = redirect(
            url_for("public_schedule.agenda_token", event_slug=event.slug, token=new_token)
        )
        _set_cookie(response, event, found)
        return response
    response = make_response(
        render_template("public_schedule/replace_token.html", event=event, form=form, token=token),
        400 if form.errors else 200,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@access("public")
@bp.route("/<event_slug>/schedule/changes/")
def changes(event_slug: str):
    """Every release, newest first, with its comment and what changed. Cacheable: it changes
    only with a release (Last-Modified) or with the page's bytes (ETag)."""
    event = viewable_event(event_slug)
    page = paginate(releases.releases_of(event))
    response = make_response(
        render_template(
            "public_schedule/changes.html",
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
