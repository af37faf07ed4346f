"""Assisted redaction, so that anonymous review stays anonymous: finding what names a speaker in
what reviewers get, and what organizers do about it.

What is checked: the proposal's title, abstract and description as reviewers see them, its
answers to questions shown to reviewers, and the text of the files reviewers get for those
answers (a PDF's page text; see `uploads.text_of`). What counts as naming a speaker: the terms
of `identifying_terms`, as whole words.

A *finding* is one term in one source (the text, or one file). Organizers resolve a finding by
redacting (`set_redaction` for the text, `set_redacted_file` for a file: reviewers then get the
organizers' version, which is checked in turn) or by dismissing it (`dismiss_flags`: "this is a
citation, not the speaker"). A dismissal holds for that term in that source: a new term, or a
new file, is a new finding.

While a proposal of an anonymous call has an unresolved finding it is *held back*: neither the
automatic nor the manual assignment gives it to reviewers (`held_back`), and a file with an
unresolved finding is not served to reviewers (`file_for_reviewer`). Reviewers who can open the
proposal anyway see a notice, without the terms. Functions that build lists for pages run a
constant number of queries whatever the number of proposals.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import defaultdict
from pathlib import Path
from typing import IO, Any

from flask_babel import gettext as _
from sqlalchemy import select, true
from sqlalchemy.orm import contains_eager, selectinload

from organizer import permissions
from organizer.enums import REVIEWABLE_PROPOSAL_STATES, QuestionKind
from organizer.errors import NotFound, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    Answer,
    Cfp,
    Event,
    Proposal,
    ProposalSpeaker,
    Question,
    SpeakerProfile,
    User,
)
from organizer.services import audit, uploads
from organizer.services.reviewing import interests

REDACTED_TITLE_MAX = 200
TEXT_SOURCE = "text"

_NAME_WORD = re.compile(r"[^\W\d_]{3,}")


def require_organizer(actor: User, event: Event) -> None:
    permissions.require(
        permissions.can_manage_cfp(actor, event),
        _("Only this event's organizers can configure review."),
    )


def is_anonymous(event: Event) -> bool:
    """Whether the event's call reviews anonymously (no call yet: anonymous, the default)."""
    call = db.session.scalar(select(Cfp).where(Cfp.event_id == event.id))
    return call is None or call.anonymous_review


# Finding ---------------------------------------------------------------------------------------


def identifying_terms(proposal: Proposal, profiles_by_user: dict[int, SpeakerProfile]) -> list[str]:
    """Words that would give away who the accepted speakers are, lower-cased, in a stable
    order: display name and its words of three letters or more, email address and its local
    part (four characters or more), profile handle with and without its leading @, and
    affiliation."""
    terms: list[str] = []

    def add(term: str) -> None:
        term = term.strip().lower()
        if term and term not in terms:
            terms.append(term)

    for speaker in proposal.accepted_speakers:
        user = speaker.user
        if user is None:  # pragma: no cover - accepted speakers have a user
            continue
        add(user.display_name)
        for word in name_words(user.display_name):
            add(word)
        for address in dict.fromkeys([user.email, speaker.email]):
            add(address)
            local = address.partition("@")[0]
            if len(local) >= 4:
                add(local)
        profile = profiles_by_user.get(user.id)
        if profile is not None:
            handle = profile.handle.strip()
            if handle:
                add(handle)
                add(handle.lstrip("@"))
            add(profile.affiliation)
    return terms


def name_words(name: str) -> list[str]:
    """The words of a name that are long enough to identify (three letters or more)."""
    return _NAME_WORD.findall(name)


def terms_in(terms: list[str], text: str) -> list[str]:
    """The terms that occur in text as whole words (not inside a longer word)."""
    lowered = text.lower()
    return [
        term
        for term in terms
        if term in lowered  # cheap test first: most terms appear nowhere
        and re.search(rf"(?<!\w){re.escape(term)}(?!\w)", lowered)
    ]


def _answer_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(str(item) for item in value if isinstance(item, str | int | float))
    return ""


@dataclasses.dataclass(frozen=True)
class Finding:
    """One identifying term in one source of what reviewers get."""

    source: str  # TEXT_SOURCE, or "file:<upload public id>"
    term: str
    question: Question | None  # for a file: the question it answers
    dismissed: bool

    @property
    def key(self) -> str:
        return f"{self.source}|{self.term}"

    @property
    def in_file(self) -> bool:
        return self.question is not None


