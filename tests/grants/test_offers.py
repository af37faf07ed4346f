"""Offers: committing an allocation, the applicant's answer, expiry, reminders, the waiting
list, and organizers' pins and rejections."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from organizer.enums import AllocationStatus, EventRoleName, GrantState
from organizer.errors import PermissionDenied, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    AllocationLine,
    AllocationRun,
    AuditEntry,
    GrantCriterion,
    GrantReview,
    GrantReviewScore,
    OutboxMessage,
)
from organizer.services.grants import allocation, offers
from tests.factories import NOW, grant_role, make_application, make_event, make_programme, make_user

RESPOND_BY = NOW + dt.timedelta(days=14)


@pytest.fixture
def setup():
    organizer = make_user(name="Olga Organizer")
    event = make_event(organizer=organizer)
    programme = make_programme(event, budget=100_000, min_fraction=50)
    return organizer, event, programme


def score(application, value: int, reviewer=None):
    """A review scoring every criterion `value` on its 1-5 scale (higher ranks first)."""
    programme = application.programme
    reviewer = reviewer or make_user()
    grant_role(reviewer, programme.event, EventRoleName.GRANT_REVIEWER)
    review = GrantReview(
        application=application,
        reviewer=reviewer,
        application_version=application.version,
        created_at=NOW,
        updated_at=NOW,
    )
    for criterion in db.session.scalars(
        select(GrantCriterion).where(GrantCriterion.programme_id == programme.id)
    ):
        review.scores.append(GrantReviewScore(criterion_id=criterion.id, score=value))
    db.session.add(review)
    db.session.flush()
    return review


def make_run(programme, lines: list[tuple[object, dict[str, int]]], organizer=None):
    run = AllocationRun(
        programme_id=programme.id,
        budget=allocation.remaining_budget(programme),
        created_at=NOW,
        created_by_id=organizer.id if organizer else None,
    )
    for application, amounts in lines:
        run.lines.append(
            AllocationLine(
                application_id=application.id, amounts=amounts, total=sum(amounts.values())
            )
        )
    db.session.add(run)
    db.session.flush()
    return run


def mails(purpose: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == purpose)))


def actions(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# Committing a run --------------------------------------------------------------------------


def test_commit_creates_awards_mails_offers_and_waitlists_the_rest(setup):
    organizer, event, programme = setup
    funded = make_application(programme, requested={"travel": 40_000, "lodging": 20_000})
    waiting = make_application(programme)
    run = make_run(programme, [(funded, {"travel": 40_000, "lodging": 10_000}), (waiting, {})])

    count = offers.commit_run(actor=organizer, run=run, respond_by=RESPOND_BY, now=NOW)

    assert count == 1
    assert funded.state == GrantState.OFFERED
    assert funded.award.amounts == {"travel": 40_000, "lodging": 10_000}
    assert funded.award.total == 50_000
    assert funded.award.respond_by == RESPOND_BY
    assert funded.award.run_id == run.id
    assert waiting.state == GrantState.WAITLISTED and waiting.award is None
    assert run.status == AllocationStatus.COMMITTED and run.committed_at == NOW
    assert allocation.remaining_budget(programme) == 50_000
    [offer] = mails("grant_offer")
    assert offer.to_address == funded.applicant.email
    assert "€500.00" in offer.body_text and "2026-12-13 12:00 (Europe/Lisbon)" in offer.body_text
    assert f"/{event.slug}/grants/mine" in offer.body_text
    [waitlisted] = mails("grant_waitlisted")
    assert waitlisted.to_address == waiting.applicant.email
    assert len(actions("grant.offer")) == 1
    assert len(actions("grant.allocation.commit")) == 1


def test_commit_defaults_the_respond_by_date_to_the_programmes_days(setup):
    organizer, _event, programme = setup
    application = make_application(programme)
    run = make_run(programme, [(application, {"travel": 10_000})])
    offers.commit_run(actor=organizer, run=run, now=NOW)
    assert application.award.respond_by == NOW + dt.timedelta(days=programme.respond_days)


def test_commit_never_exceeds_the_budget(setup):
    organizer, _event, programme = setup
    first = make_application(programme, requested={"travel": 60_000})
    second = make_application(programme, requested={"travel": 60_000})
    run = make_run(programme, [(first, {"travel": 60_000}), (second, {"travel": 60_000})])

    with pytest.raises(WrongState, match=r"only €1,000\.00 of the budget is left"):
        offers.commit_run(actor=organizer, run=run, respond_by=RESPOND_BY, now=NOW)

    db.session.rollback()
    assert first.state == second.state == GrantState.SUBMITTED
    assert not mails("grant_offer")
    assert allocation.committed_total(programme) == 0


def test_commit_counts_offers_already_out_against_the_budget(setup):
    organizer, _event, programme = setup
    earlier = make_application(programme, requested={"travel": 70_000})
    offers.commit_run(
        actor=organizer,
        run=make_run(programme, [(earlier, {"travel": 70_000})]),
        respond_by=RESPOND_BY,
        now=NOW,
    )
    later = make_application(programme, requested={"travel": 40_000})
    run = make_run(programme, [(later, {"travel": 40_000})])
    with pytest.raises(WrongState, match=r"only €300\.00"):
        offers.commit_run(actor=organizer, run=run, respond_by=RESPOND_BY, now=NOW)


def test_commit_refuses_caps_past_the_limit(setup):
    organizer, _event, programme = setup
    programme.category_caps = {"lodging": 5_000}
    application = make_application(programme)
    run = make_run(programme, [(application, {"travel": 1_000, "lodging": 6_000})])
    with pytest.raises(WrongState, match="over its cap"):
        offers.commit_run(actor=organizer, run=run, respond_by=RESPOND_BY, now=NOW)


def test_commit_refuses_a_committed_run_a_past_date_and_non_organizers(setup):
    organizer, event, programme = setup
    application = make_application(programme)
    run = make_run(programme, [(application, {"travel": 1_000})])
    with pytest.raises(ValidationFailed) as error:
        offers.commit_run(actor=organizer, run=run, respond_by=NOW, now=NOW)
    assert "respond_by" in error.value.errors
    reviewer = make_user()
    grant_role(reviewer, event, EventRoleName.GRANT_REVIEWER)
    with pytest.raises(PermissionDenied):
        offers.commit_run(actor=reviewer, run=run, respond_by=RESPOND_BY, now=NOW)
    offers.commit_run(actor=organizer, run=run, respond_by=RESPOND_BY, now=NOW)
    with pytest.raises(WrongState, match="already committed"):
        offers.commit_run(actor=organizer, run=run, respond_by=RESPOND_BY, now=NOW)


def test_commit_refuses_a_line_whose_application_was_withdrawn(setup):
    organizer, _event, programme = setup
    application = make_application(programme)
    run = make_run(programme, [(application, {"travel": 1_000})])
    application.state = GrantState.WITHDRAWN
    with pytest.raises(WrongState, match="withdrawn"):
        offers.commit_run(actor=organizer, run=run, respond_by=RESPOND_BY, now=NOW)


# The applicant's answer --------------------------------------------------------------------


@pytest.fixture
def offered(setup):
    organizer, _event, programme = setup
    application = make_application(programme, requested={"travel": 60_000})
    offers.commit_run(
        actor=organizer,
        run=make_run(programme, [(application, {"travel": 60_000})]),
        respond_by=RESPOND_BY,
        now=NOW,
    )
    return application


def test_accept_then_accept_again_is_a_clear_conflict(setup, offered):
    offers.respond(actor=offered.applicant, application=offered, accept=True, now=NOW)
    assert offered.state == GrantState.ACCEPTED
    assert offered.award.responded_at == NOW
    with pytest.raises(WrongState, match="You have already accepted"):
        offers.respond(actor=offered.applicant, application=offered, accept=True, now=NOW)
    assert allocation.committed_total(setup[2]) == 60_000
    assert len(actions("grant.offer.accept")) == 1


def test_decline_releases_the_money_and_keeps_the_award(setup, offered):
    programme = setup[2]
    assert allocation.remaining_budget(programme) == 40_000
    offers.respond(actor=offered.applicant, application=offered, accept=False, now=NOW)
    assert offered.state == GrantState.DECLINED
    assert offered.award is not None  # kept for the record
    assert allocation.remaining_budget(programme) == 100_000
    with pytest.raises(WrongState, match="already declined"):
        offers.respond(actor=offered.applicant, application=offered, accept=True, now=NOW)


def test_accepting_after_the_respond_by_date_says_when_it_expired(offered):
    with pytest.raises(WrongState, match=r"The offer expired on 2026-12-13 12:00"):
        offers.respond(actor=offered.applicant, application=offered, accept=True, now=RESPOND_BY)
    assert offered.state == GrantState.OFFERED


def test_only_the_applicant_answers(setup, offered):
    with pytest.raises(PermissionDenied):
        offers.respond(actor=setup[0], application=offered, accept=True, now=NOW)
    with pytest.raises(PermissionDenied):
        offers.respond(actor=make_user(), application=offered, accept=True, now=NOW)


def test_no_offer_to_answer(setup):
    application = make_application(setup[2])
    with pytest.raises(WrongState, match="no offer"):
        offers.respond(actor=application.applicant, application=application, accept=True, now=NOW)


# Expiry and reminders ----------------------------------------------------------------------


def test_expiry_releases_the_money(setup, offered):
    programme = setup[2]
    assert offers.expire_offers(now=RESPOND_BY - dt.timedelta(seconds=1)) == 0
    assert offers.expire_offers(now=RESPOND_BY) == 1
    assert offered.state == GrantState.EXPIRED
    assert allocation.remaining_budget(programme) == 100_000
    assert offers.expire_offers(now=RESPOND_BY) == 0
    with pytest.raises(WrongState, match="The offer expired on"):
        offers.respond(actor=offered.applicant, application=offered, accept=True, now=RESPOND_BY)
    [entry] = actions("grant.offer.expire")
    assert entry.actor_id is None
    [mail] = mails("grant_offer_expired")
    assert mail.to_address == offered.applicant.email
    assert mail.subject.startswith("Your grant offer expired")


def test_expiry_for_one_programme_needs_an_organizer(setup, offered):
    organizer, event, programme = setup
    other = make_programme(event)
    assert offers.expire_offers(now=RESPOND_BY, programme=other, actor=organizer) == 0
    with pytest.raises(PermissionDenied):
        offers.expire_offers(now=RESPOND_BY, programme=programme, actor=make_user())
    assert offers.expire_offers(now=RESPOND_BY, programme=programme, actor=organizer) == 1


def test_reminders_go_once_in_the_last_three_days(setup, offered):
    assert offers.send_offer_reminders(now=RESPOND_BY - dt.timedelta(days=4)) == 0
    three_days_before = RESPOND_BY - dt.timedelta(days=3)
    assert offers.send_offer_reminders(now=three_days_before) == 1
    assert offers.send_offer_reminders(now=three_days_before) == 0
    assert offers.send_offer_reminders(now=RESPOND_BY - dt.timedelta(hours=1)) == 0
    [reminder] = mails("grant_offer_reminder")
    assert reminder.subject.startswith("Action required")
    assert reminder.to_address == offered.applicant.email
    offers.respond(actor=offered.applicant, application=offered, accept=True, now=NOW)
    assert offers.send_offer_reminders(now=three_days_before) == 0


def test_run_daily_expires_then_reminds(setup, offered):
    other = make_application(setup[2], requested={"travel": 10_000})
    offers.commit_run(
        actor=setup[0],
        run=make_run(setup[2], [(other, {"travel": 10_000})]),
        respond_by=RESPOND_BY + dt.timedelta(days=2),
        now=NOW,
    )
    assert offers.run_daily(now=RESPOND_BY) == {"expired": 1, "reminded": 1}
    assert offered.state == GrantState.EXPIRED
    assert other.state == GrantState.OFFERED


# The waiting list --------------------------------------------------------------------------


def test_offer_next_offers_the_waitlist_in_rank_order(setup, offered):
    organizer, _event, programme = setup
    best = make_application(programme, requested={"travel": 50_000}, state=GrantState.WAITLISTED)
    second = make_application(programme, requested={"travel": 50_000}, state=GrantState.WAITLISTED)
    third = make_application(programme, requested={"travel": 30_000}, state=GrantState.WAITLISTED)
    score(best, 5)
    score(second, 4)
    score(third, 2)
    # 40,000 left: nobody fits in full; the best gets 80% (over the 50% minimum).
    [first] = offers.offer_next(
        actor=organizer, programme=programme, respond_by=RESPOND_BY, now=NOW
    )
    assert first is best
    assert best.award.total == 40_000 and best.award.amounts == {"travel": 40_000}
    assert allocation.remaining_budget(programme) == 0
    assert (
        offers.offer_next(actor=organizer, programme=programme, respond_by=RESPOND_BY, now=NOW)
        == []
    )

    # The first offer is declined: 60,000 comes back; the next in rank order is offered in
    # full, and the third gets what is left (10,000 of 30,000 is under 50%, so nothing).
    offers.respond(actor=offered.applicant, application=offered, accept=False, now=NOW)
    assert offers.offer_next(
        actor=organizer, programme=programme, respond_by=RESPOND_BY, now=NOW
    ) == [second]
    assert second.award.total == 50_000
    assert third.state == GrantState.WAITLISTED
    assert len(mails("grant_offer")) == 3
    assert allocation.remaining_budget(programme) == 10_000


def test_offer_next_passes_over_those_it_cannot_fund_and_skips_must_not_fund(setup):
    organizer, _event, programme = setup
    too_big = make_application(
        programme, requested={"travel": 300_000}, state=GrantState.WAITLISTED
    )
    pinned = make_application(
        programme, requested={"travel": 10_000}, state=GrantState.WAITLISTED, pin="skip"
    )
    small = make_application(programme, requested={"travel": 20_000}, state=GrantState.WAITLISTED)
    score(too_big, 5)
    score(pinned, 4)
    score(small, 1)
    assert offers.offer_next(
        actor=organizer, programme=programme, respond_by=RESPOND_BY, now=NOW
    ) == [small]
    assert too_big.state == pinned.state == GrantState.WAITLISTED


def test_offer_next_needs_an_organizer(setup):
    with pytest.raises(PermissionDenied):
        offers.offer_next(actor=make_user(), programme=setup[2], respond_by=RESPOND_BY, now=NOW)


# Pins and rejections -----------------------------------------------------------------------


def test_set_pin_is_audited_and_checked(setup):
    organizer, _event, programme = setup
    application = make_application(programme)
    offers.set_pin(actor=organizer, application=application, pin="fund", now=NOW)
    assert application.pin == "fund"
    offers.set_pin(actor=organizer, application=application, pin=None, now=NOW)
    assert application.pin is None
    with pytest.raises(ValidationFailed):
        offers.set_pin(actor=organizer, application=application, pin="maybe", now=NOW)
    with pytest.raises(PermissionDenied):
        offers.set_pin(actor=application.applicant, application=application, pin="fund", now=NOW)
    assert [e.details["pin"] for e in actions("grant.pin")] == [[None, "fund"], ["fund", None]]


def test_reject_mails_the_applicant_and_refuses_offers(setup, offered):
    organizer, _event, programme = setup
    application = make_application(programme)
    offers.reject(actor=organizer, application=application, now=NOW)
    assert application.state == GrantState.REJECTED
    [mail] = mails("grant_rejected")
    assert mail.to_address == application.applicant.email
    with pytest.raises(WrongState):
        offers.reject(actor=organizer, application=offered, now=NOW)
    assert len(actions("grant.reject")) == 1


def test_the_grant_offers_command_expires_overdue_offers(app, offered, mailbox):
    # The command runs at the real time: move the offer's respond-by date just before it.
    offered.award.respond_by = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["grant-offers"])
    assert result.exit_code == 0, result.output
    assert "1 offers expired" in result.output
    db.session.refresh(offered)
    assert offered.state == GrantState.EXPIRED
