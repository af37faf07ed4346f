"""What an allocation's amounts are based on (the requests, or the reviewers' recommended
amounts), and the proposal explained in words instead of the solver's objective (issue 16,
bug 10)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from organizer.errors import ValidationFailed
from organizer.extensions import db
from organizer.models import AllocationRun, Solve
from organizer.queue import huey
from organizer.services import solves
from organizer.services.grants import allocation
from tests.factories import NOW, login_as
from tests.grants.test_allocation import World


def run(world, basis=allocation.BASIS_REQUESTS, **kwargs):
    return allocation.run_allocation(
        actor=world.organizer, programme=world.programme, now=NOW, basis=basis, **kwargs
    )


def totals(run) -> dict[int, int]:
    return {line.application_id: line.total for line in run.lines}


def allocation_url(world):
    return f"/manage/{world.event.slug}/grants/{world.programme.public_id}/allocation"


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


# Scaling a request to a recommendation ---------------------------------------------------------


def test_scale_spreads_the_recommendation_in_proportion():
    assert allocation.scale({"travel": 40_000, "lodging": 20_000}, 30_000) == {
        "travel": 20_000,
        "lodging": 10_000,
    }
    # Remainders go to the largest fractions, then to the category asked first.
    assert allocation.scale({"travel": 1, "lodging": 1, "visa": 1}, 2) == {
        "travel": 1,
        "lodging": 1,
    }
    assert allocation.scale({"travel": 100, "visa": 0}, 500) == {"travel": 100}
    assert allocation.scale({"travel": 100}, 0) == {}


@given(
    st.dictionaries(
        st.sampled_from(["travel", "lodging", "visa", "care"]),
        st.integers(min_value=0, max_value=10**9),
    ),
    st.integers(min_value=0, max_value=4 * 10**9),
)
def test_scale_adds_up_and_never_passes_a_request(requested, total):
    scaled = allocation.scale(requested, total)
    asked = sum(v for v in requested.values() if v > 0)
    assert sum(scaled.values()) == min(total, asked)
    assert all(0 < v <= requested[c] for c, v in scaled.items())


# The basis ---------------------------------------------------------------------------------------


def test_the_reviewers_basis_proposes_what_they_recommend():
    world = World(budget=200_000)
    trimmed = world.application(4, {"travel": 40_000, "lodging": 20_000}, recommended=30_000)
    unadvised = world.application(3, {"travel": 25_000})  # no recommended amount: the request

    asked = run(world)
    assert totals(asked) == {trimmed.id: 60_000, unadvised.id: 25_000}
    assert asked.settings["basis"] == "requests" and asked.settings["base_totals"] == {}

    advised = run(world, basis=allocation.BASIS_REVIEWERS)
    lines = {line.application_id: line for line in advised.lines}
    assert lines[trimmed.id].amounts == {"travel": 20_000, "lodging": 10_000}
    assert lines[unadvised.id].amounts == {"travel": 25_000}
    assert advised.settings["basis"] == "reviewers"
    assert advised.settings["base_totals"] == {str(trimmed.id): 30_000}


def test_the_minimum_fraction_applies_to_the_recommendation():
    # Recommended 20,000 of 60,000: the committee's amount is a third of the request, below
    # the 50% minimum fraction of the request, and the proposal still keeps it.
    world = World(budget=200_000, min_fraction=50)
    application = world.application(4, {"travel": 60_000}, recommended=20_000)
    draft = run(world, basis=allocation.BASIS_REVIEWERS)
    [line] = draft.lines
    assert line.total == 20_000
    # Adjusting the line: at least half of the recommendation, up to the request.
    allocation.adjust_line(actor=world.organizer, line=line, amounts={"travel": 10_000}, now=NOW)
    allocation.adjust_line(actor=world.organizer, line=line, amounts={"travel": 45_000}, now=NOW)
    with pytest.raises(ValidationFailed) as refused:
        allocation.adjust_line(actor=world.organizer, line=line, amounts={"travel": 9_000}, now=NOW)
    assert "50% of the amount the reviewers recommend" in refused.value.errors[""]
    assert application.requested_total == 60_000


def test_an_unknown_basis_is_refused():
    world = World()
    world.application(4, {"travel": 10_000})
    with pytest.raises(ValidationFailed) as refused:
        run(world, basis="wishes")
    assert "basis" in refused.value.errors


# The explanation -------------------------------------------------------------------------------


def small_case(**fields):
    """Whole awards only, 1,000.00 to share. By score alone: the best (700.00) first, then
    nothing fits. The optimum: the two others (500.00 each), a higher funded score."""
    world = World(budget=100_000, min_fraction=100, **fields)
    world.best = world.application(5, {"travel": 70_000}, recommended=40_000)
    world.second = world.application(4, {"travel": 50_000})
    world.third = world.application(3, {"travel": 50_000})
    return world


def test_the_explanation_figures_on_a_small_case():
    world = small_case()
    draft = run(world)
    explained = allocation.explain(draft)
    assert (explained.funded, explained.considered) == (2, 3)
    assert (explained.spent, explained.budget, explained.percent) == (100_000, 100_000, 100)
    assert (explained.greedy_funded, explained.greedy_spent, explained.greedy_percent) == (
        1,
        70_000,
        70,
    )
    assert explained.solved == "best" and explained.basis == "requests"

    # On the reviewers' amounts the best gets its 400.00 and the second fits beside it.
    advised = allocation.explain(run(world, basis=allocation.BASIS_REVIEWERS))
    assert (advised.funded, advised.spent, advised.percent) == (2, 90_000, 90)
    assert (advised.greedy_funded, advised.greedy_spent, advised.greedy_percent) == (2, 90_000, 90)


def test_the_explanation_follows_adjustments_and_rounds_the_percent():
    world = small_case()
    draft = run(world)
    line = next(line for line in draft.lines if line.application_id == world.second.id)
    allocation.adjust_line(actor=world.organizer, line=line, amounts={}, now=NOW)
    explained = allocation.explain(draft)
    assert (explained.funded, explained.spent, explained.percent) == (1, 50_000, 50)
    assert allocation._percent(2, 3) == 67 and allocation._percent(1, 200) == 1
    assert allocation._percent(5, 0) is None


def test_the_page_explains_the_proposal_in_words(client, app):
    world = small_case()
    run(world)
    db.session.commit()
    login_as(client, world.organizer)
    response = client.get(allocation_url(world))
    assert response.status_code == 200
    page = text(response)
    assert "Objective" not in page and "OPTIMAL" not in page
    assert (
        "This proposal funds 2 of the 3 applications waiting, for €1,000.00: 100% of the "
        "€1,000.00 left to allocate."
    ) in page
    assert "No other allocation funds a better-scored set of applications." in page
    assert (
        "Picking by score alone (highest score first, each in full or in part while the money "
        "lasts) would have funded 1 application for €700.00 (70% of the budget)."
    ) in page
    assert "Amounts based on what the applicants asked for." in page


def test_the_run_form_offers_the_basis_and_passes_it_to_the_run(client, app):
    huey.flush()
    world = small_case()
    db.session.commit()
    login_as(client, world.organizer)
    form = client.get(allocation_url(world)).get_data(as_text=True)
    assert '<input checked id="basis-0" name="basis" type="radio" value="requests">' in form
    assert '<input id="basis-1" name="basis" type="radio" value="reviewers">' in form

    response = client.post(allocation_url(world), data={"time_limit": "5", "basis": "reviewers"})
    assert response.status_code == 302
    solve = db.session.scalars(db.select(Solve)).one()
    assert solve.mode == "reviewers"
    draft = db.session.get(AllocationRun, solve.allocation_run_id)
    assert totals(draft)[world.best.id] == 40_000
    page = text(client.get(allocation_url(world)))
    assert "Amounts based on what the reviewers recommend" in page
    assert "for €900.00: 90% of the €1,000.00 left to allocate" in page

    refused = client.post(allocation_url(world), data={"time_limit": "5", "basis": "wishes"})
    assert refused.status_code == 400


def test_a_queued_run_keeps_its_basis(app):
    world = small_case()
    solve = solves.start_allocation(
        programme=world.programme,
        actor=world.organizer,
        now=NOW,
        time_limit=5,
        basis=allocation.BASIS_REVIEWERS,
    )
    db.session.commit()
    solves.carry_out(solve.public_id, clock=lambda: NOW)
    db.session.refresh(solve)
    draft = db.session.get(AllocationRun, solve.allocation_run_id)
    assert draft.settings["basis"] == "reviewers"
    assert totals(draft)[world.best.id] == 40_000
