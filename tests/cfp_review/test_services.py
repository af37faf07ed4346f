import datetime as dt
import io
from collections import Counter

import pytest
from sqlalchemy import delete, insert, select

from organizer.enums import EventRoleName, OthersReviews, ProposalState, QuestionKind, SpeakerRole
from organizer.errors import NotFound, PermissionDenied, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    Answer,
    AuditEntry,
    Proposal,
    ProposalInterest,
    ProposalSpeaker,
    Review,
    ReviewAssignment,
    ReviewCriterion,
    ReviewScore,
    SpeakerProfile,
    Tag,
)
from organizer.services import uploads
from organizer.services.cfp import assignment, ranking, review_setup, reviews
from organizer.services.cfp.review_setup import ReviewRules
from organizer.services.reviewing import criteria as criteria_service
from organizer.services.reviewing import redaction
from tests.documents import make_pdf
from tests.factories import (
    NOW,
    grant_role,
    make_cfp,
    make_event,
    make_proposal,
    make_question,
    make_user,
    session_type,
    track,
)

SECOND = dt.timedelta(seconds=1)


# Helpers -------------------------------------------------------------------------------------


def make_review_event(**cfp_fields):
    organizer = make_user(name="Olga Organizer")
    event = make_event(organizer=organizer)
    cfp = make_cfp(event, **cfp_fields)
    return event, organizer, cfp


def make_reviewer(event, **fields):
    user = make_user(**fields)
    grant_role(user, event, EventRoleName.REVIEWER)
    return user


def relevance(event) -> ReviewCriterion:
    return db.session.scalars(
        select(ReviewCriterion).where(
            ReviewCriterion.event_id == event.id, ReviewCriterion.name == "Relevance"
        )
    ).one()


def scored(event, proposal, reviewer, score, **kw):
    """A saved review with one score for the factory's Relevance criterion (scale 1..5)."""
    return reviews.save_review(
        actor=reviewer,
        proposal=proposal,
        scores={relevance(event).id: score},
        comment=kw.pop("comment", ""),
        note_to_speaker="",
        abstain=False,
        now=kw.pop("now", NOW),
        **kw,
    )


def abstained(proposal, reviewer):
    return reviews.save_review(
        actor=reviewer,
        proposal=proposal,
        scores={},
        comment="",
        note_to_speaker="",
        abstain=True,
        now=NOW,
    )


def pairs(event) -> set[tuple[int, int]]:
    """(proposal id, reviewer id) of every assignment in the event."""
    rows = db.session.execute(
        select(ReviewAssignment.proposal_id, ReviewAssignment.reviewer_id)
        .join(Proposal, Proposal.id == ReviewAssignment.proposal_id)
        .where(Proposal.event_id == event.id)
    )
    return {(proposal_id, reviewer_id) for proposal_id, reviewer_id in rows}


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def count_queries(queries: list[str], call) -> int:
    db.session.flush()
    queries.clear()
    call()
    return len(queries)


CRITERION = {
    "name": "Clarity",
    "description": "",
    "weight": 1,
    "scale_min": 0,
    "scale_max": 10,
    "track_ids": [],
}


def add_criterion(event, organizer, **changes) -> ReviewCriterion:
    return review_setup.save_criterion(
        actor=organizer, event=event, criterion=None, now=NOW, **{**CRITERION, **changes}
    )


# Rules ---------------------------------------------------------------------------------------


def test_without_phases_review_is_open_and_the_call_decides_what_is_seen():
    event, _, cfp = make_review_event(others_reviews=OthersReviews.ALWAYS)
    assert review_setup.rules(event, cfp=cfp, now=NOW) == ReviewRules(
        can_review=True, others_reviews=OthersReviews.ALWAYS, phase=None
    )
    assert review_setup.rules(event, cfp=None, now=NOW).others_reviews == OthersReviews.AFTER_OWN


def test_the_running_phase_decides_to_the_second():
    event, organizer, cfp = make_review_event(others_reviews=OthersReviews.ALWAYS)
    start, middle, end = NOW, NOW + dt.timedelta(days=7), NOW + dt.timedelta(days=10)
    scoring = review_setup.save_phase(
        actor=organizer, event=event, phase=None, name="Scoring", starts_at=start,
        ends_at=middle, can_review=True, others_reviews=OthersReviews.AFTER_OWN, now=NOW,
    )  # fmt: skip
    discussion = review_setup.save_phase(
        actor=organizer, event=event, phase=None, name="Discussion", starts_at=middle,
        ends_at=end, can_review=False, others_reviews=OthersReviews.ALWAYS, now=NOW,
    )  # fmt: skip
    closed = (False, OthersReviews.NEVER, None)
    expected = [
        (start - SECOND, closed),
        (start, (True, OthersReviews.AFTER_OWN, scoring)),
        (middle - SECOND, (True, OthersReviews.AFTER_OWN, scoring)),
        (middle, (False, OthersReviews.ALWAYS, discussion)),
        (end - SECOND, (False, OthersReviews.ALWAYS, discussion)),
        (end, closed),
    ]
    for moment, (can, others, phase) in expected:
        assert review_setup.rules(event, cfp=cfp, now=moment) == ReviewRules(
            can_review=can, others_reviews=others, phase=phase
        ), moment
    assert review_setup.phases(event) == [scoring, discussion]


