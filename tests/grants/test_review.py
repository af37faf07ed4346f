"""The grants committee's review service: scores, recommendations, conflicts, ranking."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from organizer.enums import EventRoleName, GrantState
from organizer.errors import NotFound, PermissionDenied, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import GrantAward, GrantCriterion
from organizer.services.grants import review
from organizer.services.reviewing import criteria as criteria_service
from tests.factories import NOW, grant_role, make_application, make_event, make_programme, make_user


class World:
    def __init__(self, **fields):
        self.organizer = make_user(name="Olga Organizer")
        self.event = make_event(organizer=self.organizer)
        self.programme = make_programme(self.event, **fields)
        self.need, self.contribution = db.session.scalars(
            select(GrantCriterion)
            .where(GrantCriterion.programme_id == self.programme.id)
            .order_by(GrantCriterion.position)
        ).all()
        self.reviewer = self.committee_member("Rita Reviewer")

    def committee_member(self, name):
        user = make_user(name=name)
        grant_role(user, self.event, EventRoleName.GRANT_REVIEWER)
        return user

    def review(self, application, reviewer, need=5, contribution=5, **fields):
        return review.save_review(
            actor=reviewer,
            application=application,
            scores={self.need.id: need, self.contribution.id: contribution},
            comment=fields.pop("comment", ""),
            recommended_amount=fields.pop("recommended_amount", None),
            abstain=fields.pop("abstain", False),
            now=NOW,
        )


def test_a_review_scores_every_criterion_with_the_calls_formula():
    world = World()
    application = make_application(world.programme)
    saved = world.review(application, world.reviewer, need=5, contribution=1, comment=" ok ")
    assert saved.comment == "ok" and saved.application_version == application.version
    criteria = {c.id: c for c in review.criteria(world.programme)}
    # Need (weight 2) at the top of 1..5, contribution (weight 1) at the bottom: 2/3 x 10.
    assert criteria_service.review_score(saved, criteria) == pytest.approx(20 / 3)
    # Rewriting changes the same review.
    again = world.review(application, world.reviewer, need=3, contribution=3)
    assert again.id == saved.id
    assert criteria_service.review_score(again, criteria) == pytest.approx(5.0)


def test_scores_out_of_range_or_missing_are_refused_with_field_errors():
    world = World()
    application = make_application(world.programme)
    with pytest.raises(ValidationFailed) as error:
        review.save_review(
            actor=world.reviewer,
            application=application,
            scores={world.need.id: 9},
            comment="",
            recommended_amount=None,
            abstain=False,
            now=NOW,
        )
    assert set(error.value.errors) == {f"score-{world.need.id}", f"score-{world.contribution.id}"}


@pytest.mark.parametrize("amount", [-1, 60_001])
def test_the_recommended_amount_lies_between_zero_and_the_request(amount):
    world = World()
    application = make_application(world.programme)  # asks for 60,000 in all
    with pytest.raises(ValidationFailed) as error:
        world.review(application, world.reviewer, recommended_amount=amount)
    assert "recommended_amount" in error.value.errors
    assert world.review(application, world.reviewer, recommended_amount=60_000)


def test_abstaining_keeps_no_scores_and_no_recommendation():
    world = World()
    application = make_application(world.programme)
    world.review(application, world.reviewer, recommended_amount=1000)
    saved = review.save_review(
        actor=world.reviewer,
        application=application,
        scores={},
        comment="I know them.",
        recommended_amount=5000,
        abstain=True,
        now=NOW,
    )
    assert saved.abstained and saved.scores == [] and saved.recommended_amount is None


def test_who_may_review():
    world = World()
    outsider = make_user()
    own = make_application(world.programme, world.reviewer)
    with pytest.raises(PermissionDenied):
        world.review(own, world.reviewer)  # never one's own application
    application = make_application(world.programme)
    with pytest.raises(PermissionDenied):
        world.review(application, outsider)
    assert world.review(application, world.organizer)  # organizers are on the committee
    for state in (GrantState.DRAFT, GrantState.WITHDRAWN):
        hidden = make_application(world.programme, state=state)
        with pytest.raises(WrongState):
            world.review(hidden, world.reviewer)
        with pytest.raises(NotFound):
            review.application_for_review(world.event, hidden.public_id, world.reviewer)
    with pytest.raises(NotFound):
        review.application_for_review(world.event, own.public_id, world.reviewer)
    other_event = make_event(organizer=make_user())
    with pytest.raises(NotFound):
        review.application_for_review(other_event, application.public_id, world.reviewer)


def test_a_conflict_blocks_review_and_hides_other_reviews_until_withdrawn():
    world = World()
    colleague = world.committee_member("Colin Colleague")
    application = make_application(world.programme)
    world.review(application, colleague, comment="Strong case.")
    # Others' reviews only after one's own.
    assert review.visible_other_reviews(viewer=world.reviewer, application=application) == []
    assert len(review.visible_other_reviews(viewer=world.organizer, application=application)) == 1

    review.declare_interest(actor=world.reviewer, application=application, reason="", now=NOW)
    review.declare_interest(
        actor=world.reviewer, application=application, reason="Old friend", now=NOW
    )
    assert review.interests_of(world.programme, world.reviewer) == {application.id}
    with pytest.raises(PermissionDenied):
        world.review(application, world.reviewer)
    with pytest.raises(ValidationFailed):
        review.declare_interest(
            actor=world.reviewer, application=application, reason="x" * 301, now=NOW
        )
    review.withdraw_interest(actor=world.reviewer, application=application, now=NOW)
    assert review.interests_of(world.programme, world.reviewer) == set()
    world.review(application, world.reviewer)
    others = review.visible_other_reviews(viewer=world.reviewer, application=application)
    assert [r.comment for r in others] == ["Strong case."]
    with pytest.raises(PermissionDenied):
        review.declare_interest(actor=make_user(), application=application, reason="", now=NOW)


def test_ranking_orders_by_score_and_runs_a_total_against_the_budget(queries):
    world = World(budget=100_000)
    colleague = world.committee_member("Colin Colleague")
    top = make_application(world.programme, requested={"travel": 50_000})
    middle = make_application(world.programme, requested={"travel": 40_000})
    low = make_application(world.programme, requested={"travel": 30_000})
    unscored = make_application(world.programme, requested={"travel": 1_000})
    declined = make_application(world.programme, requested={"travel": 9_000})
    offered = make_application(world.programme, requested={"travel": 20_000})
    db.session.add(
        GrantAward(
            application_id=offered.id,
            amounts={"travel": 15_000},
            total=15_000,
            respond_by=NOW,
            offered_at=NOW,
        )
    )
    offered.state = GrantState.OFFERED
    declined.state = GrantState.DECLINED
    make_application(world.programme, state=GrantState.WITHDRAWN)
    world.review(top, world.reviewer, need=5, contribution=5, recommended_amount=40_000)
    world.review(top, colleague, need=5, contribution=4, recommended_amount=45_001)
    world.review(middle, world.reviewer, need=4, contribution=4, recommended_amount=30_000)
    world.review(middle, colleague, abstain=True)
    world.review(offered, world.reviewer, need=4, contribution=3)
    world.review(low, world.reviewer, need=2, contribution=2)
    world.review(declined, world.reviewer, need=4, contribution=2)
    db.session.flush()

    queries.clear()
    ranked = review.ranking(world.programme)
    few = len(queries)
    assert [r.application.id for r in ranked] == [
        top.id,
        middle.id,
        offered.id,
        declined.id,
        low.id,
        unscored.id,
    ]
    by_id = {r.application.id: r for r in ranked}
    assert by_id[top.id].count == 2 and by_id[middle.id].count == 1
    assert by_id[top.id].recommended == 42_501  # the median of two rounds half up
    assert by_id[middle.id].recommended == 30_000
    assert by_id[unscored.id].score is None and by_id[unscored.id].recommended is None
    assert [r.cumulative for r in ranked] == [
        50_000,
        90_000,
        105_000,  # the award, not the request
        105_000,  # declined: nothing
        135_000,
        136_000,
    ]
    assert [r.over_budget for r in ranked] == [False, False, True, True, True, True]

    for _ in range(5):
        world.review(make_application(world.programme), world.reviewer)
    db.session.flush()
    queries.clear()
    review.ranking(world.programme)
    assert len(queries) == few  # constant queries


def test_progress_counts_what_is_left_per_programme():
    world = World()
    second = make_programme(world.event)
    own = make_application(second, world.reviewer)
    assert own
    first_apps = [make_application(world.programme) for _ in range(3)]
    make_application(world.programme, state=GrantState.DRAFT)
    world.review(first_apps[0], world.reviewer)
    review.declare_interest(actor=world.reviewer, application=first_apps[1], reason="", now=NOW)
    rows = {row.programme.id: row for row in review.progress(world.event, world.reviewer)}
    assert (rows[world.programme.id].reviewable, rows[world.programme.id].done) == (3, 1)
    assert rows[world.programme.id].conflicts == 1
    assert (rows[second.id].reviewable, rows[second.id].done) == (0, 0)
