"""The call for talks: configuring it, submitting and editing proposals, co-speakers,
speaker profiles, deadlines and personal extensions.

Deadlines are checked here, on the server, to the second and in UTC: a proposal may be
changed while `now < deadline`, where the deadline is the call's closing time or a later
personal extension of one of its speakers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable
from typing import Any

from babel import Locale, UnknownLocaleError
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload

from organizer import permissions
from organizer.enums import OthersReviews, ProposalState, QuestionKind, SpeakerRole
from organizer.errors import Conflict, NotFound, ValidationFailed
from organizer.extensions import db
from organizer.models import (
    Answer,
    AuditEntry,
    Cfp,
    CfpExtension,
    Event,
    Proposal,
    ProposalSpeaker,
    Question,
    SessionType,
    SpeakerProfile,
    Tag,
    Track,
    User,
)
from organizer.services import addresses, audit, conflicts, uploads
from organizer.services.events import known_time_zones
from organizer.services.mail import external_url, queue_mail
from organizer.services.ordering import swap_with_neighbour
from organizer.services.questions import (
    LONG_TEXT_MAX,
    FileInput,
    QuestionSettings,
    apply_question_settings,
    validate_answer,
    validate_question_settings,
)
from organizer.services.timefmt import local_date_to_utc

EDITABLE_STATES = (ProposalState.DRAFT, ProposalState.SUBMITTED)
LEVEL_LABELS = {
    "beginner": _l("Beginner: no prior knowledge needed"),
    "intermediate": _l("Intermediate: some familiarity helps"),
    "advanced": _l("Advanced: for people who know the field well"),
}
LEVELS = tuple(LEVEL_LABELS)
TITLE_MAX = 200
DESCRIPTION_MAX = 10_000
NOTES_MAX = 5_000
BIO_MAX = 3_000
ANSWER_MAX = LONG_TEXT_MAX
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# What a part of a day means, in the event's time zone, for speaker availability.
AVAILABILITY: dict[str, tuple[dt.time, dt.time] | None] = {
    "all": (dt.time(8, 0), dt.time(20, 0)),
    "morning": (dt.time(8, 0), dt.time(13, 0)),
    "afternoon": (dt.time(13, 0), dt.time(20, 0)),
    "none": None,
}


def language_name(code: str) -> str:
    """A language code as the reader calls it ("pt" -> "Portuguese"), or the code itself."""
    try:
        return Locale.parse(code).get_display_name(str(get_locale() or "en")) or code
    except (ValueError, UnknownLocaleError):
        return code


def level_label(code: str) -> str:
    return str(LEVEL_LABELS.get(code, code))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# The call ----------------------------------------------------------------------------------


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
    values = dataclasses.asdict(settings)
    values["languages"] = list(settings.languages)
    if cfp is None:
        cfp = Cfp(event_id=event.id, created_at=now, updated_at=now, **values)
        db.session.add(cfp)
        before: dict[str, Any] = {}
    else:
        before = {key: getattr(cfp, key) for key in values}
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
    return list(
        db.session.scalars(
            select(SessionType)
            .where(SessionType.event_id == event.id)
            .order_by(SessionType.position, SessionType.id)
        )
    )


def tracks(event: Event) -> list[Track]:
    return list(
        db.session.scalars(
            select(Track).where(Track.event_id == event.id).order_by(Track.position, Track.id)
        )
    )


def questions(event: Event) -> list[Question]:
    return list(
        db.session.scalars(
            select(Question)
            .where(Question.event_id == event.id)
            .order_by(Question.position, Question.id)
        )
    )


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
) -> Track:
    permissions.require(permissions.can_manage_cfp(actor, event))
    name = name.strip()
    if not name:
        raise ValidationFailed({"name": _("Enter a name, e.g. Methods.")})
    if _name_taken(Track, event, name, track.id if track else None):
        raise ValidationFailed(
            {"name": _("There is already a track called “%(name)s”.", name=name)}
        )
    if track is None:
        track = Track(
            event_id=event.id,
            position=_next_position(Track, event),
            slug=addresses.free_slug(Track, event.id, name, "track"),
        )
        db.session.add(track)
    track.name = name
    track.description = description.strip()
    db.session.flush()
    audit.record(
        action="cfp.track.save",
        actor=actor,
        now=now,
        object_type="track",
        object_id=track.id,
        event=event,
        details={"name": name},
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
        refusal=_("%(count)s proposals use “%(name)s”. Move them to another type first."),
        action="cfp.session_type.delete",
        now=now,
    )


def delete_track(*, actor: User, event: Event, track: Track, now: dt.datetime) -> None:
    _delete_unused(
        actor=actor,
        event=event,
        item=track,
        users=Proposal.track_id,
        refusal=_("%(count)s proposals are in “%(name)s”. Move them to another track first."),
        action="cfp.track.delete",
        now=now,
    )


def _delete_unused(
    *,
    actor: User,
    event: Event,
    item: SessionType | Track,
    users: Any,
    refusal: str,
    action: str,
    now: dt.datetime,
) -> None:
    """Delete a session type or track unless proposals still use it (`refusal` then says how
    many, with %(count)s and %(name)s)."""
    permissions.require(permissions.can_manage_cfp(actor, event))
    used = db.session.scalar(select(func.count(Proposal.id)).where(users == item.id))
    if used:
        raise Conflict(refusal % {"count": used, "name": item.name})
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
    siblings = list(
        db.session.scalars(
            select(model).where(model.event_id == event.id).order_by(model.position, model.id)
        )
    )
    swap_with_neighbour(siblings, item, direction)


def item_in_event(model: type[Any], event: Event, item_id: int) -> Any:
    item = db.session.get(model, item_id)
    if item is None or item.event_id != event.id:
        raise NotFound()
    return item


# Deadlines ---------------------------------------------------------------------------------


def extension_of(event: Event, user: User) -> CfpExtension | None:
    return db.session.scalar(
        select(CfpExtension).where(
            CfpExtension.event_id == event.id, CfpExtension.user_id == user.id
        )
    )


def deadline_for(cfp: Cfp, users: Iterable[User]) -> dt.datetime:
    """The call's closing time, or the latest personal extension among `users`."""
    ids = [u.id for u in users]
    latest = db.session.scalar(
        select(func.max(CfpExtension.until)).where(
            CfpExtension.event_id == cfp.event_id, CfpExtension.user_id.in_(ids)
        )
    )
    return max(cfp.closes_at, latest) if latest is not None else cfp.closes_at


