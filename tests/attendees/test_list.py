"""The attendee list query: filters, search folding, sorting by the name shown, and a fixed
number of queries."""

from __future__ import annotations

import datetime as dt

from flask_sqlalchemy.pagination import Pagination

from organizer.enums import RegistrationState, ReservedFor
from organizer.extensions import db
from organizer.services.registration import attendees as service
from organizer.services.registration.attendees import AttendeeFilters
from tests.factories import NOW, make_event, make_user
from tests.registration_factories import make_place_kind, make_registration, make_settings


def names(event, **filters) -> list[str]:
    rows = service.attendees(event, AttendeeFilters(**filters))
    return [service.shown_name(r) for r in rows]


def build():
    event = make_event()
    make_settings(event)
    in_person = make_place_kind(event, "In person")
    remote = make_place_kind(event, "Remote", position=1)
    make_registration(event, make_user(name="Zoë Zander"), place_kind=in_person)
    make_registration(
        event,
        make_user(name="Ayşe Y\u0131lmaz"),  # a dotless i
        badge_name="Ayşe",
        place_kind=remote,
        reserved_for=ReservedFor.SPEAKER,
        checked_in_at=NOW,
    )
    make_registration(
        event,
        make_user(name="bruno Alves"),
        state=RegistrationState.WAITLISTED,
        waived=True,
        reserved_for=ReservedFor.GRANTEE,
    )
    make_registration(event, make_user(name="Chen Wei"), state=RegistrationState.CANCELLED)
    other = make_event()
    make_registration(other, make_user(name="Elsewhere Person"))
    return event, in_person, remote


def test_everyone_sorted_by_the_name_shown_case_insensitively(app):
    event, *_ = build()
    assert names(event) == ["Ayşe", "bruno Alves", "Chen Wei", "Zoë Zander"]


def test_each_filter(app):
    event, in_person, remote = build()
    assert names(event, state=RegistrationState.WAITLISTED) == ["bruno Alves"]
    assert names(event, place_kind_id=remote.id) == ["Ayşe"]
    assert names(event, place_kind_id=in_person.id) == ["Zoë Zander"]
    assert names(event, place_kind_id=0) == ["bruno Alves", "Chen Wei"]
    assert names(event, reserved_for="speaker") == ["Ayşe"]
    assert names(event, reserved_for="grantee") == ["bruno Alves"]
    assert names(event, reserved_for=service.NOT_RESERVED) == ["Chen Wei", "Zoë Zander"]
    assert names(event, waived=True) == ["bruno Alves"]
    assert names(event, waived=False) == ["Ayşe", "Chen Wei", "Zoë Zander"]
    assert names(event, checked_in=True) == ["Ayşe"]
    assert names(event, checked_in=False) == ["bruno Alves", "Chen Wei", "Zoë Zander"]
    assert names(event, state=RegistrationState.CONFIRMED, checked_in=False) == ["Zoë Zander"]


def test_search_ignores_accents_and_case_and_finds_either_name(app):
    event, *_ = build()
    assert names(event, query="ayse") == ["Ayşe"]
    assert names(event, query="YILMAZ") == ["Ayşe"]  # the account name, dotless i folded
    assert names(event, query="zoe zan") == ["Zoë Zander"]
    assert names(event, query="ALVES bru") == ["bruno Alves"]
    assert names(event, query="nobody") == []
    assert names(event, query="%") == []  # a wildcard is a character, not a pattern
    assert names(event, query="Elsewhere") == []  # another event's people never show


def test_state_counts_cover_every_state(app):
    event, *_ = build()
    counts = service.state_counts(event)
    assert counts[RegistrationState.CONFIRMED] == 2
    assert counts[RegistrationState.WAITLISTED] == 1
    assert counts[RegistrationState.CANCELLED] == 1
    assert counts[RegistrationState.REJECTED] == 0
    assert set(counts) == set(RegistrationState)


def test_a_page_runs_the_same_number_of_queries_for_5_and_40(app, queries):
    event = make_event()
    kind = make_place_kind(event)

    def grow(n: int) -> None:
        for _ in range(n):
            make_registration(event, place_kind=kind, checked_in_at=NOW - dt.timedelta(hours=1))

    def count() -> int:
        db.session.commit()
        db.session.expire_all()
        queries.clear()
        page = db.paginate(
            service.attendee_query(event, AttendeeFilters(query="person")), page=1, per_page=25
        )
        assert isinstance(page, Pagination)
        for registration in page.items:
            service.shown_name(registration)
            _ = registration.place_kind.name if registration.place_kind else ""
        return len(queries)

    grow(5)
    small = count()
    grow(35)
    large = count()
    assert small == large, (small, large)
