"""Bulk mail: organizers write one plain-text mail to a group of people of their event
(accepted speakers, grantees, reviewers...), preview it person by person, then send it through
the outbox, one message per person, filled in with that person's placeholders.

A mail is a `MailBatch`: a draft while organizers compose and preview it, sent once (a
conditional UPDATE of `sent_at` claims it, so a double click or a second tab sends nothing
more), with a `MailBatchRecipient` row per person pointing at the outbox message that carries
it. Each group is declared once, in GROUPS, with the placeholders it offers.

Placeholders only ever carry a person's name, their own proposals or applications and links
to them: never answers to the representation survey, nor anything a reviewer wrote.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import selectinload

from organizer import permissions
from organizer.enums import EventRoleName, GrantState, OutboxState, ProposalState
from organizer.errors import NotFound, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    Event,
    EventRole,
    GrantApplication,
    GrantProgramme,
    MailBatch,
    MailBatchRecipient,
    OutboxMessage,
    Proposal,
    ProposalSpeaker,
    Track,
    User,
)
from organizer.services import audit, notifications, placeholders
from organizer.services.mail import external_url

PURPOSE = "bulk_mail"  # the outbox purpose of every message of a batch
SUBJECT_MAX = 200
BODY_MAX = 20_000

# Placeholders every group offers, then those only some groups do.
COMMON_PLACEHOLDERS = {
    "name": _l("the person's name"),
    "event": _l("the event's name"),
    "event_url": _l("the link to the event's public page"),
    "home_url": _l("the link to the person's own page on this site (their proposals, grants)"),
    "contact_email": _l("the organizers' address"),
}
PROPOSAL_PLACEHOLDERS = {
    "proposal_titles": _l("the titles of the person's proposals in the group, comma-separated"),
    "proposal_urls": _l("the links to those proposals, one per line"),
}
APPLICATION_PLACEHOLDERS = {
    "application_urls": _l("the links to the person's grant applications, one per line"),
}
PLACEHOLDERS = {**COMMON_PLACEHOLDERS, **PROPOSAL_PLACEHOLDERS, **APPLICATION_PLACEHOLDERS}


@dataclasses.dataclass(frozen=True)
class Group:
    label: str
    help: str
    kind: str  # "speakers", "applicants" or "team": where the people come from
    states: tuple[str, ...] = ()  # proposal or application states; empty: every non-draft one
    roles: tuple[EventRoleName, ...] = ()  # for the team

    @property
    def placeholders(self) -> dict[str, str]:
        extra = {"speakers": PROPOSAL_PLACEHOLDERS, "applicants": APPLICATION_PLACEHOLDERS}
        return {**COMMON_PLACEHOLDERS, **extra.get(self.kind, {})}

    @property
    def has_tracks(self) -> bool:
        return self.kind == "speakers"


GROUPS: dict[str, Group] = {
    "accepted_speakers": Group(
        _l("Speakers of accepted sessions"),
        _l(
            "Every speaker of a proposal whose acceptance is published, "
            "whether or not they have confirmed yet."
        ),
        "speakers",
        (ProposalState.ACCEPTED, ProposalState.CONFIRMED),
    ),
    "rejected_speakers": Group(
        _l("Speakers of rejected proposals"),
        _l("Every speaker of a proposal whose rejection is published."),
        "speakers",
        (ProposalState.REJECTED,),
    ),
    "submitters": Group(
        _l("Everyone who submitted a proposal"),
        _l(
            "Every speaker of a submitted proposal, whatever became of it (withdrawn ones "
            "included); drafts do not count."
        ),
        "speakers",
    ),
    "grant_applicants": Group(
        _l("Grant applicants"),
        _l(
            "Everyone who submitted a grant application to any of the event's programmes, "
            "whatever became of it; drafts do not count."
        ),
        "applicants",
    ),
    "grantees": Group(
        _l("Grantees"),
        _l("Everyone who accepted a grant offer."),
        "applicants",
        (GrantState.ACCEPTED,),
    ),
    "reviewers": Group(
        _l("Reviewers"),
        _l("The event's proposal reviewers."),
        "team",
        roles=(EventRoleName.REVIEWER,),
    ),
    "grant_reviewers": Group(
        _l("Grant reviewers"),
        _l("The event's grant committee."),
        "team",
        roles=(EventRoleName.GRANT_REVIEWER,),
    ),
    "team": Group(
        _l("The whole team"),
        _l("Organizers, reviewers and grant reviewers of the event."),
        "team",
        roles=tuple(EventRoleName),
    ),
}


@dataclasses.dataclass
class Recipient:
    user: User
    proposals: list[Proposal] = dataclasses.field(default_factory=list)
    applications: list[GrantApplication] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class Recipients:
    people: list[Recipient]
    unverified: int  # skipped: no verified address
    deleted: int  # skipped: the account was deleted

    @property
    def skipped(self) -> int:
        return self.unverified + self.deleted


# Who is in a group ---------------------------------------------------------------------------


def _speakers(event: Event, group: Group, track: Track | None) -> list[tuple[User, Proposal]]:
    states = group.states or tuple(s for s in ProposalState if s != ProposalState.DRAFT)
    query = (
        select(ProposalSpeaker)
        .join(Proposal, Proposal.id == ProposalSpeaker.proposal_id)
        .where(
            Proposal.event_id == event.id,
            Proposal.state.in_(states),
            ProposalSpeaker.user_id.is_not(None),
            ProposalSpeaker.accepted_at.is_not(None),
        )
        .options(selectinload(ProposalSpeaker.user), selectinload(ProposalSpeaker.proposal))
        .order_by(Proposal.title, Proposal.id)
    )
    if track is not None:
        query = query.where(Proposal.track_id == track.id)
    return [(s.user, s.proposal) for s in db.session.scalars(query) if s.user is not None]


def _applicants(event: Event, group: Group) -> list[tuple[User, GrantApplication]]:
    states = group.states or tuple(s for s in GrantState if s != GrantState.DRAFT)
    query = (
        select(GrantApplication)
        .join(GrantProgramme, GrantProgramme.id == GrantApplication.programme_id)
        .where(GrantProgramme.event_id == event.id, GrantApplication.state.in_(states))
        .options(selectinload(GrantApplication.applicant))
        .order_by(GrantApplication.id)
    )
    return [(a.applicant, a) for a in db.session.scalars(query)]


def _team(event: Event, group: Group) -> list[User]:
    query = (
        select(EventRole)
        .where(EventRole.event_id == event.id, EventRole.role.in_(group.roles))
        .options(selectinload(EventRole.user))
        .order_by(EventRole.id)
    )
    return [role.user for role in db.session.scalars(query)]


def recipients(event: Event, group_key: str, track: Track | None = None) -> Recipients:
    """The people of a group, one entry per person (with their proposals or applications in
    the group), sorted by name; people without a verified address or whose account is
    deleted are left out and counted. A constant number of queries."""
    group = GROUPS[group_key]
    people: dict[int, Recipient] = {}
    if group.kind == "speakers":
        for user, proposal in _speakers(event, group, track):
            people.setdefault(user.id, Recipient(user)).proposals.append(proposal)
    elif group.kind == "applicants":
        for user, application in _applicants(event, group):
            people.setdefault(user.id, Recipient(user)).applications.append(application)
    else:
        for user in _team(event, group):
            people.setdefault(user.id, Recipient(user))
    deleted = [r for r in people.values() if r.user.deleted_at is not None]
    unverified = [
        r for r in people.values() if r.user.deleted_at is None and r.user.email_verified_at is None
    ]
    reachable = [
        r
        for r in people.values()
        if r.user.deleted_at is None and r.user.email_verified_at is not None
    ]
    reachable.sort(key=lambda r: (r.user.display_name.casefold(), r.user.id))
    return Recipients(reachable, unverified=len(unverified), deleted=len(deleted))


def recipients_of(batch: MailBatch) -> Recipients:
    return recipients(batch.event, batch.group, batch.track)


# Filling in ----------------------------------------------------------------------------------


def values_for(event: Event, recipient: Recipient) -> dict[str, str]:
    """What each placeholder stands for, for one person. Nothing else about them."""
    proposals = recipient.proposals
    applications = recipient.applications
    return {
        "name": recipient.user.display_name,
        "event": event.name,
        "event_url": external_url("public.event", event_slug=event.slug),
        "home_url": external_url("home.index"),
        "contact_email": event.contact_email or "",
        "proposal_titles": ", ".join(f"“{p.title}”" for p in proposals),
        "proposal_urls": "\n".join(
            external_url("cfp.proposal", event_slug=event.slug, public_id=p.public_id)
            for p in proposals
        ),
        "application_urls": "\n".join(
            external_url("grants.application", event_slug=event.slug, public_id=a.public_id)
            for a in applications
        ),
    }


@dataclasses.dataclass(frozen=True)
class RenderedMail:
    to: str
    subject: str
    body: str


def render(batch: MailBatch, recipient: Recipient) -> RenderedMail:
    values = values_for(batch.event, recipient)
    return RenderedMail(
        to=recipient.user.email,
        subject=" ".join(placeholders.fill(batch.subject, values).split()),
        body=placeholders.fill(batch.body, values),
    )


# Drafts --------------------------------------------------------------------------------------


def _check(event: Event, *, group: str, track_id: int | None, subject: str, body: str) -> Track:
    errors: dict[str, str] = {}
    track = None
    if group not in GROUPS:
        raise ValidationFailed({"group": _("Choose who the mail goes to.")})
    if track_id is not None:
        track = db.session.get(Track, track_id)
        if track is None or track.event_id != event.id:
            errors["track"] = _("Choose one of the event's tracks.")
        elif not GROUPS[group].has_tracks:
            errors["track"] = _("Only mails to speakers can be limited to a track.")
    offered = GROUPS[group].placeholders
    for field, text in (("subject", subject), ("body", body)):
        strange = placeholders.unknown(text, PLACEHOLDERS)
        elsewhere = placeholders.unknown(text, offered)
        if strange:
            errors[field] = placeholders.unknown_message(strange)
        elif elsewhere:
            errors[field] = _(
                "%(names)s cannot be filled in for this group. Use only the ones listed for it.",
                names=", ".join("{" + name + "}" for name in elsewhere),
            )
    if not subject.strip():
        errors["subject"] = _("Enter a subject.")
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = _("Keep the subject to 200 characters or fewer.")
    if not body.strip():
        errors["body"] = _("Enter the text of the mail.")
    elif len(body) > BODY_MAX:
        errors["body"] = _("Keep the text to 20,000 characters or fewer.")
    if errors:
        raise ValidationFailed(errors)
    return track  # type: ignore[return-value]


def save_draft(
    *,
    actor: User,
    event: Event,
    group: str,
    subject: str,
    body: str,
    now: dt.datetime,
    track_id: int | None = None,
    batch: MailBatch | None = None,
) -> MailBatch:
    """A new draft, or `batch` (a draft of `event`) changed. Nothing is sent."""
    permissions.require(permissions.can_send_bulk_mail(actor, event))
    if batch is not None:
        _require_draft(event, batch)
    track = _check(event, group=group, track_id=track_id, subject=subject, body=body)
    if batch is None:
        batch = MailBatch(event_id=event.id, created_at=now)
        db.session.add(batch)
    batch.sender_id = actor.id
    batch.group = group
    batch.track_id = track.id if track is not None else None
    batch.subject = " ".join(subject.split())
    batch.body = body.replace("\r\n", "\n")
    db.session.flush()
    db.session.refresh(batch)  # the event and track relationships
    return batch


def discard_draft(*, actor: User, event: Event, batch: MailBatch) -> None:
    """Throw a draft away. A sent mail stays: it is the record of what went to whom."""
    permissions.require(permissions.can_send_bulk_mail(actor, event))
    _require_draft(event, batch)
    db.session.delete(batch)
    db.session.flush()


def _require_draft(event: Event, batch: MailBatch) -> None:
    if batch.event_id != event.id:
        raise NotFound()
    if batch.sent_at is not None:
        raise WrongState(_("This mail has already been sent; it cannot change any more."))


def batch_in_event(*, actor: User, event: Event, public_id: str) -> MailBatch:
    permissions.require(permissions.can_send_bulk_mail(actor, event))
    batch = db.session.scalar(
        select(MailBatch).where(MailBatch.event_id == event.id, MailBatch.public_id == public_id)
    )
    if batch is None:
        raise NotFound()
    return batch


# Sending -------------------------------------------------------------------------------------


def send_batch(*, actor: User, batch: MailBatch, expected: int, now: dt.datetime) -> int:
    """Queue the draft `batch` to every person of its group, one outbox message each, in the
    caller's transaction; returns how many. `expected` is the count the organizer confirmed:
    when the group changed since the preview, nothing is sent. Sending a batch twice sends
    nothing the second time (409)."""
    event = batch.event
    permissions.require(permissions.can_send_bulk_mail(actor, event))
    _require_draft(event, batch)
    found = recipients_of(batch)
    if not found.people:
        raise ValidationFailed(_("Nobody in this group can be reached: there is nobody to mail."))
    if len(found.people) != expected:
        raise WrongState(
            _(
                "The group changed since the preview: it now has %(count)s people. "
                "Check the preview and send again.",
                count=len(found.people),
            )
        )
    claimed = db.session.execute(
        update(MailBatch)
        .where(MailBatch.id == batch.id, MailBatch.sent_at.is_(None))
        .values(sent_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # another request sent it a moment ago
        raise WrongState(_("This mail has already been sent; it cannot change any more."))
    db.session.refresh(batch)
    for recipient in found.people:
        mail = render(batch, recipient)
        message = notifications.tell_in_organizers_words(
            mail.to,
            PURPOSE,
            subject=mail.subject,
            body=mail.body,
            about=(batch.public_id, recipient.user),
            now=now,
            event=event,
        )
        db.session.add(
            MailBatchRecipient(
                batch_id=batch.id, user_id=recipient.user.id, outbox_message_id=message.id
            )
        )
    batch.sender_id = actor.id
    batch.recipient_count = len(found.people)
    batch.skipped_count = found.skipped
    db.session.flush()
    audit.record(
        action="mail_batch.send",
        actor=actor,
        now=now,
        object_type="mail_batch",
        object_id=batch.public_id,
        event=event,
        details={
            "group": batch.group,
            "track": batch.track.name if batch.track else "",
            "subject": batch.subject,
            "recipients": batch.recipient_count,
            "skipped": batch.skipped_count,
        },
    )
    return batch.recipient_count


# Reading -------------------------------------------------------------------------------------


def sent_batches(event: Event) -> Select[tuple[MailBatch]]:
    """The event's sent mails, newest first (paginate it; then `delivery` for the page)."""
    return (
        select(MailBatch)
        .where(MailBatch.event_id == event.id, MailBatch.sent_at.is_not(None))
        .options(selectinload(MailBatch.sender), selectinload(MailBatch.track))
        .order_by(MailBatch.sent_at.desc(), MailBatch.id.desc())
    )


