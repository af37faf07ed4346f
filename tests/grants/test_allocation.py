"""Allocation: the CP-SAT optimiser against its rules and against greedy, and the runs that
organizers adjust before committing them."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from sqlalchemy import select

from organizer.enums import AllocationStatus, EventRoleName, GrantState
from organizer.errors import PermissionDenied, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import AuditEntry, GrantAward, GrantCriterion
from organizer.services.grants import allocation, review
from organizer.services.grants.allocation import Item, greedy, minimum_award, solve
from tests.factories import NOW, grant_role, make_application, make_event, make_programme, make_user

# Hypothesis keeps caches in .hypothesis/ by default; in the working tree that directory
# trips pytest's collection (norecursedirs replaces the default ignores), so keep it elsewhere.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "organizer-hypothesis")

# The optimiser, pure -----------------------------------------------------------------------


def check_rules(result, items, *, budget, min_fraction, caps):
    """Everything an allocation must respect, whoever made it."""
    by_id = {i.id: i for i in items}
    assert result.spent <= budget
    for category, cap in caps.items():
        assert sum(a.get(category, 0) for a in result.amounts.values()) <= cap
    for item_id, amounts in result.amounts.items():
        item = by_id[item_id]
        assert item.pin != "skip"
        for category, value in amounts.items():
            assert 0 < value <= item.requested[category]
        total = sum(amounts.values())
        assert minimum_award(item.request_total, min_fraction) <= total <= item.request_total


def test_funds_the_best_scores_within_the_budget():
    items = [
        Item(id=1, score=9.0, requested={"travel": 600}),
        Item(id=2, score=8.0, requested={"travel": 500}),
        Item(id=3, score=2.0, requested={"travel": 500}),
    ]
    result = solve(items, budget=1000, min_fraction=100)
    assert result.status == "OPTIMAL"
    # Only whole awards: 1 fits with nothing else; 2 and 3 fit together and score 10 > 9.
    assert set(result.amounts) == {2, 3}
    check_rules(result, items, budget=1000, min_fraction=100, caps={})


def test_partial_awards_down_to_the_minimum_fraction():
    items = [
        Item(id=1, score=9.0, requested={"travel": 600}),
        Item(id=2, score=8.0, requested={"travel": 600}),
    ]
    result = solve(items, budget=1000, min_fraction=50)
    assert set(result.amounts) == {1, 2}
    # Left-over money goes to the better score: 1 in full, 2 gets the rest.
    assert result.amounts == {1: {"travel": 600}, 2: {"travel": 400}}
    assert greedy(items, budget=1000, min_fraction=50).amounts == result.amounts


def test_minimum_fraction_rounds_up_in_minor_units():
    assert minimum_award(1001, 50) == 501
    assert minimum_award(1000, 50) == 500
    items = [Item(id=1, score=5.0, requested={"travel": 1001})]
    assert solve(items, budget=500, min_fraction=50).amounts == {}
    assert solve(items, budget=501, min_fraction=50).amounts == {1: {"travel": 501}}


def test_pins_are_kept_and_unscored_applications_are_left_out():
    items = [
        Item(id=1, score=9.0, requested={"travel": 500}, pin="skip"),
        Item(id=2, score=1.0, requested={"travel": 500}, pin="fund"),
        Item(id=3, score=None, requested={"travel": 100}),
        Item(id=4, score=None, requested={"travel": 100}, pin="fund"),
        Item(id=5, score=5.0, requested={"travel": 100}),
    ]
    result = solve(items, budget=10_000, min_fraction=100)
    assert set(result.amounts) == {2, 4, 5}


def test_impossible_must_fund_pins_are_reported_clearly(app):
    items = [
        Item(id=1, score=1.0, requested={"travel": 800}, pin="fund"),
        Item(id=2, score=1.0, requested={"travel": 800}, pin="fund"),
    ]
    result = solve(items, budget=1000, min_fraction=100, currency="EUR")
    assert result.status == "INFEASIBLE" and result.amounts == {}
    assert "€16.00" in result.message and "€10.00" in result.message
    # Feasible on the budget, but not within the travel cap: the solver finds it out.
    result = solve(
        items, budget=10_000, min_fraction=50, category_caps={"travel": 700}, currency="EUR"
    )
    assert result.status == "INFEASIBLE"
    assert "category caps" in result.message


def test_category_caps_split_the_award_across_categories():
    items = [
        Item(id=1, score=9.0, requested={"travel": 600, "lodging": 400}),
        Item(id=2, score=8.0, requested={"travel": 600, "lodging": 400}),
    ]
    result = solve(items, budget=2000, min_fraction=60, category_caps={"travel": 800})
    check_rules(result, items, budget=2000, min_fraction=60, caps={"travel": 800})
    assert set(result.amounts) == {1, 2}
    assert result.amounts[1] == {"travel": 600, "lodging": 400}
    assert result.amounts[2]["travel"] == 200 and result.amounts[2]["lodging"] == 400


def test_greedy_takes_the_best_first_and_may_miss_the_optimum():
    items = [
        Item(id=1, score=9.0, requested={"travel": 1000}),
        Item(id=2, score=8.0, requested={"travel": 500}),
        Item(id=3, score=8.0, requested={"travel": 500}),
    ]
    baseline = greedy(items, budget=1000, min_fraction=100)
    assert set(baseline.amounts) == {1}
    best = solve(items, budget=1000, min_fraction=100)
    assert set(best.amounts) == {2, 3}
    assert best.objective == 1600 > baseline.objective == 900


# Property tests ----------------------------------------------------------------------------

CATEGORIES = ["travel", "lodging", "visa"]


@st.composite
def instances(draw):
    count = draw(st.integers(min_value=0, max_value=8))
    items = []
    for n in range(count):
        requested = {
            c: draw(st.integers(min_value=0, max_value=2000))
            for c in draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, unique=True))
        }
        score = draw(st.none() | st.floats(min_value=0, max_value=10, allow_nan=False))
        pin = draw(st.sampled_from([None, None, None, "fund", "skip"]))
        items.append(Item(id=n + 1, score=score, requested=requested, pin=pin))
    budget = draw(st.integers(min_value=0, max_value=8000))
    min_fraction = draw(st.integers(min_value=1, max_value=100))
    caps = draw(
        st.dictionaries(st.sampled_from(CATEGORIES), st.integers(min_value=0, max_value=4000))
    )
    return items, budget, min_fraction, caps


@settings(
    max_examples=50,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(instances())
def test_solve_keeps_every_rule_and_beats_or_equals_greedy(instance):
    items, budget, min_fraction, caps = instance
    result = solve(items, budget=budget, min_fraction=min_fraction, category_caps=caps)
    baseline = greedy(items, budget=budget, min_fraction=min_fraction, category_caps=caps)
    check_rules(baseline, items, budget=budget, min_fraction=min_fraction, caps=caps)
    must = {i.id for i in items if i.pin == "fund" and i.request_total > 0}
    if result.status == "INFEASIBLE":
        assert result.amounts == {} and result.message
        assert not must <= set(baseline.amounts)  # greedy could not keep the pins either
        return
    assert result.status == "OPTIMAL"
    check_rules(result, items, budget=budget, min_fraction=min_fraction, caps=caps)
    assert must <= set(result.amounts)
    for item in items:
        if item.id in result.amounts and item.pin != "fund":
            assert item.weight > 0  # unscored applications only when pinned
    if must <= set(baseline.amounts):  # greedy's allocation is a valid one: compare
        assert result.objective >= baseline.objective


# Runs --------------------------------------------------------------------------------------


class World:
    def __init__(self, *, budget=100_000, min_fraction=50, **fields):
        self.organizer = make_user(name="Olga Organizer")
        self.event = make_event(organizer=self.organizer)
        self.programme = make_programme(
            self.event, budget=budget, min_fraction=min_fraction, **fields
        )
        self.reviewer = make_user(name="Rita Reviewer")
        grant_role(self.reviewer, self.event, EventRoleName.GRANT_REVIEWER)
        self.criteria = list(
            db.session.scalars(
                select(GrantCriterion).where(GrantCriterion.programme_id == self.programme.id)
            )
        )

    def application(self, score: int | None, requested, *, recommended=None, **fields):
        application = make_application(self.programme, requested=requested, **fields)
        if score is not None:
            review.save_review(
                actor=self.reviewer,
                application=application,
                scores={c.id: score for c in self.criteria},
                comment="",
                recommended_amount=recommended,
                abstain=False,
                now=NOW,
            )
        return application


def test_run_allocation_makes_a_draft_over_the_remaining_budget():
    world = World(budget=100_000, category_caps={"lodging": 30_000})
    best = world.application(5, {"travel": 40_000, "lodging": 20_000})
    good = world.application(4, {"travel": 30_000, "lodging": 20_000})
    weak = world.application(2, {"travel": 30_000})
    unscored = world.application(None, {"travel": 10_000})
    waitlisted = world.application(3, {"travel": 5_000}, state=GrantState.WAITLISTED)
    world.application(5, {"travel": 5_000}, state=GrantState.REJECTED)
    world.application(5, {"travel": 5_000}, state=GrantState.INFO_NEEDED)
    offered = world.application(5, {"travel": 20_000}, state=GrantState.OFFERED)
    db.session.add(
        GrantAward(
            application_id=offered.id,
            amounts={"travel": 20_000},
            total=20_000,
            respond_by=NOW,
            offered_at=NOW,
        )
    )
    db.session.flush()
    assert allocation.committed_total(world.programme) == 20_000
    assert allocation.remaining_budget(world.programme) == 80_000

    run = allocation.run_allocation(actor=world.organizer, programme=world.programme, now=NOW)
    assert run.status == AllocationStatus.DRAFT
    assert run.budget == 80_000
    assert run.solver_status == "OPTIMAL"
    lines = {line.application_id: line for line in run.lines}
    assert set(lines) == {best.id, good.id, weak.id, unscored.id, waitlisted.id}
    assert lines[unscored.id].total == 0
    assert allocation.run_total(run) <= 80_000
    assert allocation.run_remaining(run) == 80_000 - allocation.run_total(run)
    assert sum(line.amounts.get("lodging", 0) for line in run.lines) <= 30_000
    assert lines[best.id].total > 0
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "grants.allocation_run")
    ).one()
    assert entry.details["solver_status"] == "OPTIMAL"
    assert allocation.latest_run(world.programme) is run

    # A second run discards the first draft.
    again = allocation.run_allocation(actor=world.organizer, programme=world.programme, now=NOW)
    assert run.status == AllocationStatus.DISCARDED
    assert allocation.latest_run(world.programme) is again


def test_only_organizers_run_allocations():
    world = World()
    with pytest.raises(PermissionDenied):
        allocation.run_allocation(actor=world.reviewer, programme=world.programme, now=NOW)


def test_impossible_pins_refuse_the_run_with_a_message(app):
    world = World(budget=50_000, min_fraction=100)
    world.application(3, {"travel": 40_000}, pin="fund")
    world.application(3, {"travel": 40_000}, pin="fund")
    with pytest.raises(WrongState) as error:
        allocation.run_allocation(actor=world.organizer, programme=world.programme, now=NOW)
    assert "must-fund" in error.value.message


def test_adjusting_a_line_checks_request_fraction_budget_and_caps():
    world = World(budget=90_000, min_fraction=50, category_caps={"lodging": 25_000})
    first = world.application(5, {"travel": 40_000, "lodging": 20_000})
    second = world.application(4, {"travel": 30_000, "lodging": 20_000})
    run = allocation.run_allocation(actor=world.organizer, programme=world.programme, now=NOW)
    lines = {line.application_id: line for line in run.lines}
    line = lines[second.id]

    def adjust(amounts):
        return allocation.adjust_line(actor=world.organizer, line=line, amounts=amounts, now=NOW)

    with pytest.raises(ValidationFailed) as error:
        adjust({"travel": 30_001})
    assert "amount-travel" in error.value.errors
    with pytest.raises(ValidationFailed) as error:
        adjust({"travel": -1})
    assert "amount-travel" in error.value.errors
    with pytest.raises(ValidationFailed) as error:
        adjust({"visa": 100})  # nothing asked for in that category
    assert "amount-visa" in error.value.errors
    with pytest.raises(ValidationFailed) as error:
        adjust({"travel": 20_000})  # under 50% of 50,000
    assert "" in error.value.errors
    with pytest.raises(ValidationFailed) as error:
        adjust({"travel": 15_000, "lodging": 10_000})  # lodging cap: 20,000 + 10,000 > 25,000
    assert "amount-lodging" in error.value.errors

    assert lines[first.id].amounts == {"travel": 40_000, "lodging": 20_000}
    adjust({"travel": 0})
    assert line.total == 0 and line.adjusted
    assert allocation.run_remaining(run) == 30_000
    adjust({"travel": 25_000, "lodging": 5_000})
    assert line.amounts == {"travel": 25_000, "lodging": 5_000} and line.total == 30_000
    assert allocation.run_remaining(run) == 0
    with pytest.raises(ValidationFailed) as error:
        adjust({"travel": 30_000, "lodging": 5_000, "visa": 0})
    assert "over its budget" in error.value.errors[""]
    assert line.total == 30_000

    allocation.discard_run(actor=world.organizer, run=run, now=NOW)
    with pytest.raises(WrongState):
        adjust({"travel": 25_000})
    assert allocation.latest_run(world.programme) is None
