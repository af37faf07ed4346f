"""Benchmarks of the call for talks at 1,000 proposals x 3 reviews (`make bench`), on the data
of `flask demo --size 1000`. They print figures; query counts are asserted in feature tests."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from organizer.extensions import db
from organizer.models import Proposal, ReviewAssignment, User
from organizer.services import demo
from organizer.services.cfp import assignment
from tests.factories import NOW, login_as

SIZE = 1000


@pytest.fixture
def synthetic():
    event = demo.generate_synthetic(size=SIZE, now=NOW)
    organizer = db.session.scalar(
        select(User).where(User.email == f"organizer@{event.slug}.example.org")
    )
    db.session.commit()
    return event, organizer


@pytest.mark.parametrize("view", ["proposals", "ranking"])
def test_organizer_pages_at_1000_proposals(benchmark, client, queries, synthetic, view):
    event, organizer = synthetic
    login_as(client, organizer)
    url = f"/manage/{event.slug}/cfp/{view}"
    response = benchmark(client.get, url)
    assert response.status_code == 200
    queries.clear()
    client.get(url)
    print(f"\n{url}: {len(queries)} SQL queries, {len(response.data) // 1024} KiB")


def test_proposal_list_sorted_by_score(benchmark, client, synthetic):
    event, organizer = synthetic
    login_as(client, organizer)
    response = benchmark(client.get, f"/manage/{event.slug}/cfp/proposals?sort=score&page=7")
    assert response.status_code == 200


def test_automatic_assignment_of_1000_proposals_to_40_reviewers(benchmark, synthetic, queries):
    event, organizer = synthetic

    def clear():
        db.session.rollback()
        proposal_ids = select(Proposal.id).where(Proposal.event_id == event.id)
        db.session.execute(
            delete(ReviewAssignment).where(ReviewAssignment.proposal_id.in_(proposal_ids))
        )
        db.session.expire_all()
        queries.clear()

    def assign():
        return assignment.assign_automatically(
            actor=organizer, event=event, per_proposal=3, now=NOW
        )

    report = benchmark.pedantic(assign, setup=clear, rounds=5, iterations=1)
    loads = sorted(report.loads.values())
    assert report.created == SIZE * 3
    print(
        f"\nassigned {report.created} reviews to {len(loads)} reviewers: load "
        f"{loads[0]}-{loads[-1]} per reviewer, {len(report.short)} proposals short, "
        f"{len(queries)} SQL queries"
    )