def test_phases_are_validated():
    event, organizer, _ = make_review_event()
    first = review_setup.save_phase(
        actor=organizer, event=event, phase=None, name="First", starts_at=NOW,
        ends_at=NOW + dt.timedelta(days=2), can_review=True,
        others_reviews=OthersReviews.NEVER, now=NOW,
    )  # fmt: skip

    def attempt(**changes):
        values = {
            "name": "Second",
            "starts_at": NOW + dt.timedelta(days=1),
            "ends_at": NOW + dt.timedelta(days=3),
            **changes,
        }
        return review_setup.save_phase(
            actor=organizer, event=event, phase=None, can_review=True,
            others_reviews=OthersReviews.NEVER, now=NOW, **values,
        )  # fmt: skip

    with pytest.raises(ValidationFailed) as caught:
        attempt(name=" ")
    assert caught.value.errors == {
        "name": "Enter a name for the phase.",
        "starts_at": "This overlaps the phase “First”. Phases cannot overlap.",
    }
    with pytest.raises(ValidationFailed) as caught:
        attempt(ends_at=NOW + dt.timedelta(days=1))
    assert caught.value.errors == {"ends_at": "A phase must end after it starts."}
    second = attempt(starts_at=first.ends_at)  # touching is fine: phases are half-open
    # Moving a phase onto itself is no overlap; onto the other one is.
    review_setup.save_phase(
        actor=organizer, event=event, phase=second, name="Second", starts_at=second.starts_at,
        ends_at=second.ends_at + SECOND, can_review=False,
        others_reviews=OthersReviews.ALWAYS, now=NOW,
    )  # fmt: skip
    assert second.ends_at == NOW + dt.timedelta(days=3, seconds=1)
    with pytest.raises(ValidationFailed, match="overlaps the phase “Second”"):
        review_setup.save_phase(
            actor=organizer, event=event, phase=first, name="First", starts_at=NOW,
            ends_at=first.ends_at + SECOND, can_review=True,
            others_reviews=OthersReviews.NEVER, now=NOW,
        )  # fmt: skip
    review_setup.delete_phase(actor=organizer, phase=first, now=NOW)
    assert review_setup.phases(event) == [second]
    assert actions()[-3:] == ["review.phase_create", "review.phase_update", "review.phase_delete"]


def test_only_organizers_configure_review():
    event, _, _ = make_review_event()
    reviewer = make_reviewer(event)
    with pytest.raises(PermissionDenied):
        add_criterion(event, reviewer)
    with pytest.raises(PermissionDenied):
        review_setup.save_phase(
            actor=reviewer, event=event, phase=None, name="P", starts_at=NOW,
            ends_at=NOW + SECOND, can_review=True, others_reviews=OthersReviews.NEVER, now=NOW,
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        review_setup.delete_criterion(actor=reviewer, criterion=relevance(event), now=NOW)


# Criteria ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "  "}, "name", "Enter a name for the criterion."),
        ({"name": "x" * 101}, "name", "Use at most 100 characters."),
        ({"name": "relevance"}, "name", "Another criterion is already called “relevance”."),
        ({"weight": 0}, "weight", "The weight must be a whole number from 1 to 100."),
        ({"weight": 101}, "weight", "The weight must be a whole number from 1 to 100."),
        ({"scale_min": 5, "scale_max": 5}, "scale_max", "The highest score must be above"),
        ({"scale_min": 0, "scale_max": 101}, "scale_max", "A scale can span at most 100 points."),
        ({"description": "x" * 501}, "description", "Use at most 500 characters."),
    ],
)
def test_criteria_are_validated(changes, field, message):
    event, organizer, _ = make_review_event()
    with pytest.raises(ValidationFailed) as caught:
        add_criterion(event, organizer, **changes)
    assert list(caught.value.errors) == [field]
    assert caught.value.errors[field].startswith(message)


def test_criterion_tracks_must_belong_to_the_event_and_errors_come_together():
    event, organizer, _ = make_review_event()
    other, other_organizer, _ = make_review_event()
    with pytest.raises(ValidationFailed) as caught:
        add_criterion(event, organizer, name="", weight=0, track_ids=[track(other).id])
    assert caught.value.errors == {
        "name": "Enter a name for the criterion.",
        "weight": "The weight must be a whole number from 1 to 100.",
        "track_ids": "Choose among this event's tracks.",
    }
    # Another event's criterion of the same name is no clash; renaming to one's own name is fine.
    clarity = add_criterion(event, organizer, track_ids=[track(event).id])
    add_criterion(other, other_organizer)
    review_setup.save_criterion(
        actor=organizer, event=event, criterion=clarity, now=NOW,
        **{**CRITERION, "name": "Clarity", "weight": 5},
    )  # fmt: skip
    assert clarity.weight == 5
    with pytest.raises(NotFound):
        review_setup.save_criterion(
            actor=organizer, event=event, criterion=relevance(other), now=NOW, **CRITERION
        )


def test_new_criteria_go_last_move_and_apply_by_track():
    event, organizer, _ = make_review_event()
    methods, applications = track(event), track(event, "Applications")
    first = relevance(event)  # position 0, every track
    clarity = add_criterion(event, organizer, track_ids=[methods.id])
    novelty = add_criterion(event, organizer, name="Novelty", track_ids=[applications.id])
    assert (clarity.position, novelty.position) == (1, 2)
    on_methods = make_proposal(event, track=methods)
    on_applications = make_proposal(event, track=applications)
    assert review_setup.criteria_for(event, on_methods) == [first, clarity]
    assert review_setup.criteria_for(event, on_applications) == [first, novelty]

    review_setup.move_criterion(actor=organizer, criterion=clarity, direction=-1, now=NOW)
    assert review_setup.criteria_for(event, on_methods) == [clarity, first]
    review_setup.move_criterion(actor=organizer, criterion=clarity, direction=-1, now=NOW)  # at top
    review_setup.move_criterion(
        actor=organizer, criterion=novelty, direction=1, now=NOW
    )  # at bottom
    assert [c.name for c in review_setup.event_criteria(event)] == [
        "Clarity",
        "Relevance",
        "Novelty",
    ]
    review_setup.move_criterion(actor=organizer, criterion=first, direction=1, now=NOW)
    assert [c.name for c in review_setup.event_criteria(event)] == [
        "Clarity",
        "Novelty",
        "Relevance",
    ]
    with pytest.raises(ValidationFailed):
        review_setup.move_criterion(actor=organizer, criterion=first, direction=2, now=NOW)

    review_setup.delete_criterion(actor=organizer, criterion=novelty, now=NOW)
    assert review_setup.criteria_for(event, on_applications) == [first]
    given = review_setup.event_criteria(event)
    assert review_setup.criteria_for(event, on_methods, all_criteria=given) == [clarity, first]


# Reviewer preferences and conflicts ----------------------------------------------------------


