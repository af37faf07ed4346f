"""What organizers do with reviewed proposals: list and filter them, decide, publish a round
of decision mails, and follow up on speakers' confirmations.

A decision is first only written down (`Proposal.pending_decision`), where organizers can
change or undo it. Publishing a round turns every pending decision into the proposal's state
and queues the mails in the same transaction, so a decision is public exactly when its mail
exists; after that it is no longer reversible (a waitlisted proposal can still be promoted).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, true
from sqlalchemy.orm import selectinload

from organizer import permissions
from organizer.enums import DECISIONS, ProposalState
from organizer.errors import Conflict, PermissionDenied, ValidationFailed
from organizer.extensions import db
from organizer.models import (
    DecisionRound,
    Event,
    MailTemplate,
    Proposal,
    ProposalSpeaker,
    Review,
    User,
)
from organizer.services import audit, conflicts, review
from organizer.services.cfp import _mail_speakers, proposals_query
from organizer.services.mail import external_url, queue_text
from organizer.services.timefmt import in_zone

# Decision mails organizers may reword, with the placeholders each may use.
PLACEHOLDERS = {
    "speaker_name": _l("the speaker's name"),
    "proposal_title": _l("the proposal's title"),
    "event_name": _l("the event's name"),
    "proposal_url": _l("the link to the proposal"),
    "confirm_url": _l("the link to confirm or decline (acceptances and reminders)"),
    "respond_by": _l("the confirmation deadline, in the event's time zone"),
    "notes_from_reviewers": _l("reviewers' notes to the speaker, if any"),
    "contact_email": _l("the organizers' address"),
}
PURPOSES = {
    "proposal_accepted": _l("Acceptance"),
    "proposal_rejected": _l("Rejection"),
    "proposal_waitlisted": _l("Waiting list"),
    "confirmation_reminder": _l("Reminder to confirm"),
}
PURPOSE_OF = {
    ProposalState.ACCEPTED: "proposal_accepted",
    ProposalState.REJECTED: "proposal_rejected",
    ProposalState.WAITLISTED: "proposal_waitlisted",
}
DEFAULT_TEMPLATES: dict[str, tuple[str, str]] = {
    "proposal_accepted": (
        "Accepted: {proposal_title}",
        "Hello {speaker_name},\n\n"
        "We are delighted to accept “{proposal_title}” for {event_name}.\n\n"
        "Please confirm that you will give it, or let us know that you cannot, before "
        "{respond_by}:\n\n{confirm_url}\n\n{notes_from_reviewers}"
        "Questions? Write to {contact_email}.\n",
    ),
    "proposal_rejected": (
        "Your proposal to {event_name}",
        "Hello {speaker_name},\n\n"
        "Thank you for proposing “{proposal_title}” to {event_name}. We received many more "
        "proposals than we have room for, and we could not include yours this time.\n\n"
        "{notes_from_reviewers}We hope to see you at the workshop all the same.\n",
    ),
    "proposal_waitlisted": (
        "Waiting list: {proposal_title}",
        "Hello {speaker_name},\n\n"
        "“{proposal_title}” is on the waiting list for {event_name}. If a slot frees up, "
        "we will write to you at once.\n\n{notes_from_reviewers}"
        "Questions? Write to {contact_email}.\n",
    ),
    "confirmation_reminder": (
        "Action required: confirm “{proposal_title}” by {respond_by}",
        "Hello {speaker_name},\n\n"
        "“{proposal_title}” was accepted for {event_name}, and we have not heard from you "
        "yet. Please confirm or decline before {respond_by}:\n\n{confirm_url}\n",
    ),
}
PLACEHOLDER_PATTERN = re.compile(r"\{([a-z_]+)\}")
REMINDER_WINDOW = dt.timedelta(days=3)


# The organizers' list ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class ListFilters:
    state: str = ""  # a ProposalState value, or "pending" for undecided with a pending decision
    track_id: int | None = None
    session_type_id: int | None = None
    tag_id: int | None = None
    min_score: float | None = None
    query: str = ""
    sort: str = "id"  # id | title | score | reviews | state


SORTS = ("id", "title", "score", "reviews", "state")


@dataclasses.dataclass(frozen=True)
class ListRow:
    proposal: Proposal
    ranked: review.Ranked | None
    own: bool = False  # the viewer's own proposal: no figures, no pending decision, no choice


def proposal_list(
    event: Event, filters: ListFilters, *, viewer: User | None = None
) -> list[ListRow]:
    """Every non-draft proposal matching the filters, with its review figures. Filtering and
    sorting happen in Python over one load, so the number of queries stays constant.

    With `viewer`, the viewer's own proposals (`services/conflicts.py`) are listed without
    their review figures and never match the score or pending-decision filters: an organizer
    who also speaks neither sees how their own proposal fares nor decides on it."""
    own = conflicts.own_proposal_ids(event, viewer) if viewer is not None else set()
    ranked = {r.proposal.id: r for r in review.ranking(event, viewer=viewer)}
    rows = []
    needle = filters.query.strip().lower()
    for proposal in db.session.scalars(proposals_query(event)):
        figures = ranked.get(proposal.id)
        if filters.state == "pending":
            if proposal.pending_decision is None or proposal.id in own:
                continue
        elif filters.state and proposal.state != filters.state:
            continue
        if filters.track_id and proposal.track_id != filters.track_id:
            continue
        if filters.session_type_id and proposal.session_type_id != filters.session_type_id:
            continue
        if filters.tag_id and filters.tag_id not in {t.id for t in proposal.tags}:
            continue
        if filters.min_score is not None and (
            figures is None or figures.mean is None or figures.mean < filters.min_score
        ):
            continue
        if needle and not _matches(proposal, needle):
            continue
        rows.append(ListRow(proposal, figures, own=proposal.id in own))
    return sorted(rows, key=_sort_key(filters.sort))


def _matches(proposal: Proposal, needle: str) -> bool:
    haystack = [proposal.title, proposal.abstract, *(s.email for s in proposal.speakers)]
    haystack += [s.user.display_name for s in proposal.speakers if s.user is not None]
    return any(needle in text.lower() for text in haystack)


def _sort_key(sort: str) -> Any:
    if sort == "title":
        return lambda row: (row.proposal.title.lower(), row.proposal.id)
    if sort == "score":
        return lambda row: (
            row.ranked is None or row.ranked.mean is None,
            -(row.ranked.mean or 0) if row.ranked else 0,
            row.proposal.id,
        )
    if sort == "reviews":
        return lambda row: (row.ranked.count if row.ranked else 0, row.proposal.id)
    if sort == "state":
        return lambda row: (row.proposal.state.value, row.proposal.id)
    return lambda row: row.proposal.id


# Deciding ----------------------------------------------------------------------------------


def _refuse_own(proposal: Proposal) -> None:
    raise PermissionDenied(
        _(
            "“%(title)s” is your own proposal: another organizer must decide on it.",
            title=proposal.title,
        )
    )


def decide(
    *, actor: User, proposal: Proposal, outcome: ProposalState | None, now: dt.datetime
) -> None:
    """Write down (or, with None, undo) a decision; nothing is sent until a round is published.
    Submitted proposals take any decision; a waitlisted one can be promoted or rejected.
    Nobody decides on their own proposal (or undoes a decision on it): another organizer
    must."""
    permissions.require(permissions.can_manage_cfp(actor, proposal.event))
    if permissions.is_own_proposal(actor, proposal):
        _refuse_own(proposal)
    if outcome is not None and outcome not in DECISIONS:
        raise ValidationFailed({"outcome": _("Choose accept, reject or waiting list.")})
    allowed = {
        ProposalState.SUBMITTED: set(DECISIONS),
        ProposalState.WAITLISTED: {ProposalState.ACCEPTED, ProposalState.REJECTED},
    }.get(proposal.state, set())
    if outcome is not None and outcome not in allowed:
        raise Conflict(
            _(
                "“%(title)s” is %(state)s; its decision cannot be changed now.",
                title=proposal.title,
                state=_state_label(proposal.state),
            )
        )
    before = proposal.pending_decision
    proposal.pending_decision = outcome.value if outcome is not None else None
    db.session.flush()
    if before != proposal.pending_decision:
        audit.record(
            action="decision.set" if outcome is not None else "decision.undo",
            actor=actor,
            now=now,
            object_type="proposal",
            object_id=proposal.id,
            event=proposal.event,
            details={"pending_decision": [before, proposal.pending_decision]},
        )


def decide_many(
    *,
    actor: User,
    event: Event,
    public_ids: Iterable[str],
    outcome: ProposalState | None,
    now: dt.datetime,
) -> int:
    """The same decision for several proposals; all or nothing."""
    permissions.require(permissions.can_manage_cfp(actor, event))
    ids = list(public_ids)
    if not ids:
        raise ValidationFailed({"proposals": _("Select at least one proposal.")})
    proposals = list(
        db.session.scalars(
            select(Proposal).where(Proposal.event_id == event.id, Proposal.public_id.in_(ids))
        )
    )
    own = [p for p in proposals if permissions.is_own_proposal(actor, p)]
    if own:  # refused before anything changes
        _refuse_own(own[0])
    for proposal in proposals:
        decide(actor=actor, proposal=proposal, outcome=outcome, now=now)
    return len(proposals)


def pending(event: Event, *, viewer: User | None = None) -> list[Proposal]:
    """Proposals with a pending decision; with `viewer`, not the viewer's own."""
    return list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.event_id == event.id, Proposal.pending_decision.is_not(None))
            .where(~conflicts.own_proposal(viewer) if viewer is not None else true())
            .options(selectinload(Proposal.speakers).selectinload(ProposalSpeaker.user))
            .order_by(Proposal.pending_decision, Proposal.title)
        )
    )


