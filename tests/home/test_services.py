"""services/home.py: what a person's home holds and the next step of each proposal and
application, at a fixed `now` (NOW lies inside the factories' call and grant programme)."""

from __future__ import annotations

import datetime as dt

from organizer.enums import EventRoleName, GrantState, ProposalState
from organizer.extensions import db
from organizer.models import (
    CfpExtension,
    GrantAward,
    GrantInterest,
    GrantReview,
    ProposalInterest,
    Review,
    ReviewAssignment,
)
from organizer.services import home
from organizer.services.home import Step
from organizer.services.scheduling import releases
from tests.factories import (
    CFP_CLOSES,
    GRANTS_CLOSE,
    NOW,
    grant_role,
    lisbon,
    make_application,
    make_cfp,
    make_event,
    make_programme,
    make_proposal,
    make_room,
    make_schedule_event,
    make_talk,
    make_user,
)


def step_of(user, proposal, now=NOW):
    (item,) = [i for i in home.proposals_of(user, now=now) if i.public_id == proposal.public_id]
    return item.step, item.when


def test_a_draft_is_to_submit_before_the_deadline():
    event = make_event()
    make_cfp(event)
    speaker = make_user()
    draft = make_proposal(event, speaker, state=ProposalState.DRAFT)
    assert step_of(speaker, draft) == (Step.SUBMIT_BEFORE, CFP_CLOSES)
    assert step_of(speaker, draft, now=CFP_CLOSES) == (Step.NOT_SUBMITTED, None)


def test_a_personal_extension_of_any_speaker_moves_the_deadline():
    event = make_event()
    make_cfp(event)
    speaker, co = make_user(), make_user()
    proposal = make_proposal(event, speaker, co_speakers=(co,))
    later = CFP_CLOSES + dt.timedelta(days=3)
    db.session.add(CfpExtension(event_id=event.id, user_id=co.id, until=later, created_at=NOW))
    db.session.flush()
    assert step_of(speaker, proposal) == (Step.EDITABLE_UNTIL, later)
    assert step_of(speaker, proposal, now=CFP_CLOSES + dt.timedelta(days=1))[0] == (
        Step.EDITABLE_UNTIL
    )
    assert step_of(speaker, proposal, now=later) == (Step.AWAITING_DECISION, None)


def test_accepted_proposals_ask_for_a_confirmation_by_their_date():
    event = make_event()
    make_cfp(event)
    speaker = make_user()
    respond_by = NOW + dt.timedelta(days=7)
    accepted = make_proposal(event, speaker, state=ProposalState.ACCEPTED, respond_by=respond_by)
    undated = make_proposal(event, speaker, state=ProposalState.ACCEPTED)
    assert step_of(speaker, accepted) == (Step.CONFIRM_BY, respond_by)
    assert step_of(speaker, accepted, now=respond_by) == (Step.CONFIRM_MISSED, respond_by)
    assert step_of(speaker, undated) == (Step.CONFIRM, None)


def test_decided_proposals_say_where_they_stand():
    event = make_event()
    make_cfp(event)
    speaker = make_user()
    expected = {
        ProposalState.WAITLISTED: Step.WAITLISTED,
        ProposalState.REJECTED: Step.NOT_ACCEPTED,
        ProposalState.CONFIRMED: Step.CONFIRMED,
        ProposalState.WITHDRAWN: Step.NONE,
        ProposalState.DECLINED: Step.NONE,
    }
    made = {state: make_proposal(event, speaker, state=state) for state in expected}
    for state, step in expected.items():
        assert step_of(speaker, made[state])[0] == step, state


def test_a_confirmed_talk_in_the_latest_release_shows_its_time_and_room():
    organizer = make_user()
    event = make_schedule_event(organizer)
    aula = make_room(event, "Aula")
    speaker = make_user()
    placed = make_talk(event, speaker, room=aula, starts_at=lisbon(27, 10)).proposal
    unplaced = make_talk(event, speaker).proposal
    releases.release(event=event, actor=organizer, now=NOW)
    items = {i.public_id: i for i in home.proposals_of(speaker, now=NOW)}
    assert (items[placed.public_id].step, items[placed.public_id].when) == (
        Step.SCHEDULED,
        lisbon(27, 10),
    )
    assert items[placed.public_id].room == "Aula"
    assert items[unplaced.public_id].step == Step.CONFIRMED


def test_only_the_persons_own_proposals_and_applications():
    event = make_event()
    make_cfp(event)
    programme = make_programme(event)
    me, co, stranger = make_user(), make_user(), make_user()
    shared = make_proposal(event, co, co_speakers=(me,))
    make_proposal(event, co, title="The co-speaker's other proposal")
    make_proposal(event, stranger)
    make_application(programme, co)
    mine = make_application(programme, me)
    assert [i.public_id for i in home.proposals_of(me, now=NOW)] == [shared.public_id]
    assert [i.public_id for i in home.applications_of(me, now=NOW)] == [mine.public_id]