def file_source(upload_public_id: str) -> str:
    return f"file:{upload_public_id}"


def findings(event: Event, *, only: Proposal | None = None) -> dict[int, list[Finding]]:
    """Every reviewable proposal's findings, dismissed ones included: proposal id -> findings,
    the text's first, then each file's in the questions' order. Proposals with nothing found
    are left out. A constant number of queries (files are read from their cached text)."""
    proposals = db.session.scalars(
        select(Proposal)
        .where(Proposal.event_id == event.id, Proposal.state.in_(REVIEWABLE_PROPOSAL_STATES))
        .where(Proposal.id == only.id if only is not None else true())
        .options(selectinload(Proposal.speakers).selectinload(ProposalSpeaker.user))
        .order_by(Proposal.id)
    ).all()
    visible = (
        select(Answer)
        .join(Question, Question.id == Answer.question_id)
        .join(Proposal, Proposal.id == Answer.proposal_id)
        .where(
            Proposal.event_id == event.id,
            Proposal.state.in_(REVIEWABLE_PROPOSAL_STATES),
            Question.visible_to_reviewers.is_(True),
        )
        .where(Proposal.id == only.id if only is not None else true())
        .options(
            contains_eager(Answer.question),
            selectinload(Answer.upload),
            selectinload(Answer.redacted_upload),
        )
        .order_by(Question.position, Question.id)
    )
    texts: dict[int, list[str]] = defaultdict(list)
    files: dict[int, list[Answer]] = defaultdict(list)
    for answer in db.session.scalars(visible):
        if answer.question.kind == QuestionKind.FILE:
            if answer.reviewer_upload is not None:
                files[answer.proposal_id].append(answer)
        else:
            texts[answer.proposal_id].append(_answer_text(answer.value))
    profiles = {
        profile.user_id: profile
        for profile in db.session.scalars(
            select(SpeakerProfile).where(SpeakerProfile.event_id == event.id)
        )
    }
    result: dict[int, list[Finding]] = {}
    for proposal in proposals:
        terms = identifying_terms(proposal, profiles)
        dismissed = set(proposal.redaction_dismissed or ())
        text = "\n".join(
            [
                proposal.reviewer_title,
                proposal.reviewer_abstract,
                proposal.reviewer_description,
                *texts.get(proposal.id, []),
            ]
        )
        sources: list[tuple[str, str, Question | None]] = [(TEXT_SOURCE, text, None)]
        for answer in files.get(proposal.id, []):
            upload = answer.reviewer_upload
            assert upload is not None
            content = uploads.text_of(upload) or ""  # unreadable: reviewers get no copy at all
            sources.append((file_source(upload.public_id), content, answer.question))
        found = [
            Finding(source, term, question, dismissed=f"{source}|{term}" in dismissed)
            for source, content, question in sources
            for term in terms_in(terms, content)
        ]
        if found:
            result[proposal.id] = found
    return result


def redaction_flags(event: Event, *, only: Proposal | None = None) -> dict[int, list[str]]:
    """Reviewable proposals with unresolved findings: proposal id -> the identifying terms
    found, each once (those in the text first). Proposals with nothing unresolved are left
    out. A constant number of queries."""
    flags: dict[int, list[str]] = {}
    for proposal_id, items in findings(event, only=only).items():
        terms = list(dict.fromkeys(f.term for f in items if not f.dismissed))
        if terms:
            flags[proposal_id] = terms
    return flags


def held_back(event: Event, *, only: Proposal | None = None) -> set[int]:
    """The proposals no reviewer may be assigned yet: under anonymous review, those with an
    unresolved finding. A constant number of queries."""
    if not is_anonymous(event):
        return set()
    return set(redaction_flags(event, only=only))


def text_held(event: Event) -> set[int]:
    """The proposals whose text reviewers may not read yet: under anonymous review, those with
    an unresolved finding in the title, abstract, description or an answer shown to reviewers.
    Any reviewer may open any proposal, so holding back the assignment is not enough: the
    reviewer's list leaves these out and their page shows no text (`reviewer_view`)."""
    if not is_anonymous(event):
        return set()
    return {
        proposal_id
        for proposal_id, items in findings(event).items()
        if any(f.source == TEXT_SOURCE and not f.dismissed for f in items)
    }