def _state_label(state: ProposalState) -> str:
    return str(STATE_LABELS.get(state, state.value))


# The labels are the enum's own (organizer/enums.py); this map keeps the old name.
STATE_LABELS = {s: s.label for s in ProposalState}


# Mail templates ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Template:
    purpose: str
    subject: str
    body: str
    is_custom: bool


def template_for(event: Event, purpose: str) -> Template:
    custom = db.session.scalar(
        select(MailTemplate).where(
            MailTemplate.event_id == event.id, MailTemplate.purpose == purpose
        )
    )
    if custom is not None:
        return Template(purpose, custom.subject, custom.body, True)
    subject, body = DEFAULT_TEMPLATES[purpose]
    return Template(purpose, subject, body, False)


def save_template(
    *, actor: User, event: Event, purpose: str, subject: str, body: str, now: dt.datetime
) -> None:
    permissions.require(permissions.can_manage_cfp(actor, event))
    if purpose not in DEFAULT_TEMPLATES:
        raise ValidationFailed({"purpose": _("Unknown mail.")})
    errors = {}
    for field, text in (("subject", subject), ("body", body)):
        unknown = sorted(set(PLACEHOLDER_PATTERN.findall(text)) - set(PLACEHOLDERS))
        if unknown:
            errors[field] = _(
                "Unknown placeholder %(names)s. Use only the ones listed.",
                names=", ".join("{" + n + "}" for n in unknown),
            )
    if not subject.strip():
        errors["subject"] = _("Enter a subject.")
    elif len(subject) > 200:
        errors["subject"] = _("Keep the subject to 200 characters or fewer.")
    if not body.strip():
        errors["body"] = _("Enter the text of the mail.")
    if errors:
        raise ValidationFailed(errors)
    custom = db.session.scalar(
        select(MailTemplate).where(
            MailTemplate.event_id == event.id, MailTemplate.purpose == purpose
        )
    )
    if custom is None:
        custom = MailTemplate(event_id=event.id, purpose=purpose, updated_at=now)
        db.session.add(custom)
    custom.subject = " ".join(subject.split())
    custom.body = body.replace("\r\n", "\n")
    custom.updated_at = now
    db.session.flush()
    audit.record(
        action="mail_template.save",
        actor=actor,
        now=now,
        object_type="mail_template",
        object_id=purpose,
        event=event,
    )