def test_grant_application_steps():
    event = make_event()
    me = make_user()
    steps = {}
    for state in (
        GrantState.DRAFT,
        GrantState.SUBMITTED,
        GrantState.INFO_NEEDED,
        GrantState.OFFERED,
        GrantState.ACCEPTED,
        GrantState.WAITLISTED,
        GrantState.REJECTED,
        GrantState.EXPIRED,
    ):
        application = make_application(make_programme(event), me, state=state)
        if state in (GrantState.OFFERED, GrantState.ACCEPTED, GrantState.EXPIRED):
            application.award = GrantAward(
                amounts={"travel": 10_000},
                total=10_000,
                respond_by=NOW + dt.timedelta(days=5),
                offered_at=NOW,
            )
        steps[state] = application.public_id
    db.session.flush()
    got = {i.public_id: (i.step, i.when) for i in home.applications_of(me, now=NOW)}
    assert got[steps[GrantState.DRAFT]] == (Step.SUBMIT_BEFORE, GRANTS_CLOSE)
    assert got[steps[GrantState.SUBMITTED]] == (Step.EDITABLE_UNTIL, GRANTS_CLOSE)
    assert got[steps[GrantState.INFO_NEEDED]] == (Step.INFO_NEEDED, None)
    assert got[steps[GrantState.OFFERED]] == (Step.ANSWER_OFFER_BY, NOW + dt.timedelta(days=5))
    assert got[steps[GrantState.ACCEPTED]] == (Step.SEND_RECEIPTS, None)
    assert got[steps[GrantState.WAITLISTED]] == (Step.WAITLISTED, None)
    assert got[steps[GrantState.REJECTED]] == (Step.NOT_ACCEPTED, None)
    assert got[steps[GrantState.EXPIRED]] == (Step.NONE, None)
    after = {i.public_id: i.step for i in home.applications_of(me, now=GRANTS_CLOSE)}
    assert after[steps[GrantState.DRAFT]] == Step.NOT_SUBMITTED
    assert after[steps[GrantState.SUBMITTED]] == Step.AWAITING_DECISION


def test_reviews_to_do_count_assigned_proposals_without_my_review():
    event = make_event()
    make_cfp(event)
    reviewer = make_user()
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    todo = [make_proposal(event) for _ in range(3)]
    reviewed, interested = make_proposal(event), make_proposal(event)
    decided = make_proposal(event, state=ProposalState.ACCEPTED)
    unassigned = make_proposal(event)  # noqa: F841 (not mine to review)
    for proposal in [*todo, reviewed, interested, decided]:
        db.session.add(ReviewAssignment(proposal=proposal, reviewer=reviewer, created_at=NOW))
    db.session.add(
        Review(
            proposal=reviewed,
            reviewer_id=reviewer.id,
            proposal_version=1,
            created_at=NOW,
            updated_at=NOW,
        )
    )
    db.session.add(ProposalInterest(proposal_id=interested.id, user_id=reviewer.id, created_at=NOW))
    db.session.flush()
    (work,) = home.home_of(reviewer, now=NOW).reviews
    assert (work.event.slug, work.to_do) == (event.slug, 3)


def test_reviews_to_do_leave_out_events_where_the_person_no_longer_reviews():
    event = make_event()
    make_cfp(event)
    former = make_user()
    db.session.add(ReviewAssignment(proposal=make_proposal(event), reviewer=former, created_at=NOW))
    db.session.flush()
    assert home.home_of(former, now=NOW).reviews == []


def test_grant_reviews_to_do():
    event = make_event()
    programme = make_programme(event)
    reviewer = make_user()
    grant_role(reviewer, event, EventRoleName.GRANT_REVIEWER)
    for _ in range(2):
        make_application(programme)
    make_application(programme, state=GrantState.DRAFT)
    make_application(programme, reviewer)  # their own
    done = make_application(programme)
    db.session.add(
        GrantReview(
            application_id=done.id,
            reviewer_id=reviewer.id,
            application_version=1,
            created_at=NOW,
            updated_at=NOW,
        )
    )
    declared = make_application(programme)
    db.session.add(GrantInterest(application_id=declared.id, user_id=reviewer.id, created_at=NOW))
    db.session.flush()
    (work,) = home.home_of(reviewer, now=NOW).grant_reviews
    assert (work.event.slug, work.to_do) == (event.slug, 2)


def test_events_i_organize_and_the_empty_home():
    organizer = make_user()
    older = make_event(
        organizer=organizer, starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 3, 2)
    )
    newer = make_event(organizer=organizer)
    make_event()  # not theirs
    assert [e.slug for e in home.home_of(organizer, now=NOW).organizing] == [
        newer.slug,
        older.slug,
    ]
    assert not home.home_of(organizer, now=NOW).is_empty
    assert home.home_of(make_user(), now=NOW).is_empty
