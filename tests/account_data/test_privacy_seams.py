"""Seams between the data download, deletion and the committee's audit trail (privacy audit)."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

from sqlalchemy import select

from organizer.enums import EventRoleName, ProposalState
from organizer.extensions import db
from organizer.models import (
    AllocationLine,
    AllocationRun,
    Answer,
    AuditEntry,
)
from organizer.services import account_deletion, audit, feeds, personal_data, uploads
from organizer.services.cfp import assignment, co_speakers, decisions
from organizer.services.grants import offers
from organizer.services.print import booklet
from organizer.services.reviewing import redaction
from tests.factories import NOW, PASSWORD, grant_role, login_as, make_proposal, make_user


def _data(user) -> str:
    raw = personal_data.archive(user=user, now=NOW)
    return zipfile.ZipFile(io.BytesIO(raw)).read("data.json").decode()


def test_the_download_does_not_name_the_reviewers_of_ones_proposal(world):
    # Blind review: the organizer assigns Rita to Ana's proposal; the audit entry on Ana's
    # proposal names Rita. Ana's download must not tell her who reviews her.
    rita = make_user(name="Rita Reviewer", email="rita@example.org")
    grant_role(rita, world.event, EventRoleName.REVIEWER)
    mine = make_proposal(world.event, world.ana, title="Tidal energy", abstract="On tides.")
    assignment.assign(actor=world.organizer, proposal=mine, reviewer=rita, now=NOW)
    # ...and pencils in a decision that is not published yet
    decisions.decide(actor=world.organizer, proposal=mine, outcome=ProposalState.ACCEPTED, now=NOW)
    db.session.flush()
    text = _data(world.ana)
    assert "Rita Reviewer" not in text
    assert f'"reviewer_id": {rita.id}' not in text
    assert "pending_decision" not in text and "decision.set" not in text


def test_the_download_holds_no_co_speakers_address_and_no_committee_pins(world):
    # Bo invites Cara onto a proposal Ana shares: Cara's address is Cara's data.
    co_speakers.invite_co_speaker(
        actor=world.ana, proposal=world.draft, email="cara@example.org", now=NOW
    )
    entry = db.session.query(AuditEntry).filter_by(action="proposal.co_speaker.invite").one()
    entry.actor_id = world.bo.id  # as if the other speaker had invited her
    offers.set_pin(actor=world.organizer, application=world.application, pin="fund", now=NOW)
    db.session.flush()
    data = json.loads(_data(world.ana))
    text = json.dumps(data)
    assert "cara@example.org" not in text
    assert "grant.pin" not in text and '"fund"' not in text


def test_deletion_removes_the_reviewers_name_from_the_committees_assignment_entries(world):
    # The organizer assigned Ana (a reviewer) to Bo's proposal: the entry, written by the
    # organizer about Bo's proposal, names Ana. After Ana deletes her account it names nobody.
    bos = make_proposal(world.event, world.bo, title="Tidal maps", abstract="On maps.")
    assignment.assign(actor=world.organizer, proposal=bos, reviewer=world.ana, now=NOW)
    db.session.commit()
    pseudonym, _files = account_deletion.delete_account(
        actor=world.ana, password=PASSWORD, confirmation=world.ana.email, now=NOW
    )
    db.session.commit()
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "review.assign")).one()
    assert "Ana Lima" not in json.dumps(entry.details)
    assert entry.details["reviewer"] == pseudonym


def test_deletion_leaves_entries_that_merely_contain_a_short_name_alone(world):
    world.ana.display_name = "Al"
    audit.record(
        action="cfp.track.create",
        actor=world.organizer,
        now=NOW,
        object_type="track",
        event=world.event,
        details={"name": "Digital archives"},
    )
    db.session.commit()
    account_deletion.delete_account(
        actor=world.ana, password=PASSWORD, confirmation=world.ana.email, now=NOW
    )
    db.session.commit()
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "cfp.track.create")
    ).one()
    assert entry.details == {"name": "Digital archives"}


def test_the_event_audit_log_hides_the_review_of_an_organizers_own_proposal(client, world):
    # Olga organizes and speaks: Carl handles her proposal. The event's audit log must not
    # tell her who reviews it or what Carl pencilled in; Carl still sees both.
    rita = make_user(name="Rita Reviewer", email="rita@example.org")
    grant_role(rita, world.event, EventRoleName.REVIEWER)
    hers = make_proposal(world.event, world.organizer, title="Tidal energy", abstract="Tides.")
    assignment.assign(actor=world.co_organizer, proposal=hers, reviewer=rita, now=NOW)
    decisions.decide(
        actor=world.co_organizer, proposal=hers, outcome=ProposalState.REJECTED, now=NOW
    )
    offers.set_pin(actor=world.co_organizer, application=world.bo_application, pin="fund", now=NOW)
    db.session.commit()
    url = f"/manage/{world.event.slug}/audit"
    login_as(client, world.co_organizer)
    page = client.get(url).get_data(as_text=True)
    assert "Rita Reviewer" in page and "pending_decision" in page
    login_as(client, world.organizer)
    page = client.get(url).get_data(as_text=True)
    assert "Rita Reviewer" not in page
    assert "pending_decision" not in page
    assert "grant.pin" in page  # someone else's application: still listed


def test_feeds_cached_by_another_worker_do_not_keep_the_deleted_name(client, world):
    # Deletion clears this process's feed caches; a second gunicorn worker keeps its own.
    # Its cached copies must not be served once the release is renamed.
    slug = world.event.slug
    urls = [f"/{slug}/schedule.xml", f"/{slug}/schedule.json", f"/{slug}/schedule.ics"]
    for url in urls:
        assert "Ana Lima" in client.get(url).get_data(as_text=True)
    other_worker = (dict(feeds._prepared.items), dict(feeds._rendered.items))
    account_deletion.delete_account(
        actor=world.ana,
        password=PASSWORD,
        confirmation=world.ana.email,
        now=NOW + dt.timedelta(days=1),
    )
    db.session.commit()
    db.session.expire_all()
    feeds._prepared.items.update(other_worker[0])  # what the other worker still holds
    feeds._rendered.items.update(other_worker[1])
    for url in urls:
        assert "Ana Lima" not in client.get(url).get_data(as_text=True), url


def test_printed_programmes_cached_with_the_name_are_removed(client, world):
    slug = world.event.slug
    assert client.get(f"/{slug}/programme.pdf").status_code == 200
    cached = sorted(booklet.cache_dir().glob(f"{world.event.id}-*.pdf"))
    assert cached  # the booklet that names Ana
    _pseudonym, files = account_deletion.delete_account(
        actor=world.ana,
        password=PASSWORD,
        confirmation=world.ana.email,
        now=NOW + dt.timedelta(days=1),
    )
    db.session.commit()
    account_deletion.remove_files(files)
    assert not any(path.exists() for path in cached)


def test_the_event_audit_log_hides_the_committees_work_on_an_organizers_own_application(world):
    # Ana's application is the organizer's own for this test: make Olga its applicant.
    world.application.applicant_id = world.organizer.id
    run = AllocationRun(programme_id=world.programme.id, budget=100_000, created_at=NOW)
    db.session.add(run)
    db.session.flush()
    line = AllocationLine(run_id=run.id, application_id=world.application.id, total=40_000)
    db.session.add(line)
    db.session.flush()
    for object_type, object_id, action in (
        ("grant_application", world.application.public_id, "grant.offer"),
        ("grant_application", world.application.id, "grant_application.message"),
        ("allocation_line", line.id, "grants.allocation_adjust"),
    ):
        audit.record(
            action=action,
            actor=world.co_organizer,
            now=NOW,
            object_type=object_type,
            object_id=object_id,
            event=world.event,
            details={"total": 12_345},
        )
    db.session.flush()

    def actions(viewer):
        query = audit.entries_for_event(world.event, viewer=viewer)
        return {e.action for e in db.session.scalars(query)}

    hidden = {"grant.offer", "grant_application.message", "grants.allocation_adjust"}
    assert hidden <= actions(world.co_organizer)
    assert not hidden & actions(world.organizer)


REDACTED = b"%PDF-1.4\n% Bo's slides, redacted by the committee\n%%EOF\n"


def _redact_bos_file(world):
    question_id = next(a.question_id for a in world.bo_proposal.answers if a.upload_id)
    answer = redaction.set_redacted_file(
        actor=world.co_organizer,
        proposal=world.bo_proposal,
        question_id=question_id,
        stream=io.BytesIO(REDACTED),
        filename="bo-chen-redacted.pdf",
        now=NOW,
    )
    db.session.commit()
    return answer


def test_an_organizers_download_holds_no_redacted_copy_of_a_speakers_file(world):
    _redact_bos_file(world)
    raw = personal_data.archive(user=world.co_organizer, now=NOW)
    archive = zipfile.ZipFile(io.BytesIO(raw))
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert b"redacted by the committee" not in everything
    assert b"bo-chen-redacted" not in everything


def test_deleting_the_organizer_who_redacted_a_file_keeps_the_redacted_version(world):
    answer = _redact_bos_file(world)
    upload_id = answer.redacted_upload_id
    _pseudonym, files = account_deletion.delete_account(
        actor=world.co_organizer,
        password=PASSWORD,
        confirmation=world.co_organizer.email,
        now=NOW + dt.timedelta(days=1),
    )
    db.session.commit()
    account_deletion.remove_files(files)
    db.session.expire_all()
    answer = db.session.get(Answer, answer.id)
    assert answer.redacted_upload_id == upload_id  # reviewers keep the redacted version
    assert uploads.path_of(answer.redacted_upload).read_bytes() == REDACTED