def test_reviewer_tracks_are_replaced_for_one_event_only():
    event, _, _ = make_review_event()
    other, _, _ = make_review_event()
    reviewer = make_reviewer(event)
    grant_role(reviewer, other, EventRoleName.REVIEWER)
    review_setup.set_reviewer_tracks(
        actor=reviewer, event=other, track_ids=[track(other).id], now=NOW
    )
    review_setup.set_reviewer_tracks(
        actor=reviewer, event=event, track_ids=[track(event).id], now=NOW
    )
    applications = track(event, "Applications").id
    review_setup.set_reviewer_tracks(actor=reviewer, event=event, track_ids=[applications], now=NOW)
    assert review_setup.reviewer_tracks(event, reviewer) == {applications}
    assert review_setup.reviewer_tracks(other, reviewer) == {track(other).id}
    review_setup.set_reviewer_tracks(actor=reviewer, event=event, track_ids=[], now=NOW)
    assert review_setup.reviewer_tracks(event, reviewer) == set()
    with pytest.raises(ValidationFailed, match="this event's tracks"):
        review_setup.set_reviewer_tracks(
            actor=reviewer, event=event, track_ids=[track(other).id], now=NOW
        )
    with pytest.raises(PermissionDenied):
        review_setup.set_reviewer_tracks(actor=make_user(), event=event, track_ids=[], now=NOW)


def test_declaring_a_conflict_drops_an_unreviewed_assignment_and_is_idempotent():
    event, organizer, _ = make_review_event()
    reviewer = make_reviewer(event)
    fresh, reviewed = make_proposal(event), make_proposal(event)
    for proposal in (fresh, reviewed):
        assignment.assign(actor=organizer, proposal=proposal, reviewer=reviewer, now=NOW)
    scored(event, reviewed, reviewer, 3)

    conflict = reviews.declare_interest(
        actor=reviewer, proposal=fresh, reason="My student", now=NOW
    )
    again = reviews.declare_interest(actor=reviewer, proposal=fresh, reason="Student", now=NOW)
    reviews.declare_interest(actor=reviewer, proposal=reviewed, reason="", now=NOW)
    assert again is conflict and conflict.reason == "Student"
    assert reviews.interests_of(event, reviewer) == {fresh.id, reviewed.id}
    assert pairs(event) == {(reviewed.id, reviewer.id)}  # the reviewed one keeps its assignment
    assert actions().count("review.unassign") == 1

    reviews.withdraw_interest(actor=reviewer, proposal=fresh, now=NOW)
    reviews.withdraw_interest(actor=reviewer, proposal=fresh, now=NOW)
    assert reviews.interests_of(event, reviewer) == {reviewed.id}
    with pytest.raises(ValidationFailed):
        reviews.declare_interest(actor=reviewer, proposal=fresh, reason="x" * 301, now=NOW)
    with pytest.raises(PermissionDenied):
        reviews.declare_interest(actor=make_user(), proposal=fresh, reason="", now=NOW)
    with pytest.raises(NotFound):
        reviews.declare_interest(
            actor=reviewer, proposal=make_proposal(event, state=ProposalState.DRAFT), reason="",
            now=NOW,
        )  # fmt: skip


# Assignment ----------------------------------------------------------------------------------


def test_manual_assignment_refuses_the_wrong_people_and_is_idempotent():
    event, organizer, _ = make_review_event()
    ada = make_reviewer(event, name="Ada")
    speaker = make_reviewer(event, name="Sam")
    conflicted = make_reviewer(event, name="Cy")
    proposal = make_proposal(event, speaker)
    reviews.declare_interest(actor=conflicted, proposal=proposal, reason="", now=NOW)
    cases = [
        (make_user(name="Nobody"), "Nobody is not a reviewer of this event."),
        (speaker, "Sam speaks on this proposal or is invited to: nobody reviews their own."),
        (conflicted, "Cy declared a conflict of interest with this proposal."),
    ]
    for person, message in cases:
        with pytest.raises(ValidationFailed) as caught:
            assignment.assign(actor=organizer, proposal=proposal, reviewer=person, now=NOW)
        assert caught.value.errors == {"reviewer": message}
    with pytest.raises(PermissionDenied):
        assignment.assign(actor=ada, proposal=proposal, reviewer=ada, now=NOW)

    bea = make_reviewer(event, name="Bea")
    first = assignment.assign(actor=organizer, proposal=proposal, reviewer=ada, now=NOW)
    assert assignment.assign(actor=organizer, proposal=proposal, reviewer=ada, now=NOW) is first
    assignment.assign(actor=organizer, proposal=proposal, reviewer=bea, now=NOW)
    assert [a.reviewer.display_name for a in assignment.assignments_for(proposal)] == ["Ada", "Bea"]
    assert first.automatic is False and first.assigned_by_id == organizer.id

    assignment.unassign(actor=organizer, proposal=proposal, reviewer=ada, now=NOW)
    assignment.unassign(actor=organizer, proposal=proposal, reviewer=ada, now=NOW)  # nothing left
    assert [a.reviewer for a in assignment.assignments_for(proposal)] == [bea]
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action.in_(["review.assign", "review.unassign"]))
    ).all()
    assert [(e.action, e.object_id, e.details["reviewer_id"]) for e in entries] == [
        ("review.assign", str(proposal.id), ada.id),
        ("review.assign", str(proposal.id), bea.id),
        ("review.unassign", str(proposal.id), ada.id),
    ]


def test_reviewers_are_listed_by_name():
    event, _, _ = make_review_event()
    zoe, ann = make_reviewer(event, name="Zoe"), make_reviewer(event, name="Ann")
    grant_role(make_user(), event, EventRoleName.GRANT_REVIEWER)
    assert review_setup.reviewers(event) == [ann, zoe]


