"""A person's own grant applications (theirs, or linked to a proposal they speak on) are a
conflict of interest computed from the data (`services/conflicts.py`): never in their review
queue, ranking or allocation view, and never theirs to decide on."""

import datetime as dt

import pytest

from organizer import permissions
from organizer.enums import EventRoleName, GrantState
from organizer.errors import NotFound, PermissionDenied
from organizer.extensions import db
from organizer.models import GrantApplication
from organizer.services.grants import allocation, offers, reimbursement, review
from organizer.services.grants import messages as grant_messages
from organizer.services.reviewing import interests
from tests.factories import (
    NOW,
    grant_role,
    login_as,
    make_application,
    make_cfp,
    make_event,
    make_programme,
    make_proposal,
    make_user,
)
from tests.grants.test_offers import make_run, score
from tests.grants.test_reimbursement import add, award

LATER = NOW + dt.timedelta(days=10)


def ref(application) -> str:
    return review.reference(application)


class World:
    """Gina reviews grants and applied; she also co-speaks on Sam's proposal, to which Sam's
    application is linked. Otto organizes and applied too; Olga organizes."""

    def __init__(self):
        self.otto = make_user(name="Otto Organizer")
        self.olga = make_user(name="Olga Organizer")
        self.event = make_event(organizer=self.otto)
        grant_role(self.olga, self.event, EventRoleName.ORGANIZER)
        make_cfp(self.event)
        self.programme = make_programme(self.event, budget=10_000_000, name="Travel grants")
        self.gina = make_user(name="Gina Grantreviewer")
        grant_role(self.gina, self.event, EventRoleName.GRANT_REVIEWER)
        self.sam = make_user(name="Sam Speaker")
        proposal = make_proposal(self.event, self.sam, co_speakers=(self.gina,))
        self.ginas = make_application(self.programme, self.gina)
        self.linked = make_application(self.programme, self.sam, proposal_id=proposal.id)
        self.ottos = make_application(self.programme, self.otto)
        self.plain = make_application(self.programme)
        for application in (self.ginas, self.linked, self.ottos, self.plain):
            score(application, 4)

    @property
    def base(self):
        return f"/review/{self.event.slug}/grants"

    def admin(self, path=""):
        return f"/manage/{self.event.slug}/grants/{self.programme.public_id}{path}"


@pytest.fixture
def w():
    return World()


def test_own_applications_are_the_applicants_and_those_linked_to_their_proposals(w):
    assert interests.own_application_ids(w.event, w.gina) == {w.ginas.id, w.linked.id}
    assert interests.own_application_ids(w.event, w.otto) == {w.ottos.id}
    assert interests.own_application_ids(w.event, w.olga) == set()
    for application in db.session.scalars(db.select(GrantApplication)):
        for person in (w.gina, w.otto, w.olga, w.sam):
            assert permissions.is_own_application(person, application) == (
                application.id in interests.own_application_ids(w.event, person)
            )


def test_a_grant_reviewer_never_gets_their_own_in_queue_ranking_or_progress(w):
    queue = set(db.session.scalars(review.reviewable_query(w.programme, viewer=w.gina)))
    assert queue == {w.ottos, w.plain}
    ranked = {r.application for r in review.ranking(w.programme, viewer=w.gina)}
    assert ranked == {w.ottos, w.plain}
    assert review.own_count(w.programme, w.gina) == 2
    (progress,) = review.progress(w.event, w.gina)
    assert progress.reviewable == 2
    for own in (w.ginas, w.linked):
        with pytest.raises(NotFound):
            review.application_for_review(w.event, own.public_id, w.gina)
    with pytest.raises(PermissionDenied):
        review.save_review(
            actor=w.gina,
            application=w.linked,
            scores={},
            comment="",
            recommended_amount=None,
            abstain=True,
            now=NOW,
        )


def test_the_running_total_leaves_out_the_viewers_own(w):
    everyone = review.ranking(w.programme)
    for_gina = review.ranking(w.programme, viewer=w.gina)
    assert everyone[-1].cumulative - for_gina[-1].cumulative == (
        w.ginas.requested_total + w.linked.requested_total
    )


def test_an_organizer_cannot_decide_on_their_own_application(w):
    for act in (
        lambda who, a: offers.reject(actor=who, application=a, now=NOW),
        lambda who, a: offers.set_pin(actor=who, application=a, pin="fund", now=NOW),
    ):
        with pytest.raises(PermissionDenied) as caught:
            act(w.otto, w.ottos)
        assert "another organizer must decide on it" in caught.value.message
        assert ref(w.ottos) in caught.value.message
    assert (w.ottos.state, w.ottos.pin) == (GrantState.SUBMITTED, None)
    offers.set_pin(actor=w.olga, application=w.ottos, pin="fund", now=NOW)
    assert w.ottos.pin == "fund"


def test_an_organizer_cannot_adjust_or_send_an_allocation_holding_their_own(w):
    run = make_run(w.programme, [(w.ottos, {"travel": 100}), (w.plain, {"travel": 100})])
    own_line = next(line for line in run.lines if line.application_id == w.ottos.id)
    with pytest.raises(PermissionDenied):
        allocation.adjust_line(actor=w.otto, line=own_line, amounts={"travel": 0}, now=NOW)
    rows = offers.allocation_rows(w.programme, run, viewer=w.otto)
    assert [row.application for row in rows] == [w.plain]
    assert len(offers.allocation_rows(w.programme, run)) == 2
    with pytest.raises(PermissionDenied):
        offers.commit_run(actor=w.otto, run=run, respond_by=LATER, now=NOW)
    assert w.ottos.state == GrantState.SUBMITTED
    assert offers.commit_run(actor=w.olga, run=run, respond_by=LATER, now=NOW) == 2


