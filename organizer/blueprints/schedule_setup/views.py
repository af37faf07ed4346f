"""Organizers: the schedule's set-up (rooms, days, settings, plenary items, containers,
speakers' availability). Every page is under /manage/<event>/schedule/setup/ and shares one tab
bar; the rules live in `services.scheduling.{setup,room_setup,day_setup,item_setup,
speaker_setup}`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from organizer import permissions
from organizer.blueprints._common import (
    access,
    attempt,
    attempt_then_redirect,
    commit,
    event_route,
    paginate_list,
    utcnow,
)
from organizer.blueprints._setup_forms import ConfirmForm
from organizer.blueprints._setup_views import (
    confirm_then,
    form_status,
    local_date_and_time,
    move_direction,
    move_then,
)
from organizer.blueprints.schedule_setup.forms import (
    AddTalkForm,
    ContainerForm,
    DayHoursForm,
    IntervalForm,
    NewDayForm,
    PlenaryForm,
    RoomForm,
    SpeakerForm,
    WindowForm,
    settings_form,
)
from organizer.enums import AVAILABILITY_LABELS, SlotKind
from organizer.models import Event, Room, Slot, User
from organizer.services.cfp.profiles import AVAILABILITY
from organizer.services.scheduling import (
    day_setup,
    editor,
    item_setup,
    room_setup,
    setup,
    speaker_setup,
)

bp = Blueprint("schedule_setup", __name__, url_prefix="/manage")

TABS = "schedule_setup/_tabs.html"
manager_route = event_route(permissions.can_manage_schedule)


def _url(endpoint: str, event: Event, **values: Any) -> str:
    return url_for(f"schedule_setup.{endpoint}", event_slug=event.slug, **values)


def _confirm(event: Event, act: Callable[[], object], *, done: str, after: str, **context: Any):  # type: ignore[no-untyped-def]
    """A confirmation page under the schedule set-up tabs; Cancel goes back to `after`."""
    return confirm_then(
        act,
        done=done,
        after=after,
        tabs=TABS,
        event=event,
        back=after,
        **context,
    )


def _button(act: Callable[[], object], *, success: str, to: str) -> Response:
    """A remove button: its CSRF token checked (a 400 without), then the change, and back to
    `to` (a refusal is flashed there)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return attempt_then_redirect(act, to=to, success=success)


def _submitted(form: Any, call: Callable[[], Any], success: Any) -> bool:
    """The form was sent and is valid, and its change is made (committed and said); a
    refusal is shown in the form."""
    return form.validate_on_submit() and attempt(call, form=form, success=success).ok


def _add_times(  # type: ignore[no-untyped-def]
    form: WindowForm | IntervalForm,
    add: Callable[[dict[str, Any]], object],
    *,
    success: str,
    to: str,
    page: Callable[[], Any],
):
    """Add a room's window or a speaker's time: `add` gets the form's day, start and end;
    on success back to `to`, else the `page` with the form's errors."""
    times = {"day": form.chosen_day(), "starts": form.starts.data, "ends": form.ends.data}
    if _submitted(form, lambda: add(times), success):
        return redirect(to)
    return page()


# Settings ------------------------------------------------------------------------------------


@access("organizer")
@bp.route("/<event_slug>/schedule/setup/", methods=["GET", "POST"])
@manager_route
def settings(event: Event):
    form = settings_form()
    if not form.is_submitted():
        form.fill(setup.current_settings(event))
    if _submitted(
        form,
        lambda: setup.save_settings(
            actor=current_user, event=event, data=form.as_input(), now=utcnow()
        ),
        _("The schedule settings are saved."),
    ):
        return redirect(_url("settings", event))
    return render_template("schedule_setup/settings.html", event=event, form=form), form_status(
        form
    )


# Rooms ---------------------------------------------------------------------------------------


def _save_room(event: Event, room: Room | None, form: RoomForm) -> bool:
    """Save the posted room (a new one when `room` is None) and say so by its name."""

    def saved(done: Room) -> str:
        if room is None:
            return _("The room “%(name)s” is added.", name=done.name)
        return _("The room “%(name)s” is saved.", name=done.name)

    return _submitted(
        form,
        lambda: room_setup.save_room(
            actor=current_user, event=event, room=room, data=form.as_input(), now=utcnow()
        ),
        saved,
    )