def test_automatic_assignment_skips_speakers_and_conflicts_and_reaches_n():
    event, organizer, _ = make_review_event()
    people = [make_reviewer(event) for _ in range(5)]
    own = make_proposal(event, people[0])
    co_spoken = make_proposal(event, co_speakers=(people[1],))
    conflicted = make_proposal(event)
    reviews.declare_interest(actor=people[2], proposal=conflicted, reason="", now=NOW)
    others = [make_proposal(event) for _ in range(5)]
    make_proposal(event, state=ProposalState.DRAFT)
    make_proposal(event, state=ProposalState.WITHDRAWN)
    make_proposal(event, state=ProposalState.ACCEPTED)  # decided: no new work

    report = assignment.assign_automatically(actor=organizer, event=event, per_proposal=3, now=NOW)

    assigned = pairs(event)
    submitted = [own, co_spoken, conflicted, *others]
    assert Counter(p for p, _ in assigned) == {p.id: 3 for p in submitted}
    assert (own.id, people[0].id) not in assigned
    assert (co_spoken.id, people[1].id) not in assigned
    assert (conflicted.id, people[2].id) not in assigned
    assert report.created == 24 and report.short == []
    assert report.loads == Counter(r for _, r in assigned)
    assert max(report.loads.values()) - min(report.loads.values()) <= 1
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "review.assign_auto")
    ).one()
    assert entry.details["created"] == 24 and entry.details["per_proposal"] == 3
    assert db.session.scalars(select(ReviewAssignment.automatic)).all() == [True] * 24


def test_automatic_assignment_defaults_to_the_calls_number_and_reports_shortfalls():
    event, organizer, _ = make_review_event(reviews_per_proposal=2)
    ana, ben = make_reviewer(event), make_reviewer(event)
    mine = make_proposal(event, ana)
    fine = make_proposal(event)
    report = assignment.assign_automatically(actor=organizer, event=event, now=NOW)
    assert pairs(event) == {(mine.id, ben.id), (fine.id, ana.id), (fine.id, ben.id)}
    assert report.short == [mine.id]
    assert report.loads == {ana.id: 1, ben.id: 2}
    with pytest.raises(PermissionDenied):
        assignment.assign_automatically(actor=ana, event=event, now=NOW)
    with pytest.raises(ValidationFailed):
        assignment.assign_automatically(actor=organizer, event=event, per_proposal=0, now=NOW)


def test_automatic_assignment_balances_load():
    event, organizer, _ = make_review_event()
    people = [make_reviewer(event) for _ in range(7)]
    for _ in range(20):
        make_proposal(event)
    report = assignment.assign_automatically(actor=organizer, event=event, per_proposal=3, now=NOW)
    assert report.created == 60
    assert sorted(report.loads.values()) == [8, 8, 8, 9, 9, 9, 9]
    assert set(report.loads) == {p.id for p in people}


def test_automatic_assignment_tops_up_without_duplicates():
    event, organizer, _ = make_review_event()
    people = [make_reviewer(event) for _ in range(4)]
    proposals = [make_proposal(event) for _ in range(6)]
    assignment.assign(actor=organizer, proposal=proposals[0], reviewer=people[0], now=NOW)
    assignment.assign(actor=organizer, proposal=proposals[0], reviewer=people[1], now=NOW)
    assignment.assign(actor=organizer, proposal=proposals[1], reviewer=people[0], now=NOW)
    # An assignment of someone who is no longer a reviewer does not count.
    former = make_user()
    db.session.add(ReviewAssignment(proposal=proposals[2], reviewer=former, created_at=NOW))
    db.session.flush()

    report = assignment.assign_automatically(actor=organizer, event=event, per_proposal=2, now=NOW)
    assert report.created == 12 - 3
    counts = Counter(p for p, r in pairs(event) if r != former.id)
    assert counts == {p.id: 2 for p in proposals}
    assert {(proposals[0].id, people[0].id), (proposals[0].id, people[1].id)} <= pairs(event)
    assert (proposals[2].id, former.id) in pairs(event)  # left alone
    assert sum(report.loads.values()) == 12 and former.id not in report.loads

    again = assignment.assign_automatically(actor=organizer, event=event, per_proposal=2, now=NOW)
    assert again.created == 0 and again.loads == report.loads
    more = assignment.assign_automatically(actor=organizer, event=event, per_proposal=3, now=NOW)
    assert more.created == 6
    assert Counter(p for p, r in pairs(event) if r != former.id) == {p.id: 3 for p in proposals}


def test_automatic_assignment_prefers_the_reviewers_tracks():
    event, organizer, _ = make_review_event()
    methods, applications = track(event), track(event, "Applications")
    method_people = [make_reviewer(event) for _ in range(2)]
    application_people = [make_reviewer(event) for _ in range(2)]
    for person in method_people:
        review_setup.set_reviewer_tracks(actor=person, event=event, track_ids=[methods.id], now=NOW)
    for person in application_people:
        review_setup.set_reviewer_tracks(
            actor=person, event=event, track_ids=[applications.id], now=NOW
        )
    on_methods = {make_proposal(event, track=methods).id for _ in range(4)}
    on_applications = {make_proposal(event, track=applications).id for _ in range(4)}

    assignment.assign_automatically(actor=organizer, event=event, per_proposal=2, now=NOW)

    assigned = pairs(event)
    assert {(p, r) for p, r in assigned if p in on_methods} == {
        (p, r.id) for p in on_methods for r in method_people
    }
    assert {(p, r) for p, r in assigned if p in on_applications} == {
        (p, r.id) for p in on_applications for r in application_people
    }


def test_a_reviewer_without_tracks_matches_every_track_but_load_still_counts():
    event, organizer, _ = make_review_event()
    methods = track(event)
    picky = make_reviewer(event)
    review_setup.set_reviewer_tracks(
        actor=picky, event=event, track_ids=[track(event, "Applications").id], now=NOW
    )
    open_minded = [make_reviewer(event) for _ in range(2)]
    for _ in range(5):
        make_proposal(event, track=methods)
    report = assignment.assign_automatically(actor=organizer, event=event, per_proposal=1, now=NOW)
    # The open-minded two take the Methods proposals while their load is at most one above
    # the picky reviewer's; the fifth goes to the picky reviewer, then two below.
    assert report.loads == {open_minded[0].id: 2, open_minded[1].id: 2, picky.id: 1}


def test_automatic_assignment_is_deterministic_for_a_seed():
    event, organizer, _ = make_review_event()
    for _ in range(5):
        make_reviewer(event)
    for _ in range(8):
        make_proposal(event)

    def run(seed: int) -> set[tuple[int, int]]:
        assignment.assign_automatically(
            actor=organizer, event=event, per_proposal=2, now=NOW, seed=seed
        )
        result = pairs(event)
        db.session.execute(delete(ReviewAssignment))
        return result

    first = run(7)
    assert run(7) == first
    assert run(8) != first