def proposal_deadline(cfp: Cfp, proposal: Proposal) -> dt.datetime:
    return deadline_for(cfp, [s.user for s in proposal.speakers if s.user is not None])


def is_editable(cfp: Cfp, proposal: Proposal, *, now: dt.datetime) -> bool:
    return proposal.state in EDITABLE_STATES and now < proposal_deadline(cfp, proposal)


def _require_open_for(cfp: Cfp | None, users: Iterable[User], now: dt.datetime) -> Cfp:
    if cfp is None:
        raise Conflict(_("This event has no call for talks."))
    if now < cfp.opens_at:
        raise Conflict(_("The call for talks is not open yet."))
    if now >= deadline_for(cfp, users):
        raise Conflict(
            _("The deadline has passed. Proposals can no longer be submitted or changed.")
        )
    return cfp


def grant_extension(
    *, actor: User, event: Event, email: str, until: dt.datetime, now: dt.datetime
) -> CfpExtension:
    permissions.require(permissions.can_manage_cfp(actor, event))
    cfp = call_of(event)
    email = email.strip().lower()
    user = db.session.scalar(select(User).where(User.email == email))
    errors = {}
    if user is None:
        errors["email"] = _("No account uses this address. Ask the person to register first.")
    if cfp is not None and until <= cfp.closes_at:
        errors["until"] = _("An extension must end after the call closes.")
    if errors:
        raise ValidationFailed(errors)
    assert user is not None
    extension = extension_of(event, user)
    if extension is None:
        extension = CfpExtension(event_id=event.id, user_id=user.id, until=until, created_at=now)
        db.session.add(extension)
    extension.until = until
    extension.granted_by_id = actor.id
    db.session.flush()
    audit.record(
        action="cfp.extension.grant",
        actor=actor,
        now=now,
        object_type="user",
        object_id=user.id,
        event=event,
        details={"email": email, "until": until.isoformat()},
    )
    return extension