@access("organizer")
@bp.route("/<event_slug>/schedule/setup/rooms")
@manager_route
def rooms(event: Event):
    return render_template(
        "schedule_setup/rooms.html",
        event=event,
        page=paginate_list(room_setup.rooms_of(event)),
        placed=room_setup.placed_per_room(event),
    )


@access("organizer")
@bp.route("/<event_slug>/schedule/setup/rooms/new", methods=["GET", "POST"])
@manager_route
def new_room(event: Event):
    form = RoomForm()
    if _save_room(event, None, form):
        return redirect(_url("rooms", event))
    return render_template(
        "schedule_setup/room.html", event=event, room=None, form=form
    ), form_status(form)


def _window_form(event: Event, *, submitted: bool = False) -> WindowForm:
    days = [d.day for d in day_setup.days_of(event)]
    if submitted:
        return WindowForm(days=days, zone=event.timezone)
    return WindowForm(formdata=None, days=days, zone=event.timezone)


def _room_page(event: Event, room: Room, form: RoomForm, window_form: WindowForm, status: int):  # type: ignore[no-untyped-def]
    return render_template(
        "schedule_setup/room.html",
        event=event,
        room=room,
        form=form,
        window_form=window_form,
        placed=room_setup.sessions_in_room(room),
    ), status


@access("organizer")
@bp.route("/<event_slug>/schedule/setup/rooms/<int:room_id>", methods=["GET", "POST"])
@manager_route
def edit_room(event: Event, room_id: int):
    room = room_setup.room_in_event(event, room_id)
    form = RoomForm(obj=room)
    if _save_room(event, room, form):
        return redirect(_url("rooms", event))
    return _room_page(event, room, form, _window_form(event), form_status(form))


@access("organizer")
@bp.route("/<event_slug>/schedule/setup/rooms/<int:room_id>/windows", methods=["POST"])
@manager_route
def add_window(event: Event, room_id: int):
    room = room_setup.room_in_event(event, room_id)
    window_form = _window_form(event, submitted=True)
    return _add_times(
        window_form,
        lambda times: room_setup.add_window(
            actor=current_user, event=event, room=room, now=utcnow(), **times
        ),
        success=_("The window is added."),
        to=_url("edit_room", event, room_id=room_id),
        page=lambda: _room_page(
            event, room, RoomForm(formdata=None, obj=room), window_form, form_status(window_form)
        ),
    )


@access("organizer")
@bp.route(
    "/<event_slug>/schedule/setup/rooms/<int:room_id>/windows/<int:window_id>/delete",
    methods=["POST"],
)
@manager_route
def remove_window(event: Event, room_id: int, window_id: int):
    room = room_setup.room_in_event(event, room_id)
    if window_id not in {w.id for w in room.windows}:
        abort(404)
    return _button(
        lambda: room_setup.remove_window(
            actor=current_user, event=event, room=room, window_id=window_id, now=utcnow()
        ),
        success=_("The window is removed."),
        to=_url("edit_room", event, room_id=room_id),
    )


@access("organizer")
@bp.route("/<event_slug>/schedule/setup/rooms/<int:room_id>/move", methods=["POST"])
@manager_route
def move_room(event: Event, room_id: int):
    room = room_setup.room_in_event(event, room_id)
    direction = move_direction()
    move_then(
        lambda: room_setup.move_room(
            actor=current_user, event=event, room=room, direction=direction
        ),
        name=room.name,
        direction=direction,
    )
    return redirect(_url("rooms", event))


@access("organizer")
@bp.route("/<event_slug>/schedule/setup/rooms/<int:room_id>/delete", methods=["GET", "POST"])
@manager_route
def delete_room(event: Event, room_id: int):
    room = room_setup.room_in_event(event, room_id)
    placed = room_setup.sessions_in_room(room)
    return _confirm(
        event,
        lambda: room_setup.delete_room(actor=current_user, event=event, room=room, now=utcnow()),
        done=_("The room “%(name)s” is deleted.", name=room.name),
        after=_url("rooms", event),
        title=_("Delete a room"),
        question=_("Delete the room “%(name)s” and its availability windows?", name=room.name),
        consequence=(
            ngettext(
                "%(num)d session is placed in it. It will become unscheduled: it stays in the "
                "list of sessions to place, without a room or a time.",
                "%(num)d sessions are placed in it. They will become unscheduled: they stay in "
                "the list of sessions to place, without a room or a time.",
                placed,
            )
            if placed
            else _("No session is placed in it.")
        ),
        button=_("Delete the room"),
    )