def reset_template(*, actor: User, event: Event, purpose: str, now: dt.datetime) -> None:
    permissions.require(permissions.can_manage_cfp(actor, event))
    custom = db.session.scalar(
        select(MailTemplate).where(
            MailTemplate.event_id == event.id, MailTemplate.purpose == purpose
        )
    )
    if custom is not None:
        db.session.delete(custom)
        audit.record(
            action="mail_template.reset",
            actor=actor,
            now=now,
            object_type="mail_template",
            object_id=purpose,
            event=event,
        )


def fill(text: str, values: dict[str, str]) -> str:
    """Replace known {placeholders}; leave anything else as typed (no format-string tricks)."""
    return PLACEHOLDER_PATTERN.sub(lambda m: values.get(m.group(1), m.group(0)), text)


# Rounds ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PreviewMail:
    proposal: Proposal
    outcome: ProposalState
    to: str
    subject: str
    body: str


def _format_deadline(event: Event, moment: dt.datetime) -> str:
    local = in_zone(moment, event.timezone)
    assert local is not None
    return f"{local:%Y-%m-%d %H:%M} ({event.timezone})"


def _notes_from_reviewers(notes: list[str]) -> str:
    notes = [n.strip() for n in notes if n.strip()]
    if not notes:
        return ""
    return _("Notes from the reviewers:") + "\n\n" + "\n\n".join(f"- {n}" for n in notes) + "\n\n"