def revoke_extension(*, actor: User, event: Event, extension: CfpExtension, now: dt.datetime):
    permissions.require(permissions.can_manage_cfp(actor, event))
    db.session.delete(extension)
    audit.record(
        action="cfp.extension.revoke",
        actor=actor,
        now=now,
        object_type="user",
        object_id=extension.user_id,
        event=event,
    )


def extensions(event: Event) -> list[CfpExtension]:
    return list(
        db.session.scalars(
            select(CfpExtension)
            .where(CfpExtension.event_id == event.id)
            .options(selectinload(CfpExtension.user))
            .order_by(CfpExtension.until)
        )
    )


# Proposals ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class ProposalInput:
    title: str
    abstract: str
    session_type_id: int | None
    track_id: int | None = None
    description: str = ""
    notes: str = ""
    language: str = "en"
    level: str = ""
    answers: dict[int, Any] = dataclasses.field(default_factory=dict)  # question id -> value
    files: dict[int, FileInput] = dataclasses.field(default_factory=dict)  # question id -> file


def _validate_proposal(
    event: Event,
    cfp: Cfp,
    data: ProposalInput,
    *,
    submit: bool,
    speakers_count: int,
    existing_answers: dict[int, Answer],
) -> dict[str, str]:
    errors: dict[str, str] = {}
    title = data.title.strip()
    if not title:
        errors["title"] = _("Enter a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("Keep the title to %(n)s characters or fewer.", n=TITLE_MAX)
    if submit and not data.abstract.strip():
        errors["abstract"] = _("Write an abstract: it is what reviewers read first.")
    elif len(data.abstract) > cfp.abstract_max_length:
        errors["abstract"] = _(
            "The abstract has %(length)s characters; the limit is %(limit)s. Shorten it by "
            "%(over)s characters.",
            length=len(data.abstract),
            limit=cfp.abstract_max_length,
            over=len(data.abstract) - cfp.abstract_max_length,
        )
    if len(data.description) > DESCRIPTION_MAX:
        errors["description"] = _(
            "Keep the description to %(n)s characters or fewer.", n=DESCRIPTION_MAX
        )
    if len(data.notes) > NOTES_MAX:
        errors["notes"] = _("Keep the notes to %(n)s characters or fewer.", n=NOTES_MAX)
    kinds = {t.id: t for t in session_types(event)}
    kind = kinds.get(data.session_type_id or 0)
    if kind is None:
        errors["session_type_id"] = _("Choose a session type.")
    elif speakers_count > kind.max_speakers:
        errors["session_type_id"] = _(
            "A %(type)s has at most %(n)s speakers; this proposal has %(count)s.",
            type=kind.name,
            n=kind.max_speakers,
            count=speakers_count,
        )
    track_ids = {t.id for t in tracks(event)}
    if track_ids and data.track_id not in track_ids:
        errors["track_id"] = _("Choose a track.")
    if data.language not in cfp.languages:
        errors["language"] = _("Choose one of the languages offered.")
    if data.level and data.level not in LEVELS:
        errors["level"] = _("Choose a level from the list.")
    for question in questions(event):
        message = validate_answer(
            question,
            data.answers.get(question.id),
            data.files.get(question.id),
            existing_answers.get(question.id),
            submit=submit,
        )
        if message:
            errors[f"question-{question.id}"] = message
    return errors


def save_proposal(
    *,
    actor: User,
    event: Event,
    proposal: Proposal | None,
    data: ProposalInput,
    submit: bool,
    now: dt.datetime,
    version: int | None = None,
    creation_key: str | None = None,
) -> Proposal:
    """Create or edit a proposal, as a draft or submitted. Every rule is checked before
    anything changes, so a refused form loses nothing that was saved before.

    `version` is the version the form was opened at: a save from a stale tab is refused
    instead of silently overwriting newer text. `creation_key` is a random value carried by
    a new-proposal form, so that submitting the same form twice creates one proposal.
    """
    cfp = call_of(event)
    if proposal is None:
        if creation_key:
            existing = db.session.scalar(
                select(Proposal).where(Proposal.creation_key == creation_key)
            )
            if existing is not None:
                raise Conflict(
                    _(
                        "This proposal was already saved, perhaps from another tab. "
                        "Find it under My proposals."
                    )
                )
        _require_open_for(cfp, [actor], now)
        speakers_count = 1
        existing_answers: dict[int, Answer] = {}
    else:
        permissions.require(
            permissions.can_edit_proposal(actor, proposal) and proposal.event_id == event.id
        )
        if proposal.state not in EDITABLE_STATES:
            raise Conflict(_("This proposal can no longer be changed."))
        _require_open_for(cfp, [s.user for s in proposal.speakers if s.user], now)
        if version is not None and version != proposal.version:
            raise Conflict(
                _(
                    "This proposal was changed in another tab or by a co-speaker since you "
                    "opened it. Your text is still in the form: copy what you need, then "
                    "reload the page to see the newest version."
                )
            )
        if submit and proposal.state == ProposalState.SUBMITTED:
            submit = False  # already submitted: a second "submit" is just a save
        speakers_count = len(proposal.speakers)
        existing_answers = {a.question_id: a for a in proposal.answers}
    assert cfp is not None
    if not actor.email_verified and submit:
        raise Conflict(_("Confirm your email address before you submit (see your inbox)."))
    if submit:
        conflicts.refuse_team_submission(actor=actor, event=event, allowed=cfp.team_may_apply)
    errors = _validate_proposal(
        event,
        cfp,
        data,
        submit=submit,
        speakers_count=speakers_count,
        existing_answers=existing_answers,
    )
    if errors:
        raise ValidationFailed(errors)
    stored = {}
    by_id = {q.id: q for q in questions(event)}
    for question_id, file in data.files.items():
        question = by_id[question_id]
        stored[question_id] = uploads.store(
            stream=file.stream,
            filename=file.filename,
            field=f"question-{question_id}",
            allowed=question.file_kinds,
            max_kb=question.max_file_kb,
            owner=actor,
            event=event,
            now=now,
        )
    kind = db.session.get(SessionType, data.session_type_id)
    assert kind is not None
    created = proposal is None
    if proposal is None:
        proposal = Proposal(
            event_id=event.id,
            created_at=now,
            content_changed_at=now,
            state=ProposalState.DRAFT,
            creation_key=creation_key or None,
        )
        proposal.speakers.append(
            ProposalSpeaker(
                user=actor,
                email=actor.email,
                role=SpeakerRole.PRIMARY,
                invited_at=now,
                accepted_at=now,
            )
        )
        db.session.add(proposal)
    before = _content(proposal)
    answers_before = _answers(proposal)
    proposal.title = data.title.strip()
    proposal.abstract = data.abstract.strip()
    proposal.description = data.description.strip()
    proposal.notes = data.notes.strip()
    proposal.language = data.language
    proposal.level = data.level
    proposal.track_id = data.track_id
    if proposal.session_type_id != kind.id:
        proposal.session_type_id = kind.id
        proposal.duration_minutes = kind.duration_minutes
    after = _content(proposal)
    for question in by_id.values():
        _store_answer(proposal, question, data.answers.get(question.id), stored.get(question.id))
    if not created and (before != after or answers_before != _answers(proposal) or submit):
        # A save that changes nothing keeps the version, so reviews are not marked as
        # written before a change that never happened.
        proposal.version += 1
        proposal.content_changed_at = now
    if submit:
        proposal.state = ProposalState.SUBMITTED
        proposal.submitted_at = now
    try:
        db.session.flush()
    except IntegrityError as error:  # the same new-proposal form, twice at the same moment
        raise Conflict(_("This proposal was already saved, perhaps from another tab.")) from error
    audit.record(
        action="proposal.submit" if submit else ("proposal.create" if created else "proposal.edit"),
        actor=actor,
        now=now,
        object_type="proposal",
        object_id=proposal.id,
        event=event,
        details={} if created else audit.changes(before, after),
    )
    if submit:
        _mail_speakers(proposal, "proposal_submitted", now=now, event=event)
    return proposal


def _content(proposal: Proposal) -> dict[str, Any]:
    return {
        "title": proposal.title,
        "abstract": proposal.abstract,
        "description": proposal.description,
        "notes": proposal.notes,
        "language": proposal.language,
        "level": proposal.level,
        "track_id": proposal.track_id,
        "session_type_id": proposal.session_type_id,
    }


def _answers(proposal: Proposal) -> dict[int, Any]:
    return {a.question_id: (a.value, a.upload.id if a.upload else None) for a in proposal.answers}


def _store_answer(proposal: Proposal, question: Question, value: Any, upload: Any) -> None:
    answer = next((a for a in proposal.answers if a.question_id == question.id), None)
    if question.kind == QuestionKind.FILE:
        if upload is None:
            return  # keep the file sent earlier
        if answer is None:
            answer = Answer(question=question)
            proposal.answers.append(answer)
        answer.upload = upload
        answer.value = None
        return
    if value in (None, "", []):
        if answer is not None:
            proposal.answers.remove(answer)
        return
    if answer is None:
        answer = Answer(question=question)
        proposal.answers.append(answer)
    answer.value = value.strip() if isinstance(value, str) else value


def withdraw(*, actor: User, proposal: Proposal, now: dt.datetime) -> None:
    permissions.require(permissions.can_withdraw_proposal(actor, proposal))
    if proposal.state not in EDITABLE_STATES:
        raise Conflict(_("Only a draft or a submitted proposal can be withdrawn."))
    _require_open_for(call_of(proposal.event), [s.user for s in proposal.speakers if s.user], now)
    was_submitted = proposal.state == ProposalState.SUBMITTED
    proposal.state = ProposalState.WITHDRAWN
    proposal.pending_decision = None
    proposal.version += 1
    db.session.flush()
    audit.record(
        action="proposal.withdraw",
        actor=actor,
        now=now,
        object_type="proposal",
        object_id=proposal.id,
        event=proposal.event,
    )
    if was_submitted:
        _mail_speakers(proposal, "proposal_withdrawn", now=now, event=proposal.event)


def _mail_speakers(
    proposal: Proposal,
    purpose: str,
    *,
    now: dt.datetime,
    event: Event,
    context: dict[str, Any] | None = None,
) -> None:
    """Tell every speaker of the proposal, each in their own language."""
    for speaker in proposal.speakers:
        if speaker.user is None:
            continue
        queue_mail(
            to=speaker.user.email,
            purpose=purpose,
            context={
                "proposal": proposal,
                "speaker": speaker.user,
                "proposal_url": external_url(
                    "cfp.proposal", event_slug=event.slug, public_id=proposal.public_id
                ),
                **(context or {}),
            },
            now=now,
            event=event,
            locale=speaker.user.locale,
            idempotency_key=f"{purpose}:{proposal.id}:{speaker.user_id}:{proposal.version}",
        )


def my_proposals(event: Event, user: User) -> list[Proposal]:
    return list(
        db.session.scalars(
            select(Proposal)
            .join(ProposalSpeaker)
            .where(Proposal.event_id == event.id, ProposalSpeaker.user_id == user.id)
            .options(
                selectinload(Proposal.session_type),
                selectinload(Proposal.track),
                selectinload(Proposal.speakers).selectinload(ProposalSpeaker.user),
            )
            .order_by(Proposal.created_at.desc(), Proposal.id.desc())
        )
    )


def proposal_by_public_id(event: Event, public_id: str) -> Proposal:
    proposal = db.session.scalar(
        select(Proposal)
        .where(Proposal.event_id == event.id, Proposal.public_id == public_id)
        .options(selectinload(Proposal.speakers).selectinload(ProposalSpeaker.user))
    )
    if proposal is None:
        raise NotFound()
    return proposal


def proposal_for_speaker(event: Event, public_id: str, user: User) -> Proposal:
    """The same 404 for a proposal that does not exist and one of somebody else, so that
    guessing ids tells nothing."""
    proposal = proposal_by_public_id(event, public_id)
    if not permissions.is_speaker(user, proposal):
        raise NotFound()
    return proposal


def history(proposal: Proposal) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == "proposal", AuditEntry.object_id == str(proposal.id))
            .options(selectinload(AuditEntry.actor))
            .order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc())
        )
    )