# Days ----------------------------------------------------------------------------------------


@access("organizer")
@bp.route("/<event_slug>/schedule/setup/days", methods=["GET", "POST"])
@manager_route
def days(event: Event):
    form = NewDayForm(zone=event.timezone)
    if not form.is_submitted():
        form.starts.data, form.ends.data = day_setup.DEFAULT_DAY_HOURS
    if _submitted(
        form,
        lambda: day_setup.add_day(
            actor=current_user, event=event, day=form.day.data, hours=form.hours(), now=utcnow()
        ),
        _("The day is added."),
    ):
        return redirect(_url("days", event))
    schedule_days = day_setup.days_of(event)
    existing = {d.day for d in schedule_days}
    return render_template(
        "schedule_setup/days.html",
        event=event,
        form=form,
        days=schedule_days,
        placed=day_setup.placed_per_day(event),
        missing=[d for d in day_setup.event_dates(event) if d not in existing],
        default_hours=day_setup.DEFAULT_DAY_HOURS,
        button_form=ConfirmForm(formdata=None),
    ), form_status(form)


@access("organizer")
@bp.route("/<event_slug>/schedule/setup/days/event-days", methods=["POST"])
@manager_route
def add_event_days(event: Event):
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    return attempt_then_redirect(
        lambda: day_setup.add_event_days(actor=current_user, event=event, now=utcnow()),
        success=lambda added: (
            ngettext("%(num)d day is added.", "%(num)d days are added.", added)
            if added
            else _("Every date of the event is already a schedule day.")
        ),
        to=_url("days", event),
    )


@access("organizer")
@bp.route("/<event_slug>/schedule/setup/days/<int:day_id>", methods=["GET", "POST"])
@manager_route
def edit_day(event: Event, day_id: int):
    day = day_setup.day_in_event(event, day_id)
    form = DayHoursForm(zone=event.timezone)
    if not form.is_submitted():
        form.starts.data = local_date_and_time(day.starts_at, event)[1]
        form.ends.data = local_date_and_time(day.ends_at, event)[1]
    if _submitted(
        form,
        lambda: day_setup.update_day(
            actor=current_user, event=event, schedule_day=day, hours=form.hours(), now=utcnow()
        ),
        _("The day's hours are saved."),
    ):
        return redirect(_url("days", event))
    return render_template("schedule_setup/day.html", event=event, day=day, form=form), form_status(
        form
    )


@access("organizer")
@bp.route("/<event_slug>/schedule/setup/days/<int:day_id>/delete", methods=["GET", "POST"])
@manager_route
def delete_day(event: Event, day_id: int):
    day = day_setup.day_in_event(event, day_id)
    placed = day_setup.placed_per_day(event).get(day.day, 0)
    return _confirm(
        event,
        lambda: day_setup.delete_day(
            actor=current_user, event=event, schedule_day=day, now=utcnow()
        ),
        done=_("The day is deleted."),
        after=_url("days", event),
        title=_("Delete a day"),
        question=_(
            "Delete %(day)s from the schedule, with the rooms' availability windows on that day?",
            day=format_date(day.day, "EEEE d MMMM y"),
        ),
        consequence=(
            ngettext(
                "%(num)d session is placed on it: move it to another day or unschedule it "
                "first, or the day cannot be deleted.",
                "%(num)d sessions are placed on it: move them to another day or unschedule "
                "them first, or the day cannot be deleted.",
                placed,
            )
            if placed
            else _("No session is placed on it.")
        ),
        button=_("Delete the day"),
    )


# Plenary items and containers ----------------------------------------------------------------


