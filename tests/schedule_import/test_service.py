"""The import service: the preview writes nothing and says what will happen and why; the
import creates rooms, tracks, days, sessions and people; a second import of the same file
updates in place; only the event's organizers may do either."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from organizer.enums import EventRoleName, PlenaryKind, ProposalState, SlotKind
from organizer.errors import PermissionDenied
from organizer.extensions import db
from organizer.models import (
    AuditEntry,
    OutboxMessage,
    Proposal,
    ProposalSpeaker,
    Room,
    ScheduleDay,
    ScheduleRelease,
    SessionMaterial,
    SessionType,
    Slot,
    SpeakerProfile,
    Track,
    User,
)
from organizer.services.imports import people
from organizer.services.imports import schedule as importer
from organizer.services.imports.schedule_formats import read_schedule
from tests.factories import NOW, grant_role, make_user
from tests.schedule_import.conftest import corpus, parsed

MODELS = (
    Room,
    Track,
    SessionType,
    ScheduleDay,
    Slot,
    Proposal,
    ProposalSpeaker,
    User,
    SpeakerProfile,
    SessionMaterial,
    ScheduleRelease,
    AuditEntry,
)


def counts() -> dict[str, int]:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in MODELS}


def test_the_preview_writes_nothing_and_says_what_and_why(target, organizer):
    before = counts()
    preview = importer.preview_schedule(
        parsed=parsed("pretalx.json"), event=target, actor=organizer
    )
    db.session.commit()
    assert counts() == before
    summary = preview.summary
    assert summary["room"] == {"create": 2, "update": 0, "keep": 0}
    assert summary["session"] == {"create": 4, "update": 0, "keep": 0}
    assert summary["speaker"]["create"] == 4  # Eleni counted once across her two sessions
    assert summary["type"]["create"] == 2  # Talk, Workshop; the lunch is a plenary item
    assert [d.name for d in preview.lines if d.kind == "day"] == ["2026-05-14", "2026-05-15"]
    # Shown in the event's zone (Lisbon), not the file's (Athens) nor UTC.
    maps = next(line for line in preview.lines if line.name == "Χάρτες και δίκτυα")
    assert maps.detail.startswith("2026-05-14 08:00, 30 min, Αίθουσα Γ")
    assert any("Europe/Athens" in note for note in preview.notes)
    reasons = {(s["what"], s["where"]): s["reason"] for s in preview.skipped}
    assert reasons[("session", "day 1, room Αίθουσα Γ")] == "it has no title"
    assert "too dark" in reasons[("colour", "Κοινότητα")]
    assert importer.Preview.from_dict(preview.as_dict()) == preview


def test_the_import_creates_the_schedule(target, organizer):
    result = importer.import_schedule(
        parsed=parsed("pretalx.json"), event=target, actor=organizer, now=NOW
    )
    db.session.commit()
    assert result.released is None  # a draft unless asked
    slots = {s.public_id: s for s in db.session.scalars(select(Slot).filter_by(event_id=target.id))}
    assert len(slots) == 4
    maps = slots["0b0a8b34-7d1c-5c5a-b3b6-1a6e7f000001"]
    assert maps.kind is SlotKind.TALK and maps.code == "RQ7UVW"
    assert maps.starts_at == dt.datetime(2026, 5, 14, 7, 0, tzinfo=dt.UTC)
    assert maps.room.name == "Αίθουσα Γ" and maps.room.capacity == 120
    assert maps.room.public_id == "5f2b7c1e-8a1d-4a4e-9a54-4d9e6a1b0c01"
    proposal = maps.proposal
    assert proposal.state is ProposalState.CONFIRMED and proposal.language == "el"
    assert proposal.track.name == "Data" and proposal.track.colour == "#dbeafe"
    assert proposal.session_type.name == "Talk"
    speakers = [s.user for s in proposal.speakers]
    assert [u.display_name for u in speakers] == ["Ελένη Παπαδοπούλου", "李小龍"]
    assert all(people.is_unclaimed(u) for u in speakers)
    assert speakers[0].email.endswith("@unclaimed.invalid")
    bio = db.session.scalar(select(SpeakerProfile.bio).filter_by(user_id=speakers[0].id))
    assert bio == "Ερευνήτρια."
    assert {(m.kind.value, m.url) for m in db.session.scalars(select(SessionMaterial))} == {
        ("slides", "https://files.example.org/maps.pdf"),
        ("recording", "https://media.example.org/v/maps"),
        ("other", "https://files.example.org/handout.pdf"),
    }
    lunch = slots["0b0a8b34-7d1c-5c5a-b3b6-1a6e7f000002"]
    assert lunch.kind is SlotKind.PLENARY and lunch.plenary_kind is PlenaryKind.BREAK
    # Eleni speaks twice and is one person.
    arabic = slots["0b0a8b34-7d1c-5c5a-b3b6-1a6e7f000006"].proposal
    assert arabic.speakers[1].user_id == speakers[0].id
    assert arabic.track.colour == ""  # too dark for the cards: left out, said in the preview
    # Over midnight (in Athens): the day runs to the end of its last session.
    days = {d.day: d for d in db.session.scalars(select(ScheduleDay).filter_by(event_id=target.id))}
    assert days[dt.date(2026, 5, 14)].ends_at == dt.datetime(2026, 5, 14, 22, 0, tzinfo=dt.UTC)
    assert target.starts_on <= dt.date(2026, 5, 14) and target.ends_on >= dt.date(2026, 5, 15)
    entry = db.session.scalar(select(AuditEntry).filter_by(action="schedule.import"))
    assert entry.details["sessions"] == 4


def test_importing_again_updates_instead_of_duplicating(target, organizer):
    importer.import_schedule(parsed=parsed("pretalx.json"), event=target, actor=organizer, now=NOW)
    db.session.commit()
    before = counts()
    again = importer.preview_schedule(parsed=parsed("pretalx.json"), event=target, actor=organizer)
    assert {line.action for line in again.lines} == {"keep"}
    importer.import_schedule(parsed=parsed("pretalx.json"), event=target, actor=organizer, now=NOW)
    db.session.commit()
    after = counts()
    assert after["AuditEntry"] == before["AuditEntry"] + 1
    assert {k: v for k, v in after.items() if k != "AuditEntry"} == {
        k: v for k, v in before.items() if k != "AuditEntry"
    }
    # A moved session and a changed title: updated in place.
    document = json.loads(corpus("pretalx.json"))
    first = document["schedule"]["conference"]["days"][0]["rooms"]["Αίθουσα Γ"][0]
    first["date"] = "2026-05-14T11:00:00+03:00"
    first["title"] = "Χάρτες"
    night = document["schedule"]["conference"]["days"][0]["rooms"]["Αίθουσα Γ"][2]
    night["persons"].append({"name": "Bo Chen"})
    changed = read_schedule(json.dumps(document).encode())
    preview = importer.preview_schedule(parsed=changed, event=target, actor=organizer)
    assert [(line.name, line.action) for line in preview.lines if line.action != "keep"] == [
        ("Bo Chen", "create"),
        ("Χάρτες", "update"),
        ("Midnight hacking", "update"),
    ]
    importer.import_schedule(parsed=changed, event=target, actor=organizer, now=NOW)
    db.session.commit()
    slot = db.session.scalar(select(Slot).filter_by(public_id=first["guid"]))
    assert slot.starts_at == dt.datetime(2026, 5, 14, 8, 0, tzinfo=dt.UTC)
    assert slot.proposal.title == "Χάρτες"
    night_slot = db.session.scalar(select(Slot).filter_by(public_id=night["guid"]))
    assert [s.user.display_name for s in night_slot.proposal.speakers] == ["Ana Lima", "Bo Chen"]
    assert counts()["Slot"] == before["Slot"]


def test_speakers_with_an_address_are_invited_and_known_people_reused(target, organizer):
    known = make_user(email="li@example.org", name="Li Xiaolong")
    document = json.loads(corpus("pretalx.json"))
    persons = document["schedule"]["conference"]["days"][0]["rooms"]["Αίθουσα Γ"][0]["persons"]
    persons[0]["email"] = "eleni@example.org"
    persons[1]["email"] = "LI@example.org"
    schedule = read_schedule(json.dumps(document).encode())
    result = importer.import_schedule(parsed=schedule, event=target, actor=organizer, now=NOW)
    db.session.commit()
    assert result.invited == 1  # Eleni; Li already has an account
    slot = db.session.scalar(
        select(Slot).filter_by(public_id="0b0a8b34-7d1c-5c5a-b3b6-1a6e7f000001")
    )
    users = [s.user for s in slot.proposal.speakers]
    assert users[1].id == known.id and not people.is_unclaimed(known)
    assert users[0].email == "eleni@example.org" and people.is_unclaimed(users[0])
    (invitation,) = db.session.scalars(select(OutboxMessage))
    assert (
        invitation.to_address == "eleni@example.org" and "/account/claim/" in invitation.body_text
    )


def test_released_or_draft(target, organizer):
    result = importer.import_schedule(
        parsed=parsed("frab.xml"), event=target, actor=organizer, now=NOW, release=True
    )
    db.session.commit()
    assert result.released == 1 and not result.not_released
    # The same file again: nothing changed, so nothing to release; the import itself stands.
    again = importer.import_schedule(
        parsed=parsed("frab.xml"), event=target, actor=organizer, now=NOW, release=True
    )
    db.session.commit()
    assert again.released is None and "Nothing changed" in again.not_released
    assert db.session.scalar(select(func.count()).select_from(ScheduleRelease)) == 1


@pytest.mark.parametrize("role", [None, EventRoleName.REVIEWER])
def test_only_organizers_may_preview_or_import(target, role):
    someone = make_user()
    if role is not None:
        grant_role(someone, target, role)
    before = counts()
    with pytest.raises(PermissionDenied):
        importer.preview_schedule(parsed=parsed("frab.xml"), event=target, actor=someone)
    with pytest.raises(PermissionDenied):
        importer.import_schedule(parsed=parsed("frab.xml"), event=target, actor=someone, now=NOW)
    assert counts() == before