# Co-speakers -------------------------------------------------------------------------------


def invite_co_speaker(
    *, actor: User, proposal: Proposal, email: str, now: dt.datetime
) -> ProposalSpeaker:
    permissions.require(permissions.can_invite_co_speakers(actor, proposal))
    if proposal.state not in EDITABLE_STATES:
        raise Conflict(_("Co-speakers can only be added while the proposal can be changed."))
    _require_open_for(call_of(proposal.event), [s.user for s in proposal.speakers if s.user], now)
    email = email.strip().lower()
    if not EMAIL_PATTERN.match(email):
        raise ValidationFailed({"email": _("Enter an email address, e.g. name@example.org.")})
    if any(s.email == email for s in proposal.speakers):
        raise ValidationFailed({"email": _("This person is already a speaker or invited.")})
    limit = proposal.session_type.max_speakers
    if len(proposal.speakers) >= limit:
        raise ValidationFailed(
            {
                "email": _(
                    "A %(type)s has at most %(n)s speakers, you included.",
                    type=proposal.session_type.name,
                    n=limit,
                )
            }
        )
    token = secrets.token_urlsafe(32)
    speaker = ProposalSpeaker(
        email=email, role=SpeakerRole.CO_SPEAKER, token_hash=_hash(token), invited_at=now
    )
    proposal.speakers.append(speaker)
    db.session.flush()
    audit.record(
        action="proposal.co_speaker.invite",
        actor=actor,
        now=now,
        object_type="proposal",
        object_id=proposal.id,
        event=proposal.event,
        details={"email": email},
    )
    queue_mail(
        to=email,
        purpose="co_speaker_invitation",
        context={
            "proposal": proposal,
            "inviter": actor,
            "accept_url": external_url("cfp.join", event_slug=proposal.event.slug, token=token),
        },
        now=now,
        event=proposal.event,
    )
    return speaker