def _mails_for(
    event: Event,
    proposals: list[Proposal],
    purpose_of: Callable[[Proposal], tuple[ProposalState, str]],
    respond_by_of: Callable[[Proposal], dt.datetime],
) -> list[PreviewMail]:
    notes: dict[int, list[str]] = {}
    ids = [p.id for p in proposals]
    if ids:
        for proposal_id, note in db.session.execute(
            select(Review.proposal_id, Review.note_to_speaker).where(
                Review.proposal_id.in_(ids), Review.note_to_speaker != ""
            )
        ):
            notes.setdefault(proposal_id, []).append(note)
    templates = {purpose: template_for(event, purpose) for purpose in DEFAULT_TEMPLATES}
    mails = []
    for proposal in proposals:
        outcome, purpose = purpose_of(proposal)
        template = templates[purpose]
        for speaker in proposal.speakers:
            if speaker.user is None:
                continue
            values = {
                "speaker_name": speaker.user.display_name,
                "proposal_title": proposal.title,
                "event_name": event.name,
                "proposal_url": external_url(
                    "cfp.proposal", event_slug=event.slug, public_id=proposal.public_id
                ),
                "confirm_url": external_url(
                    "cfp.respond", event_slug=event.slug, public_id=proposal.public_id
                ),
                "respond_by": _format_deadline(event, respond_by_of(proposal)),
                "notes_from_reviewers": _notes_from_reviewers(notes.get(proposal.id, [])),
                "contact_email": event.contact_email,
            }
            mails.append(
                PreviewMail(
                    proposal,
                    outcome,
                    speaker.user.email,
                    fill(template.subject, values),
                    fill(template.body, values),
                )
            )
    return mails


@dataclasses.dataclass(frozen=True)
class RoundPreview:
    """What publishing now would do: the mails, exactly as they would be sent, how many
    decisions are pending and their `pending_fingerprint`."""

    mails: list[PreviewMail]
    pending_count: int
    fingerprint: str
    own: int = 0  # pending decisions on the viewer's own proposals, left out of `mails`


def round_preview(
    event: Event, *, respond_by: dt.datetime, viewer: User | None = None
) -> RoundPreview:
    """The publish page's preview, from one reading of the pending decisions. With `viewer`,
    the mails about the viewer's own proposals are left out and counted in `own`."""
    proposals = pending(event)
    own = conflicts.own_proposal_ids(event, viewer) if viewer is not None else set()
    shown = [p for p in proposals if p.id not in own]
    return RoundPreview(
        _round_mails(event, shown, respond_by),
        len(proposals),
        _fingerprint(proposals),
        own=len(proposals) - len(shown),
    )


def preview_round(event: Event, *, respond_by: dt.datetime) -> list[PreviewMail]:
    """The mails publishing now would send, exactly as they would be sent."""
    return _round_mails(event, pending(event), respond_by)


