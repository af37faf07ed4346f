"""Proposals: writing, submitting and withdrawing them, their answers and tags, and the lists
speakers and organizers read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload

from organizer import permissions
from organizer.enums import (
    ProposalState,
    SpeakerRole,
)
from organizer.errors import NotFound, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    Answer,
    AuditEntry,
    Cfp,
    Event,
    Proposal,
    ProposalSpeaker,
    Question,
    SessionType,
    Tag,
    User,
)
from organizer.services import audit, notifications
from organizer.services.cfp.call import LEVELS, call_of, questions, session_types, tracks
from organizer.services.cfp.deadlines import EDITABLE_STATES, require_open_for
from organizer.services.mail import external_url
from organizer.services.reviewing import interests
from organizer.services.reviewing.questions import (
    LONG_TEXT_MAX,
    FileInput,
    snapshot,
    store_answer,
    store_files,
    validate_answers,
)

TITLE_MAX = 200
DESCRIPTION_MAX = 10_000
NOTES_MAX = 5_000
ANSWER_MAX = LONG_TEXT_MAX


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
    proposal: Proposal | None,
) -> dict[str, str]:
    """Every rule of a proposal's content (`proposal` is None for a new one)."""
    speakers_count = len(proposal.speakers) if proposal is not None else 1
    existing_answers = {a.question_id: a for a in proposal.answers} if proposal else {}
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
    errors.update(
        validate_answers(
            questions(event), data.answers, data.files, existing_answers, submit=submit
        )
    )
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
        _refuse_second_creation(creation_key)
        require_open_for(cfp, [actor], now)
    else:
        _refuse_edit(actor, event, proposal, cfp, version=version, now=now)
        if submit and proposal.state == ProposalState.SUBMITTED:
            submit = False  # already submitted: a second "submit" is just a save
    assert cfp is not None
    if not actor.email_verified and submit:
        raise WrongState(_("Confirm your email address before you submit (see your inbox)."))
    if submit:
        interests.refuse_team_submission(actor=actor, event=event, allowed=cfp.team_may_apply)
    errors = _validate_proposal(event, cfp, data, submit=submit, proposal=proposal)
    if errors:
        raise ValidationFailed(errors)
    event_questions = questions(event)
    stored = store_files(event_questions, data.files, owner=actor, event=event, now=now)
    kind = db.session.get(SessionType, data.session_type_id)
    assert kind is not None
    created = proposal is None
    if proposal is None:
        proposal = _new_proposal(actor, event, creation_key=creation_key, now=now)
    before, answers_before = _content(proposal), snapshot(proposal.answers)
    _apply(proposal, data, kind)
    for question in event_questions:
        value = data.answers.get(question.id)
        store_answer(proposal.answers, question, value, stored.get(question.id), new=Answer)
    after = _content(proposal)
    if not created and (before != after or answers_before != snapshot(proposal.answers) or submit):
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
        raise WrongState(_("This proposal was already saved, perhaps from another tab.")) from error
    action = "proposal.submit" if submit else ("proposal.create" if created else "proposal.edit")
    audit.record(
        action=action,
        actor=actor,
        now=now,
        object_type="proposal",
        object_id=proposal.id,
        event=event,
        details={} if created else audit.changes(before, after),
    )
    if submit:
        tell_speakers(proposal, "proposal_submitted", now=now, event=event)
    return proposal


def _refuse_second_creation(creation_key: str | None) -> None:
    """The same new-proposal form sent twice (a double click, a second tab) makes one."""
    if not creation_key:
        return
    existing = db.session.scalar(select(Proposal).where(Proposal.creation_key == creation_key))
    if existing is not None:
        raise WrongState(
            _(
                "This proposal was already saved, perhaps from another tab. "
                "Find it under My proposals."
            )
        )


def _refuse_edit(
    actor: User,
    event: Event,
    proposal: Proposal,
    cfp: Cfp | None,
    *,
    version: int | None,
    now: dt.datetime,
) -> None:
    """Whether this person may change this proposal now, from a form opened at `version`."""
    permissions.require(
        permissions.can_edit_proposal(actor, proposal) and proposal.event_id == event.id
    )
    if proposal.state not in EDITABLE_STATES:
        raise WrongState(_("This proposal can no longer be changed."))
    require_open_for(cfp, [s.user for s in proposal.speakers if s.user], now)
    if version is not None and version != proposal.version:
        raise WrongState(
            _(
                "This proposal was changed in another tab or by a co-speaker since you "
                "opened it. Your text is still in the form: copy what you need, then "
                "reload the page to see the newest version."
            )
        )


def _new_proposal(
    actor: User, event: Event, *, creation_key: str | None, now: dt.datetime
) -> Proposal:
    """A draft with its submitter as the primary speaker."""
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
    return proposal


def _apply(proposal: Proposal, data: ProposalInput, kind: SessionType) -> None:
    """Copy checked text onto the proposal; a new session type brings its length."""
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


def withdraw(*, actor: User, proposal: Proposal, now: dt.datetime) -> None:
    permissions.require(permissions.can_withdraw_proposal(actor, proposal))
    if proposal.state not in EDITABLE_STATES:
        raise WrongState(_("Only a draft or a submitted proposal can be withdrawn."))
    require_open_for(call_of(proposal.event), [s.user for s in proposal.speakers if s.user], now)
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
        tell_speakers(proposal, "proposal_withdrawn", now=now, event=proposal.event)


def tell_speakers(
    proposal: Proposal,
    purpose: str,
    *,
    now: dt.datetime,
    event: Event,
    context: dict[str, Any] | None = None,
) -> None:
    """Tell every speaker of the proposal, each in their own language; once per version."""
    for speaker in proposal.speakers:
        if speaker.user is None:
            continue
        notifications.tell(
            speaker.user,
            purpose,
            about=(proposal, speaker.user, proposal.version),
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