def remove_speaker(*, actor: User, speaker: ProposalSpeaker, now: dt.datetime) -> None:
    proposal = speaker.proposal
    permissions.require(permissions.can_invite_co_speakers(actor, proposal))
    if speaker.role == SpeakerRole.PRIMARY:
        raise Conflict(_("The person who submitted a proposal cannot be removed from it."))
    if proposal.state not in EDITABLE_STATES:
        raise Conflict(_("Speakers can only be changed while the proposal can be changed."))
    proposal.speakers.remove(speaker)
    db.session.flush()
    audit.record(
        action="proposal.co_speaker.remove",
        actor=actor,
        now=now,
        object_type="proposal",
        object_id=proposal.id,
        event=proposal.event,
        details={"email": speaker.email},
    )


def speaker_in_proposal(proposal: Proposal, speaker_id: int) -> ProposalSpeaker:
    speaker = next((s for s in proposal.speakers if s.id == speaker_id), None)
    if speaker is None:
        raise NotFound()
    return speaker


def invitation_for_token(token: str) -> ProposalSpeaker:
    speaker = db.session.scalar(
        select(ProposalSpeaker).where(ProposalSpeaker.token_hash == _hash(token))
    )
    if speaker is None:
        raise NotFound(_("This invitation link is not valid. Ask the speaker to invite you again."))
    return speaker