def test_automatic_assignment_runs_a_constant_number_of_queries(queries):
    event, organizer, _ = make_review_event()

    def grow(reviewers: int, proposals: int) -> None:
        people = [make_reviewer(event) for _ in range(reviewers)]
        for i in range(proposals):
            proposal = make_proposal(event, people[i % len(people)])
            reviews.declare_interest(
                actor=people[(i + 1) % len(people)], proposal=proposal, reason="", now=NOW
            )
        review_setup.set_reviewer_tracks(
            actor=people[0], event=event, track_ids=[track(event).id], now=NOW
        )

    def run() -> None:
        report = assignment.assign_automatically(actor=organizer, event=event, now=NOW)
        assert report.created > 0

    grow(3, 2)
    small = count_queries(queries, run)
    grow(10, 30)
    large = count_queries(queries, run)
    assert small == large


def test_automatic_assignment_of_a_thousand_proposals_is_fast():
    event, organizer, _ = make_review_event()
    people = [make_reviewer(event) for _ in range(40)]
    speaker = make_user()
    kind = session_type(event)
    tracks = [track(event).id, track(event, "Applications").id]
    rows = [
        {
            "public_id": f"00000000-0000-4000-8000-{i:012d}",
            "event_id": event.id,
            "session_type_id": kind.id,
            "track_id": tracks[i % 2],
            "title": f"Proposal {i}",
            "duration_minutes": 20,
            "state": ProposalState.SUBMITTED,
            "created_at": NOW,
            "content_changed_at": NOW,
        }
        for i in range(1000)
    ]
    db.session.execute(insert(Proposal), rows)
    ids = db.session.scalars(select(Proposal.id).where(Proposal.event_id == event.id)).all()
    db.session.execute(
        insert(ProposalSpeaker),
        [
            {
                "proposal_id": proposal_id,
                "user_id": people[n % 40].id if n % 10 == 0 else speaker.id,
                "role": SpeakerRole.PRIMARY,
                "email": "someone@example.org",
                "invited_at": NOW,
            }
            for n, proposal_id in enumerate(ids)
        ],
    )
    for person in people[:10]:
        review_setup.set_reviewer_tracks(actor=person, event=event, track_ids=tracks[:1], now=NOW)

    # Speed is measured in tests/bench/test_cfp.py; here only the result at full size.
    report = assignment.assign_automatically(actor=organizer, event=event, per_proposal=3, now=NOW)

    assert report.created == 3000 and report.short == []
    assert max(report.loads.values()) - min(report.loads.values()) <= 2


def test_reviewer_loads_count_assignments_and_reviews():
    event, organizer, _ = make_review_event()
    busy, idle = make_reviewer(event), make_reviewer(event)
    first, second = make_proposal(event), make_proposal(event)
    assignment.assign(actor=organizer, proposal=first, reviewer=busy, now=NOW)
    assignment.assign(actor=organizer, proposal=second, reviewer=busy, now=NOW)
    scored(event, first, busy, 4)
    abstained(make_proposal(event), busy)  # unassigned reviews count as work done too
    assert assignment.reviewer_loads(event) == {busy.id: (2, 2), idle.id: (0, 0)}


# Reviewing -----------------------------------------------------------------------------------


def test_my_assignments_and_next_proposal():
    event, organizer, _ = make_review_event()
    me = make_reviewer(event)
    others = [make_reviewer(event) for _ in range(3)]
    popular, quiet, tie, done, conflicted, skipped = (make_proposal(event) for _ in range(6))
    withdrawn = make_proposal(event)
    for proposal in (popular, quiet, tie, done, conflicted, skipped, withdrawn):
        assignment.assign(actor=organizer, proposal=proposal, reviewer=me, now=NOW)
    withdrawn.state = ProposalState.WITHDRAWN
    for person in others[:2]:
        scored(event, popular, person, 3)
    scored(event, quiet, others[0], 3)
    scored(event, tie, others[1], 3)
    abstained(tie, others[2])  # abstentions are not reviews
    reviews.declare_interest(actor=me, proposal=conflicted, reason="", now=NOW)
    scored(event, done, me, 5)
    abstained(skipped, me)

    rows = assignment.my_assignments(event, me)
    assert [(r.proposal, r.review_count) for r in rows] == [
        (popular, 2), (quiet, 1), (tie, 1), (done, 1), (skipped, 0),
    ]  # fmt: skip
    assert rows[3].my_review is not None and rows[3].my_review.scores[0].score == 5
    assert rows[0].my_review is None
    assert assignment.next_proposal(event, me) == quiet  # fewest reviews; ties: lowest id
    scored(event, quiet, me, 2)
    assert assignment.next_proposal(event, me) == tie
    scored(event, tie, me, 2)
    assert assignment.next_proposal(event, me) == popular
    scored(event, popular, me, 2)
    assert assignment.next_proposal(event, me) is None


def test_my_assignments_runs_a_constant_number_of_queries(queries):
    event, organizer, _ = make_review_event()
    me, other = make_reviewer(event), make_reviewer(event)

    def grow(n: int) -> None:
        for _ in range(n):
            proposal = make_proposal(event)
            assignment.assign(actor=organizer, proposal=proposal, reviewer=me, now=NOW)
            scored(event, proposal, me, 3)
            scored(event, proposal, other, 4)
            assignment.assign(actor=organizer, proposal=make_proposal(event), reviewer=me, now=NOW)

    def page() -> None:
        for row in assignment.my_assignments(event, me):  # what a list page would show
            _ = (row.proposal.track.name, row.proposal.session_type.name, row.review_count)
            _ = row.my_review and [s.score for s in row.my_review.scores]

    grow(1)
    small = count_queries(queries, page)
    grow(8)
    large = count_queries(queries, page)
    assert small == large
    assert len(assignment.my_assignments(event, me)) == 18


