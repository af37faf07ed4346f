"""Decisions without HTTP: pending until a round is published, mails, confirmations, reminders."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from organizer.enums import EventRoleName, ProposalState
from organizer.errors import PermissionDenied, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import AuditEntry, OutboxMessage, Review
from organizer.services.cfp import confirmation, decision_mails, decisions
from tests.factories import NOW, grant_role, make_cfp, make_event, make_proposal, make_user

RESPOND_BY = NOW + dt.timedelta(days=14)


@pytest.fixture
def event():
    event = make_event()
    make_cfp(event)
    return event


@pytest.fixture
def organizer(event):
    user = make_user()
    grant_role(user, event, EventRoleName.ORGANIZER)
    return user


def mails() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_decisions_wait_until_a_round_is_published(event, organizer):
    speaker = make_user(name="Ama Owusu")
    accepted = make_proposal(event, speaker, title="Priors")
    rejected = make_proposal(event, title="Posteriors")
    decisions.decide(actor=organizer, proposal=accepted, outcome=ProposalState.ACCEPTED, now=NOW)
    decisions.decide(actor=organizer, proposal=rejected, outcome=ProposalState.REJECTED, now=NOW)
    assert accepted.state == ProposalState.SUBMITTED
    assert mails() == []
    preview = decisions.preview_round(event, respond_by=RESPOND_BY)
    assert {(m.to, m.subject) for m in preview} == {
        (speaker.email, "Accepted: Priors"),
        (rejected.speakers[0].user.email, f"Your proposal to {event.name}"),
    }
    decision_round = decisions.publish_round(
        actor=organizer,
        event=event,
        respond_by=RESPOND_BY,
        expected=decisions.pending_fingerprint(event),
        now=NOW,
    )
    assert (decision_round.accepted, decision_round.rejected) == (1, 1)
    assert (accepted.state, rejected.state) == (ProposalState.ACCEPTED, ProposalState.REJECTED)
    assert accepted.respond_by == RESPOND_BY and rejected.respond_by is None
    assert [(m.to_address, m.subject) for m in mails()] == [(m.to, m.subject) for m in preview]
    body = mails()[0].body_text if mails()[0].to_address == speaker.email else mails()[1].body_text
    assert "Hello Ama Owusu" in body
    assert f"/{event.slug}/cfp/proposals/{accepted.public_id}/respond" in body
    assert "2026-12-13 12:00 (Europe/Lisbon)" in body  # 14 days on, in the event's zone
    actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions.count("decision.set") == 2
    assert actions.count("decision.publish") == 2
    assert "decision.round" in actions


def test_a_pending_decision_can_be_undone_and_leaves_a_trace(event, organizer):
    proposal = make_proposal(event)
    decisions.decide(actor=organizer, proposal=proposal, outcome=ProposalState.ACCEPTED, now=NOW)
    decisions.decide(actor=organizer, proposal=proposal, outcome=None, now=NOW)
    assert proposal.pending_decision is None
    with pytest.raises(WrongState, match="no pending decisions"):
        decisions.publish_round(
            actor=organizer,
            event=event,
            respond_by=RESPOND_BY,
            expected=decisions.pending_fingerprint(event),
            now=NOW,
        )
    actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["decision.set", "decision.undo"]


def test_publishing_refuses_a_stale_preview_and_a_past_deadline(event, organizer):
    first, second = make_proposal(event), make_proposal(event)
    decisions.decide(actor=organizer, proposal=first, outcome=ProposalState.ACCEPTED, now=NOW)
    decisions.decide(actor=organizer, proposal=second, outcome=ProposalState.REJECTED, now=NOW)
    previewed = decisions.pending_fingerprint(event)
    # Somebody swaps the two decisions: the count is the same, the mails would not be.
    decisions.decide(actor=organizer, proposal=first, outcome=ProposalState.REJECTED, now=NOW)
    decisions.decide(actor=organizer, proposal=second, outcome=ProposalState.ACCEPTED, now=NOW)
    with pytest.raises(WrongState, match="changed since you opened the preview"):
        decisions.publish_round(
            actor=organizer, event=event, respond_by=RESPOND_BY, expected=previewed, now=NOW
        )
    with pytest.raises(ValidationFailed):
        decisions.publish_round(
            actor=organizer,
            event=event,
            respond_by=NOW,
            expected=decisions.pending_fingerprint(event),
            now=NOW,
        )
    assert mails() == []


def test_reviewers_and_speakers_cannot_decide(event):
    proposal = make_proposal(event)
    reviewer = make_user()
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    for person in (reviewer, proposal.speakers[0].user):
        with pytest.raises(PermissionDenied):
            decisions.decide(
                actor=person, proposal=proposal, outcome=ProposalState.ACCEPTED, now=NOW
            )
        with pytest.raises(PermissionDenied):
            decisions.publish_round(
                actor=person,
                event=event,
                respond_by=RESPOND_BY,
                expected=decisions.pending_fingerprint(event),
                now=NOW,
            )


def test_bulk_decisions_are_all_or_nothing_within_the_event(event, organizer):
    ours = [make_proposal(event) for _ in range(3)]
    other_event = make_event()
    make_cfp(other_event)
    theirs = make_proposal(other_event)
    count = decisions.decide_many(
        actor=organizer,
        event=event,
        public_ids=[p.public_id for p in ours] + [theirs.public_id],
        outcome=ProposalState.WAITLISTED,
        now=NOW,
    )
    assert count == 3
    assert theirs.pending_decision is None
    assert {p.pending_decision for p in ours} == {"waitlisted"}


def _publish(event, organizer, proposal, outcome):
    decisions.decide(actor=organizer, proposal=proposal, outcome=outcome, now=NOW)
    decisions.publish_round(
        actor=organizer,
        event=event,
        respond_by=RESPOND_BY,
        expected=decisions.pending_fingerprint(event),
        now=NOW,
    )


def test_speakers_confirm_or_decline_before_the_deadline(event, organizer):
    confirming, declining, late = (make_proposal(event) for _ in range(3))
    for proposal in (confirming, declining, late):
        decisions.decide(
            actor=organizer, proposal=proposal, outcome=ProposalState.ACCEPTED, now=NOW
        )
    decisions.publish_round(
        actor=organizer,
        event=event,
        respond_by=RESPOND_BY,
        expected=decisions.pending_fingerprint(event),
        now=NOW,
    )
    confirmation.respond(
        actor=confirming.speakers[0].user, proposal=confirming, confirm=True, now=NOW
    )
    confirmation.respond(
        actor=declining.speakers[0].user, proposal=declining, confirm=False, now=NOW
    )
    assert (confirming.state, declining.state) == (ProposalState.CONFIRMED, ProposalState.DECLINED)
    with pytest.raises(WrongState, match="deadline to confirm passed"):
        confirmation.respond(
            actor=late.speakers[0].user, proposal=late, confirm=True, now=RESPOND_BY
        )
    with pytest.raises(WrongState, match="nothing to confirm"):
        confirmation.respond(
            actor=confirming.speakers[0].user, proposal=confirming, confirm=True, now=NOW
        )
    with pytest.raises(PermissionDenied):
        confirmation.respond(actor=make_user(), proposal=late, confirm=True, now=NOW)
    assert confirmation.unconfirmed(event) == [late]
    purposes = [m.purpose for m in mails()]
    assert purposes.count("proposal_confirmed") == 1
    assert purposes.count("proposal_declined") == 1


def test_reminders_go_once_inside_the_window(event, organizer):
    proposal = make_proposal(event, title="Priors")
    _publish(event, organizer, proposal, ProposalState.ACCEPTED)
    too_early = RESPOND_BY - confirmation.REMINDER_WINDOW - dt.timedelta(seconds=1)
    assert confirmation.send_reminders(event=event, now=too_early) == 0
    inside = RESPOND_BY - dt.timedelta(days=1)
    assert confirmation.send_reminders(event=event, now=inside) == 1
    assert confirmation.send_reminders(event=event, now=inside + dt.timedelta(hours=1)) == 0
    [reminder] = [m for m in mails() if m.purpose == "confirmation_reminder"]
    assert reminder.subject.startswith("Action required: confirm “Priors” by 2026-12-13")
    assert confirmation.send_reminders(event=event, now=RESPOND_BY) == 0  # deadline passed


def test_waitlisted_proposal_is_promoted_in_the_next_round(event, organizer):
    proposal = make_proposal(event)
    _publish(event, organizer, proposal, ProposalState.WAITLISTED)
    with pytest.raises(WrongState):
        decisions.decide(
            actor=organizer, proposal=proposal, outcome=ProposalState.WAITLISTED, now=NOW
        )
    _publish(event, organizer, proposal, ProposalState.ACCEPTED)
    assert proposal.state == ProposalState.ACCEPTED
    assert [m.purpose for m in mails()] == ["proposal_waitlisted", "proposal_accepted"]
    assert len(decisions.rounds(event)) == 2


def test_published_decisions_cannot_be_changed_only_cancelled(event, organizer):
    proposal = make_proposal(event)
    _publish(event, organizer, proposal, ProposalState.ACCEPTED)
    with pytest.raises(WrongState, match="cannot be changed"):
        decisions.decide(
            actor=organizer, proposal=proposal, outcome=ProposalState.REJECTED, now=NOW
        )
    confirmation.cancel(actor=organizer, proposal=proposal, now=NOW)
    assert proposal.state == ProposalState.CANCELLED
    assert mails()[-1].purpose == "proposal_cancelled"


def test_event_templates_with_placeholders_and_reviewer_notes(event, organizer):
    proposal = make_proposal(event, title="Priors")
    reviewer = make_user()
    db.session.add(
        Review(
            proposal=proposal, reviewer_id=reviewer.id, note_to_speaker="Show a demo!",
            proposal_version=1, created_at=NOW, updated_at=NOW,
        )
    )  # fmt: skip
    with pytest.raises(ValidationFailed) as caught:
        decision_mails.save_template(
            actor=organizer, event=event, purpose="proposal_accepted",
            subject="{proposal_title} {__class__}", body="", now=NOW,
        )  # fmt: skip
    assert set(caught.value.errors) == {"subject", "body"}
    decision_mails.save_template(
        actor=organizer, event=event, purpose="proposal_accepted",
        subject="Yes! {proposal_title}", body="Dear {speaker_name}: {notes_from_reviewers}{0}",
        now=NOW,
    )  # fmt: skip
    _publish(event, organizer, proposal, ProposalState.ACCEPTED)
    [mail] = mails()
    assert mail.subject == "Yes! Priors"
    assert "Show a demo!" in mail.body_text
    assert mail.body_text.endswith("{0}")  # not a format string: unknown braces stay as typed
    decision_mails.reset_template(
        actor=organizer, event=event, purpose="proposal_accepted", now=NOW
    )
    assert not decision_mails.template_for(event, "proposal_accepted").is_custom


def test_reminder_command_sends_through_smtp(app, event, organizer, mailbox):
    proposal = make_proposal(event, title="Priors")
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    decisions.decide(actor=organizer, proposal=proposal, outcome=ProposalState.ACCEPTED, now=NOW)
    decisions.publish_round(
        actor=organizer,
        event=event,
        respond_by=soon,
        expected=decisions.pending_fingerprint(event),
        now=NOW,
    )
    db.session.commit()
    mailbox.clear()
    result = app.test_cli_runner().invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "1 reminders queued" in result.output
    message = mailbox.last(proposal.speakers[0].user.email)
    assert message["Subject"].startswith("Action required")
    again = app.test_cli_runner().invoke(args=["send-reminders"])
    assert "0 reminders queued" in again.output


def test_only_organizers_press_the_reminder_button(event):
    reviewer = make_user()
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    with pytest.raises(PermissionDenied):
        confirmation.send_reminders(event=event, now=NOW, actor=reviewer)
