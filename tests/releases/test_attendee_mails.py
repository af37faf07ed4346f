"""Releases: the mails to attendees with an account who starred a session that the release
moved, put in another room or cancelled (through the real SMTP server)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from organizer.enums import ProposalState, SlotKind
from organizer.extensions import db
from organizer.models import OutboxMessage
from organizer.services import agendas, mail
from organizer.services.scheduling import release_mail, releases
from tests.factories import (
    NOW,
    lisbon,
    make_room,
    make_schedule_event,
    make_slot,
    make_talk,
    make_user,
)

LATER = NOW + dt.timedelta(days=1)
LATEST = NOW + dt.timedelta(days=2)


@pytest.fixture
def world():
    organizer = make_user(name="Olga Organizer")
    event = make_schedule_event(organizer, name="Lisbon Workshop")
    aula = make_room(event, "Aula", position=0)
    sala = make_room(event, "Sala", position=1)
    speaker = make_user(name="Sam Speaker")
    w = SimpleNamespace(organizer=organizer, event=event, aula=aula, sala=sala, speaker=speaker)
    w.moved = make_talk(event, speaker, title="Moved", room=aula, starts_at=lisbon(27, 10))
    w.rehoused = make_talk(event, title="Rehoused", room=aula, starts_at=lisbon(27, 11))
    w.quits = make_talk(event, title="Quits", room=aula, starts_at=lisbon(27, 12))
    w.kept = make_talk(event, title="Kept", room=sala, starts_at=lisbon(27, 10))
    w.first = release(w)
    mail.deliver(now=NOW)
    return w


def release(world, now=NOW, **kwargs):
    return releases.release(event=world.event, actor=world.organizer, now=now, **kwargs)


def codes(world) -> set[str]:
    return {entry["code"] for entry in releases.latest(world.event).sessions}


def starring(world, *slots, user=None):
    """An agenda (of `user`, or anonymous) with `slots` starred."""
    agenda = agendas.create(event=world.event, now=NOW, user=user)
    for slot in slots:
        agendas.star(
            event=world.event, agenda=agenda, code=slot.code, released=codes(world), now=NOW
        )
    return agenda


def change_things(world):
    """Moves one session, rehouses one, cancels one, keeps one, adds one."""
    world.moved.starts_at = lisbon(27, 14)
    world.rehoused.room_id = world.sala.id
    world.quits.proposal.state = ProposalState.WITHDRAWN
    make_talk(world.event, title="Added", room=world.sala, starts_at=lisbon(28, 10))
    db.session.flush()


def attendee_mails() -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.purpose == release_mail.ATTENDEE_MAIL_PURPOSE)
        )
    )


def test_one_mail_per_watcher_listing_their_changed_sessions(world, mailbox):
    ana = make_user(name="Ana Attendee")
    starring(world, world.moved, world.quits, world.kept, user=ana)
    mailbox.clear()
    change_things(world)

    second = release(world, now=LATER, comment="Rooms swapped.")
    mail.deliver(now=LATER)

    mails = mailbox.to(ana.email)
    assert len(mails) == 1
    message = mails[0]
    assert message["Subject"] == "2 sessions in your agenda changed"
    body = mailbox.text(message)
    assert "Hello Ana Attendee," in body
    assert "Version 2 of the schedule of Lisbon Workshop changes 2 sessions you starred" in body
    assert "“Moved”" in body
    assert "Before: Saturday 27 March, 10:00\N{EN DASH}10:20, Aula" in body
    assert "Now: Saturday 27 March, 14:00\N{EN DASH}14:20, Aula" in body
    assert "“Quits”" in body
    assert "Cancelled. It was planned for: Saturday 27 March, 12:00\N{EN DASH}12:20, Aula" in body
    # Unchanged, or changed but not starred: not listed.
    assert "Kept" not in body and "Rehoused" not in body and "Added" not in body
    assert "Rooms swapped." in body
    slug = world.event.slug
    assert mailbox.link(message, f"/{slug}/agenda/") == f"/{slug}/agenda/"
    assert f"http://organizer.test/{slug}/agenda/" in body
    assert mailbox.link(message, f"/{slug}/schedule/changes/")
    html = mailbox.html(message)
    assert "<del>Saturday 27 March, 10:00" in html and f"/{slug}/agenda/" in html
    assert not list(message.iter_attachments())  # the personal feed updates by itself
    (row,) = attendee_mails()
    assert row.idempotency_key == f"agenda_changed:{second.id}:{ana.id}"


def test_a_single_change_names_the_session_in_the_subject(world, mailbox):
    bo = make_user(name="Bo Attendee")
    starring(world, world.rehoused, user=bo)
    mailbox.clear()
    change_things(world)
    release(world, now=LATER)
    mail.deliver(now=LATER)
    message = mailbox.last(bo.email)
    assert message["Subject"] == "Changed in your agenda: Rehoused"
    body = mailbox.text(message)
    assert "changes a session you starred" in body
    assert "Before: Saturday 27 March, 11:00\N{EN DASH}11:20, Aula" in body
    assert "Now: Saturday 27 March, 11:00\N{EN DASH}11:20, Sala" in body


def test_who_gets_no_mail(world, mailbox):
    calm = make_user(name="Calm Attendee")  # starred only what did not change
    starring(world, world.kept, user=calm)
    starring(world, world.moved, world.quits)  # anonymous agenda: no address, no mail
    stranger = make_user(name="Stranger")  # an agenda, nothing starred
    agendas.create(event=world.event, now=NOW, user=stranger)
    mailbox.clear()
    change_things(world)
    release(world, now=LATER)
    mail.deliver(now=LATER)
    assert attendee_mails() == []
    assert mailbox.to(calm.email) == [] and mailbox.to(stranger.email) == []


def test_a_star_on_an_added_session_is_news_only_when_it_changes(world, mailbox):
    dee = make_user(name="Dee Attendee")
    change_things(world)
    release(world, now=LATER)
    added = next(e for e in releases.latest(world.event).sessions if e["title"] == "Added")
    agenda = agendas.create(event=world.event, now=LATER, user=dee)
    agendas.star(
        event=world.event, agenda=agenda, code=added["code"], released=codes(world), now=LATER
    )
    world.kept.starts_at = lisbon(27, 16)  # something else changes: nothing for Dee
    db.session.flush()
    release(world, now=LATEST)
    assert attendee_mails() == []


def test_a_speaker_who_starred_their_own_session_gets_only_the_speaker_mail(world, mailbox):
    starring(world, world.moved, world.rehoused, user=world.speaker)
    mailbox.clear()
    change_things(world)
    release(world, now=LATER)
    mail.deliver(now=LATER)
    subjects = sorted(m["Subject"] for m in mailbox.to(world.speaker.email))
    # The speaker mail about their own talk, and the attendee mail only about the other one.
    assert subjects == ["Changed in your agenda: Rehoused", "New time: Moved"]
    (attendee,) = [m for m in mailbox.to(world.speaker.email) if m["Subject"].startswith("Changed")]
    assert "“Moved”" not in mailbox.text(attendee)


def test_a_speaker_watching_only_their_own_session_gets_no_attendee_mail(world, mailbox):
    starring(world, world.moved, user=world.speaker)
    mailbox.clear()
    change_things(world)
    release(world, now=LATER)
    mail.deliver(now=LATER)
    assert [m["Subject"] for m in mailbox.to(world.speaker.email)] == ["New time: Moved"]
    assert attendee_mails() == []


def test_talks_of_a_moved_block_are_listed(world, mailbox):
    block = make_slot(
        world.event,
        kind=SlotKind.CONTAINER,
        room=world.sala,
        starts_at=lisbon(27, 15),
        duration_minutes=20,
    )
    inside = make_talk(world.event, title="Lightning one", parent_id=block.id, duration_minutes=5)
    release(world, now=LATER)
    eve = make_user(name="Eve Attendee")
    starring(world, inside, user=eve)
    mailbox.clear()
    block.starts_at = lisbon(27, 16)
    db.session.flush()
    release(world, now=LATEST)
    mail.deliver(now=LATEST)
    body = mailbox.text(mailbox.last(eve.email))
    assert "Now: Saturday 27 March, 16:00\N{EN DASH}16:20, Sala" in body
    assert "Lightning one" in body


def test_mails_are_queued_once_and_in_the_persons_language(world, mailbox):
    fay = make_user(name="Fay Attendee")
    fay.locale = "en"
    starring(world, world.moved, user=fay)
    change_things(world)
    second = release(world, now=LATER)
    # Queuing again for the same release (a retried job) adds nothing.
    release_mail.tell_attendees(
        event=world.event, release=second, previous=world.first.sessions, now=LATER
    )
    count = db.session.scalar(
        select(func.count()).where(
            OutboxMessage.idempotency_key == f"agenda_changed:{second.id}:{fay.id}"
        )
    )
    assert count == 1
    mail.deliver(now=LATER)
    assert len(mailbox.to(fay.email)) == 1


def test_cancelled_session_whose_slot_id_is_missing_from_an_old_snapshot(world, mailbox):
    gil = make_user(name="Gil Attendee")
    starring(world, world.quits, user=gil)
    # A snapshot written before entries carried slot ids: the slot is found by its uid.
    old = [{k: v for k, v in e.items() if k != "slot_id"} for e in world.first.sessions]
    world.first.sessions = old
    db.session.flush()
    world.quits.proposal.state = ProposalState.CANCELLED
    db.session.flush()
    release(world, now=LATER)
    mail.deliver(now=LATER)
    assert mailbox.last(gil.email)["Subject"] == "Changed in your agenda: Quits"


def test_other_events_stars_do_not_count(world, mailbox):
    other = make_schedule_event(make_user(), name="Other")
    make_room(other, "Hall")
    hal = make_user(name="Hal Attendee")
    # Hal has an agenda in the other event only.
    agendas.create(event=other, now=NOW, user=hal)
    change_things(world)
    release(world, now=LATER)
    assert attendee_mails() == []
