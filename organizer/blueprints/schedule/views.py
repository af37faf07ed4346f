"""Organizers: the schedule editor (grid, keyboard and form paths, JSON endpoints, undo).

The editor page works without JavaScript: every card links to its session page, whose plain
forms place, unschedule, resize and change it. `static/js/schedule-editor.js` enhances the page
with drag and drop and the keyboard; it talks to the same URLs with JSON (CSRF token in the
`X-CSRFToken` header) and gets the whole state back. Each action decides by `request.is_json`
whether to answer with JSON or with a redirect and a flash message.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from organizer import permissions
from organizer.blueprints import _materials
from organizer.blueprints._common import (
    access,
    attach_errors,
    attempt,
    commit,
    event_route,
    rollback,
    safe_next_url,
    utcnow,
)
from organizer.blueprints._setup_views import form_status, utc_from_local
from organizer.blueprints.schedule.forms import (
    ContainerForm,
    DetailsForm,
    FilterForm,
    PlaceForm,
    ResizeForm,
    TargetForm,
    UndoForm,
    UnscheduleForm,
)
from organizer.errors import DomainError, NotFound, ValidationFailed, WrongState
from organizer.models import Event, Slot
from organizer.services.events import event_by_slug
from organizer.services.scheduling import editor as schedule_editor
from organizer.services.scheduling import editor_view
from organizer.services.scheduling import overview as overview_service
from organizer.services.scheduling.plan import settings_of

bp = Blueprint("schedule", __name__, url_prefix="/manage")


def manager(view: Callable[..., Any]) -> Callable[..., Any]:
    """`event_route(can_manage_schedule)`; for the script's JSON requests, a refusal is JSON
    too (without the state, which only organizers may read)."""
    guarded = event_route(permissions.can_manage_schedule)(view)

    @functools.wraps(view)
    def wrapper(event_slug: str, **kwargs: Any) -> Any:
        if request.is_json and current_user.is_authenticated:
            event = event_by_slug(event_slug)
            if event is None:
                return jsonify(error=_("There is no such event.")), 404
            if not permissions.can_manage_schedule(current_user, event):
                return jsonify(error=_("You may not change this schedule.")), 403
        return guarded(event_slug=event_slug, **kwargs)

    return wrapper


# Helpers -----------------------------------------------------------------------------------


def _session_url(event: Event) -> Callable[[str], str]:
    def url(public_id: str) -> str:
        return url_for("schedule.session", event_slug=event.slug, public_id=public_id)

    return url


def _build(
    event: Event, *, day: dt.date | None = None, filters: editor_view.Filters | None = None
) -> editor_view.EditorView:
    return editor_view.build(
        event, actor=current_user, session_url=_session_url(event), day=day, filters=filters
    )


def _state(event: Event) -> dict[str, Any]:
    return editor_view.as_json(_build(event))


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _editor_url(event: Event, day: dt.date | None = None) -> str:
    args = {"day": day.isoformat()} if day is not None else {}
    return url_for("schedule.editor", event_slug=event.slug, **args)


def _payload() -> MultiDict[str, str] | None:
    """A JSON body as form data (None for a form post), so that one form class reads both."""
    if not request.is_json:
        return None
    body = request.get_json(silent=True)
    data: MultiDict[str, str] = MultiDict()
    if isinstance(body, dict):
        for key, value in body.items():
            if isinstance(value, bool):
                data[key] = "y" if value else ""
            elif isinstance(value, str | int | float):
                data[key] = str(value)
    return data


def _form(form_class: type[Any], *, aliases: dict[str, str] | None = None, **kwargs: Any) -> Any:
    """The form, read from a form post or a JSON body; `aliases` names the JSON keys the
    script sends for a field of another name (used when the field itself is not sent)."""
    data = _payload()
    if data is None:
        return form_class(**kwargs)
    for key, name in (aliases or {}).items():
        if key in data and name not in data:
            data[name] = data[key]
    return form_class(formdata=data, meta={"csrf": False}, **kwargs)


def _messages(form: Any) -> str:
    return " ".join(str(m) for errors in form.errors.values() for m in errors)


def _json_error(event: Event, message: str, status: int):  # type: ignore[no-untyped-def]
    rollback()
    return jsonify(error=message, state=_state(event)), status


def _slot(event: Event, public_id: str) -> Slot | None:
    try:
        return schedule_editor.slot_by_public_id(event, public_id)
    except NotFound:
        return None


def _where(event: Event, slot: Slot) -> str:
    """Where a session is now, for the flash message after a change."""
    if slot.starts_at is None or slot.room_id is None:
        return _("not scheduled")
    local = slot.starts_at.astimezone(ZoneInfo(event.timezone))
    return _(
        "%(room)s, %(day)s %(time)s",
        room=schedule_editor.room_of(event, slot.room_id).name,
        day=local.strftime("%d %b"),
        time=local.strftime("%H:%M"),
    )


def _act(
    event: Event,
    form: Any,
    act: Callable[[], str],
    *,
    failed_page: Callable[[Any], Any],
    done_url: Callable[[], str],
):  # type: ignore[no-untyped-def]
    """Validate, run the change, commit; answer JSON (the new state, or the error and the
    current state) or, for a form post, redirect with a flash message (or show the page with
    the form's errors and the right status)."""
    if not form.validate():
        if request.is_json:
            return _json_error(event, _messages(form), 400)
        return failed_page(form)
    if request.is_json:
        return _json_act(event, act)
    if not attempt(act, form=form, success=lambda message: message).ok:
        return failed_page(form)
    return redirect(safe_next_url(getattr(form, "back", None) and form.back.data) or done_url())


def _json_act(event: Event, act: Callable[[], str]):  # type: ignore[no-untyped-def]
    """The script's change: the new state and what happened, or the error and the state as
    it is (no flash message: the script says it)."""
    try:
        message = act()
    except DomainError as error:
        return _json_error(event, error.message, error.status_code)
    commit()
    return jsonify({**_state(event), "message": message})


def _change(event: Event, slot: Slot, form: Any) -> dict[str, Any]:
    """What every editor change takes: the session, the version the form saw, who and when."""
    return {
        "event": event,
        "slot": slot,
        "version": form.version.data,
        "actor": current_user,
        "now": utcnow(),
    }


# The editor ----------------------------------------------------------------------------------


def _script_strings() -> dict[str, str]:
    """What schedule-editor.js says, translated here; the script fills in %(name)s itself."""
    return {
        "picked_up": _("Picked up “%(title)s”. Arrow keys move, Enter drops, Escape cancels."),
        "target": _("Target: %(room)s, %(time)s."),
        "checking": _("Checking for conflicts…"),
        "cancelled": _("Cancelled. “%(title)s” stays where it was."),
        "saving": _("Saving…"),
        "network": _(
            "Nothing was saved: the server could not be reached. Check your connection and "
            "try again."
        ),
        "forbidden": _("You may not change this schedule."),
        "failed": _("Nothing was saved: something went wrong. Reload the page and try again."),
        "drop_here": _("Drop here: %(room)s, %(time)s"),
        "unschedule_here": _("Drop here to unschedule"),
        "session": _("Session:"),
        "sessions": _("Sessions:"),
        "also": _("also: %(title)s (all rooms)"),
        "count": _("%(shown)s of %(total)s"),
        "resize": _("Drag to change the length"),
        "not_resizable": _("Only plenary items and blocks can change their length here."),
        "not_placed": _("“%(title)s” is not on the grid."),
        "pinned": _("Pinned"),
        "no_grid": _("There is no grid to place sessions on: add days and rooms first."),
    }


def _editor_page(event: Event, status: int = 200):  # type: ignore[no-untyped-def]
    filter_form = FilterForm(formdata=request.args)
    track_id, type_id, duration = filter_form.ids()
    filters = editor_view.Filters(track_id=track_id, type_id=type_id, duration=duration)
    view = _build(event, day=_date(request.args.get("day")), filters=filters)
    filter_form.offer(tracks=view.tracks, types=view.types, durations=view.durations)
    if view.day is not None:
        filter_form.day.data = view.day.day.day.isoformat()
    filter_args = {
        key: request.args[key] for key in ("track", "type", "duration") if request.args.get(key)
    }
    return render_template(
        "schedule/editor.html",
        event=event,
        view=view,
        filter_form=filter_form,
        filter_args=filter_args,
        undo_form=UndoForm(back=request.full_path.rstrip("?")),
        strings=_script_strings(),
    ), status


@access("organizer")
@bp.route("/<event_slug>/schedule/")
@manager
def editor(event: Event):
    now = utcnow()
    missing_settings = settings_of(event) is None
    if missing_settings:
        schedule_editor.ensure_settings(event, now)
    made = schedule_editor.ensure_slots(event=event, now=now)
    if missing_settings or made:
        commit()
    return _editor_page(event)


@access("organizer")
@bp.route("/<event_slug>/schedule/data.json")
@manager
def data(event: Event):
    return jsonify(_state(event))


@access("organizer")
@bp.route("/<event_slug>/schedule/conflicts")
@manager
def conflicts(event: Event):
    return render_template("schedule/conflicts.html", event=event, view=_build(event))


@access("organizer")
@bp.route("/<event_slug>/schedule/undo", methods=["POST"])
@manager
def undo(event: Event):
    form = _form(UndoForm)

    def act() -> str:
        slot = schedule_editor.undo_last(event=event, actor=current_user, now=utcnow())
        return _(
            "Undone: “%(title)s” is back (%(where)s).",
            title=slot.display_title,
            where=_where(event, slot),
        )

    def failed(form: Any):  # type: ignore[no-untyped-def]
        return _editor_page(event, status=form_status(form))

    return _act(event, form, act, failed_page=failed, done_url=lambda: _editor_url(event))


# A session's page and its forms ----------------------------------------------------------------


def _session_page(
    event: Event,
    public_id: str,
    *,
    forms: dict[str, Any] | None = None,
    status: int | None = None,
):  # type: ignore[no-untyped-def]
    """The session page; `forms` holds a form that failed (shown with its values and errors).
    After a refused change (409) the other forms show the session as it is now."""
    page = editor_view.session_page(
        event, public_id=public_id, actor=current_user, session_url=_session_url(event)
    )
    forms = dict(forms or {})
    card, slot, view = page.card, page.slot, page.view
    options = editor_view.view_options(view)
    days, step = options.days, options.granularity
    current = {"version": card.version, "back": ""}
    if "place" not in forms:
        forms["place"] = PlaceForm(
            formdata=None,
            options=options,
            room=str(card.room_id) if card.room_id else None,
            day=(card.day or (days[0][0] if days else dt.date.min)).isoformat(),
            start=dt.time.fromisoformat(card.start) if card.start else None,
            **current,
        )
    if "resize" not in forms:
        forms["resize"] = ResizeForm(
            formdata=None, granularity=step, duration=card.duration, **current
        )
    if "details" not in forms:
        forms["details"] = DetailsForm(
            formdata=None,
            days=days,
            expected_audience=slot.expected_audience,
            pinned=slot.pinned,
            stream_url=slot.stream_url,
            stream_public=slot.stream_public,
            preferred_day=slot.preferred_day.isoformat() if slot.preferred_day else "",
            preferred_part=slot.preferred_part,
            **current,
        )
    if "contain" not in forms:
        forms["contain"] = ContainerForm(
            formdata=None,
            containers=[(c.public_id, c.title) for c in view.containers],
            container=card.parent,
            **current,
        )
    for form in forms.values():
        if getattr(form, "failed_status", None) == 409:
            form.version.data = card.version  # the next try is made against what is there now
    if status is None:
        status = max([form_status(f) for f in forms.values()] + [200])
    return render_template(
        "schedule/session.html",
        event=event,
        page=page,
        card=card,
        view=view,
        place_form=forms["place"],
        unschedule_form=forms.get("unschedule") or UnscheduleForm(formdata=None, **current),
        resize_form=forms["resize"],
        details_form=forms["details"],
        contain_form=forms["contain"],
        editor_url=_editor_url(event, card.day),
        **(
            _materials.section(slot.proposal, form=forms.get("material"))
            if slot.proposal is not None
            else {"materials": None, "material_form": None}
        ),
    ), status


def _reset_after_conflict(event: Event, public_id: str, name: str, form: Any):  # type: ignore[no-untyped-def]
    """A refused change: a 409 shows the session as it is now; other errors keep what was
    typed."""
    if getattr(form, "failed_status", None) == 409:
        return _session_page(event, public_id, status=409)
    return _session_page(event, public_id, forms={name: form})


@access("organizer")
@bp.route("/<event_slug>/schedule/sessions/<public_id>", methods=["GET", "POST"])
@manager
def session(event: Event, public_id: str):
    if request.method == "GET":
        return _session_page(event, public_id)
    form = _form(DetailsForm, days=editor_view.grid_options(event).days)

    def act(slot: Slot) -> str:
        schedule_editor.update_details(
            **_change(event, slot, form),
            details=schedule_editor.SlotDetails(
                expected_audience=form.expected_audience.data,
                pinned=bool(form.pinned.data),
                stream_url=form.stream_url.data or "",
                stream_public=bool(form.stream_public.data),
                preferred_day=form.preferred_date,
                preferred_part=form.preferred_part.data or "",
            ),
        )
        return _("The details of “%(title)s” are saved.", title=slot.display_title)

    return _session_action(event, public_id, "details", form, act)


def _session_action(
    event: Event,
    public_id: str,
    name: str,
    form: Any,
    act: Callable[[Slot], str],
):  # type: ignore[no-untyped-def]
    slot = _slot(event, public_id)
    if slot is None:
        if request.is_json:
            return _json_error(event, _("There is no such session in this schedule."), 404)
        abort(404)

    def failed(form: Any):  # type: ignore[no-untyped-def]
        return _reset_after_conflict(event, public_id, name, form)

    def done() -> str:
        return url_for("schedule.session", event_slug=event.slug, public_id=public_id)

    return _act(event, form, lambda: act(slot), failed_page=failed, done_url=done)


@access("organizer")
@bp.route("/<event_slug>/schedule/sessions/<public_id>/materials", methods=["POST"])
@manager
def add_material(event: Event, public_id: str):
    slot = _slot(event, public_id)
    if slot is None or slot.proposal is None:
        abort(404)
    if not permissions.can_edit_materials(current_user, slot.proposal):
        abort(403)
    form = _materials.MaterialForm()
    back = url_for("schedule.session", event_slug=event.slug, public_id=public_id)
    done = _materials.add(slot.proposal, form, back=back)
    if done is not None:
        return done
    return _session_page(
        event, public_id, forms={"material": form}, status=_materials.status_of(form)
    )


@access("organizer")
@bp.route(
    "/<event_slug>/schedule/sessions/<public_id>/materials/<material_id>/remove",
    methods=["GET", "POST"],
)
@manager
def remove_material(event: Event, public_id: str, material_id: str):
    slot = _slot(event, public_id)
    if slot is None or slot.proposal is None:
        abort(404)
    return _materials.remove(
        event,
        slot.proposal,
        material_id,
        back=url_for("schedule.session", event_slug=event.slug, public_id=public_id),
        template="schedule/confirm_remove_material.html",
    )


def _target_form(event: Event, form_class: type[Any] = PlaceForm) -> Any:
    """The place form with the schedule's rooms and days, read from a form post or a JSON body
    ({room_id, day, start, version})."""
    return _form(form_class, aliases={"room_id": "room"}, options=editor_view.grid_options(event))


@access("organizer")
@bp.route("/<event_slug>/schedule/sessions/<public_id>/move", methods=["POST"])
@manager
def move(event: Event, public_id: str):
    form = _target_form(event)

    return _session_action(event, public_id, "place", form, lambda slot: _place(event, slot, form))


def _place(event: Event, slot: Slot, form: Any) -> str:
    """Move a session to the room, day and start (wall-clock time in the event's zone) of a
    place form: the one move of the day grid, its script and the overview of all days."""
    starts_at = utc_from_local(form.day_date, form.start.data, event)
    schedule_editor.move(**_change(event, slot, form), room_id=form.room_id, starts_at=starts_at)
    return _(
        "“%(title)s” is placed: %(where)s.", title=slot.display_title, where=_where(event, slot)
    )


@access("organizer")
@bp.route("/<event_slug>/schedule/sessions/<public_id>/unschedule", methods=["POST"])
@manager
def unschedule(event: Event, public_id: str):
    form = _form(UnscheduleForm)

    def act(slot: Slot) -> str:
        schedule_editor.unschedule(**_change(event, slot, form))
        return _(
            "“%(title)s” is back in the list of sessions to schedule.", title=slot.display_title
        )

    return _session_action(event, public_id, "unschedule", form, act)


@access("organizer")
@bp.route("/<event_slug>/schedule/sessions/<public_id>/resize", methods=["POST"])
@manager
def resize(event: Event, public_id: str):
    form = _form(
        ResizeForm,
        aliases={"duration_minutes": "duration"},
        granularity=editor_view.grid_options(event).granularity,
    )

    def act(slot: Slot) -> str:
        schedule_editor.resize(**_change(event, slot, form), duration_minutes=form.duration.data)
        return _(
            "“%(title)s” now lasts %(num)d minutes.",
            title=slot.display_title,
            num=slot.duration_minutes,
        )

    return _session_action(event, public_id, "resize", form, act)


@access("organizer")
@bp.route("/<event_slug>/schedule/sessions/<public_id>/contain", methods=["POST"])
@manager
def contain(event: Event, public_id: str):
    view = _build(event)
    form = _form(ContainerForm, containers=[(c.public_id, c.title) for c in view.containers])

    def act(slot: Slot) -> str:
        container = schedule_editor.slot_by_public_id(event, form.container.data)
        position = form.position.data
        schedule_editor.put_in_container(
            **_change(event, slot, form),
            container=container,
            position=position - 1 if position else None,
        )
        return _(
            "“%(title)s” is now in “%(block)s”.",
            title=slot.display_title,
            block=container.display_title,
        )

    return _session_action(event, public_id, "contain", form, act)


@access("organizer")
@bp.route("/<event_slug>/schedule/sessions/<public_id>/check", methods=["POST"])
@manager
def check(event: Event, public_id: str):
    """The conflicts a move would cause, without saving it (JSON only)."""
    slot = _slot(event, public_id)
    if slot is None:
        return jsonify(error=_("There is no such session in this schedule.")), 404
    form = _target_form(event, TargetForm)
    if not form.validate():
        return jsonify(error=_messages(form)), 400
    starts_at = utc_from_local(form.day_date, form.start.data, event)
    try:
        trial, found = editor_view.check_move(
            event, slot=slot, room_id=form.room_id, starts_at=starts_at, actor=current_user
        )
    except DomainError as error:
        rollback()
        return jsonify(error=error.message), error.status_code
    rollback()
    return jsonify(
        conflicts=[c.as_json(trial) for c in found],
        summary=editor_view.conflicts_summary(found),
    )


# The overview of every day ---------------------------------------------------------------------
#
# Each session has its own small "Move to…" form (day, room, start), so that a session goes to
# another day without a mouse or JavaScript. The forms' fields are prefixed with the session's
# public id, so that their ids are unique on the page. A refused move shows the overview again
# with that form open and the reason next to its fields; nothing else on the page changes.


def _move_prefix(public_id: str) -> str:
    return f"move-{public_id}-"


def _overview_url(event: Event, public_id: str | None = None) -> str:
    url = url_for("schedule.overview", event_slug=event.slug)
    return f"{url}#item-{public_id}" if public_id else url


def _move_form(card: editor_view.Card, options: editor_view.GridOptions) -> PlaceForm:
    first = options.days[0][0] if options.days else dt.date.min
    return PlaceForm(
        formdata=None,
        prefix=_move_prefix(card.public_id),
        options=options,
        room=str(card.room_id) if card.room_id else None,
        day=(card.day or first).isoformat(),
        start=dt.time.fromisoformat(card.start) if card.start else None,
        version=card.version,
    )


def _overview_page(event: Event, *, failed: tuple[str, PlaceForm] | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    """Every day of the schedule; `failed` is the form of a refused move, shown open with the
    values typed and its errors."""
    overview = overview_service.build(event, actor=current_user, session_url=_session_url(event))
    options = editor_view.view_options(overview.view)
    forms = {card.public_id: _move_form(card, options) for card in overview.cards}
    if failed is not None:
        forms[failed[0]] = failed[1]
    return render_template(
        "schedule/overview.html",
        event=event,
        overview=overview,
        view=overview.view,
        forms=forms,
        failed=failed[0] if failed is not None else None,
    ), status


@access("organizer")
@bp.route("/<event_slug>/schedule/overview")
@manager
def overview(event: Event):
    return _overview_page(event)


@access("organizer")
@bp.route("/<event_slug>/schedule/overview/<public_id>/move", methods=["POST"])
@manager
def overview_move(event: Event, public_id: str):
    """A session moved from the overview: the editor's move, its rules and its journal."""
    slot = _slot(event, public_id)
    if slot is None:
        abort(404)
    form = PlaceForm(prefix=_move_prefix(public_id), options=editor_view.grid_options(event))
    if not form.validate():
        return _overview_page(event, failed=(public_id, form), status=form_status(form))
    seen = slot.version
    try:
        message = _place(event, slot, form)
    except DomainError as error:
        rollback()
        return _overview_refused(event, public_id, form, error, stale=form.version.data != seen)
    commit()
    flash(message, "success")
    return redirect(_overview_url(event, public_id))


def _overview_refused(
    event: Event, public_id: str, form: PlaceForm, error: DomainError, *, stale: bool
):  # type: ignore[no-untyped-def]
    """A wrong field gets its message; a conflict that blocks saving is about the place chosen,
    so its message goes with the start. A session someone else changed meanwhile is shown as it
    is now (a 409, as on its own page), so that the next try is made against that."""
    if isinstance(error, WrongState) and stale:
        flash(error.message, "error")
        return _overview_page(event, status=error.status_code)
    if isinstance(error, ValidationFailed):
        for message in attach_errors(form, error.errors):
            form.start.errors = [*form.start.errors, message]
    else:
        form.start.errors = [*form.start.errors, error.message]
    return _overview_page(event, failed=(public_id, form), status=error.status_code)
