"""The decision mails: organizers' own wording (templates with placeholders) and the mails of a
round or a reminder, built exactly as they will be sent.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from organizer import permissions
from organizer.enums import (
    ProposalState,
)
from organizer.errors import ValidationFailed
from organizer.extensions import db
from organizer.models import (
    Event,
    MailTemplate,
    Proposal,
    Review,
    User,
)
from organizer.services import audit, placeholders
from organizer.services.mail import external_url
from organizer.services.placeholders import fill
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
    errors = placeholders.check({"subject": subject, "body": body}, PLACEHOLDERS)
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


@dataclasses.dataclass(frozen=True)
class PreviewMail:
    proposal: Proposal
    outcome: ProposalState
    to: str
    subject: str
    body: str


def format_deadline(event: Event, moment: dt.datetime) -> str:
    local = in_zone(moment, event.timezone)
    assert local is not None
    return f"{local:%Y-%m-%d %H:%M} ({event.timezone})"


def _notes_from_reviewers(notes: list[str]) -> str:
    notes = [n.strip() for n in notes if n.strip()]
    if not notes:
        return ""
    return _("Notes from the reviewers:") + "\n\n" + "\n\n".join(f"- {n}" for n in notes) + "\n\n"


def mails_for(
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
                "respond_by": format_deadline(event, respond_by_of(proposal)),
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