def test_save_review_reports_every_error_at_once():
    event, organizer, _ = make_review_event()
    clarity = add_criterion(event, organizer)  # 0..10
    novelty = add_criterion(event, organizer, name="Novelty", scale_min=1, scale_max=3)
    only_applications = add_criterion(
        event, organizer, name="Impact", track_ids=[track(event, "Applications").id]
    )
    reviewer = make_reviewer(event)
    proposal = make_proposal(event)  # Methods: Impact does not apply
    with pytest.raises(ValidationFailed) as caught:
        reviews.save_review(
            actor=reviewer, proposal=proposal, scores={clarity.id: 11, novelty.id: 0},
            comment="x" * 5001, note_to_speaker="y" * 2001, abstain=False, now=NOW,
        )  # fmt: skip
    rel = relevance(event)
    assert caught.value.errors == {
        f"score-{rel.id}": "Give a score for “Relevance”.",
        f"score-{clarity.id}": "Score “Clarity” from 0 to 10.",
        f"score-{novelty.id}": "Score “Novelty” from 1 to 3.",
        "comment": "Use at most 5000 characters.",
        "note_to_speaker": "Use at most 2000 characters.",
    }
    assert db.session.scalar(select(Review.id)) is None

    saved = reviews.save_review(
        actor=reviewer, proposal=proposal,
        scores={rel.id: 1, clarity.id: 0, novelty.id: 3, only_applications.id: 99},
        comment=" Good. ", note_to_speaker="", abstain=False, now=NOW,
    )  # fmt: skip
    assert {s.criterion_id: s.score for s in saved.scores} == {
        rel.id: 1, clarity.id: 0, novelty.id: 3,
    }  # fmt: skip
    assert saved.comment == "Good." and saved.proposal_version == 1


def test_saving_again_updates_the_review_and_abstaining_clears_scores():
    event, _, _ = make_review_event()
    reviewer = make_reviewer(event)
    proposal = make_proposal(event)
    first = scored(event, proposal, reviewer, 2)
    proposal.version = 3
    later = NOW + dt.timedelta(hours=2)
    second = scored(event, proposal, reviewer, 4, now=later)
    assert second is first
    assert [s.score for s in second.scores] == [4]
    assert (second.proposal_version, second.created_at, second.updated_at) == (3, NOW, later)
    assert db.session.scalars(select(ReviewScore.score)).all() == [4]

    abstention = reviews.save_review(
        actor=reviewer, proposal=proposal, scores={relevance(event).id: 5}, comment="",
        note_to_speaker="", abstain=True, now=later,
    )  # fmt: skip
    assert abstention is first and abstention.abstained and abstention.scores == []
    assert db.session.scalars(select(ReviewScore)).all() == []


def test_save_review_refusals():
    event, organizer, cfp = make_review_event()
    reviewer = make_reviewer(event)
    proposal = make_proposal(event)
    with pytest.raises(PermissionDenied):
        scored(event, make_proposal(event, reviewer), reviewer, 3)  # their own
    with pytest.raises(PermissionDenied):
        scored(event, make_proposal(event, co_speakers=(reviewer,)), reviewer, 3)
    with pytest.raises(PermissionDenied):
        scored(event, proposal, make_user(), 3)  # not a reviewer
    with pytest.raises(PermissionDenied):
        scored(event, proposal, organizer, 3)  # organizers decide; reviewers review
    with pytest.raises(WrongState):
        scored(event, make_proposal(event, state=ProposalState.WITHDRAWN), reviewer, 3)

    reviews.declare_interest(actor=reviewer, proposal=proposal, reason="", now=NOW)
    with pytest.raises(PermissionDenied, match="conflict of interest"):
        scored(event, proposal, reviewer, 3)
    reviews.withdraw_interest(actor=reviewer, proposal=proposal, now=NOW)

    phase = review_setup.save_phase(
        actor=organizer, event=event, phase=None, name="Discussion", starts_at=NOW,
        ends_at=NOW + dt.timedelta(days=1), can_review=False,
        others_reviews=OthersReviews.ALWAYS, now=NOW,
    )  # fmt: skip
    with pytest.raises(WrongState, match="Review is closed"):
        scored(event, proposal, reviewer, 3, cfp=cfp)
    review_setup.save_phase(
        actor=organizer, event=event, phase=phase, name="Scoring", starts_at=NOW,
        ends_at=NOW + dt.timedelta(days=1), can_review=True,
        others_reviews=OthersReviews.ALWAYS, now=NOW,
    )  # fmt: skip
    with pytest.raises(WrongState, match="Review is closed"):
        scored(event, proposal, reviewer, 3, now=NOW + dt.timedelta(days=1))  # after all phases
    with pytest.raises(WrongState, match="Review is closed"):
        scored(event, proposal, reviewer, 3, now=NOW - SECOND)  # before
    assert db.session.scalar(select(Review.id)) is None
    assert scored(event, proposal, reviewer, 3, cfp=cfp).abstained is False


@pytest.mark.parametrize(
    ("others", "before_own", "after_own"),
    [
        (OthersReviews.NEVER, False, False),
        (OthersReviews.AFTER_OWN, False, True),
        (OthersReviews.ALWAYS, True, True),
    ],
)
def test_visible_other_reviews(others, before_own, after_own):
    event, organizer, _ = make_review_event()
    me, colleague = make_reviewer(event), make_reviewer(event)
    proposal = make_proposal(event)
    theirs = scored(event, proposal, colleague, 4)
    rules = ReviewRules(can_review=True, others_reviews=others, phase=None)

    def visible():
        return reviews.visible_other_reviews(viewer=me, proposal=proposal, rules=rules)

    assert visible() == ([theirs] if before_own else [])
    mine = abstained(proposal, me)  # abstaining counts as one's own review
    assert visible() == ([theirs] if after_own else [])
    # Organizers see every review; nobody is shown their own as someone else's.
    assert reviews.visible_other_reviews(viewer=organizer, proposal=proposal, rules=rules) == [
        theirs,
        mine,
    ]
    assert reviews.visible_other_reviews(viewer=colleague, proposal=proposal, rules=rules) == (
        [mine] if others != OthersReviews.NEVER else []
    )


