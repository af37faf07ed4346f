"""Deleting an account: each kind of data, what keeps working for everyone else, the mail,
the audit log, registering again, and the refusals."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import zipfile

import pyotp
import pytest
from sqlalchemy import func, select

from organizer.enums import EventRoleName, GrantState, ProposalState
from organizer.errors import ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    Agenda,
    Answer,
    AuditEntry,
    EventRole,
    GrantApplication,
    GrantMessage,
    OutboxMessage,
    Payout,
    Proposal,
    ProposalInterest,
    ProposalSpeaker,
    Receipt,
    RecoveryCode,
    Review,
    ScheduleRelease,
    SpeakerProfile,
    TwoFactor,
    TwoFactorFailure,
    Upload,
    User,
)
from organizer.services import (
    account_deletion,
    accounts,
    personal_data,
    two_factor,
    uploads,
)
from organizer.services.grants import allocation
from organizer.services.representation import answering, pipeline
from tests.factories import NOW, PASSWORD, login_as, make_event, make_user

LATER = NOW + dt.timedelta(days=1)


def delete(world, **overrides):
    values = {"password": PASSWORD, "confirmation": world.ana.email, "now": LATER}
    values.update(overrides)
    pseudonym, files = account_deletion.delete_account(actor=world.ana, **values)
    db.session.commit()
    account_deletion.remove_files(files)
    db.session.expire_all()
    return pseudonym


def test_deletion_does_what_the_page_says(world):
    ana_id = world.ana.id
    draft_id, agenda_id, photo_id = world.draft.id, world.agenda.id, world.uploads["photo"].id
    paths = {key: uploads.path_of(upload) for key, upload in world.uploads.items()}
    # the copies made for reviewers and the redaction check go with their original
    derived = uploads.stored_paths(world.uploads["slides"])[1:]
    for path in derived:
        path.write_bytes(b"derived from Ana's slides")
    stages_before = {k: len(v) for k, v in pipeline.stage_people(world.event).items()}
    remaining_before = allocation.remaining_budget(world.programme)
    pseudonym = delete(world)

    ana = db.session.get(User, ana_id)
    assert pseudonym.startswith("Former participant ")
    assert ana.display_name == pseudonym and ana.deleted_at == LATER
    assert ana.email.endswith("@deleted.invalid") and ana.pronouns is None
    assert not ana.is_site_admin and ana.email_verified_at is None
    # drafts deleted, submitted withdrawn and anonymised, the confirmed talk kept
    assert db.session.get(Proposal, draft_id) is None
    submitted = db.session.get(Proposal, world.submitted.id)
    assert submitted.state == ProposalState.WITHDRAWN and submitted.notes == ""
    assert not db.session.scalars(select(Answer).where(Answer.proposal_id == submitted.id)).all()
    talk = db.session.get(Proposal, world.confirmed.proposal_id)
    assert talk.state == ProposalState.CONFIRMED
    assert {s.email for s in talk.speakers} == {ana.email}
    # speaker data, roles, agenda, conflicts gone; the review stays, scores and all
    assert not db.session.scalars(
        select(SpeakerProfile).where(SpeakerProfile.user_id == ana_id)
    ).all()
    assert not db.session.scalars(select(EventRole).where(EventRole.user_id == ana_id)).all()
    assert db.session.get(Agenda, agenda_id) is None
    assert not db.session.scalars(
        select(ProposalInterest).where(ProposalInterest.user_id == ana_id)
    ).all()
    (review,) = db.session.scalars(select(Review).where(Review.reviewer_id == ana_id)).all()
    assert review.scores and review.scores[0].score == 4
    # grants: the application stays for the accounts, without its free text and thread
    application = db.session.get(GrantApplication, world.application.id)
    assert application.state == GrantState.ACCEPTED and application.motivation == ""
    assert application.city == "" and not application.answers
    assert not db.session.scalars(
        select(GrantMessage).where(GrantMessage.application_id == application.id)
    ).all()
    assert db.session.scalar(select(func.count()).select_from(Receipt)) == 1
    assert db.session.scalar(select(func.count()).select_from(Payout)) == 1
    assert allocation.remaining_budget(world.programme) == remaining_before
    # files: the receipt's kept, every other of hers removed; Bo's untouched
    assert paths["receipt"].read_bytes().startswith(b"%PDF")
    assert not paths["slides"].exists() and not paths["photo"].exists()
    assert not any(path.exists() for path in derived)
    assert paths["bo"].exists()
    assert db.session.get(Upload, photo_id) is None
    # the survey: unlinked, still counted
    assert answering.answered_events(ana) == set()
    assert {k: len(v) for k, v in pipeline.stage_people(world.event).items()} == (stages_before)
    # mail: nothing left for the old address but the confirmation
    left = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == "ana.lima@example.org")
    ).all()
    assert [m.purpose for m in left] == ["account_deleted"]
    # Bo keeps everything
    assert db.session.get(User, world.bo.id).display_name == "Bo Chen"
    assert db.session.get(GrantApplication, world.bo_application.id).motivation


def test_the_audit_log_keeps_a_pseudonym_and_never_the_name_or_address(world):
    ana_id = world.ana.id
    pseudonym = delete(world)
    everything = json.dumps(
        [(e.action, e.details) for e in db.session.scalars(select(AuditEntry)).all()]
    )
    assert "Ana Lima" not in everything and "ana.lima@example.org" not in everything
    deleted = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "account.deleted")
    ).all()
    assert {e.event_id for e in deleted} == {world.event.id, None}
    entry = next(e for e in deleted if e.event_id == world.event.id)
    assert entry.details["pseudonym"] == pseudonym
    assert entry.details["confirmed_talks_kept"] == [world.confirmed.proposal.public_id]
    assert entry.actor_id == ana_id
    invite = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "team.invite")).one()
    assert invite.details["email"] == pseudonym


def test_releases_feeds_pages_and_the_printed_programme_show_the_pseudonym(client, world):
    event = world.event
    before_xml = client.get(f"/{event.slug}/schedule.xml").get_data(as_text=True)
    assert "Ana Lima" in before_xml
    pseudonym = delete(world)
    release = db.session.scalars(
        select(ScheduleRelease).where(ScheduleRelease.event_id == event.id)
    ).one()
    assert "Ana Lima" not in json.dumps(release.sessions)
    for url in (
        f"/{event.slug}/schedule/",
        f"/{event.slug}/schedule.ics",
        f"/{event.slug}/schedule.xml",
        f"/{event.slug}/schedule.json",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        assert "Ana Lima" not in text, url
        assert "Ana's confirmed talk" in text or "Ana&#39;s confirmed talk" in text, url
    assert pseudonym in client.get(f"/{event.slug}/schedule.xml").get_data(as_text=True)
    pdf = client.get(f"/{event.slug}/programme.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_the_view_deletes_signs_out_and_mails_the_old_address(client, world, mailbox):
    login_as(client, world.ana)
    page = client.get("/account/delete")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "What is deleted" in text and "What stays, without your name" in text
    assert "Ana&#39;s confirmed talk" in text
    response = client.post(
        "/account/delete", data={"password": PASSWORD, "confirmation": "ana.lima@example.org"}
    )
    assert response.status_code == 302
    message = mailbox.last("ana.lima@example.org")
    assert "deleted" in message["Subject"]
    assert "Former participant" in mailbox.text(message)
    # the old session opens nothing any more
    assert client.get("/account").status_code == 302
    # and the address registers again as a new, empty person
    user = accounts.register(
        email="ana.lima@example.org", password=PASSWORD, display_name="Ana again", now=LATER
    )
    assert user is not None and user.id != world.ana.id
    data = personal_data.collect(user, now=LATER)
    assert data["proposals"] == [] and data["grant_applications"] == []


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"password": "wrong password!", "confirmation": "ana.lima@example.org"}, "password"),
        ({"password": PASSWORD, "confirmation": "someone@example.org"}, "confirmation"),
        ({"password": "", "confirmation": ""}, "password"),
    ],
)
def test_refused_without_the_password_and_the_typed_confirmation(client, world, form, field):
    login_as(client, world.ana)
    response = client.post("/account/delete", data=form)
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, world.ana.id).deleted_at is None
    assert db.session.get(Proposal, world.draft.id) is not None


def test_the_service_refuses_a_wrong_password_too(world):
    with pytest.raises(ValidationFailed):
        account_deletion.delete_account(
            actor=world.ana, password="nope", confirmation=world.ana.email, now=LATER
        )


def test_the_only_organizer_is_refused_and_told_to_hand_over(client, world):
    solo = make_user(name="Sol Organizer")
    event = make_event(organizer=solo, name="Solo Event")
    with pytest.raises(WrongState, match="only organizer of Solo Event"):
        account_deletion.delete_account(
            actor=solo, password=PASSWORD, confirmation=solo.email, now=LATER
        )
    login_as(client, solo)
    page = client.get("/account/delete").get_data(as_text=True)
    assert "Hand over your events first" in page and "Solo Event" in page
    assert 'name="password"' not in page
    response = client.post(
        "/account/delete", data={"password": PASSWORD, "confirmation": solo.email}
    )
    assert response.status_code == 409
    # with a second organizer, it works
    from tests.factories import grant_role

    grant_role(make_user(), event, EventRoleName.ORGANIZER)
    account_deletion.delete_account(
        actor=solo, password=PASSWORD, confirmation=solo.email, now=LATER
    )


def test_receipts_and_payouts_go_after_the_accounting_period(world):
    receipt_path = uploads.path_of(world.uploads["receipt"])
    world.event.accounting_retention_years = 2
    delete(world)
    # the event ends in 2027, the last payout is on 2 April 2027: kept to 31 December 2029
    assert account_deletion.retention_end(world.event, latest=dt.date(2027, 4, 2)) == dt.date(
        2029, 12, 31
    )
    counts, files = account_deletion.purge_accounting(now=dt.datetime(2029, 12, 31, tzinfo=dt.UTC))
    assert counts["receipts"] == 0 and receipt_path.exists()
    counts, files = account_deletion.purge_accounting(now=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    db.session.commit()
    account_deletion.remove_files(files)
    assert counts == {"applications": 1, "receipts": 1, "payouts": 0 + 1}
    assert not receipt_path.exists()
    assert db.session.scalar(select(func.count()).select_from(Receipt)) == 0
    # the award stays, so the budget still adds up
    assert db.session.get(GrantApplication, world.application.id).award.total == 40_000
    assert db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "accounting.purged")
    ).all()


def test_the_purge_command_runs_both_purges(app, world):
    delete(world)
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "accounting period" in result.output


def test_the_export_of_a_deleted_account_holds_no_name(world):
    delete(world)
    ana = db.session.get(User, world.ana.id)
    raw = personal_data.archive(user=ana, now=LATER)
    text = zipfile.ZipFile(io.BytesIO(raw)).read("data.json").decode()
    assert "Ana Lima" not in text and "ana.lima@example.org" not in text
    assert (
        db.session.scalars(
            select(ProposalSpeaker).where(ProposalSpeaker.email == "ana.lima@example.org")
        ).all()
        == []
    )


def test_the_page_counts_what_will_happen_and_needs_sign_in(client, world):
    assert client.get("/account/delete").status_code == 302
    preview = account_deletion.preview(world.ana)
    assert (preview.drafts, preview.withdrawn, preview.declined) == (1, 1, 0)
    assert preview.talks_kept == ["Ana's confirmed talk"]
    assert preview.reviews_kept == 2 and preview.files == 2  # the receipt's file is kept
    assert preview.grant_applications_kept == [("Travel grants", dt.date(2037, 12, 31))]
    assert not preview.blocked


def test_the_accounting_period_is_an_event_setting(client, world):
    from organizer.services import events

    details = events.details_of(world.event)
    assert details.accounting_retention_years == 10
    with pytest.raises(ValidationFailed) as error:
        events.update_event(
            actor=world.organizer,
            event=world.event,
            details=dataclasses.replace(details, accounting_retention_years=0),
            now=LATER,
        )
    assert "accounting_retention_years" in error.value.errors
    events.update_event(
        actor=world.organizer,
        event=world.event,
        details=dataclasses.replace(details, accounting_retention_years=6),
        now=LATER,
    )
    assert world.event.accounting_retention_years == 6
    login_as(client, world.organizer)
    page = client.get(f"/manage/{world.event.slug}/settings").get_data(as_text=True)
    assert 'name="accounting_retention_years"' in page and 'value="6"' in page


def test_organizers_pages_keep_working_and_name_the_pseudonym_only(client, world):
    event, programme = world.event, world.programme
    urls = [
        f"/manage/{event.slug}/cfp/proposals",
        f"/manage/{event.slug}/cfp/proposals.csv",
        f"/manage/{event.slug}/cfp/ranking",
        f"/manage/{event.slug}/cfp/reviewers",
        f"/manage/{event.slug}/grants/{programme.public_id}/applications",
        f"/manage/{event.slug}/grants/{programme.public_id}/offers",
        f"/manage/{event.slug}/grants/{programme.public_id}/money",
        f"/manage/{event.slug}/grants/{programme.public_id}/money/export.csv",
        f"/manage/{event.slug}/schedule/",
        f"/manage/{event.slug}/schedule/releases/",
        f"/manage/{event.slug}/representation",
        f"/manage/{event.slug}/team",
    ]
    login_as(client, world.organizer)
    before = {url: client.get(url).status_code for url in urls}
    assert set(before.values()) == {200}, before
    pseudonym = delete(world)
    login_as(client, world.organizer)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        assert "Ana Lima" not in text and "ana.lima@example.org" not in text, url
    audit_page = client.get(f"/manage/{event.slug}/audit").get_data(as_text=True)
    assert "account.deleted" in audit_page and pseudonym in audit_page
    assert "Ana Lima" not in audit_page and "ana.lima@example.org" not in audit_page


def test_two_factor_secrets_codes_and_failures_go_with_the_account(world):
    """Like the password's LoginFailure rows: the wrong-code rows hold a hash of the client's
    address (an IPv4 address is found again from its SHA-256 in minutes), and the encrypted
    secret and recovery codes serve nobody once the account cannot sign in."""
    ana_id = world.ana.id
    two_factor.start_enrolment(user=world.ana, now=NOW)
    secret = two_factor.pending_secret(world.ana)
    two_factor.confirm_enrolment(
        user=world.ana, code=pyotp.TOTP(secret).at(NOW), client="203.0.113.7", now=NOW
    )
    with pytest.raises(ValidationFailed):
        two_factor.verify(user=world.ana, code="000000", client="203.0.113.7", now=NOW)
    db.session.flush()
    for model in (TwoFactor, RecoveryCode, TwoFactorFailure):
        assert db.session.scalar(select(func.count()).where(model.user_id == ana_id)), model
    delete(world)
    for model in (TwoFactor, RecoveryCode, TwoFactorFailure):
        count = db.session.scalar(select(func.count()).where(model.user_id == ana_id))
        assert count == 0, model.__name__
