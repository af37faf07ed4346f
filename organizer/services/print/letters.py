"""Visa invitation letters, as PDF made with WeasyPrint.

The event's LetterTemplate is plain text with {placeholders}; it is filled like a decision mail
(only known names are replaced, nothing is evaluated) and then escaped by the HTML template, so
neither organizers' text nor the passport name a person types can add markup. It prints through
`print.pdf`, which fetches only files under `static/`: no network, no other files.

The passport name is typed by the person each time and never stored.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from flask import render_template
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from organizer.enums import GrantState, ProposalState
from organizer.errors import PermissionDenied, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    Event,
    GrantApplication,
    GrantProgramme,
    Proposal,
    ProposalSpeaker,
    User,
)
from organizer.services import money
from organizer.services.grants.applications import CATEGORY_LABELS
from organizer.services.grants.programmes import letter_template
from organizer.services.grants.reimbursement import CATEGORY_ORDER
from organizer.services.placeholders import fill
from organizer.services.print import pdf
from organizer.services.timefmt import event_date_range

PASSPORT_NAME_MAX = 150
SPEAKER_STATES = (ProposalState.ACCEPTED, ProposalState.CONFIRMED)


def _accepted_applications(event: Event, user: User) -> list[GrantApplication]:
    return list(
        db.session.scalars(
            select(GrantApplication)
            .join(GrantProgramme, GrantProgramme.id == GrantApplication.programme_id)
            .where(
                GrantProgramme.event_id == event.id,
                GrantApplication.applicant_id == user.id,
                GrantApplication.state == GrantState.ACCEPTED,
            )
            .options(selectinload(GrantApplication.award), selectinload(GrantApplication.programme))
            .order_by(GrantApplication.id)
        )
    )


def _is_accepted_speaker(event: Event, user: User) -> bool:
    found = db.session.scalar(
        select(ProposalSpeaker.id)
        .join(Proposal, Proposal.id == ProposalSpeaker.proposal_id)
        .where(
            Proposal.event_id == event.id,
            Proposal.state.in_(SPEAKER_STATES),
            ProposalSpeaker.user_id == user.id,
        )
        .limit(1)
    )
    return found is not None


def may_request_letter(user: object, event: Event) -> bool:
    """A grantee with an accepted award in the event, or a speaker of an accepted or confirmed
    proposal there."""
    if not isinstance(user, User):
        return False
    grantee = any(a.award is not None for a in _accepted_applications(event, user))
    return grantee or _is_accepted_speaker(event, user)


def clean_passport_name(text: str) -> str:
    """The name as typed, trimmed; refuses empty, over-long and control characters."""
    name = " ".join((text or "").split())
    if not name:
        raise ValidationFailed(
            {"passport_name": _("Enter your name exactly as it is written in your passport.")}
        )
    if len(name) > PASSPORT_NAME_MAX:
        raise ValidationFailed(
            {"passport_name": _("Use at most %(n)s characters.", n=PASSPORT_NAME_MAX)}
        )
    if any(unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs") for c in name):
        raise ValidationFailed(
            {"passport_name": _("Use only the letters and signs printed in your passport.")}
        )
    return name


def _covered(applications: list[GrantApplication], *, speaker: bool) -> str:
    """What the awards cover, by category with amounts; the registration for a speaker
    without a grant."""
    parts = []
    for application in applications:
        award = application.award
        if award is None:
            continue
        for category in CATEGORY_ORDER:
            amount = award.amounts.get(category, 0)
            if amount > 0:
                label = str(CATEGORY_LABELS.get(category, category))
                parts.append(f"{label}: {money.fmt(amount, application.programme.currency)}")
    if parts:
        return "; ".join(parts)
    return _("registration") if speaker else _("nothing")


def letter_values(
    *, event: Event, user: User, passport_name: str, template_signer: tuple[str, str], today: str
) -> dict[str, str]:
    """Every placeholder a letter may use (programmes.LETTER_PLACEHOLDERS)."""
    applications = [a for a in _accepted_applications(event, user) if a.award is not None]
    speaker = _is_accepted_speaker(event, user)
    if not applications and not speaker:
        raise PermissionDenied(
            _(
                "Invitation letters are for speakers of accepted talks and for grantees who "
                "accepted their grant."
            )
        )
    if speaker and applications:
        role = _("speaker and grant recipient")
    elif speaker:
        role = _("speaker")
    else:
        role = _("grant recipient")
    dates = event_date_range(event)
    return {
        "passport_name": passport_name,
        "name": user.display_name,
        "event": event.name,
        "dates": dates,
        "venue": event.venue,
        "covered": _covered(applications, speaker=speaker),
        "role": role,
        "signer_name": template_signer[0],
        "signer_title": template_signer[1],
        "today": today,
    }


def visa_letter_pdf(*, actor: User, event: Event, passport_name: str, now: dt.datetime) -> bytes:
    """The letter for `actor` as PDF bytes. PermissionDenied for anyone who is neither a
    grantee with an accepted award nor an accepted speaker; WrongState when the organizers have
    not written the letter yet."""
    name = clean_passport_name(passport_name)
    if not may_request_letter(actor, event):
        raise PermissionDenied(
            _(
                "Invitation letters are for speakers of accepted talks and for grantees who "
                "accepted their grant."
            )
        )
    template = letter_template(event)
    if template is None:
        raise WrongState(_("The organizers have not set up invitation letters yet."))
    issued_on = format_date(now.date(), "long")
    values = letter_values(
        event=event,
        user=actor,
        passport_name=name,
        template_signer=(template.signer_name, template.signer_title),
        today=issued_on,
    )
    body = fill(template.body.replace("\r\n", "\n"), values)
    paragraphs = [
        block.split("\n") for block in re.split(r"\n\s*\n", body.strip()) if block.strip()
    ]
    html = render_template(
        "print/visa_letter.html",
        event=event,
        paragraphs=paragraphs,
        signer_name=template.signer_name,
        signer_title=template.signer_title,
        issued_on=issued_on,
        passport_name=name,
    )
    return pdf.render(html)
