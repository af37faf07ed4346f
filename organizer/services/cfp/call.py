"""The call for talks as organizers set it up: its dates and settings, session types, tracks and
their own questions (the rules of a question are in services/reviewing/questions.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from babel import Locale, UnknownLocaleError
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from organizer import permissions
from organizer.enums import (
    OthersReviews,
)
from organizer.errors import NotFound, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    Answer,
    Cfp,
    Event,
    Proposal,
    Question,
    SessionType,
    Track,
    User,
)
from organizer.services import addresses, audit, colours
from organizer.services.ordering import in_order, swap_with_neighbour
from organizer.services.reviewing.questions import (
    QuestionSettings,
    apply_question_settings,
    validate_question_settings,
)

LEVEL_LABELS = {
    "beginner": _l("Beginner: no prior knowledge needed"),
    "intermediate": _l("Intermediate: some familiarity helps"),
    "advanced": _l("Advanced: for people who know the field well"),
}


LEVELS = tuple(LEVEL_LABELS)


def language_name(code: str) -> str:
    """A language code as the reader calls it ("pt" -> "Portuguese"), or the code itself."""
    try:
        return Locale.parse(code).get_display_name(str(get_locale() or "en")) or code
    except (ValueError, UnknownLocaleError):
        return code


def level_label(code: str) -> str:
    return str(LEVEL_LABELS.get(code, code))


def call_of(event: Event) -> Cfp | None:
    return db.session.scalar(select(Cfp).where(Cfp.event_id == event.id))


@dataclasses.dataclass(frozen=True, kw_only=True)
class CallSettings:
    opens_at: dt.datetime
    closes_at: dt.datetime
    text: str = ""
    anonymous_review: bool = True
    reviews_per_proposal: int = 3
    others_reviews: OthersReviews = OthersReviews.AFTER_OWN
    abstract_max_length: int = 1000
    languages: tuple[str, ...] = ("en",)
    team_may_apply: bool = True


def save_call(*, actor: User, event: Event, settings: CallSettings, now: dt.datetime) -> Cfp:
    permissions.require(permissions.can_manage_cfp(actor, event))
    errors: dict[str, str] = {}
    if settings.closes_at <= settings.opens_at:
        errors["closes_at"] = _("The call must close after it opens.")
    if not 1 <= settings.reviews_per_proposal <= 20:
        errors["reviews_per_proposal"] = _("Choose between 1 and 20 reviews per proposal.")
    if not 100 <= settings.abstract_max_length <= 10_000:
        errors["abstract_max_length"] = _("Choose a limit between 100 and 10,000 characters.")
    if not settings.languages:
        errors["languages"] = _("Offer at least one language.")
    if errors:
        raise ValidationFailed(errors)
    cfp = call_of(event)
    values = {**dataclasses.asdict(settings), "languages": list(settings.languages)}
    before = {key: getattr(cfp, key) for key in values} if cfp is not None else {}
    if cfp is None:
        cfp = Cfp(event_id=event.id, created_at=now)
        db.session.add(cfp)
    for key, value in values.items():
        setattr(cfp, key, value)
    cfp.updated_at = now
    db.session.flush()
    audit.record(
        action="cfp.configure",
        actor=actor,
        now=now,
        object_type="cfp",
        object_id=cfp.id,
        event=event,
        details=audit.changes(before, values),
    )
    return cfp


def session_types(event: Event) -> list[SessionType]:
    return in_order(SessionType, SessionType.event_id == event.id)


def tracks(event: Event) -> list[Track]:
    return in_order(Track, Track.event_id == event.id)


def questions(event: Event) -> list[Question]:
    return in_order(Question, Question.event_id == event.id)


def _next_position(model: type[Any], event: Event) -> int:
    highest = db.session.scalar(select(func.max(model.position)).where(model.event_id == event.id))
    return 0 if highest is None else highest + 1


def _name_taken(model: type[Any], event: Event, name: str, own_id: int | None) -> bool:
    query = select(model.id).where(model.event_id == event.id, model.name == name)
    if own_id is not None:
        query = query.where(model.id != own_id)
    return db.session.scalar(query) is not None


def save_session_type(
    *,
    actor: User,
    event: Event,
    session_type: SessionType | None,
    name: str,
    description: str,
    duration_minutes: int,
    max_speakers: int,
    now: dt.datetime,
) -> SessionType:
    permissions.require(permissions.can_manage_cfp(actor, event))
    name = name.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Enter a name, e.g. Talk.")
    elif _name_taken(SessionType, event, name, session_type.id if session_type else None):
        errors["name"] = _("There is already a session type called “%(name)s”.", name=name)
    if not 1 <= duration_minutes <= 1440:
        errors["duration_minutes"] = _("Enter a length between 1 and 1,440 minutes.")
    if not 1 <= max_speakers <= 20:
        errors["max_speakers"] = _("Allow between 1 and 20 speakers.")
    if errors:
        raise ValidationFailed(errors)
    if session_type is None:
        session_type = SessionType(event_id=event.id, position=_next_position(SessionType, event))
        db.session.add(session_type)
    session_type.name = name
    session_type.description = description.strip()
    session_type.duration_minutes = duration_minutes
    session_type.max_speakers = max_speakers
    db.session.flush()
    audit.record(
        action="cfp.session_type.save",
        actor=actor,
        now=now,
        object_type="session_type",
        object_id=session_type.id,
        event=event,
        details={"name": name, "duration_minutes": duration_minutes},
    )
    return session_type


def save_track(
    *,
    actor: User,
    event: Event,
    track: Track | None,
    name: str,
    description: str,
    now: dt.datetime,
    colour: str = "",
) -> Track:
    permissions.require(permissions.can_manage_cfp(actor, event))
    name = name.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Enter a name, e.g. Methods.")
    elif _name_taken(Track, event, name, track.id if track else None):
        errors["name"] = _("There is already a track called “%(name)s”.", name=name)
    try:
        colour = colours.card_background(colour)
    except ValidationFailed as error:
        errors.update(error.errors)
    if errors:
        raise ValidationFailed(errors)
    if track is None:
        track = Track(
            event_id=event.id,
            position=_next_position(Track, event),
            slug=addresses.free_slug(Track, event.id, name, "track"),
        )
        db.session.add(track)
    track.name = name
    track.description = description.strip()
    track.colour = colour
    db.session.flush()
    audit.record(
        action="cfp.track.save",
        actor=actor,
        now=now,
        object_type="track",
        object_id=track.id,
        event=event,
        details={"name": name, "colour": colour},
    )
    return track


def delete_session_type(
    *, actor: User, event: Event, session_type: SessionType, now: dt.datetime
) -> None:
    _delete_unused(
        actor=actor,
        event=event,
        item=session_type,
        users=Proposal.session_type_id,
        refusal=lambda count, name: ngettext(
            "%(num)d proposal uses “%(name)s”. Move it to another type first.",
            "%(num)d proposals use “%(name)s”. Move them to another type first.",
            count,
            name=name,
        ),
        action="cfp.session_type.delete",
        now=now,
    )


def delete_track(*, actor: User, event: Event, track: Track, now: dt.datetime) -> None:
    _delete_unused(
        actor=actor,
        event=event,
        item=track,
        users=Proposal.track_id,
        refusal=lambda count, name: ngettext(
            "%(num)d proposal is in “%(name)s”. Move it to another track first.",
            "%(num)d proposals are in “%(name)s”. Move them to another track first.",
            count,
            name=name,
        ),
        action="cfp.track.delete",
        now=now,
    )


def _delete_unused(
    *,
    actor: User,
    event: Event,
    item: SessionType | Track,
    users: Any,
    refusal: Callable[[int, str], str],
    action: str,
    now: dt.datetime,
) -> None:
    """Delete a session type or track unless proposals still use it (`refusal(count, name)`
    then says how many, in the right plural)."""
    permissions.require(permissions.can_manage_cfp(actor, event))
    used = db.session.scalar(select(func.count(Proposal.id)).where(users == item.id))
    if used:
        raise WrongState(refusal(used, item.name))
    db.session.delete(item)
    audit.record(
        action=action,
        actor=actor,
        now=now,
        object_type=type(item).__tablename__,
        object_id=item.id,
        event=event,
        details={"name": item.name},
    )


def save_question(
    *,
    actor: User,
    event: Event,
    question: Question | None,
    settings: QuestionSettings,
    now: dt.datetime,
) -> Question:
    permissions.require(permissions.can_manage_cfp(actor, event))
    errors = validate_question_settings(settings)
    if errors:
        raise ValidationFailed(errors)
    if question is None:
        question = Question(event_id=event.id, position=_next_position(Question, event))
        db.session.add(question)
    apply_question_settings(question, settings)
    db.session.flush()
    audit.record(
        action="cfp.question.save",
        actor=actor,
        now=now,
        object_type="question",
        object_id=question.id,
        event=event,
        details={"text": question.text, "kind": settings.kind.value},
    )
    return question


def delete_question(*, actor: User, event: Event, question: Question, now: dt.datetime) -> None:
    """Deleting a question deletes its answers too (the confirmation page says so)."""
    permissions.require(permissions.can_manage_cfp(actor, event))
    db.session.delete(question)
    audit.record(
        action="cfp.question.delete",
        actor=actor,
        now=now,
        object_type="question",
        object_id=question.id,
        event=event,
        details={"text": question.text},
    )


def answer_count(question: Question) -> int:
    return db.session.scalar(select(func.count(Answer.id)).where(Answer.question_id == question.id))


def move(*, actor: User, event: Event, item: Any, direction: int) -> None:
    """Swap an ordered item (session type, track, question, criterion) with its neighbour."""
    permissions.require(permissions.can_manage_cfp(actor, event))
    model = type(item)
    swap_with_neighbour(in_order(model, model.event_id == event.id), item, direction)


def item_in_event(model: type[Any], event: Event, item_id: int) -> Any:
    item = db.session.get(model, item_id)
    if item is None or item.event_id != event.id:
        raise NotFound()
    return item