def _item_form(event: Event, kind: SlotKind, slot: Slot | None = None, *, posted: bool = True):  # type: ignore[no-untyped-def]
    """The form of a plenary item or a container; with `posted` False it shows the saved
    values even on a POST (when another form of the page was sent)."""
    form_class = PlenaryForm if kind is SlotKind.PLENARY else ContainerForm
    step = setup.granularity_of(event)
    if posted:
        form = form_class(obj=slot, step=step)
    else:
        form = form_class(formdata=None, obj=slot, step=step)
    if not (posted and form.is_submitted()):
        if slot is not None:
            chosen = slot.plenary_kind if kind is SlotKind.PLENARY else slot.container_kind
            form.kind.data = chosen.value if chosen is not None else None
        elif form.duration_minutes.data is None:
            form.duration_minutes.data = 30
    return form


def _save_item(
    event: Event, kind: SlotKind, slot: Slot | None, form: Any, success: Callable[[Slot], str]
) -> bool:
    return _submitted(
        form,
        lambda: item_setup.save_item(
            actor=current_user,
            event=event,
            slot=slot,
            kind=kind,
            data=form.as_input(),
            now=utcnow(),
        ),
        success,
    )


@access("organizer")
@bp.route("/<event_slug>/schedule/setup/items")
@manager_route
def items(event: Event):
    return render_template(
        "schedule_setup/items.html", event=event, page=paginate_list(item_setup.items_of(event))
    )


def _new_item(event: Event, kind: SlotKind, added: str):  # type: ignore[no-untyped-def]
    form = _item_form(event, kind)
    if _save_item(event, kind, None, form, lambda _slot: added):
        return redirect(_url("items", event))
    return _item_page(event, kind, None, form, form_status(form))


@access("organizer")
@bp.route("/<event_slug>/schedule/setup/items/new-plenary", methods=["GET", "POST"])
@manager_route
def new_plenary(event: Event):
    return _new_item(event, SlotKind.PLENARY, _("The plenary item is added."))


@access("organizer")
@bp.route("/<event_slug>/schedule/setup/items/new-block", methods=["GET", "POST"])
@manager_route
def new_container(event: Event):
    return _new_item(event, SlotKind.CONTAINER, _("The block is added. Now add its talks."))


def _item_page(  # type: ignore[no-untyped-def]
    event: Event,
    kind: SlotKind,
    slot: Slot | None,
    form: Any,
    status: int,
    add_form: AddTalkForm | None = None,
):
    context: dict[str, Any] = {}
    if slot is not None and kind is SlotKind.CONTAINER:
        talks = item_setup.container_talks(slot)
        if add_form is None:
            add_form = _add_talk_form(event, posted=False)
        context = {
            "talks": talks,
            "needed": sum(t.proposal.duration_minutes for t in talks if t.proposal is not None),
            "add_form": add_form,
        }
    return render_template(
        "schedule_setup/item.html", event=event, kind=kind, slot=slot, form=form, **context
    ), status


def _add_talk_form(event: Event, *, posted: bool = True) -> AddTalkForm:
    # A talk accepted since the editor's last visit gets its slot here, so it can be chosen.
    if editor.ensure_slots(event=event, now=utcnow()):
        commit()
    choices = [(t.id, t.display_title) for t in item_setup.talks_to_add(event)]
    if posted:
        return AddTalkForm(choices=choices)
    return AddTalkForm(formdata=None, choices=choices)


@access("organizer")
@bp.route("/<event_slug>/schedule/setup/items/<int:slot_id>", methods=["GET", "POST"])
@manager_route
def edit_item(event: Event, slot_id: int):
    slot = item_setup.item_in_event(event, slot_id)
    kind = slot.kind
    form = _item_form(event, kind, slot)
    if _save_item(
        event, kind, slot, form, lambda saved: _("“%(title)s” is saved.", title=saved.title)
    ):
        return redirect(_url("items", event))
    return _item_page(event, kind, slot, form, form_status(form))