def _round_mails(
    event: Event, proposals: list[Proposal], respond_by: dt.datetime
) -> list[PreviewMail]:
    return _mails_for(
        event,
        proposals,
        lambda p: (
            ProposalState(p.pending_decision),
            PURPOSE_OF[ProposalState(p.pending_decision)],
        ),
        lambda p: respond_by,
    )


def pending_fingerprint(event: Event) -> str:
    """A short hash of every pending decision (which proposal, which outcome). The preview
    carries it, so that publishing refuses when anything changed since, even when the number
    of decisions stayed the same."""
    return _fingerprint(pending(event))


def _fingerprint(proposals: list[Proposal]) -> str:
    decided = sorted(f"{p.id}:{p.pending_decision}" for p in proposals)
    return hashlib.sha256(";".join(decided).encode()).hexdigest()[:16]


def publish_round(
    *,
    actor: User,
    event: Event,
    respond_by: dt.datetime,
    expected: str,
    now: dt.datetime,
) -> DecisionRound:
    """Make every pending decision final and queue its mails, in one transaction.
    `expected` is the `pending_fingerprint` of the preview the organizer saw: if somebody
    changed a decision since, nothing is sent and the preview must be looked at again.
    An organizer whose own proposal has a pending decision cannot publish: another must."""
    permissions.require(permissions.can_manage_cfp(actor, event))
    proposals = pending(event)
    if not proposals:
        raise Conflict(_("There are no pending decisions to publish."))
    if any(permissions.is_own_proposal(actor, p) for p in proposals):
        raise PermissionDenied(
            _(
                "This round holds a decision on your own proposal: another organizer must "
                "publish it. Nothing was sent."
            )
        )
    if _fingerprint(proposals) != expected:
        raise Conflict(
            _(
                "Decisions changed since you opened the preview. Nothing was sent: check the "
                "preview again before sending."
            )
        )
    if respond_by <= now:
        raise ValidationFailed(
            {"respond_by": _("The confirmation deadline must be in the future.")}
        )
    mails = _round_mails(event, proposals, respond_by)
    counts = {outcome: 0 for outcome in DECISIONS}
    decision_round = DecisionRound(
        event_id=event.id, published_by_id=actor.id, published_at=now, respond_by=respond_by
    )
    db.session.add(decision_round)
    db.session.flush()
    for proposal in proposals:
        outcome = ProposalState(proposal.pending_decision)
        counts[outcome] += 1
        before = proposal.state
        proposal.state = outcome
        proposal.pending_decision = None
        proposal.decided_at = now
        proposal.respond_by = respond_by if outcome == ProposalState.ACCEPTED else None
        audit.record(
            action="decision.publish",
            actor=actor,
            now=now,
            object_type="proposal",
            object_id=proposal.id,
            event=event,
            details={"state": [before.value, outcome.value], "round": decision_round.id},
        )
    for mail in mails:
        queue_text(
            to=mail.to,
            purpose=PURPOSE_OF[mail.outcome],
            subject=mail.subject,
            body=mail.body,
            now=now,
            event=event,
            idempotency_key=f"decision:{decision_round.id}:{mail.proposal.id}:{mail.to}",
        )
    decision_round.accepted = counts[ProposalState.ACCEPTED]
    decision_round.rejected = counts[ProposalState.REJECTED]
    decision_round.waitlisted = counts[ProposalState.WAITLISTED]
    db.session.flush()
    audit.record(
        action="decision.round",
        actor=actor,
        now=now,
        object_type="decision_round",
        object_id=decision_round.id,
        event=event,
        details={"accepted": decision_round.accepted, "rejected": decision_round.rejected,
                 "waitlisted": decision_round.waitlisted, "mails": len(mails)},
    )  # fmt: skip
    return decision_round


def rounds(event: Event) -> list[DecisionRound]:
    return list(
        db.session.scalars(
            select(DecisionRound)
            .where(DecisionRound.event_id == event.id)
            .options(selectinload(DecisionRound.published_by))
            .order_by(DecisionRound.published_at.desc())
        )
    )


