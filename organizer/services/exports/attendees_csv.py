"""The organizers' attendee list as CSV, for a spreadsheet: the list's filters, one line per
registration, every cell guarded against formula injection.

Never access needs (only the access coordinator sees a person's, in the app) and never survey
answers: neither is loaded here. Answers to the registration's own questions are included
when the question is shown to the team (not "organizers only") and is not a file.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from organizer.enums import QuestionKind
from organizer.extensions import db
from organizer.models import Event, Registration, RegistrationAnswer, RegistrationQuestion
from organizer.services.exports.cells import write_rows
from organizer.services.registration.attendees import AttendeeFilters, attendees, shown_name
from organizer.services.timefmt import in_zone


def exported_questions(event: Event) -> list[RegistrationQuestion]:
    return list(
        db.session.scalars(
            select(RegistrationQuestion)
            .where(
                RegistrationQuestion.event_id == event.id,
                RegistrationQuestion.visible_to_reviewers.is_(True),
                RegistrationQuestion.kind != QuestionKind.FILE,
            )
            .order_by(RegistrationQuestion.position, RegistrationQuestion.id)
        )
    )


def _answers(event: Event, question_ids: list[int]) -> dict[int, dict[int, Any]]:
    """Registration id -> question id -> value, for the event, in one query."""
    found: dict[int, dict[int, Any]] = defaultdict(dict)
    if not question_ids:
        return found
    for registration_id, question_id, value in db.session.execute(
        select(
            RegistrationAnswer.registration_id,
            RegistrationAnswer.question_id,
            RegistrationAnswer.value,
        )
        .join(Registration, Registration.id == RegistrationAnswer.registration_id)
        .where(Registration.event_id == event.id, RegistrationAnswer.question_id.in_(question_ids))
    ):
        found[registration_id][question_id] = value
    return found


def _answer_text(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return "" if value is None else str(value)


def _local(value: Any, zone: str) -> str:
    local = in_zone(value, zone)
    return local.strftime("%Y-%m-%d %H:%M") if local is not None else ""


def render(event: Event, filters: AttendeeFilters) -> str:
    registrations = attendees(event, filters)
    questions = exported_questions(event)
    answers = _answers(event, [q.id for q in questions])
    header = [
        _("Name"),
        _("Badge name"),
        _("Email"),
        _("Pronouns"),
        _("Affiliation"),
        _("Kind of place"),
        _("State"),
        _("Reserved for"),
        _("Waived"),
        _("Checked in at (%(zone)s)", zone=event.timezone),
        _("Registered at (%(zone)s)", zone=event.timezone),
        *(q.text for q in questions),
    ]
    rows: list[list[Any]] = [header]
    for registration in registrations:
        own = answers.get(registration.id, {})
        rows.append(
            [
                shown_name(registration),
                registration.badge_name,
                registration.user.email,
                registration.pronouns,
                registration.affiliation,
                registration.place_kind.name if registration.place_kind else "",
                registration.state.value,
                registration.reserved_for.value if registration.reserved_for else "",
                _("yes") if registration.waived else _("no"),
                _local(registration.checked_in_at, event.timezone),
                _local(registration.created_at, event.timezone),
                *(_answer_text(own.get(q.id)) for q in questions),
            ]
        )
    return write_rows(rows)
