"""Attendees' agendas (organizer/services/agendas.py): tokens, stars, counts and watchers."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from organizer.errors import NotFound, ValidationFailed
from organizer.extensions import db
from organizer.models import Agenda, AgendaStar
from organizer.services import agendas
from organizer.services.scheduling import releases
from organizer.services.scheduling.plan import build_plan
from tests.factories import NOW, lisbon, make_room, make_schedule_event, make_talk, make_user

LATER = NOW + dt.timedelta(hours=1)


@pytest.fixture
def world():
    organizer = make_user(name="Olga Organizer")
    event = make_schedule_event(organizer)
    aula = make_room(event, "Aula", position=0, capacity=100)
    one = make_talk(event, title="One", room=aula, starts_at=lisbon(27, 10))
    two = make_talk(event, title="Two", room=aula, starts_at=lisbon(27, 11))
    three = make_talk(event, title="Three", room=aula, starts_at=lisbon(27, 12))
    unplaced = make_talk(event, title="Not in the release")
    release = releases.release(event=event, actor=organizer, now=NOW)
    return SimpleNamespace(
        organizer=organizer,
        event=event,
        room=aula,
        one=one,
        two=two,
        three=three,
        unplaced=unplaced,
        released={entry["code"] for entry in release.sessions},
    )


def star(world, agenda, *slots, now=NOW):
    return [
        agendas.star(
            event=world.event, agenda=agenda, code=slot.code, released=world.released, now=now
        )
        for slot in slots
    ]


def other_event_with_a_released_talk():
    organizer = make_user()
    event = make_schedule_event(organizer)
    room = make_room(event, "Hall")
    talk = make_talk(event, title="Elsewhere", room=room, starts_at=lisbon(27, 10))
    releases.release(event=event, actor=organizer, now=NOW)
    return event, talk


# --- creating and finding ---------------------------------------------------------------------


def test_anonymous_agendas_are_each_their_own(world):
    first = agendas.create(event=world.event, now=NOW)
    second = agendas.create(event=world.event, now=NOW)
    assert first.id != second.id
    assert first.user_id is None and second.user_id is None
    assert first.token != second.token
    assert len(first.token) >= 32  # 24 random bytes
    assert (first.created_at, first.updated_at) == (NOW, NOW)
    assert agendas.by_token(world.event, first.token).id == first.id


def test_a_person_has_one_agenda_per_event(world):
    ana = make_user()
    mine = agendas.create(event=world.event, now=NOW, user=ana)
    assert mine.user_id == ana.id
    assert agendas.create(event=world.event, now=LATER, user=ana).id == mine.id
    assert agendas.of_user(world.event, ana).id == mine.id
    other, _ = other_event_with_a_released_talk()
    assert agendas.of_user(other, ana) is None
    elsewhere = agendas.create(event=other, now=NOW, user=ana)
    assert elsewhere.id != mine.id
    assert agendas.of_user(world.event, make_user()) is None


@pytest.mark.parametrize("token", ["", "short", "x" * 65, "a" * 32, "../../etc/passwd"])
def test_unknown_tokens_are_not_found(world, token):
    agendas.create(event=world.event, now=NOW)
    with pytest.raises(NotFound):
        agendas.by_token(world.event, token)


def test_a_token_of_another_event_is_not_found(world):
    other, _ = other_event_with_a_released_talk()
    theirs = agendas.create(event=other, now=NOW)
    with pytest.raises(NotFound):
        agendas.by_token(world.event, theirs.token)


def test_replacing_the_token_revokes_the_old_address_and_keeps_the_stars(world):
    agenda = agendas.create(event=world.event, now=NOW)
    star(world, agenda, world.one)
    old = agenda.token
    agendas.replace_token(agenda=agenda, now=LATER)
    assert agenda.token != old
    assert agenda.updated_at == LATER
    with pytest.raises(NotFound, match="replaced it"):
        agendas.by_token(world.event, old)
    found = agendas.by_token(world.event, agenda.token)
    assert found.id == agenda.id
    assert agendas.starred_codes(found) == {world.one.code}


# --- stars ------------------------------------------------------------------------------------


def test_star_and_unstar(world):
    agenda = agendas.create(event=world.event, now=NOW)
    assert star(world, agenda, world.one, world.two, now=LATER) == [True, True]
    assert agenda.updated_at == LATER
    assert star(world, agenda, world.one) == [False]  # already starred
    assert agendas.starred_codes(agenda) == {world.one.code, world.two.code}
    assert agendas.count(agenda) == 2
    assert agendas.unstar(event=world.event, agenda=agenda, code=world.one.code, now=NOW)
    assert not agendas.unstar(event=world.event, agenda=agenda, code=world.one.code, now=NOW)
    assert not agendas.unstar(event=world.event, agenda=agenda, code="nonesuch", now=NOW)
    assert agendas.starred_codes(agenda) == {world.two.code}


def test_only_sessions_of_the_release_can_be_starred(world):
    agenda = agendas.create(event=world.event, now=NOW)
    # A talk of this event that is not in the release, even if the caller says it is.
    with pytest.raises(NotFound):
        star(world, agenda, world.unplaced)
    with pytest.raises(NotFound):
        agendas.star(
            event=world.event, agenda=agenda, code="nonesuch", released={"nonesuch"}, now=NOW
        )
    # Another event's session, even with its code among the released ones.
    _, elsewhere = other_event_with_a_released_talk()
    with pytest.raises(NotFound):
        agendas.star(
            event=world.event,
            agenda=agenda,
            code=elsewhere.code,
            released={*world.released, elsewhere.code},
            now=NOW,
        )
    assert agendas.count(agenda) == 0


def test_an_agenda_holds_at_most_max_stars(world, monkeypatch):
    monkeypatch.setattr(agendas, "MAX_STARS", 2)
    agenda = agendas.create(event=world.event, now=NOW)
    star(world, agenda, world.one, world.two)
    with pytest.raises(ValidationFailed, match="at most 2 sessions"):
        star(world, agenda, world.three)
    assert star(world, agenda, world.one) == [False]  # starring again is not refused
    assert agendas.count(agenda) == 2


def test_replace_stars_makes_the_agenda_hold_exactly_the_released_codes(world):
    agenda = agendas.create(event=world.event, now=NOW)
    star(world, agenda, world.one, world.two)
    held = agendas.replace_stars(
        event=world.event,
        agenda=agenda,
        codes=[world.two.code, world.three.code, world.three.code, world.unplaced.code, "junk"],
        released=world.released,
        now=LATER,
    )
    assert held == 2
    assert agendas.starred_codes(agenda) == {world.two.code, world.three.code}
    assert agenda.updated_at == LATER
    assert (
        agendas.replace_stars(
            event=world.event, agenda=agenda, codes=[], released=world.released, now=LATER
        )
        == 0
    )
    assert agendas.count(agenda) == 0


def test_replace_stars_keeps_at_most_max_stars(world, monkeypatch):
    monkeypatch.setattr(agendas, "MAX_STARS", 2)
    agenda = agendas.create(event=world.event, now=NOW)
    codes = [world.one.code, world.two.code, world.three.code]
    assert (
        agendas.replace_stars(
            event=world.event, agenda=agenda, codes=codes, released=world.released, now=NOW
        )
        == 2
    )
    assert agendas.starred_codes(agenda) == {world.one.code, world.two.code}


def test_stars_of_another_agenda_are_left_alone(world):
    mine = agendas.create(event=world.event, now=NOW)
    theirs = agendas.create(event=world.event, now=NOW)
    star(world, theirs, world.one)
    star(world, mine, world.one)
    agendas.replace_stars(
        event=world.event, agenda=mine, codes=[], released=world.released, now=NOW
    )
    agendas.unstar(event=world.event, agenda=mine, code=world.one.code, now=NOW)
    assert agendas.starred_codes(theirs) == {world.one.code}


# --- counts and watchers ----------------------------------------------------------------------


def test_star_counts_count_every_agenda_of_the_event_in_one_query(world, queries):
    ana, bo = make_user(), make_user()
    star(world, agendas.create(event=world.event, now=NOW, user=ana), world.one, world.two)
    star(world, agendas.create(event=world.event, now=NOW, user=bo), world.one)
    star(world, agendas.create(event=world.event, now=NOW), world.one)
    other, elsewhere = other_event_with_a_released_talk()
    agendas.star(
        event=other,
        agenda=agendas.create(event=other, now=NOW, user=ana),
        code=elsewhere.code,
        released={elsewhere.code},
        now=NOW,
    )
    db.session.flush()
    queries.clear()
    counts = agendas.star_counts(world.event)
    assert len(queries) == 1
    assert counts == {world.one.id: 3, world.two.id: 1}
    assert agendas.star_counts(other) == {elsewhere.id: 1}


def test_watchers_are_people_with_an_account_who_starred_those_sessions(world, queries):
    ana, bo, cy = make_user(), make_user(), make_user()
    star(world, agendas.create(event=world.event, now=NOW, user=ana), world.one, world.two)
    star(world, agendas.create(event=world.event, now=NOW, user=bo), world.three)
    agendas.create(event=world.event, now=NOW, user=cy)  # nothing starred
    star(world, agendas.create(event=world.event, now=NOW), world.one)  # anonymous
    other, elsewhere = other_event_with_a_released_talk()
    agendas.star(
        event=other,
        agenda=agendas.create(event=other, now=NOW, user=cy),
        code=elsewhere.code,
        released={elsewhere.code},
        now=NOW,
    )
    db.session.flush()
    queries.clear()
    found = agendas.watchers(world.event, [world.one.id, world.two.id, world.one.id])
    assert len(queries) == 1
    assert found == {ana.id: {world.one.id, world.two.id}}
    assert agendas.watchers(world.event, [world.three.id, elsewhere.id]) == {
        bo.id: {world.three.id}
    }
    queries.clear()
    assert agendas.watchers(world.event, []) == {}
    assert queries == []


def test_deleting_an_agenda_deletes_its_stars(world):
    agenda = agendas.create(event=world.event, now=NOW)
    star(world, agenda, world.one)
    db.session.delete(agenda)
    db.session.flush()
    assert db.session.scalars(select(AgendaStar)).all() == []
    assert db.session.scalars(select(Agenda)).all() == []


# --- the expected audience --------------------------------------------------------------------


def test_stars_raise_the_expected_audience_when_more_than_the_estimate(world):
    world.one.expected_audience = 2  # fewer than its stars
    world.two.expected_audience = 50  # more than its stars
    for _ in range(3):
        star(world, agendas.create(event=world.event, now=NOW), world.one, world.two)
    db.session.flush()
    sessions = build_plan(world.event).sessions
    assert sessions[world.one.id].expected_audience == 3
    assert sessions[world.two.id].expected_audience == 50
    assert sessions[world.three.id].expected_audience is None  # no estimate, no stars
    star(world, agendas.create(event=world.event, now=NOW), world.three)
    db.session.flush()
    assert build_plan(world.event).sessions[world.three.id].expected_audience == 1


# --- two requests at once ---------------------------------------------------------------------


def test_a_second_request_creating_the_same_persons_agenda_gets_the_first(world, monkeypatch):
    ana = make_user()
    first = agendas.create(event=world.event, now=NOW, user=ana)
    real = agendas.of_user
    calls = []

    def not_yet(event, user):  # the other request had not committed when this one looked
        calls.append(user)
        return None if len(calls) == 1 else real(event, user)

    monkeypatch.setattr(agendas, "of_user", not_yet)
    assert agendas.create(event=world.event, now=LATER, user=ana).id == first.id
    assert len(calls) == 2
    assert db.session.scalars(select(Agenda).where(Agenda.user_id == ana.id)).all() == [first]


def test_a_second_request_starring_the_same_session_changes_nothing(world, monkeypatch):
    agenda = agendas.create(event=world.event, now=NOW)
    star(world, agenda, world.one)
    db.session.expunge_all()
    agenda = agendas.by_token(world.event, agenda.token)
    real_get = db.session.get
    monkeypatch.setattr(
        db.session,
        "get",
        lambda model, key, **kw: None if model is AgendaStar else real_get(model, key, **kw),
    )
    assert star(world, agenda, world.one) == [False]
    assert agendas.count(agenda) == 1
    assert agendas.starred_codes(agenda) == {world.one.code}