def test_speakers_and_conflicted_reviewers_never_see_reviews():
    event, _, _ = make_review_event()
    speaker, me, colleague = make_reviewer(event), make_reviewer(event), make_reviewer(event)
    proposal = make_proposal(event, speaker)
    scored(event, proposal, colleague, 4)
    scored(event, proposal, me, 4)
    rules = ReviewRules(can_review=True, others_reviews=OthersReviews.ALWAYS, phase=None)
    assert reviews.visible_other_reviews(viewer=speaker, proposal=proposal, rules=rules) == []
    assert len(reviews.visible_other_reviews(viewer=me, proposal=proposal, rules=rules)) == 1
    reviews.declare_interest(actor=me, proposal=proposal, reason="", now=NOW)
    assert reviews.visible_other_reviews(viewer=me, proposal=proposal, rules=rules) == []


# Scores and ranking --------------------------------------------------------------------------


def test_review_score_weights_and_scales():
    fit = ReviewCriterion(id=1, name="Fit", weight=3, scale_min=1, scale_max=5)
    depth = ReviewCriterion(id=2, name="Depth", weight=1, scale_min=0, scale_max=4)
    criteria = {1: fit, 2: depth}

    def of(*scores, abstain=False):
        return Review(
            abstained=abstain,
            scores=[ReviewScore(criterion_id=c, score=s) for c, s in scores],
        )

    # Fit 4 of 1..5 is 0.75, Depth 1 of 0..4 is 0.25: (3 * 0.75 + 1 * 0.25) / 4 * 10 = 6.25.
    assert criteria_service.review_score(of((1, 4), (2, 1)), criteria) == 6.25
    assert criteria_service.review_score(of((1, 5), (2, 0)), criteria) == 7.5
    assert criteria_service.review_score(of((1, 1), (2, 4)), criteria) == 2.5
    assert criteria_service.review_score(of((2, 3)), criteria) == 7.5
    assert criteria_service.review_score(of((1, 4), (99, 1)), criteria) == 7.5  # deleted criterion
    assert criteria_service.review_score(of(), criteria) is None
    assert criteria_service.review_score(of((1, 4), abstain=True), criteria) is None


def test_ranking_normalises_harsh_and_generous_reviewers():
    event, _, _ = make_review_event()
    harsh, generous = make_reviewer(event), make_reviewer(event)
    low = [make_proposal(event) for _ in range(3)]
    high = [make_proposal(event) for _ in range(3)]
    for proposal, score in zip(low, (1, 2, 3), strict=True):  # 0, 2.5 and 5 out of 10
        scored(event, proposal, harsh, score)
    for proposal, score in zip(high, (3, 4, 5), strict=True):  # 5, 7.5 and 10 out of 10
        scored(event, proposal, generous, score)
    unreviewed = make_proposal(event)
    only_abstained = make_proposal(event)
    abstained(only_abstained, harsh)
    make_proposal(event, state=ProposalState.DRAFT)

    ranked = ranking.ranking(event)

    by_id = {r.proposal.id: r for r in ranked}
    for a, b in zip(low, high, strict=True):
        assert by_id[a.id].normalised == pytest.approx(by_id[b.id].normalised)
    assert by_id[low[2].id].normalised == pytest.approx(1.224744871)
    assert by_id[low[1].id].normalised == 0
    assert [r.proposal for r in ranked] == [
        high[2], low[2], high[1], low[1], high[0], low[0], unreviewed, only_abstained,
    ]  # fmt: skip
    assert [r.mean for r in ranked[:6]] == [10, 5, 7.5, 2.5, 5, 0]
    assert (by_id[only_abstained.id].count, by_id[only_abstained.id].abstentions) == (0, 1)
    assert by_id[only_abstained.id].mean is None and by_id[unreviewed.id].normalised is None


def test_ranking_statistics_disagreement_and_changes():
    event, _, _ = make_review_event()
    ana, ben, cy = (make_reviewer(event) for _ in range(3))
    split = make_proposal(event)
    close = make_proposal(event)
    for person, score in ((ana, 1), (ben, 5), (cy, 4)):
        scored(event, split, person, score)  # 0, 10, 7.5
    for person, score in ((ana, 3), (ben, 4)):
        scored(event, close, person, score)  # 5, 7.5
    close.version = 2  # the speaker edited after the reviews
    db.session.flush()

    by_id = {r.proposal.id: r for r in ranking.ranking(event)}
    s, c = by_id[split.id], by_id[close.id]
    assert (s.count, s.mean, s.median, s.spread) == (3, pytest.approx(17.5 / 3), 7.5, 10)
    assert (c.count, c.mean, c.median, c.spread) == (2, 6.25, 6.25, 2.5)
    assert (s.disagreement, c.disagreement) == (True, False)
    assert (s.changed_since_review, c.changed_since_review) == (False, True)
    lenient = {r.proposal.id: r for r in ranking.ranking(event, disagreement_threshold=2.5)}
    assert lenient[close.id].disagreement is True

    scored(event, close, cy, 4)  # a fresh review of the new version does not clear old ones
    assert {r.proposal.id: r for r in ranking.ranking(event)}[close.id].changed_since_review


def test_ranking_runs_a_constant_number_of_queries(queries):
    event, organizer, _ = make_review_event()
    add_criterion(event, organizer)
    people = [make_reviewer(event) for _ in range(3)]

    def grow(n: int) -> None:
        for i in range(n):
            proposal = make_proposal(event)
            proposal.tags.append(Tag(event_id=event.id, name=f"tag {proposal.id}"))
            for person in people:
                reviews.save_review(
                    actor=person, proposal=proposal,
                    scores={c.id: 1 + i % 3 for c in review_setup.criteria_for(event, proposal)},
                    comment="", note_to_speaker="", abstain=False, now=NOW,
                )  # fmt: skip

    def page() -> None:
        for row in ranking.ranking(event):  # what the ranking page shows
            proposal = row.proposal
            _ = (proposal.track.name, proposal.session_type.name, [t.name for t in proposal.tags])

    grow(1)
    small = count_queries(queries, page)
    grow(6)
    large = count_queries(queries, page)
    assert small == large
    assert len(ranking.ranking(event)) == 7


# Assisted redaction --------------------------------------------------------------------------


