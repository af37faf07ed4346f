"""The person's own registrations: what they gave (badge name, pronouns, affiliation, answers
to the registration's questions), where the registration stands, and their access needs while
the event keeps them (they are deleted at its purge date)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from organizer.extensions import db
from organizer.models import Registration, RegistrationAnswer, RegistrationQuestion
from organizer.services.personal_data.person import Person, json_value


def registrations(person: Person) -> list[dict[str, Any]]:
    """One entry per registration, in three queries whatever their number."""
    rows = list(
        db.session.scalars(
            select(Registration)
            .where(Registration.user_id == person.uid)
            .options(joinedload(Registration.place_kind), joinedload(Registration.access_needs))
            .order_by(Registration.id)
        ).unique()
    )
    answers: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for registration_id, text, value, upload_id in db.session.execute(
        select(
            RegistrationAnswer.registration_id,
            RegistrationQuestion.text,
            RegistrationAnswer.value,
            RegistrationAnswer.upload_id,
        )
        .join(RegistrationQuestion, RegistrationQuestion.id == RegistrationAnswer.question_id)
        .join(Registration, Registration.id == RegistrationAnswer.registration_id)
        .where(Registration.user_id == person.uid)
        .order_by(RegistrationQuestion.position, RegistrationQuestion.id)
    ):
        answers[registration_id].append(
            {"question": text, "value": value, "file": person.file_of(upload_id)}
        )
    return [_entry(person, r, answers.get(r.id, [])) for r in rows]


def _entry(person: Person, r: Registration, answers: list[dict[str, Any]]) -> dict[str, Any]:
    needs = r.access_needs
    return {
        "event": person.slugs.get(r.event_id),
        "public_id": r.public_id,
        "state": json_value(r.state),
        "place_kind": r.place_kind.name if r.place_kind else None,
        "reserved_for": json_value(r.reserved_for),
        "waived": r.waived,
        "badge_name": r.badge_name,
        "pronouns": r.pronouns,
        "affiliation": r.affiliation,
        "show_grantee_ribbon": r.show_grantee_ribbon,
        "code_of_conduct_version": r.code_of_conduct_version,
        "code_of_conduct_accepted_at": json_value(r.code_of_conduct_accepted_at),
        "registered_at": json_value(r.created_at),
        "waitlisted_at": json_value(r.waitlisted_at),
        "offered_at": json_value(r.offered_at),
        "respond_by": json_value(r.respond_by),
        "cancelled_at": json_value(r.cancelled_at),
        "checked_in_at": json_value(r.checked_in_at),
        "answers": answers,
        "access_needs": None
        if needs is None
        else {
            "needs": list(needs.needs),
            "dietary": list(needs.dietary),
            "dietary_other": needs.dietary_other,
            "notes": needs.notes,
            "updated_at": json_value(needs.updated_at),
        },
    }