def accept_co_speaker(*, token: str, user: User, now: dt.datetime) -> ProposalSpeaker:
    speaker = invitation_for_token(token)
    proposal = speaker.proposal
    if speaker.user_id is not None:
        if speaker.user_id == user.id:
            raise Conflict(_("You have already accepted this invitation."))
        raise Conflict(_("This invitation has already been accepted by someone else."))
    if proposal.state in (ProposalState.WITHDRAWN, ProposalState.CANCELLED):
        raise Conflict(_("This proposal was withdrawn, so the invitation no longer applies."))
    if user.email != speaker.email:
        raise Conflict(
            _(
                "This invitation was sent to %(email)s. Sign in with that address to accept it.",
                email=speaker.email,
            )
        )
    if permissions.is_speaker(user, proposal):
        raise Conflict(_("You are already a speaker of this proposal."))
    call = call_of(proposal.event)
    conflicts.refuse_team_submission(
        actor=user,
        event=proposal.event,
        allowed=call is None or call.team_may_apply,
        what="invitation",
    )
    speaker.user_id = user.id
    speaker.accepted_at = now
    db.session.flush()
    db.session.refresh(proposal, ["speakers"])
    audit.record(
        action="proposal.co_speaker.accept",
        actor=user,
        now=now,
        object_type="proposal",
        object_id=proposal.id,
        event=proposal.event,
    )
    return speaker


