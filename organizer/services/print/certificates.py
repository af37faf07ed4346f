"""Certificates of attendance: a PDF for a person who was checked in at the event, and the
public page that says whether a certificate is real.

The certificate carries a verification address, /<event_slug>/certificates/<token>, whose
token is the registration's public_id signed with itsdangerous (a salt of its own, so no other
signed link works here, and no expiry: a certificate stays verifiable). The page shows only
what the certificate prints (the name, the event and its dates), and says clearly when the
signature is wrong, the registration is gone, or the person was never checked in.

Rendered with the printed programme's machinery (print/pdf.py: fonts under static/, no
network), in the request (one page).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template
from flask_babel import format_date
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from organizer.errors import NotFound
from organizer.extensions import db
from organizer.models import Event, Registration, User
from organizer.services.print import pdf
from organizer.services.registration.records import shown_name
from organizer.services.timefmt import event_date_range

SALT = "organizer.certificate-of-attendance"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def token_of(registration: Registration) -> str:
    return _serializer().dumps(registration.public_id)


def verification_url(base_url: str, event_slug: str, token: str) -> str:
    """The absolute address of the verification page (badges.verify) under `base_url`."""
    return f"{base_url.rstrip('/')}/{event_slug}/certificates/{token}"


def attended(*, actor: Any, event: Event) -> Registration:
    """The signed-in person's registration, if they were checked in; NotFound otherwise (and
    for anyone else: there is no way to name another person's registration)."""
    if not isinstance(actor, User):
        raise NotFound()
    registration = db.session.scalar(
        select(Registration).where(
            Registration.event_id == event.id,
            Registration.user_id == actor.id,
            Registration.checked_in_at.is_not(None),
        )
    )
    if registration is None:
        raise NotFound(_("There is a certificate only for people who were checked in."))
    return registration


def certificate_pdf(*, actor: Any, event: Event, base_url: str, now: dt.datetime) -> bytes:
    """The actor's certificate of attendance (NotFound unless they were checked in)."""
    registration = attended(actor=actor, event=event)
    token = token_of(registration)
    html = render_template(
        "print/certificate.html",
        event=event,
        name=shown_name(registration),
        dates=event_date_range(event),
        issued_on=format_date(now.date(), "long"),
        verify_url=verification_url(base_url, event.slug, token),
    )
    return pdf.render(html)


@dataclass(frozen=True)
class Verification:
    """What the verification page shows: a real certificate's name, event and dates, or why
    the address does not verify one (`reason`)."""

    valid: bool
    name: str = ""
    event_name: str = ""
    dates: str = ""
    reason: str = ""


def check(*, event: Event, token: str) -> Verification:
    """Whether `token` names a certificate of this event that is real."""
    try:
        public_id = _serializer().loads(token)
    except BadSignature:
        return Verification(False, reason=_("This address is not one of our certificates."))
    registration = db.session.scalar(
        select(Registration).where(
            Registration.event_id == event.id, Registration.public_id == str(public_id)
        )
    )
    if registration is None:
        return Verification(False, reason=_("This registration does not exist any more."))
    if registration.checked_in_at is None:
        return Verification(False, reason=_("This person was not checked in at the event."))
    return Verification(
        True, name=shown_name(registration), event_name=event.name, dates=event_date_range(event)
    )
