"""Bulk mail (services/bulk_mail.py): who is in each group, filling in, checks, sending."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from organizer.enums import EventRoleName, GrantState, OutboxState, ProposalState
from organizer.errors import NotFound, PermissionDenied, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import AuditEntry, MailBatch, MailBatchRecipient, OutboxMessage
from organizer.services import bulk_mail, placeholders
from tests.factories import (
    NOW,
    grant_role,
    make_application,
    make_cfp,
    make_event,
    make_programme,
    make_proposal,
    make_user,
    track,
)


@dataclasses.dataclass
class World:
    event: object
    organizer: object
    ana: object  # accepted talk, and a rejected one
    bo: object  # confirmed talk (co-speaker with Ana on it), Methods track
    cy: object  # rejected only
    dee: object  # withdrawn proposal; grant applicant (submitted)
    eve: object  # grantee
    rita: object  # reviewer
    gus: object  # grant reviewer


@pytest.fixture
def world() -> World:
    organizer = make_user(name="Olga Organizer")
    event = make_event(organizer=organizer, name="Tides 2027")
    make_cfp(event)
    ana = make_user(name="Ana Lima", email="ana@example.org")
    bo = make_user(name="Bo Chen", email="bo@example.org")
    cy = make_user(name="Cy Diaz", email="cy@example.org")
    dee = make_user(name="Dee Ek", email="dee@example.org")
    eve = make_user(name="Eve Fu", email="eve@example.org")
    rita = make_user(name="Rita Reviewer", email="rita@example.org")
    gus = make_user(name="Gus Grants", email="gus@example.org")
    methods, other = track(event, "Methods"), track(event, "Applications")
    make_proposal(event, ana, state=ProposalState.ACCEPTED, title="Tidal energy", track=other)
    make_proposal(event, ana, state=ProposalState.REJECTED, title="Wave maps", track=other)
    make_proposal(
        event,
        bo,
        state=ProposalState.CONFIRMED,
        title="Sea & <salt>",
        co_speakers=(ana,),
        track=methods,
    )
    make_proposal(event, cy, state=ProposalState.REJECTED, title="Rejected", track=methods)
    make_proposal(event, dee, state=ProposalState.WITHDRAWN, title="Withdrawn", track=methods)
    make_proposal(event, make_user(), state=ProposalState.DRAFT, title="Draft")
    programme = make_programme(event)
    make_application(programme, dee, state=GrantState.SUBMITTED)
    make_application(programme, eve, state=GrantState.ACCEPTED)
    make_application(programme, make_user(), state=GrantState.DRAFT)
    grant_role(rita, event, EventRoleName.REVIEWER)
    grant_role(gus, event, EventRoleName.GRANT_REVIEWER)
    grant_role(bo, event, EventRoleName.REVIEWER)
    return World(event, organizer, ana, bo, cy, dee, eve, rita, gus)


def names(event, group, track_=None) -> list[str]:
    return [r.user.display_name for r in bulk_mail.recipients(event, group, track_).people]


def test_each_group_holds_its_people_once(world):
    event = world.event
    assert names(event, "accepted_speakers") == ["Ana Lima", "Bo Chen"]
    assert names(event, "rejected_speakers") == ["Ana Lima", "Cy Diaz"]
    assert names(event, "submitters") == ["Ana Lima", "Bo Chen", "Cy Diaz", "Dee Ek"]
    assert names(event, "grant_applicants") == ["Dee Ek", "Eve Fu"]
    assert names(event, "grantees") == ["Eve Fu"]
    assert names(event, "reviewers") == ["Bo Chen", "Rita Reviewer"]
    assert names(event, "grant_reviewers") == ["Gus Grants"]
    assert names(event, "team") == ["Bo Chen", "Gus Grants", "Olga Organizer", "Rita Reviewer"]


def test_a_speaker_with_several_proposals_is_one_recipient_with_all_of_them(world):
    found = bulk_mail.recipients(world.event, "accepted_speakers").people
    ana = next(r for r in found if r.user == world.ana)
    assert sorted(p.title for p in ana.proposals) == ["Sea & <salt>", "Tidal energy"]


def test_the_track_filter_keeps_that_tracks_speakers(world):
    methods = track(world.event, "Methods")
    assert names(world.event, "accepted_speakers", methods) == ["Ana Lima", "Bo Chen"]
    found = bulk_mail.recipients(world.event, "accepted_speakers", methods).people
    ana = next(r for r in found if r.user == world.ana)
    assert [p.title for p in ana.proposals] == ["Sea & <salt>"]
    assert names(world.event, "rejected_speakers", methods) == ["Cy Diaz"]


def test_unverified_and_deleted_accounts_are_skipped_and_counted(world):
    world.cy.email_verified_at = None
    world.ana.deleted_at = NOW
    found = bulk_mail.recipients(world.event, "rejected_speakers")
    assert found.people == []
    assert (found.unverified, found.deleted, found.skipped) == (1, 1, 2)


def test_another_events_people_are_not_in_the_group(world):
    other = make_event(organizer=make_user())
    make_cfp(other)
    make_proposal(other, make_user(name="Zed"), state=ProposalState.ACCEPTED)
    assert "Zed" not in names(world.event, "accepted_speakers")
    assert names(other, "accepted_speakers") == ["Zed"]


def draft(world, **changes) -> MailBatch:
    values = {
        "actor": world.organizer,
        "event": world.event,
        "group": "accepted_speakers",
        "subject": "{event}: your talk",
        "body": "Hello {name},\n\nYour talks: {proposal_titles}\n{proposal_urls}\n"
        "Home: {home_url}\nQuestions: {contact_email}\n",
        "now": NOW,
        **changes,
    }
    return bulk_mail.save_draft(**values)


def test_placeholders_are_filled_per_person(world):
    batch = draft(world)
    found = bulk_mail.recipients_of(batch).people
    bo = bulk_mail.render(batch, next(r for r in found if r.user == world.bo))
    assert bo.to == "bo@example.org"
    assert bo.subject == "Tides 2027: your talk"
    assert "Hello Bo Chen," in bo.body and "Your talks: “Sea & <salt>”" in bo.body
    assert "/cfp/proposals/" in bo.body and "/home/" in bo.body
    assert "team@example.org" in bo.body and "Tidal energy" not in bo.body
    ana = bulk_mail.render(batch, next(r for r in found if r.user == world.ana))
    assert "“Sea & <salt>”, “Tidal energy”" in ana.body
    assert ana.body.count("/cfp/proposals/") == 2


def test_placeholder_values_hold_nothing_but_name_event_and_own_items(world):
    found = bulk_mail.recipients(world.event, "grantees").people
    values = bulk_mail.values_for(world.event, found[0])
    assert set(values) == set(bulk_mail.PLACEHOLDERS)  # no survey answers, nothing else
    assert "/grants/applications/" in values["application_urls"]


def test_unknown_placeholders_are_refused_by_name(world):
    with pytest.raises(ValidationFailed) as refused:
        draft(world, subject="Hi {nmae}", body="{name} {gender} {name}")
    assert "{nmae}" in refused.value.errors["subject"]
    assert "{gender}" in refused.value.errors["body"]


def test_placeholders_of_another_group_are_refused(world):
    with pytest.raises(ValidationFailed) as refused:
        draft(world, group="reviewers", body="Your talks: {proposal_titles}")
    assert "{proposal_titles}" in refused.value.errors["body"]
    with pytest.raises(ValidationFailed) as refused:
        draft(world, body="{application_urls}")
    assert "{application_urls}" in refused.value.errors["body"]


def test_the_shared_filler_leaves_unknown_braces_and_format_tricks_alone():
    values = {"name": "Ana"}
    assert placeholders.fill("{name} {0} {name.__class__} {x}", values) == (
        "Ana {0} {name.__class__} {x}"
    )
    assert placeholders.check({"a": "{x} {name}"}, ["name"]) == {
        "a": "Unknown placeholder {x}. Use only the ones listed."
    }


def test_a_draft_needs_a_group_subject_text_and_a_track_of_the_event(world):
    with pytest.raises(ValidationFailed) as refused:
        draft(world, group="everyone")
    assert "group" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        draft(world, subject=" ", body="")
    assert set(refused.value.errors) == {"subject", "body"}
    elsewhere = make_event()
    make_cfp(elsewhere)
    other_track = track(elsewhere, "Methods")
    with pytest.raises(ValidationFailed) as refused:
        draft(world, track_id=other_track.id)
    assert "track" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        draft(world, group="grantees", body="Hi", track_id=track(world.event, "Methods").id)
    assert "track" in refused.value.errors


def test_only_the_events_organizers_may_write_or_send(world):
    other_organizer = make_user()
    make_event(organizer=other_organizer)
    for person in (world.rita, world.gus, world.ana, other_organizer):
        with pytest.raises(PermissionDenied):
            draft(world, actor=person)
    batch = draft(world)
    for person in (world.rita, other_organizer):
        with pytest.raises(PermissionDenied):
            bulk_mail.send_batch(actor=person, batch=batch, expected=2, now=NOW)
        with pytest.raises(PermissionDenied):
            bulk_mail.batch_in_event(actor=person, event=world.event, public_id=batch.public_id)
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_a_batch_is_found_only_through_its_own_event(world):
    batch = draft(world)
    other_organizer = make_user()
    other = make_event(organizer=other_organizer)
    with pytest.raises(NotFound):
        bulk_mail.batch_in_event(actor=other_organizer, event=other, public_id=batch.public_id)


def _messages() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.to_address)))


def test_sending_queues_one_message_per_person_and_records_it(world):
    batch = draft(world)
    assert bulk_mail.send_batch(actor=world.organizer, batch=batch, expected=2, now=NOW) == 2
    messages = _messages()
    assert [m.to_address for m in messages] == ["ana@example.org", "bo@example.org"]
    assert all(m.purpose == "bulk_mail" and m.event_id == world.event.id for m in messages)
    assert "Hello Ana Lima" in messages[0].body_text and "Hello Bo Chen" in messages[1].body_text
    assert batch.sent_at == NOW and batch.recipient_count == 2
    rows = db.session.scalars(select(MailBatchRecipient)).all()
    assert {r.outbox_message_id for r in rows} == {m.id for m in messages}
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "mail_batch.send")
    ).one()
    assert entry.actor_id == world.organizer.id and entry.event_id == world.event.id
    assert entry.details["group"] == "accepted_speakers"
    assert entry.details["subject"] == "{event}: your talk"
    assert entry.details["recipients"] == 2


def test_a_batch_is_sent_once(world):
    batch = draft(world)
    bulk_mail.send_batch(actor=world.organizer, batch=batch, expected=2, now=NOW)
    with pytest.raises(WrongState):
        bulk_mail.send_batch(actor=world.organizer, batch=batch, expected=2, now=NOW)
    with pytest.raises(WrongState):
        draft(world, batch=batch, subject="Changed")
    assert len(_messages()) == 2


def test_a_group_that_changed_since_the_preview_sends_nothing(world):
    batch = draft(world)
    make_proposal(world.event, make_user(), state=ProposalState.ACCEPTED)
    with pytest.raises(WrongState, match="now has 3 people"):
        bulk_mail.send_batch(actor=world.organizer, batch=batch, expected=2, now=NOW)
    assert _messages() == [] and batch.sent_at is None


def test_an_empty_group_sends_nothing(world):
    batch = draft(world, group="grant_reviewers", body="Hi {name}")
    world.gus.email_verified_at = None
    with pytest.raises(ValidationFailed):
        bulk_mail.send_batch(actor=world.organizer, batch=batch, expected=0, now=NOW)


def test_delivery_counts_follow_the_outbox(world):
    first = draft(world)
    bulk_mail.send_batch(actor=world.organizer, batch=first, expected=2, now=NOW)
    second = draft(world, group="reviewers", body="Hi {name}")
    bulk_mail.send_batch(actor=world.organizer, batch=second, expected=2, now=NOW)
    messages = db.session.scalars(
        select(OutboxMessage)
        .join(MailBatchRecipient, MailBatchRecipient.outbox_message_id == OutboxMessage.id)
        .where(MailBatchRecipient.batch_id == first.id)
        .order_by(OutboxMessage.id)
    ).all()
    messages[0].state = OutboxState.SENT
    messages[1].state = OutboxState.FAILED
    db.session.flush()
    counts = bulk_mail.delivery([first.id, second.id])
    assert counts[first.id] == bulk_mail.Delivery(delivered=1, pending=0, failed=1)
    assert counts[second.id] == bulk_mail.Delivery(delivered=0, pending=2, failed=0)
    assert bulk_mail.delivery([]) == {}