# Speaker profiles --------------------------------------------------------------------------


def event_days(event: Event) -> list[dt.date]:
    days = (event.ends_on - event.starts_on).days + 1
    return [event.starts_on + dt.timedelta(days=n) for n in range(days)]


def profile_of(event: Event, user: User) -> SpeakerProfile | None:
    return db.session.scalar(
        select(SpeakerProfile).where(
            SpeakerProfile.event_id == event.id, SpeakerProfile.user_id == user.id
        )
    )


@dataclasses.dataclass(frozen=True, kw_only=True)
class ProfileInput:
    bio: str = ""
    pronouns: str = ""
    affiliation: str = ""
    handle: str = ""
    website: str = ""
    availability: dict[str, str] = dataclasses.field(default_factory=dict)
    photo: FileInput | None = None
    remove_photo: bool = False
    # For the schedule: speaking remotely (from `timezone`, an IANA name; empty means the
    # event's) and needing step-free access to the room and stage (seen by organizers only).
    remote: bool = False
    timezone: str = ""
    needs_step_free: bool = False


def profile_time_zone(event: Event, *, remote: bool, zone: str) -> str:
    """The zone to store in a speaker profile: the chosen one for a remote speaker, "" when it
    is the event's or the speaker is not remote. Raises ValidationFailed (field "timezone") for
    a name that is not an IANA zone."""
    zone = zone.strip()
    if not remote:
        return ""
    if zone and zone not in known_time_zones():
        raise ValidationFailed({"timezone": _("Choose a time zone from the list.")})
    return "" if zone == event.timezone else zone


def save_profile(
    *, actor: User, event: Event, data: ProfileInput, now: dt.datetime
) -> SpeakerProfile:
    errors: dict[str, str] = {}
    if len(data.bio) > BIO_MAX:
        errors["bio"] = _("Keep the biography to %(n)s characters or fewer.", n=BIO_MAX)
    if len(data.pronouns) > 40:
        errors["pronouns"] = _("Keep pronouns to 40 characters or fewer.")
    if data.website and not re.match(r"^https?://[^\s]+$", data.website):
        errors["website"] = _("Enter a full web address starting with https://.")
    days = {d.isoformat() for d in event_days(event)}
    if not set(data.availability) <= days or not set(data.availability.values()) <= set(
        AVAILABILITY
    ):
        errors["availability"] = _("Choose your availability for the event days only.")
    try:
        zone = profile_time_zone(event, remote=data.remote, zone=data.timezone)
    except ValidationFailed as error:
        errors.update(error.errors)
    if errors:
        raise ValidationFailed(errors)
    profile = profile_of(event, actor)
    if profile is None:
        profile = SpeakerProfile(event_id=event.id, user_id=actor.id, updated_at=now)
        db.session.add(profile)
    if data.photo is not None:
        profile.photo = uploads.store(
            stream=data.photo.stream,
            filename=data.photo.filename,
            field="photo",
            allowed=uploads.PHOTO_KINDS,
            max_kb=uploads.PHOTO_MAX_KB,
            owner=actor,
            event=event,
            now=now,
        )
    elif data.remove_photo:
        profile.photo = None
    profile.bio = data.bio.strip()
    profile.pronouns = data.pronouns.strip()
    profile.affiliation = data.affiliation.strip()[:200]
    profile.handle = data.handle.strip()[:100]
    profile.website = data.website.strip()
    profile.availability = dict(data.availability)
    profile.remote = data.remote
    profile.timezone = zone
    profile.needs_step_free = data.needs_step_free
    profile.updated_at = now
    db.session.flush()
    return profile