# Resolving ----------------------------------------------------------------------------------


def set_redaction(
    *,
    actor: User,
    proposal: Proposal,
    title: str | None,
    abstract: str | None,
    description: str | None,
    now: dt.datetime,
) -> None:
    """Set what reviewers see instead of the speaker's text. An empty value, or one equal to
    the speaker's own text, clears the redaction so that reviewers see the original."""
    event = proposal.event
    require_organizer(actor, event)
    interests.refuse_own_proposal(actor, proposal)
    wanted: dict[str, str | None] = {}
    for field, value, original in (
        ("title", title, proposal.title),
        ("abstract", abstract, proposal.abstract),
        ("description", description, proposal.description),
    ):
        value = (value or "").strip()
        wanted[field] = None if not value or value == (original or "").strip() else value
    if wanted["title"] is not None and len(wanted["title"]) > REDACTED_TITLE_MAX:
        raise ValidationFailed(
            {"title": _("Use at most %(max)d characters.", max=REDACTED_TITLE_MAX)}
        )
    before = {
        "title": proposal.redacted_title,
        "abstract": proposal.redacted_abstract,
        "description": proposal.redacted_description,
    }
    proposal.redacted_title = wanted["title"]
    proposal.redacted_abstract = wanted["abstract"]
    proposal.redacted_description = wanted["description"]
    diff = audit.changes(before, wanted)
    if diff:
        audit.record(
            action="review.redact",
            actor=actor,
            now=now,
            object_type="proposal",
            object_id=proposal.id,
            event=event,
            details={
                field: "cleared" if new is None else "set" for field, (_old, new) in diff.items()
            },
        )
    db.session.flush()


def dismiss_flags(*, actor: User, proposal: Proposal, now: dt.datetime) -> int:
    """Judge every unresolved finding of the proposal harmless (a citation, a namesake): the
    proposal can be assigned, and reviewers get its files. Returns how many were dismissed."""
    require_organizer(actor, proposal.event)
    interests.refuse_own_proposal(actor, proposal)
    open_items = [
        f for f in findings(proposal.event, only=proposal).get(proposal.id, []) if not f.dismissed
    ]
    if not open_items:
        return 0
    keys = [*(proposal.redaction_dismissed or []), *(f.key for f in open_items)]
    proposal.redaction_dismissed = list(dict.fromkeys(keys))
    audit.record(
        action="review.redaction_dismiss",
        actor=actor,
        now=now,
        object_type="proposal",
        object_id=proposal.id,
        event=proposal.event,
        # Not the terms themselves: they are the speaker's name.
        details={"dismissed": len(open_items), "in_files": sum(f.in_file for f in open_items)},
    )
    db.session.flush()
    return len(open_items)


def restore_flags(*, actor: User, proposal: Proposal, now: dt.datetime) -> None:
    """Undo every dismissal of the proposal: its findings hold it back again."""
    require_organizer(actor, proposal.event)
    interests.refuse_own_proposal(actor, proposal)
    if not proposal.redaction_dismissed:
        return
    proposal.redaction_dismissed = None
    audit.record(
        action="review.redaction_restore",
        actor=actor,
        now=now,
        object_type="proposal",
        object_id=proposal.id,
        event=proposal.event,
    )
    db.session.flush()


def _file_answer(proposal: Proposal, question_id: int) -> Answer:
    answer = next(
        (
            a
            for a in proposal.answers
            if a.question_id == question_id
            and a.question.kind == QuestionKind.FILE
            and a.upload is not None
        ),
        None,
    )
    if answer is None:
        raise NotFound(_("This proposal has no file for that question."))
    return answer


