"""Releases: the snapshot, the change log, sequences, what refuses a release, and the speakers'
mails with their .ics (through the real SMTP server)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from icalendar import Calendar
from sqlalchemy import select

from organizer.enums import (
    ConflictRule,
    EventRoleName,
    PlenaryKind,
    ProposalState,
    Severity,
    SlotKind,
)
from organizer.errors import PermissionDenied, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    AuditEntry,
    OutboxMessage,
    ReviewPhase,
    ScheduleRelease,
    ScheduleSettings,
)
from organizer.services import mail
from organizer.services.scheduling import release_changes, release_mail, release_snapshot, releases
from tests.factories import (
    NOW,
    grant_role,
    lisbon,
    make_cfp,
    make_event,
    make_proposal,
    make_room,
    make_schedule_event,
    make_slot,
    make_talk,
    make_user,
)

LATER = NOW + dt.timedelta(days=1)
LATEST = NOW + dt.timedelta(days=2)

SNAPSHOT_KEYS = {
    "uid",
    "code",
    "track_id",
    "session_type_id",
    "slot_id",
    "kind",
    "title",
    "plenary_kind",
    "container_kind",
    "all_rooms",
    "room_id",
    "room",
    "starts_at",
    "ends_at",
    "duration",
    "proposal",
    "abstract",
    "track",
    "session_type",
    "language",
    "speakers",
    "parent",
    "children",
    "position",
    "stream_url",
    "sequence",
}


@pytest.fixture
def world():
    organizer = make_user(name="Olga Organizer")
    event = make_schedule_event(organizer, name="Lisbon Workshop")
    return SimpleNamespace(
        organizer=organizer,
        event=event,
        aula=make_room(event, "Aula", position=0),
        sala=make_room(event, "Sala", position=1),
    )


def talk(world, title: str, *, at=None, speaker=None, co=(), **fields):
    """A confirmed talk; its speaker, unless given, is named after it (the mails say who)."""
    speaker = speaker or make_user(name=f"Speaker of {title}")
    return make_talk(world.event, speaker, title=title, starts_at=at, co_speakers=co, **fields)


def release(world, now=NOW, **kwargs) -> ScheduleRelease:
    return releases.release(event=world.event, actor=world.organizer, now=now, **kwargs)


def types(changes) -> dict[str, str]:
    return {change["title"]: change["type"] for change in changes}


def by_title(entries) -> dict[str, dict]:
    return {entry["title"]: entry for entry in entries}


def ics_of(message) -> Calendar:
    attachments = [p for p in message.iter_attachments() if p.get_filename() == "session.ics"]
    assert len(attachments) == 1
    assert attachments[0].get_content_type() == "text/calendar"
    return Calendar.from_ical(attachments[0].get_payload(decode=True))


# --- the snapshot -----------------------------------------------------------------------------


def test_snapshot_format_and_order(world):
    event = world.event
    world.aula.stream_url, world.aula.stream_public = "https://stream.example/aula", True
    world.sala.stream_url, world.sala.stream_public = "https://meet.example/private", False
    second = talk(world, "Second in Aula", room=world.aula, at=lisbon(27, 11))
    first = talk(world, "First in Sala", room=world.sala, at=lisbon(27, 10))
    talk(
        world,
        "Own stream",
        room=world.sala,
        at=lisbon(27, 11),
        stream_url="https://stream.example/own",
        stream_public=True,
    )
    lunch = make_slot(
        event,
        kind=SlotKind.PLENARY,
        title="Lunch",
        plenary_kind=PlenaryKind.LUNCH,
        all_rooms=True,
        room=world.sala,
        starts_at=lisbon(27, 12),
        duration_minutes=60,
    )
    talk(world, "Not placed")
    cancelled = make_proposal(event, state=ProposalState.CANCELLED, title="Cancelled talk")
    make_slot(event, cancelled, room=world.aula, starts_at=lisbon(27, 15))

    entries = release_snapshot.snapshot(event)

    assert [e["title"] for e in entries] == [
        "First in Sala",
        "Second in Aula",
        "Own stream",
        "Lunch",
    ]
    assert all(set(e) == SNAPSHOT_KEYS for e in entries)
    entry = by_title(entries)["Second in Aula"]
    speaker = second.proposal.speakers[0].user
    assert entry == {
        "uid": second.public_id,
        "code": second.code,
        "slot_id": second.id,
        "kind": "talk",
        "title": "Second in Aula",
        "plenary_kind": None,
        "container_kind": None,
        "all_rooms": False,
        "room_id": world.aula.id,
        "room": "Aula",
        "starts_at": "2027-03-27T11:00:00+00:00",
        "ends_at": "2027-03-27T11:20:00+00:00",
        "duration": 20,
        "proposal": second.proposal.public_id,
        "abstract": "We study things.",
        "track": "Methods",
        "track_id": second.proposal.track_id,
        "session_type": "Talk",
        "session_type_id": second.proposal.session_type_id,
        "language": "en",
        "speakers": [{"id": speaker.id, "name": speaker.display_name}],
        "parent": None,
        "children": [],
        "position": 0,
        "stream_url": "https://stream.example/aula",  # the room's public link
        "sequence": 0,
    }
    assert by_title(entries)["First in Sala"]["stream_url"] == ""  # the room's link is private
    assert by_title(entries)["Own stream"]["stream_url"] == "https://stream.example/own"
    meal = by_title(entries)["Lunch"]
    assert (meal["uid"], meal["kind"], meal["plenary_kind"]) == (
        lunch.public_id,
        "plenary",
        "lunch",
    )
    assert (meal["all_rooms"], meal["room_id"], meal["room"]) == (True, None, "")
    assert meal["speakers"] == [] and meal["proposal"] is None and meal["track"] is None
    assert first.public_id in {e["uid"] for e in entries}


def test_talks_in_a_block_take_its_room_and_times(world):
    block = make_slot(
        world.event,
        kind=SlotKind.CONTAINER,
        title="Lightning talks",
        room=world.aula,
        starts_at=lisbon(28, 15),
        duration_minutes=30,
    )
    second = talk(world, "B second", parent_id=block.id, position=1)
    first = talk(world, "Z first", parent_id=block.id, position=0)
    talk(world, "Before", room=world.aula, at=lisbon(28, 14))

    entries = release_snapshot.snapshot(world.event)

    assert [e["title"] for e in entries] == ["Before", "Lightning talks", "Z first", "B second"]
    container = by_title(entries)["Lightning talks"]
    assert container["children"] == [first.public_id, second.public_id]
    assert container["container_kind"] == "lightning"
    for child in (by_title(entries)["Z first"], by_title(entries)["B second"]):
        assert child["parent"] == block.public_id
        assert (child["room"], child["starts_at"], child["ends_at"]) == (
            "Aula",
            "2027-03-28T14:00:00+00:00",  # 15:00 in Lisbon summer time
            "2027-03-28T14:30:00+00:00",
        )


# --- the change log ---------------------------------------------------------------------------


def place(uid, title, room_id, room, start, end="2027-03-27T10:20:00+00:00", sequence=0):
    return {
        "uid": uid,
        "title": title,
        "room_id": room_id,
        "room": room,
        "all_rooms": False,
        "starts_at": start,
        "ends_at": end,
        "sequence": sequence,
    }


def test_change_log_types():
    ten, eleven = "2027-03-27T10:00:00+00:00", "2027-03-27T11:00:00+00:00"
    end11 = "2027-03-27T11:20:00+00:00"
    previous = [
        place("same", "Same", 1, "Aula", ten),
        place("time", "Time", 1, "Aula", ten),
        place("room", "Room", 1, "Aula", ten),
        place("both", "Both", 1, "Aula", ten),
        place("gone", "Gone", 1, "Aula", ten, sequence=2),
        place("quit", "Quit", 1, "Aula", ten, sequence=2),
    ]
    current = [
        place("same", "Same", 1, "Aula", ten),
        place("time", "Time", 1, "Aula", eleven, end11),
        place("room", "Room", 2, "Sala", ten),
        place("both", "Both", 2, "Sala", eleven, end11),
        place("new", "New", 2, "Sala", ten),
    ]
    changes = release_changes.change_log(previous, current, cancelled_uids={"quit"})
    assert types(changes) == {
        "Time": "moved",
        "Room": "room_changed",
        "Both": "moved_and_room_changed",
        "New": "added",
        "Gone": "removed",
        "Quit": "cancelled",
    }
    both = next(c for c in changes if c["uid"] == "both")
    assert both["before"] == {
        "room": "Aula",
        "all_rooms": False,
        "starts_at": ten,
        "ends_at": ten[:11] + "10:20:00+00:00",
    }
    assert both["after"]["room"] == "Sala" and both["after"]["starts_at"] == eleven
    gone = next(c for c in changes if c["uid"] == "gone")
    quit_ = next(c for c in changes if c["uid"] == "quit")
    assert gone["after"] is None and gone["sequence"] == 2
    assert quit_["after"] is None and quit_["sequence"] == 3  # a cancellation updates the entry
    # Sorted by time, then type: everything at 10:00 first, the moves to 11:00 last.
    assert [c["uid"] for c in changes] == ["new", "room", "quit", "gone", "time", "both"]
    assert release_changes.change_log(previous, current, cancelled_uids={"quit"}) == changes


def test_first_change_log_adds_everything():
    current = [place("a", "A", 1, "Aula", "2027-03-27T10:00:00+00:00")]
    assert types(release_changes.change_log(None, current)) == {"A": "added"}
    assert release_changes.change_log(current, current) == []


# --- releasing --------------------------------------------------------------------------------


def test_first_release(world, mailbox):
    ana, bo = make_user(name="Ana Lima"), make_user(name="Bo Chen")
    paired = talk(world, "Paired", room=world.aula, at=lisbon(27, 10), speaker=ana, co=(bo,))
    talk(world, "Solo", room=world.sala, at=lisbon(27, 10))

    made = release(world, comment="  First draft.  ")

    assert (made.number, made.comment, made.released_at) == (1, "First draft.", NOW)
    assert made.released_by_id == world.organizer.id
    assert types(made.changes) == {"Paired": "added", "Solo": "added"}
    assert {e["sequence"] for e in made.sessions} == {0}
    assert releases.latest(world.event).id == made.id
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "schedule.release")
    ).one()
    assert entry.object_id == str(made.id) and entry.details["number"] == 1
    assert release_mail.speakers_told(made) == 3

    mail.deliver(now=NOW)
    message = mailbox.last(ana.email)
    assert message["Subject"] == "In the schedule: Paired"
    body = mailbox.text(message)
    assert "Saturday 27 March, 10:00\N{EN DASH}10:20, Aula" in body
    assert "/schedule/changes/" in mailbox.link(message, f"/{world.event.slug}/schedule/changes/")
    assert "session.ics" in body and "First draft." in body
    assert "Aula" in mailbox.html(message)
    vevent = ics_of(message).walk("VEVENT")[0]
    assert str(vevent["UID"]) == f"{paired.public_id}@organizer.test"
    assert int(vevent["SEQUENCE"]) == 0
    assert vevent.decoded("DTSTAMP") == NOW
    assert str(ics_of(message)["METHOD"]) == "PUBLISH"
    assert len(mailbox.to(bo.email)) == 1


def test_second_release_logs_changes_bumps_sequences_and_mails_only_changed(world, mailbox):
    keep = talk(world, "Kept", room=world.aula, at=lisbon(27, 9))
    moved = talk(world, "Moved", room=world.aula, at=lisbon(27, 10))
    rehoused = talk(world, "Rehoused", room=world.aula, at=lisbon(27, 11))
    both = talk(world, "Both", room=world.aula, at=lisbon(27, 12))
    retitled = talk(world, "Retitled", room=world.sala, at=lisbon(27, 9))
    first = release(world)
    mail.deliver(now=NOW)
    first_mail = {
        speaker: mailbox.last(speaker.email)
        for slot in (keep, moved)
        for speaker in [slot.proposal.speakers[0].user]
    }
    mailbox.clear()

    moved.starts_at = lisbon(27, 14)
    rehoused.room_id = world.sala.id
    both.room_id, both.starts_at = world.sala.id, lisbon(27, 15)
    retitled.proposal.title = "A better title"
    added = talk(world, "Added", room=world.sala, at=lisbon(28, 10))
    db.session.flush()

    second = release(world, now=LATER, comment="Rooms swapped.")

    assert second.number == 2
    assert types(second.changes) == {
        "Moved": "moved",
        "Rehoused": "room_changed",
        "Both": "moved_and_room_changed",
        "Added": "added",
    }
    sequences = {e["title"]: e["sequence"] for e in second.sessions}
    assert sequences == {
        "Kept": 0,
        "Moved": 1,
        "Rehoused": 1,
        "Both": 1,
        "A better title": 1,  # not in the change log, but the calendar entry changed
        "Added": 0,
    }
    assert first.sessions != second.sessions

    mail.deliver(now=LATER)
    speakers = {
        slot.proposal.speakers[0].user.email: slot for slot in (moved, rehoused, both, added)
    }
    assert {m["To"] for m in mailbox.messages} == set(speakers)
    message = mailbox.last(moved.proposal.speakers[0].user.email)
    assert message["Subject"] == "New time: Moved"
    body = mailbox.text(message)
    assert "Before: Saturday 27 March, 10:00\N{EN DASH}10:20, Aula" in body
    assert "Now: Saturday 27 March, 14:00\N{EN DASH}14:20, Aula" in body
    assert "Rooms swapped." in body
    old = ics_of(first_mail[moved.proposal.speakers[0].user]).walk("VEVENT")[0]
    new = ics_of(message).walk("VEVENT")[0]
    assert str(new["UID"]) == str(old["UID"]) == f"{moved.public_id}@organizer.test"
    assert int(new["SEQUENCE"]) > int(old["SEQUENCE"])
    assert new.decoded("DTSTART").astimezone(dt.UTC) == lisbon(27, 14)
    assert mailbox.last(both.proposal.speakers[0].user.email)["Subject"] == (
        "New time and room: Both"
    )


def test_cancelled_and_removed_sessions(world, mailbox):
    quits = talk(world, "Quits", room=world.aula, at=lisbon(27, 10))
    shelved = talk(world, "Shelved", room=world.aula, at=lisbon(27, 11))
    coffee = make_slot(
        world.event, kind=SlotKind.PLENARY, room=world.sala, starts_at=lisbon(27, 10)
    )
    release(world)
    mail.deliver(now=NOW)
    mailbox.clear()

    quits.proposal.state = ProposalState.WITHDRAWN
    shelved.room_id, shelved.starts_at = None, None
    db.session.delete(coffee)
    db.session.flush()
    second = release(world, now=LATER)

    assert types(second.changes) == {
        "Quits": "cancelled",
        "Shelved": "removed",
        "Coffee break": "removed",
    }
    assert second.sessions == []
    mail.deliver(now=LATER)
    speaker = quits.proposal.speakers[0].user
    assert [m["To"] for m in mailbox.messages] == [speaker.email]  # removals send nothing
    message = mailbox.last(speaker.email)
    assert message["Subject"] == "Taken off the schedule: Quits"
    assert "It was planned for" in mailbox.text(message)
    vevent = ics_of(message).walk("VEVENT")[0]
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert str(vevent["UID"]) == f"{quits.public_id}@organizer.test"
    assert int(vevent["SEQUENCE"]) == 1


def test_a_session_put_back_after_removal_moves_its_sequence_forward(world):
    slot = talk(world, "Back again", room=world.aula, at=lisbon(27, 10))
    release(world)
    slot.starts_at = lisbon(27, 11)
    db.session.flush()
    assert by_title(release(world, now=LATER).sessions)["Back again"]["sequence"] == 1
    slot.room_id, slot.starts_at = None, None
    other = talk(world, "Keeps the release non-empty", room=world.sala, at=lisbon(27, 9))
    db.session.flush()
    assert types(release(world, now=LATEST).changes)["Back again"] == "removed"
    slot.room_id, slot.starts_at = world.aula.id, lisbon(27, 11)
    other.starts_at = lisbon(27, 9)
    db.session.flush()
    fourth = release(world, now=LATEST + dt.timedelta(hours=1))
    assert types(fourth.changes) == {"Back again": "added"}
    assert by_title(fourth.sessions)["Back again"]["sequence"] == 2


def test_talks_in_a_moved_block_get_mails(world, mailbox):
    block = make_slot(
        world.event,
        kind=SlotKind.CONTAINER,
        room=world.aula,
        starts_at=lisbon(27, 15),
        duration_minutes=20,
    )
    inside = talk(world, "Lightning one", parent_id=block.id, duration_minutes=5)
    release(world)
    mail.deliver(now=NOW)
    mailbox.clear()
    block.starts_at = lisbon(27, 16)
    db.session.flush()
    second = release(world, now=LATER)
    assert types(second.changes) == {"Lightning talks": "moved", "Lightning one": "moved"}
    mail.deliver(now=LATER)
    speaker = inside.proposal.speakers[0].user
    message = mailbox.last(speaker.email)
    assert "It is part of “Lightning talks”." in mailbox.text(message)
    vevent = ics_of(message).walk("VEVENT")[0]
    assert str(vevent["UID"]) == f"{inside.public_id}@organizer.test"
    assert vevent.decoded("DTSTART").astimezone(dt.UTC) == lisbon(27, 16)
    assert int(vevent["SEQUENCE"]) == 1


def test_blocking_conflicts_refuse_the_release(world):
    shared = make_user(name="Busy Speaker")
    talk(world, "One", room=world.aula, at=lisbon(27, 10), speaker=shared)
    talk(world, "Two", room=world.sala, at=lisbon(27, 10), speaker=shared)
    talk(world, "Three", room=world.aula, at=lisbon(27, 10))

    preview = releases.preview(world.event)
    assert {c.rule for c in preview.blocking} == {
        ConflictRule.ROOM_OVERLAP,
        ConflictRule.SPEAKER_DOUBLE_BOOKED,
    }
    with pytest.raises(WrongState) as refused:
        release(world)
    assert "2 conflicts block a release" in refused.value.message
    assert preview.blocking[0].message in refused.value.message
    assert releases.latest(world.event) is None


def test_a_rule_set_to_warning_does_not_block(world):
    db.session.add(
        ScheduleSettings(
            event_id=world.event.id,
            severities={ConflictRule.ROOM_OVERLAP.value: Severity.WARNING.value},
            updated_at=NOW,
        )
    )
    talk(world, "One", room=world.aula, at=lisbon(27, 10))
    talk(world, "Two", room=world.aula, at=lisbon(27, 10))
    preview = releases.preview(world.event)
    assert preview.blocking == [] and len(preview.warnings) == 1
    assert release(world).number == 1


def test_nothing_changed_is_refused_except_the_first(world):
    assert release(world).sessions == []  # the first release, even of an empty schedule
    talk(world, "One", room=world.aula, at=lisbon(27, 10))
    db.session.flush()
    assert release(world, now=LATER).number == 2
    with pytest.raises(WrongState, match="Nothing changed since version 2"):
        release(world, now=LATEST)
    assert (
        db.session.scalar(select(ScheduleRelease.number).order_by(ScheduleRelease.id.desc())) == 2
    )


def test_a_stale_preview_is_refused(world):
    slot = talk(world, "One", room=world.aula, at=lisbon(27, 10))
    seen = releases.preview(world.event).fingerprint
    slot.starts_at = lisbon(27, 11)
    db.session.flush()
    with pytest.raises(WrongState, match="changed while you were looking"):
        release(world, expected=seen)
    assert release(world, expected=releases.preview(world.event).fingerprint).number == 1


def test_only_organizers_release_and_comments_have_a_limit(world):
    reviewer = make_user()
    grant_role(reviewer, world.event, EventRoleName.REVIEWER)
    with pytest.raises(PermissionDenied):
        releases.release(event=world.event, actor=reviewer, now=NOW)
    with pytest.raises(ValidationFailed) as refused:
        release(world, comment="x" * (releases.COMMENT_MAX + 1))
    assert "comment" in refused.value.errors
    assert releases.latest(world.event) is None


def test_preview_counts_recipients_and_unplaced(world):
    ana, bo = make_user(), make_user()
    talk(world, "Paired", room=world.aula, at=lisbon(27, 10), speaker=ana, co=(bo,))
    talk(world, "Waiting")
    preview = releases.preview(world.event)
    assert (preview.number, preview.recipients, preview.unplaced) == (1, 2, 1)
    assert preview.changed and preview.previous is None
    assert db.session.scalar(select(OutboxMessage.id)) is None  # a preview sends nothing


def test_one_mail_per_speaker_and_session_with_its_key(world):
    speaker = make_user()
    one = talk(world, "One", room=world.aula, at=lisbon(27, 10), speaker=speaker)
    two = talk(world, "Two", room=world.aula, at=lisbon(27, 11), speaker=speaker)
    made = release(world)
    keys = set(
        db.session.scalars(
            select(OutboxMessage.idempotency_key).where(OutboxMessage.to_address == speaker.email)
        )
    )
    assert keys == {
        f"schedule_changed:{made.id}:{one.public_id}:{speaker.id}",
        f"schedule_changed:{made.id}:{two.public_id}:{speaker.id}",
    }
    assert release_mail.speakers_told(made) == 1  # one person, two mails


def test_other_events_are_not_mixed_in(world):
    talk(world, "Mine", room=world.aula, at=lisbon(27, 10))
    other = make_event()
    make_cfp(other)
    release(world)
    assert releases.latest(other) is None
    assert release_snapshot.snapshot(other) == []


def test_two_releases_at_the_same_moment(world, monkeypatch):
    slot = talk(world, "One", room=world.aula, at=lisbon(27, 10))
    release(world)
    slot.starts_at = lisbon(27, 11)
    db.session.flush()
    # The second organizer's page was read before the first release was saved.
    monkeypatch.setattr(releases, "latest", lambda event: None)
    with pytest.raises(WrongState, match="released version 1 at the same moment"):
        release(world, now=LATER)
    monkeypatch.undo()
    assert [r.number for r in db.session.scalars(select(ScheduleRelease))] == [1]
    assert release(world, now=LATER).number == 2  # the session is still usable


# --- warnings that do not block (issue 16, bug 9) ---------------------------------------------


def test_the_preview_warns_of_review_still_open_and_speakers_not_confirmed(world):
    talk(world, "Confirmed", room=world.aula, at=lisbon(27, 10))
    waiting = talk(
        world, "Not confirmed", room=world.sala, at=lisbon(27, 10), state=ProposalState.ACCEPTED
    )
    talk(world, "Unplaced and not confirmed", state=ProposalState.ACCEPTED)
    make_proposal(world.event, title="Still in review")
    make_proposal(world.event, title="Also in review")
    make_proposal(world.event, title="Decided", state=ProposalState.REJECTED)
    make_proposal(world.event, title="A draft", state=ProposalState.DRAFT)

    preview = releases.preview(world.event, now=NOW)

    assert preview.review_open == releases.ReviewStillOpen(undecided=2, until=None)
    # Only placed sessions are released: the unplaced one is not named.
    assert preview.unconfirmed == (
        releases.Unconfirmed(title="Not confirmed", proposal_public_id=waiting.proposal.public_id),
    )
    # A warning, not a block.
    assert preview.blocking == []
    assert release(world).number == 1


def test_review_open_names_when_the_last_review_phase_ends(world):
    make_proposal(world.event, title="Still in review")
    ends = NOW + dt.timedelta(days=5)
    db.session.add_all(
        [
            ReviewPhase(
                event_id=world.event.id,
                name="Over",
                starts_at=NOW - dt.timedelta(days=9),
                ends_at=NOW - dt.timedelta(days=1),
            ),
            ReviewPhase(
                event_id=world.event.id,
                name="Discussion",
                starts_at=NOW,
                ends_at=NOW + dt.timedelta(days=20),
                can_review=False,
            ),
            ReviewPhase(event_id=world.event.id, name="Second round", starts_at=NOW, ends_at=ends),
        ]
    )
    db.session.flush()
    assert releases.preview(world.event, now=NOW).review_open == releases.ReviewStillOpen(
        undecided=1, until=ends
    )
    # Every phase over: the proposals still wait for a decision.
    later = NOW + dt.timedelta(days=6)
    assert releases.preview(world.event, now=later).review_open == releases.ReviewStillOpen(
        undecided=1, until=None
    )


def test_no_warning_once_everything_is_decided_and_confirmed(world):
    talk(world, "Confirmed", room=world.aula, at=lisbon(27, 10))
    make_proposal(world.event, title="Decided", state=ProposalState.WAITLISTED)
    preview = releases.preview(world.event, now=NOW)
    assert preview.review_open is None and preview.unconfirmed == ()