@access("organizer")
@bp.route("/<event_slug>/schedule/setup/items/<int:slot_id>/delete", methods=["GET", "POST"])
@manager_route
def delete_item(event: Event, slot_id: int):
    slot = item_setup.item_in_event(event, slot_id)
    talks = len(slot.children)
    if slot.kind is SlotKind.CONTAINER:
        consequence = (
            ngettext(
                "Its %(num)d talk goes back to the list of sessions to place.",
                "Its %(num)d talks go back to the list of sessions to place, unscheduled.",
                talks,
            )
            if talks
            else _("It holds no talks.")
        )
    else:
        consequence = _("It is taken off the schedule.")
    return _confirm(
        event,
        lambda: item_setup.delete_item(actor=current_user, event=event, slot=slot, now=utcnow()),
        done=_("“%(title)s” is deleted.", title=slot.title),
        after=_url("items", event),
        title=_("Delete a block") if slot.kind is SlotKind.CONTAINER else _("Delete an item"),
        question=_("Delete “%(title)s”?", title=slot.title),
        consequence=consequence,
        button=_("Delete it"),
    )


def _container(event: Event, slot_id: int) -> Slot:
    slot = item_setup.item_in_event(event, slot_id)
    if slot.kind is not SlotKind.CONTAINER:
        abort(404)
    return slot


@access("organizer")
@bp.route("/<event_slug>/schedule/setup/items/<int:slot_id>/talks", methods=["POST"])
@manager_route
def add_talk(event: Event, slot_id: int):
    container = _container(event, slot_id)
    add_form = _add_talk_form(event)
    if _submitted(
        add_form,
        lambda: item_setup.add_to_container(
            actor=current_user,
            event=event,
            container=container,
            talk_id=add_form.talk_id(),
            now=utcnow(),
        ),
        _("The talk is added to the block."),
    ):
        return redirect(_url("edit_item", event, slot_id=slot_id))
    form = _item_form(event, SlotKind.CONTAINER, container, posted=False)
    return _item_page(
        event, SlotKind.CONTAINER, container, form, form_status(add_form), add_form=add_form
    )


@access("organizer")
@bp.route(
    "/<event_slug>/schedule/setup/items/<int:slot_id>/talks/<int:talk_id>/move", methods=["POST"]
)
@manager_route
def move_talk(event: Event, slot_id: int, talk_id: int):
    container = _container(event, slot_id)
    talk = item_setup.container_talk(container, talk_id)
    direction = move_direction()
    move_then(
        lambda: item_setup.move_in_container(
            actor=current_user,
            event=event,
            container=container,
            talk_id=talk.id,
            direction=direction,
            now=utcnow(),
        ),
        name=talk.display_title,
        direction=direction,
    )
    return redirect(_url("edit_item", event, slot_id=slot_id) + "#talks")


@access("organizer")
@bp.route(
    "/<event_slug>/schedule/setup/items/<int:slot_id>/talks/<int:talk_id>/remove",
    methods=["POST"],
)
@manager_route
def remove_talk(event: Event, slot_id: int, talk_id: int):
    container = _container(event, slot_id)
    talk = item_setup.container_talk(container, talk_id)
    return _button(
        lambda: item_setup.remove_from_container(
            actor=current_user, event=event, container=container, talk_id=talk.id, now=utcnow()
        ),
        success=_(
            "“%(title)s” is out of the block and back among the sessions to place.",
            title=talk.display_title,
        ),
        to=_url("edit_item", event, slot_id=slot_id) + "#talks",
    )


# Speakers ------------------------------------------------------------------------------------


@access("organizer")
@bp.route("/<event_slug>/schedule/setup/speakers")
@manager_route
def speakers(event: Event):
    # A talk accepted since the editor's last visit gets its slot, so its speakers show here.
    if editor.ensure_slots(event=event, now=utcnow()):
        commit()
    return render_template(
        "schedule_setup/speakers.html",
        event=event,
        page=paginate_list(speaker_setup.speaker_rows(event)),
    )


def _profile_answers(event: Event, profile: Any) -> list[tuple[dt.date, str]]:
    """The speaker's own per-day answers, as words with the hours they mean."""
    answers = []
    for day in day_setup.event_dates(event):
        part = (profile.availability or {}).get(day.isoformat(), "all") if profile else "all"
        span = AVAILABILITY.get(part)
        label = str(AVAILABILITY_LABELS.get(part, part))
        if span is not None:
            label = _(
                "%(part)s (%(start)s to %(end)s)",
                part=label,
                start=span[0].strftime("%H:%M"),
                end=span[1].strftime("%H:%M"),
            )
        answers.append((day, label))
    return answers