# Speakers' confirmations -------------------------------------------------------------------


def respond(*, actor: User, proposal: Proposal, confirm: bool, now: dt.datetime) -> None:
    """An accepted speaker confirms or declines, before the deadline."""
    permissions.require(permissions.is_speaker(actor, proposal))
    if proposal.state != ProposalState.ACCEPTED:
        raise Conflict(
            _(
                "This proposal is %(state)s, so there is nothing to confirm.",
                state=_state_label(proposal.state),
            )
        )
    if proposal.respond_by is not None and now >= proposal.respond_by:
        raise Conflict(
            _(
                "The deadline to confirm passed on %(deadline)s. Write to the organizers at "
                "%(contact)s.",
                deadline=_format_deadline(proposal.event, proposal.respond_by),
                contact=proposal.event.contact_email,
            )
        )
    proposal.state = ProposalState.CONFIRMED if confirm else ProposalState.DECLINED
    db.session.flush()
    audit.record(
        action="proposal.confirm" if confirm else "proposal.decline",
        actor=actor,
        now=now,
        object_type="proposal",
        object_id=proposal.id,
        event=proposal.event,
    )
    _mail_speakers(
        proposal,
        "proposal_confirmed" if confirm else "proposal_declined",
        now=now,
        event=proposal.event,
    )


def cancel(*, actor: User, proposal: Proposal, now: dt.datetime) -> None:
    """Organizers take an accepted or confirmed session off the programme."""
    permissions.require(permissions.can_manage_cfp(actor, proposal.event))
    if proposal.state not in (ProposalState.ACCEPTED, ProposalState.CONFIRMED):
        raise Conflict(_("Only accepted or confirmed proposals can be cancelled."))
    before = proposal.state
    proposal.state = ProposalState.CANCELLED
    db.session.flush()
    audit.record(
        action="proposal.cancel",
        actor=actor,
        now=now,
        object_type="proposal",
        object_id=proposal.id,
        event=proposal.event,
        details={"state": [before.value, "cancelled"]},
    )
    _mail_speakers(proposal, "proposal_cancelled", now=now, event=proposal.event)


def unconfirmed(event: Event) -> list[Proposal]:
    """Accepted and not yet answered, the most urgent first."""
    return list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.event_id == event.id, Proposal.state == ProposalState.ACCEPTED)
            .options(selectinload(Proposal.speakers).selectinload(ProposalSpeaker.user))
            .order_by(Proposal.respond_by, Proposal.title)
        )
    )


def send_reminders(
    *,
    event: Event,
    now: dt.datetime,
    actor: User | None = None,
    window: dt.timedelta = REMINDER_WINDOW,
) -> int:
    """Remind accepted speakers whose deadline is within `window`, once per deadline
    (safe to run from cron every hour: the idempotency key stops repeats). `actor` is the
    organizer who pressed the button; None when the `send-reminders` command runs it."""
    if actor is not None:
        permissions.require(permissions.can_manage_cfp(actor, event))
    due = [
        p
        for p in unconfirmed(event)
        if p.respond_by is not None and p.respond_by - window <= now < p.respond_by
    ]
    sent = 0
    for preview in _mails_for(
        event,
        due,
        lambda p: (ProposalState.ACCEPTED, "confirmation_reminder"),
        lambda p: p.respond_by,
    ):
        assert preview.proposal.respond_by is not None
        message = queue_text(
            to=preview.to,
            purpose="confirmation_reminder",
            subject=preview.subject,
            body=preview.body,
            now=now,
            event=event,
            idempotency_key=(
                f"reminder:{preview.proposal.id}:{preview.to}:"
                f"{preview.proposal.respond_by:%Y%m%dT%H%M}"
            ),
        )
        if message.created_at == now:
            sent += 1
    return sent


def events_awaiting_confirmation() -> list[Event]:
    """Events with accepted proposals whose speakers have not answered yet."""
    return list(
        db.session.scalars(
            select(Event)
            .where(
                Event.id.in_(
                    select(Proposal.event_id).where(Proposal.state == ProposalState.ACCEPTED)
                )
            )
            .order_by(Event.id)
        )
    )