def set_redacted_file(
    *,
    actor: User,
    proposal: Proposal,
    question_id: int,
    stream: IO[bytes],
    filename: str,
    now: dt.datetime,
) -> Answer:
    """Give reviewers the organizers' redacted version of a file instead of the speaker's. It
    is checked like every upload, and its metadata is removed like every reviewer copy."""
    event = proposal.event
    require_organizer(actor, event)
    interests.refuse_own_proposal(actor, proposal)
    answer = _file_answer(proposal, question_id)
    upload = uploads.store(
        stream=stream,
        filename=filename,
        field="file",
        allowed=answer.question.file_kinds,
        max_kb=answer.question.max_file_kb,
        owner=actor,
        event=event,
        now=now,
    )
    answer.redacted_upload = upload
    audit.record(
        action="review.redact_file",
        actor=actor,
        now=now,
        object_type="proposal",
        object_id=proposal.id,
        event=event,
        details={"question": answer.question.text, "file": "set"},
    )
    db.session.flush()
    return answer


def clear_redacted_file(
    *, actor: User, proposal: Proposal, question_id: int, now: dt.datetime
) -> None:
    """Reviewers get the speaker's own file again (without its metadata)."""
    require_organizer(actor, proposal.event)
    interests.refuse_own_proposal(actor, proposal)
    answer = _file_answer(proposal, question_id)
    if answer.redacted_upload_id is None:
        return
    answer.redacted_upload = None
    audit.record(
        action="review.redact_file",
        actor=actor,
        now=now,
        object_type="proposal",
        object_id=proposal.id,
        event=proposal.event,
        details={"question": answer.question.text, "file": "cleared"},
    )
    db.session.flush()


# What reviewers get ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class FileState:
    """What reviewers get for one file answer."""

    question: Question
    path: Path | None  # the reviewer copy; None when the file cannot be read
    content_type: str
    download_name: str  # neutral under anonymous review: the name sent may name its author
    held: bool  # an unresolved finding holds it back from reviewers
    redacted: bool  # the organizers' version replaces the speaker's

    @property
    def ready(self) -> bool:
        return self.path is not None and not self.held

    @property
    def unreadable(self) -> bool:
        return self.path is None


@dataclasses.dataclass(frozen=True)
class ReviewerView:
    """What the reviewer's page of a proposal says about identifying content."""

    files: dict[int, FileState]  # question id -> what reviewers get for its file
    may_identify: bool  # under anonymous review, something found (dismissed or not)
    text_held: bool = False  # its text (title, abstract, description, answers) is held back


def reviewer_view(proposal: Proposal) -> ReviewerView:
    """The proposal's file answers shown to reviewers and what reviewers get for each, and
    whether to warn reviewers that something may identify the speaker (never what was found:
    that would be the speaker's name)."""
    event = proposal.event
    anonymous = is_anonymous(event)
    found = findings(event, only=proposal).get(proposal.id, []) if anonymous else []
    held_sources = {f.source for f in found if f.in_file and not f.dismissed}
    states = {}
    for answer in proposal.answers:
        question = answer.question
        upload = answer.reviewer_upload
        if question.kind != QuestionKind.FILE or not question.visible_to_reviewers or not upload:
            continue
        extension = upload.filename.rpartition(".")[2] or "bin"
        states[question.id] = FileState(
            question=question,
            path=uploads.reviewer_copy(upload),
            content_type=upload.content_type,
            download_name=f"answer-{question.id}.{extension}" if anonymous else upload.filename,
            held=file_source(upload.public_id) in held_sources,
            redacted=answer.redacted_upload_id is not None,
        )
    return ReviewerView(
        files=states,
        may_identify=bool(found),
        text_held=any(f.source == TEXT_SOURCE and not f.dismissed for f in found),
    )


def file_for_reviewer(*, actor: User, proposal: Proposal, question_id: int) -> FileState:
    """The reviewer copy of the file a proposal answered to a question shown to reviewers.

    NotFound when there is none or the actor may not read it (`uploads.can_download`);
    WrongState while an unresolved finding holds the file back, or when it cannot be read."""
    state = reviewer_view(proposal).files.get(question_id)
    answer = next((a for a in proposal.answers if a.question_id == question_id), None)
    upload = answer.reviewer_upload if answer is not None else None
    if state is None or upload is None or not uploads.can_download(actor, upload, copy="reviewer"):
        raise NotFound(_("This proposal has no file for that question."))
    if state.held:
        raise WrongState(
            _(
                "This file may name its speaker. The organizers are checking it; you can "
                "download it once they have."
            )
        )
    if state.path is None:
        raise WrongState(
            _(
                "This file could not be read, so it cannot be given to reviewers without what "
                "identifies its author. The organizers can replace it."
            )
        )
    return state