def _speaker_page(  # type: ignore[no-untyped-def]
    event: Event,
    user: User,
    *,
    form: SpeakerForm | None = None,
    interval_form: IntervalForm | None = None,
    status: int = 200,
):
    profile = speaker_setup.profile_for(event, user)
    zone = speaker_setup.speaker_zone(event, profile)
    if form is None:
        form = SpeakerForm(formdata=None, obj=profile)
        form.timezone.data = zone
    if interval_form is None:
        interval_form = IntervalForm(
            formdata=None, dates=speaker_setup.speaker_dates(event, zone), zone=zone
        )
        interval_form.day.data = event.starts_on.isoformat()  # not the day before, far west
    return render_template(
        "schedule_setup/speaker.html",
        event=event,
        speaker=user,
        profile=profile,
        zone=zone,
        form=form,
        interval_form=interval_form,
        intervals=speaker_setup.explicit_availability(event, user),
        answers=_profile_answers(event, profile),
        reset_form=ConfirmForm(formdata=None),
    ), status


@access("organizer")
@bp.route("/<event_slug>/schedule/setup/speakers/<int:user_id>", methods=["GET", "POST"])
@manager_route
def speaker(event: Event, user_id: int):
    user = speaker_setup.speaker_in_event(event, user_id)
    form = SpeakerForm()
    if not form.is_submitted():
        return _speaker_page(event, user)
    if _submitted(
        form,
        lambda: speaker_setup.save_speaker_settings(
            actor=current_user, event=event, user=user, data=form.as_input(), now=utcnow()
        ),
        _("%(name)s's details are saved.", name=user.display_name),
    ):
        return redirect(_url("speaker", event, user_id=user_id))
    return _speaker_page(event, user, form=form, status=form_status(form))


@access("organizer")
@bp.route("/<event_slug>/schedule/setup/speakers/<int:user_id>/availability", methods=["POST"])
@manager_route
def add_interval(event: Event, user_id: int):
    user = speaker_setup.speaker_in_event(event, user_id)
    zone = speaker_setup.speaker_zone(event, speaker_setup.profile_for(event, user))
    interval_form = IntervalForm(dates=speaker_setup.speaker_dates(event, zone), zone=zone)
    return _add_times(
        interval_form,
        lambda times: speaker_setup.add_speaker_interval(
            actor=current_user, event=event, user=user, now=utcnow(), **times
        ),
        success=_("The time is added."),
        to=_url("speaker", event, user_id=user_id),
        page=lambda: _speaker_page(
            event, user, interval_form=interval_form, status=form_status(interval_form)
        ),
    )


@access("organizer")
@bp.route(
    "/<event_slug>/schedule/setup/speakers/<int:user_id>/availability/<int:interval_id>/delete",
    methods=["POST"],
)
@manager_route
def remove_interval(event: Event, user_id: int, interval_id: int):
    user = speaker_setup.speaker_in_event(event, user_id)
    if interval_id not in {row.id for row in speaker_setup.explicit_availability(event, user)}:
        abort(404)
    return _button(
        lambda: speaker_setup.remove_speaker_interval(
            actor=current_user, event=event, user=user, interval_id=interval_id, now=utcnow()
        ),
        success=_("The time is removed."),
        to=_url("speaker", event, user_id=user_id),
    )


@access("organizer")
@bp.route(
    "/<event_slug>/schedule/setup/speakers/<int:user_id>/availability/reset",
    methods=["GET", "POST"],
)
@manager_route
def reset_availability(event: Event, user_id: int):
    user = speaker_setup.speaker_in_event(event, user_id)
    back = _url("speaker", event, user_id=user_id)
    return _confirm(
        event,
        lambda: speaker_setup.reset_speaker_availability(
            actor=current_user, event=event, user=user, now=utcnow()
        ),
        done=_("%(name)s's own answers count again.", name=user.display_name),
        after=back,
        title=_("Use the speaker's own answers again"),
        question=_(
            "Delete the times entered for %(name)s, so that the availability in their speaker "
            "profile counts again?",
            name=user.display_name,
        ),
        button=_("Delete the times"),
    )