def availability_intervals(
    event: Event, profile: SpeakerProfile
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The speaker's availability as UTC intervals (days without an answer count as free)."""
    intervals = []
    for day in event_days(event):
        part = AVAILABILITY[profile.availability.get(day.isoformat(), "all")]
        if part is not None:
            start, end = part
            intervals.append(
                (
                    local_date_to_utc(day, start, event.timezone),
                    local_date_to_utc(day, end, event.timezone),
                )
            )
    return intervals


def profiles_for(event: Event, user_ids: Iterable[int]) -> dict[int, SpeakerProfile]:
    ids = list(set(user_ids))
    if not ids:
        return {}
    return {
        p.user_id: p
        for p in db.session.scalars(
            select(SpeakerProfile).where(
                SpeakerProfile.event_id == event.id, SpeakerProfile.user_id.in_(ids)
            )
        )
    }


# Tags --------------------------------------------------------------------------------------


def event_tags(event: Event) -> list[Tag]:
    return list(db.session.scalars(select(Tag).where(Tag.event_id == event.id).order_by(Tag.name)))


def set_tags(*, actor: User, proposal: Proposal, names: Iterable[str], now: dt.datetime) -> None:
    permissions.require(permissions.can_manage_cfp(actor, proposal.event))
    wanted = sorted({n.strip()[:50] for n in names if n.strip()})
    existing = {t.name: t for t in event_tags(proposal.event)}
    chosen = []
    for name in wanted:
        tag = existing.get(name)
        if tag is None:
            tag = Tag(event_id=proposal.event_id, name=name)
            db.session.add(tag)
        chosen.append(tag)
    before = [t.name for t in proposal.tags]
    proposal.tags = chosen
    db.session.flush()
    audit.record(
        action="proposal.tags",
        actor=actor,
        now=now,
        object_type="proposal",
        object_id=proposal.id,
        event=proposal.event,
        details={"tags": [before, wanted]},
    )


# Organizer list ----------------------------------------------------------------------------


def proposals_query(event: Event) -> Select[tuple[Proposal]]:
    """Every proposal of the event but drafts, with what a list shows loaded up front."""
    return (
        select(Proposal)
        .where(Proposal.event_id == event.id, Proposal.state != ProposalState.DRAFT)
        .options(
            selectinload(Proposal.session_type),
            selectinload(Proposal.track),
            selectinload(Proposal.tags),
            selectinload(Proposal.speakers).selectinload(ProposalSpeaker.user),
        )
        .order_by(Proposal.id)
    )


def answers_of(proposal: Proposal) -> list[Answer]:
    """The proposal's answers in the order of their questions, with each question and file
    loaded (two queries, however many questions the call asks)."""
    return list(
        db.session.scalars(
            select(Answer)
            .join(Answer.question)
            .where(Answer.proposal_id == proposal.id)
            .options(contains_eager(Answer.question), selectinload(Answer.upload))
            .order_by(Question.position, Question.id)
        )
    )


def answers_by_proposal(proposal_ids: Iterable[int]) -> dict[int, dict[int, Answer]]:
    """Proposal id -> question id -> answer, for many proposals in one query (exports)."""
    ids = list(set(proposal_ids))
    found: dict[int, dict[int, Answer]] = {}
    if not ids:
        return found
    for answer in db.session.scalars(
        select(Answer).where(Answer.proposal_id.in_(ids)).options(selectinload(Answer.upload))
    ):
        found.setdefault(answer.proposal_id, {})[answer.question_id] = answer
    return found
