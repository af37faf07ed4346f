"""The demo registration: settings and kinds of place, reserved seats for the confirmed
speakers and accepted grantees, and the fixture's attendees in every state, some of them
checked in.

Rows are written directly, as the other demo loaders do: the fixture describes the end state,
which the services would reach only through weeks of requests.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from organizer.enums import (
    SEAT_HOLDING_STATES,
    GrantKind,
    GrantState,
    ProposalState,
    QuestionKind,
    RegistrationState,
    ReservedFor,
)
from organizer.extensions import db
from organizer.models import (
    CodeOfConductVersion,
    Event,
    GrantApplication,
    GrantProgramme,
    PlaceKind,
    Proposal,
    ProposalSpeaker,
    Registration,
    RegistrationAccessNeeds,
    RegistrationAnswer,
    RegistrationQuestion,
    RegistrationSettings,
    User,
)
from organizer.services.accounts import create_user, user_by_email
from organizer.services.demo.fixture import local_time
from organizer.services.text import fold_for_search

_PLACES = {"in_person": "In person", "student": "Student, in person", "remote": "Remote"}
_WAIVER_KINDS = (GrantKind.WAIVER, GrantKind.BOTH)


def load_registration(event: Event, spec: dict[str, Any], now: dt.datetime) -> None:
    section = spec["registration"]
    settings = RegistrationSettings(
        event_id=event.id,
        opens_at=local_time(section["opens"], event),
        closes_at=local_time(section["closes"], event),
        capacity=None,
        moderated=bool(section.get("moderated")),
        fee_due=bool(section.get("fee_due")),
        fee_note=section.get("fee_note", ""),
        offer_days=section.get("offer_days", 3),
        code_of_conduct_version=1,
        created_at=now,
        updated_at=now,
    )
    db.session.add(settings)
    db.session.add(
        CodeOfConductVersion(
            event_id=event.id, version=1, text=event.code_of_conduct, created_at=now
        )
    )
    kinds = _place_kinds(event, section["place_kinds"])
    questions = _questions(event, section.get("questions", []))
    registrations = _reserved(event, kinds["In person"], now)
    registrations += _attendees(event, section["attendees"], kinds, now)
    for position, registration in enumerate(registrations):
        _answer(registration, questions, position)
    db.session.flush()
    if section.get("capacity") == "full":
        settings.capacity = sum(r.state in SEAT_HOLDING_STATES for r in registrations)
    elif section.get("capacity") is not None:
        settings.capacity = int(section["capacity"])
    db.session.flush()


def _place_kinds(event: Event, specs: list[dict[str, Any]]) -> dict[str, PlaceKind]:
    kinds = {}
    for position, spec in enumerate(specs):
        kind = PlaceKind(
            event_id=event.id,
            name=spec["name"],
            description=spec.get("description", ""),
            capacity=spec.get("capacity"),
            position=position,
        )
        db.session.add(kind)
        kinds[kind.name] = kind
    db.session.flush()
    return kinds


def _questions(event: Event, specs: list[dict[str, Any]]) -> list[RegistrationQuestion]:
    questions = []
    for position, spec in enumerate(specs):
        question = RegistrationQuestion(
            event_id=event.id,
            text=spec["text"],
            kind=QuestionKind(spec["kind"]),
            choices=spec.get("choices", []),
            position=position,
        )
        db.session.add(question)
        questions.append(question)
    db.session.flush()
    return questions


def _reserved(event: Event, place: PlaceKind, now: dt.datetime) -> list[Registration]:
    """Confirmed speakers and accepted grantees hold reserved seats; a registration-waiver
    grant waives the fee."""
    speakers = set(
        db.session.scalars(
            select(ProposalSpeaker.user_id)
            .join(Proposal, Proposal.id == ProposalSpeaker.proposal_id)
            .where(
                Proposal.event_id == event.id,
                Proposal.state == ProposalState.CONFIRMED,
                ProposalSpeaker.user_id.is_not(None),
            )
        )
    )
    grantees = dict(
        db.session.execute(
            select(GrantApplication.applicant_id, GrantProgramme.kind)
            .join(GrantProgramme, GrantProgramme.id == GrantApplication.programme_id)
            .where(
                GrantProgramme.event_id == event.id,
                GrantApplication.state == GrantState.ACCEPTED,
            )
        ).all()
    )
    people = db.session.scalars(
        select(User).where(User.id.in_(speakers | set(grantees))).order_by(User.id)
    )
    rows = []
    for user in people:
        row = _row(event, user, place, now)
        row.reserved_for = ReservedFor.SPEAKER if user.id in speakers else ReservedFor.GRANTEE
        row.waived = grantees.get(user.id) in _WAIVER_KINDS or user.id in speakers
        row.show_grantee_ribbon = user.id in grantees and user.id % 2 == 0
        rows.append(row)
    return rows


def _attendees(
    event: Event, specs: list[dict[str, Any]], kinds: dict[str, PlaceKind], now: dt.datetime
) -> list[Registration]:
    unusable = generate_password_hash(secrets.token_urlsafe(32))  # nobody signs in as them
    doors = local_time(f"{event.starts_on.isoformat()}T08:30", event)
    rows = []
    for number, spec in enumerate(specs):
        email = f"attendee{number + 1:02d}@example.org"
        user = user_by_email(email) or create_user(
            email=email,
            display_name=spec["name"],
            pronouns=spec.get("pronouns"),
            verified=True,
            now=now,
            password=None,
            password_hash=unusable,
        )
        place = kinds[_PLACES[spec.get("place", "in_person")]]
        row = _row(event, user, place, now - dt.timedelta(days=30 - number % 30), spec)
        if row.state == RegistrationState.OFFERED:  # a seat freed yesterday
            row.offered_at = now - dt.timedelta(days=1)
            row.respond_by = now + dt.timedelta(days=2)
        if "checked_in" in spec:
            row.checked_in_at = doors + dt.timedelta(minutes=spec["checked_in"])
        if (
            spec.get("needs")
            or spec.get("dietary")
            or spec.get("notes")
            or spec.get("dietary_other")
        ):
            row.access_needs = RegistrationAccessNeeds(
                needs=spec.get("needs", []),
                dietary=spec.get("dietary", []),
                dietary_other=spec.get("dietary_other", ""),
                notes=spec.get("notes", ""),
                updated_at=now,
            )
        rows.append(row)
    return rows


def _row(
    event: Event,
    user: User,
    place: PlaceKind,
    registered_at: dt.datetime,
    spec: dict[str, Any] | None = None,
) -> Registration:
    spec = spec or {}
    state = RegistrationState(spec.get("state", "confirmed"))
    badge_name = spec.get("badge_name", "")
    row = Registration(
        event_id=event.id,
        user=user,
        place_kind=place,
        state=state,
        badge_name=badge_name,
        pronouns=spec.get("pronouns", user.pronouns or ""),
        affiliation=spec.get("affiliation", ""),
        search_name=fold_for_search(f"{badge_name} {user.display_name}"),
        code_of_conduct_version=1,
        code_of_conduct_accepted_at=registered_at,
        created_at=registered_at,
        updated_at=registered_at,
    )
    if state in (RegistrationState.WAITLISTED, RegistrationState.OFFERED):
        row.waitlisted_at = registered_at
    if state == RegistrationState.CANCELLED:
        row.cancelled_at = registered_at + dt.timedelta(days=2)
    db.session.add(row)
    return row


def _answer(
    registration: Registration, questions: list[RegistrationQuestion], position: int
) -> None:
    """Every third person skips the questions; the others answer in turn."""
    if position % 3 == 2:
        return
    for question in questions:
        if question.kind == QuestionKind.BOOLEAN:
            value: Any = "yes" if position % 2 == 0 else "no"
        else:
            value = [question.choices[position % len(question.choices)]]
        registration.answers.append(RegistrationAnswer(question=question, value=value))