def test_an_organizer_cannot_offer_from_a_waiting_list_holding_their_own(w):
    w.ottos.state = GrantState.WAITLISTED
    w.plain.state = GrantState.WAITLISTED
    db.session.flush()
    assert offers.overview(w.programme, viewer=w.otto).waitlisted == [w.plain]
    assert set(offers.overview(w.programme).waitlisted) == {w.ottos, w.plain}
    with pytest.raises(PermissionDenied):
        offers.offer_next(actor=w.otto, programme=w.programme, respond_by=LATER, now=NOW)
    assert w.plain.state == GrantState.WAITLISTED
    offered = offers.offer_next(actor=w.olga, programme=w.programme, respond_by=LATER, now=NOW)
    assert set(offered) == {w.ottos, w.plain}


def test_the_organizers_list_shows_their_own_without_figures(w):
    rows = {r.application: r for r in offers.application_rows(w.programme, viewer=w.otto)}
    assert rows[w.ottos].own and rows[w.ottos].score is None and rows[w.ottos].reviews == 0
    assert not rows[w.plain].own and rows[w.plain].score is not None
    everyone = {r.application: r for r in offers.application_rows(w.programme)}
    assert everyone[w.ottos].score is not None


# Pages ----------------------------------------------------------------------------------------


def test_grant_reviewer_pages_leave_out_their_own(client, w):
    login_as(client, w.gina)
    for path in [f"/{w.programme.public_id}", f"/{w.programme.public_id}/ranking"]:
        page = client.get(w.base + path).text
        assert "is left out of this" in page, path
        assert ref(w.ginas) not in page and ref(w.linked) not in page, path
        assert ref(w.plain) in page and ref(w.ottos) in page, path
    for own in (w.ginas, w.linked):
        assert client.get(f"{w.base}/applications/{own.public_id}").status_code == 404


def test_an_organizer_sees_their_own_application_without_reviews_or_controls(client, w):
    review_by = score(w.ottos, 5)
    review_by.comment = "Give Otto everything"
    grant_messages.post_message(
        actor=w.olga, application=w.ottos, body="Otto asked too much", internal=True, now=NOW
    )
    login_as(client, w.otto)
    page = client.get(w.admin(f"/applications/{w.ottos.public_id}")).text
    assert "Your own application" in page and "hidden: your own application" in page
    assert "Give Otto everything" not in page and "Otto asked too much" not in page
    assert "/pin" not in page and "/reject" not in page
    response = client.post(w.admin(f"/applications/{w.ottos.public_id}/reject"))
    assert response.status_code == 403 and "another organizer must decide" in response.text
    assert db.session.get(GrantApplication, w.ottos.id).state == GrantState.SUBMITTED

    listing = client.get(w.admin("/applications")).text
    assert "Your own: scores hidden" in listing

    assert client.post(w.admin("/allocation")).status_code == 302
    page = client.get(w.admin("/allocation")).text
    assert "is left out of this list" in page
    assert w.ottos.public_id not in page and w.plain.public_id in page

    login_as(client, w.olga)
    page = client.get(w.admin(f"/applications/{w.ottos.public_id}")).text
    assert "Give Otto everything" in page and "Otto asked too much" in page
    assert "/reject" in page


def test_list_pages_run_a_constant_number_of_queries_with_own_applications(
    client, w, assert_constant_queries
):
    def grow():
        for value in (2, 5):
            score(make_application(w.programme), value)
            co = make_user()
            proposal = make_proposal(w.event, co, co_speakers=(w.gina, w.otto))
            score(make_application(w.programme, co, proposal_id=proposal.id), value)
        db.session.commit()
        assert client.post(w.admin("/allocation")).status_code == 302

    login_as(client, w.otto)
    grant_role(w.otto, w.event, EventRoleName.GRANT_REVIEWER)
    assert_constant_queries(
        [
            w.base,
            f"{w.base}/{w.programme.public_id}",
            f"{w.base}/{w.programme.public_id}/ranking",
            w.admin("/applications"),
            w.admin("/allocation"),
            w.admin("/offers"),
        ],
        grow,
    )


def test_an_organizer_cannot_approve_their_own_receipts_or_pay_themselves(w):
    award(w.ottos, {"travel": 30_000})
    receipt = add(w.ottos, w.otto)
    with pytest.raises(PermissionDenied, match="another organizer must decide on it"):
        reimbursement.review_receipt(
            actor=w.otto, receipt=receipt, approve=True, reason="", now=NOW
        )
    with pytest.raises(PermissionDenied):
        reimbursement.record_payout(
            actor=w.otto,
            application=w.ottos,
            amount=10_000,
            paid_on=NOW.date(),
            reference="",
            now=NOW,
        )
    reimbursement.review_receipt(actor=w.olga, receipt=receipt, approve=True, reason="", now=NOW)
    payout = reimbursement.record_payout(
        actor=w.olga, application=w.ottos, amount=10_000, paid_on=NOW.date(), reference="", now=NOW
    )
    assert payout.amount == 10_000