def make_identifiable_speaker(event):
    speaker = make_user(name="Ana Quintela", email="ana.q@uni.example")
    db.session.add(
        SpeakerProfile(
            event_id=event.id,
            user_id=speaker.id,
            affiliation="Universidade Nova",
            handle="@anaq@social.example",
            updated_at=NOW,
        )
    )
    db.session.flush()
    return speaker


def test_identifying_terms():
    event, _, _ = make_review_event()
    speaker = make_identifiable_speaker(event)
    co = make_user(name="Li Wu", email="li@example.org")  # short words and local part
    proposal = make_proposal(event, speaker, co_speakers=(co,))
    profiles = {p.user_id: p for p in db.session.scalars(select(SpeakerProfile))}
    assert redaction.identifying_terms(proposal, profiles) == [
        "ana quintela",
        "ana",
        "quintela",
        "ana.q@uni.example",
        "ana.q",
        "@anaq@social.example",
        "anaq@social.example",
        "universidade nova",
        "li wu",
        "li@example.org",
    ]


def test_redaction_flags_find_identifying_text_reviewers_would_see():
    event, _, _ = make_review_event()
    speaker = make_identifiable_speaker(event)
    visible = make_question(event, text="Anything else?")
    hidden = make_question(event, text="Notes", visible_to_reviewers=False)
    listed = make_question(event, kind=QuestionKind.MULTIPLE_CHOICE, choices=["Universidade Nova"])

    def proposal(**fields):
        return make_proposal(event, speaker, **fields)

    by_name = proposal(abstract="Earlier work (Quintela, 2024) showed this.")
    by_email = proposal(description="Write to ana.q@uni.example for data.")
    by_affiliation = proposal(title="Teaching at universidade nova")
    by_answer = proposal()
    by_choice = proposal()
    by_hidden_answer = proposal()
    clean = proposal(abstract="Anabel and Quintelas are other people.")
    redacted = proposal(abstract="By Ana Quintela.", redacted_abstract="By [the speaker].")
    draft = proposal(abstract="By Ana Quintela.", state=ProposalState.DRAFT)
    db.session.add_all(
        [
            Answer(proposal=by_answer, question=visible, value="Follow @anaq@social.example"),
            Answer(proposal=by_choice, question=listed, value=["Universidade Nova"]),
            Answer(proposal=by_hidden_answer, question=hidden, value="I am Ana Quintela"),
        ]
    )
    db.session.flush()

    flags = redaction.redaction_flags(event)

    assert flags == {
        by_name.id: ["quintela"],
        by_email.id: ["ana", "ana.q@uni.example", "ana.q"],  # "ana" is a word of the address
        by_affiliation.id: ["universidade nova"],
        by_answer.id: ["@anaq@social.example", "anaq@social.example"],
        by_choice.id: ["universidade nova"],
    }
    assert not {clean.id, redacted.id, draft.id, by_hidden_answer.id} & set(flags)


def test_redaction_flags_run_a_constant_number_of_queries(queries):
    event, _, _ = make_review_event()
    question = make_question(event)
    slides = make_question(event, kind=QuestionKind.FILE, file_kinds=["pdf"])

    def grow(n: int) -> None:
        for _ in range(n):
            speaker = make_user()
            db.session.add(
                SpeakerProfile(event_id=event.id, user_id=speaker.id, handle="@x", updated_at=NOW)
            )
            proposal = make_proposal(event, speaker, co_speakers=(make_user(),))
            upload = uploads.store(
                stream=io.BytesIO(make_pdf([f"By {speaker.display_name}"])),
                filename="s.pdf",
                field="f",
                allowed=["pdf"],
                max_kb=50,
                owner=speaker,
                event=event,
                now=NOW,
            )
            db.session.add(Answer(proposal=proposal, question=question, value="text"))
            db.session.add(Answer(proposal=proposal, question=slides, upload=upload))
        db.session.flush()

    grow(1)
    small = count_queries(queries, lambda: redaction.redaction_flags(event))
    grow(5)
    large = count_queries(queries, lambda: redaction.redaction_flags(event))
    assert small == large
    assert len(redaction.redaction_flags(event)) == 6  # each file names its speaker


def test_set_redaction_sets_and_clears():
    event, organizer, _ = make_review_event()
    proposal = make_proposal(event, title="Work by Ana", abstract="Ana did it.")
    redaction.set_redaction(
        actor=organizer, proposal=proposal, title="Work by [speaker]",
        abstract=" The speaker did it. ", description=None, now=NOW,
    )  # fmt: skip
    assert (proposal.reviewer_title, proposal.reviewer_abstract) == (
        "Work by [speaker]",
        "The speaker did it.",
    )
    assert proposal.redacted_description is None
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "review.redact")).one()
    assert entry.details == {"title": "set", "abstract": "set"}
    assert entry.object_id == str(proposal.id)

    redaction.set_redaction(
        actor=organizer, proposal=proposal, title="", abstract="Ana did it.", description="  ",
        now=NOW,
    )  # fmt: skip
    assert (proposal.redacted_title, proposal.redacted_abstract) == (None, None)
    assert proposal.reviewer_title == "Work by Ana"
    assert actions().count("review.redact") == 2
    redaction.set_redaction(
        actor=organizer, proposal=proposal, title=None, abstract=None, description=None, now=NOW
    )
    assert actions().count("review.redact") == 2  # nothing changed, nothing recorded

    with pytest.raises(ValidationFailed) as caught:
        redaction.set_redaction(
            actor=organizer, proposal=proposal, title="x" * 201, abstract=None,
            description=None, now=NOW,
        )  # fmt: skip
    assert caught.value.errors == {"title": "Use at most 200 characters."}
    with pytest.raises(PermissionDenied):
        redaction.set_redaction(
            actor=make_reviewer(event), proposal=proposal, title="x", abstract=None,
            description=None, now=NOW,
        )  # fmt: skip


def test_conflict_of_interest_rows_are_per_person():
    event, _, _ = make_review_event()
    ana, ben = make_reviewer(event), make_reviewer(event)
    proposal = make_proposal(event)
    reviews.declare_interest(actor=ana, proposal=proposal, reason="", now=NOW)
    assert reviews.interests_of(event, ben) == set()
    assert db.session.scalars(select(ProposalInterest.user_id)).all() == [ana.id]