def drafts(event: Event) -> list[MailBatch]:
    return list(
        db.session.scalars(
            select(MailBatch)
            .where(MailBatch.event_id == event.id, MailBatch.sent_at.is_(None))
            .options(selectinload(MailBatch.sender), selectinload(MailBatch.track))
            .order_by(MailBatch.created_at.desc(), MailBatch.id.desc())
        )
    )


@dataclasses.dataclass(frozen=True)
class Delivery:
    delivered: int = 0
    pending: int = 0
    failed: int = 0


_STATE_BUCKET: dict[OutboxState, str] = {
    OutboxState.SENT: "delivered",
    OutboxState.QUEUED: "pending",
    OutboxState.SENDING: "pending",
    OutboxState.FAILED: "failed",
}


def bucket(message: OutboxMessage | None) -> str:
    """ "delivered", "pending" or "failed" for one message; "removed" when it is gone (the
    account it went to was deleted, and its mail with it)."""
    return _STATE_BUCKET[message.state] if message is not None else "removed"


def delivery(batch_ids: list[int]) -> dict[int, Delivery]:
    """How far the outbox got with each batch: one query for any number of batches."""
    counts: dict[int, dict[str, int]] = {i: {} for i in batch_ids}
    if batch_ids:
        rows = db.session.execute(
            select(MailBatchRecipient.batch_id, OutboxMessage.state, func.count())
            .join(OutboxMessage, OutboxMessage.id == MailBatchRecipient.outbox_message_id)
            .where(MailBatchRecipient.batch_id.in_(batch_ids))
            .group_by(MailBatchRecipient.batch_id, OutboxMessage.state)
        )
        for batch_id, state, count in rows:
            bucket = _STATE_BUCKET[OutboxState(state)]
            counts[batch_id][bucket] = counts[batch_id].get(bucket, 0) + count
    return {i: Delivery(**c) for i, c in counts.items()}


def sent_to(batch: MailBatch) -> Select[tuple[MailBatchRecipient]]:
    """Who a sent batch went to, with each message's state (paginate it)."""
    return (
        select(MailBatchRecipient)
        .where(MailBatchRecipient.batch_id == batch.id)
        .options(selectinload(MailBatchRecipient.user), selectinload(MailBatchRecipient.message))
        .order_by(MailBatchRecipient.id)
    )


def group_label(key: str) -> str:
    group = GROUPS.get(key)
    return str(group.label) if group else key
