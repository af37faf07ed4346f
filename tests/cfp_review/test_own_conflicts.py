"""A person's own proposals are a conflict of interest computed from the data
(`services/conflicts.py`): never in their review list, assignments, next proposal, CSV or
ranking; and an organizer who speaks neither sees the figures of their own proposal nor
decides on it."""

import csv
import io

import pytest
from sqlalchemy import select

from organizer import permissions
from organizer.enums import EventRoleName, ProposalState, SpeakerRole
from organizer.errors import PermissionDenied, ValidationFailed
from organizer.extensions import db
from organizer.models import Proposal, ProposalInterest, ProposalSpeaker, ReviewAssignment
from organizer.services.cfp import assignment, decisions, reviews
from organizer.services.cfp import ranking as ranking_service
from organizer.services.reviewing import interests, redaction
from tests.cfp_review.test_services import scored
from tests.factories import (
    NOW,
    grant_role,
    login_as,
    make_cfp,
    make_event,
    make_proposal,
    make_user,
)


def invite(proposal, user):
    """An open co-speaker invitation to `user`'s address (not accepted yet)."""
    proposal.speakers.append(
        ProposalSpeaker(email=user.email, role=SpeakerRole.CO_SPEAKER, invited_at=NOW)
    )
    db.session.flush()


class World:
    """An event where Rita reviews and Otto organizes; both also take part as speakers."""

    def __init__(self):
        self.organizer = make_user(name="Otto Organizer")
        self.other_organizer = make_user(name="Olga Organizer")
        self.event = make_event(organizer=self.organizer)
        grant_role(self.other_organizer, self.event, EventRoleName.ORGANIZER)
        self.cfp = make_cfp(self.event)
        self.rita = make_user(name="Rita Reviewer")
        self.ada = make_user(name="Ada Reviewer")
        self.bea = make_user(name="Bea Reviewer")
        for person in (self.rita, self.ada, self.bea):
            grant_role(person, self.event, EventRoleName.REVIEWER)
        self.ritas = make_proposal(self.event, self.rita, title="Her own submission")
        self.co = make_proposal(self.event, co_speakers=(self.rita,), title="A co-spoken talk")
        self.invited = make_proposal(self.event, title="An invitation is pending")
        invite(self.invited, self.rita)
        self.declared = make_proposal(self.event, title="A declared conflict")
        db.session.add(
            ProposalInterest(
                proposal_id=self.declared.id, user_id=self.rita.id, reason="", created_at=NOW
            )
        )
        self.plain = make_proposal(self.event, title="Nobody's own")
        self.ottos = make_proposal(
            self.event, co_speakers=(self.organizer,), title="A committee member speaks"
        )
        db.session.flush()

    @property
    def ritas_own(self):
        return {self.ritas.id, self.co.id, self.invited.id}


@pytest.fixture
def w():
    return World()


# The rule --------------------------------------------------------------------------------------


def test_own_proposals_come_from_speakers_and_open_invitations(w):
    assert interests.own_proposal_ids(w.event, w.rita) == w.ritas_own
    assert interests.barred_proposal_ids(w.event, w.rita) == w.ritas_own | {w.declared.id}
    assert interests.own_proposal_ids(w.event, w.ada) == set()
    # The SQL form and the Python predicate agree on every proposal and person.
    people = [w.rita, w.ada, w.organizer, w.other_organizer]
    for proposal in db.session.scalars(select(Proposal)):
        for person in people:
            assert permissions.is_own_proposal(person, proposal) == (
                proposal.id in interests.own_proposal_ids(w.event, person)
            ), (proposal.title, person.display_name)
    pairs = set(interests.own_proposal_pairs(w.event))
    assert {(pid, w.rita.id) for pid in w.ritas_own} <= pairs
    assert (w.declared.id, w.rita.id) not in pairs


def test_an_invitation_to_another_address_or_a_withdrawn_speaker_is_not_own(w):
    other = make_proposal(w.event, title="Invited elsewhere")
    invite(other, make_user(email="someone@example.org"))
    assert other.id not in interests.own_proposal_ids(w.event, w.rita)
    db.session.delete(next(s for s in w.co.speakers if s.user_id == w.rita.id))
    db.session.flush()
    db.session.refresh(w.co)
    assert w.co.id not in interests.own_proposal_ids(w.event, w.rita)


# Reviewers ------------------------------------------------------------------------------------


def test_automatic_assignment_never_gives_a_reviewer_their_own(w):
    report = assignment.assign_automatically(
        actor=w.organizer, event=w.event, per_proposal=3, now=NOW
    )
    assert report.created
    rows = db.session.execute(
        select(ReviewAssignment.proposal_id, ReviewAssignment.reviewer_id)
    ).all()
    ritas = {pid for pid, rid in rows if rid == w.rita.id}
    assert ritas and not ritas & (w.ritas_own | {w.declared.id})
    # The proposals Rita could not take are short of one reviewer, not given to her.
    assert set(report.short) == w.ritas_own | {w.declared.id}


@pytest.mark.parametrize("which", ["ritas", "co", "invited"])
def test_assigning_by_hand_refuses_own_proposals(w, which):
    proposal = getattr(w, which)
    with pytest.raises(ValidationFailed) as caught:
        assignment.assign(actor=w.organizer, proposal=proposal, reviewer=w.rita, now=NOW)
    assert "nobody reviews their own" in caught.value.errors["reviewer"]


def test_a_co_speaker_never_gets_their_proposal_through_next_list_ranking_or_review(w):
    # Assigned before she became a co-speaker: the assignment stays, the proposal is hidden.
    late = make_proposal(w.event, title="Joined later")
    db.session.add(ReviewAssignment(proposal=late, reviewer=w.rita, created_at=NOW))
    db.session.add(ReviewAssignment(proposal=w.plain, reviewer=w.rita, created_at=NOW))
    db.session.flush()
    assert {row.proposal.id for row in assignment.my_assignments(w.event, w.rita)} == {
        late.id,
        w.plain.id,
    }
    late.speakers.append(
        ProposalSpeaker(
            user=w.rita,
            email=w.rita.email,
            role=SpeakerRole.CO_SPEAKER,
            invited_at=NOW,
            accepted_at=NOW,
        )
    )
    db.session.flush()
    assert [row.proposal.id for row in assignment.my_assignments(w.event, w.rita)] == [w.plain.id]
    assert assignment.next_proposal(w.event, w.rita) == w.plain
    listed = set(db.session.scalars(reviews.reviewable_proposals_query(w.event, viewer=w.rita)))
    assert listed == {w.declared, w.plain, w.ottos}
    with pytest.raises(PermissionDenied):
        scored(w.event, late, w.rita, 5)
    with pytest.raises(PermissionDenied):
        scored(w.event, w.invited, w.rita, 5)


def test_next_skips_every_kind_of_conflict(w):
    for proposal in (w.ritas, w.co, w.invited, w.declared):
        db.session.add(ReviewAssignment(proposal=proposal, reviewer=w.rita, created_at=NOW))
    db.session.flush()
    assert assignment.next_proposal(w.event, w.rita) is None


# Organizers ------------------------------------------------------------------------------------


def test_the_ranking_leaves_out_the_viewers_own(w):
    scored(w.event, w.ottos, w.ada, 5)
    scored(w.event, w.plain, w.ada, 3)
    everyone = {r.proposal.id for r in ranking_service.ranking(w.event)}
    for_otto = {r.proposal.id for r in ranking_service.ranking(w.event, viewer=w.organizer)}
    assert everyone - for_otto == {w.ottos.id}
    assert ranking_service.own_reviewable_count(w.event, w.organizer) == 1
    assert ranking_service.own_reviewable_count(w.event, w.other_organizer) == 0


def test_the_organizers_list_shows_their_own_without_figures(w):
    scored(w.event, w.ottos, w.ada, 5)
    decisions.decide(
        actor=w.other_organizer, proposal=w.ottos, outcome=ProposalState.ACCEPTED, now=NOW
    )
    rows = {r.proposal.id: r for r in decisions.proposal_list(w.event, decisions.ListFilters())}
    assert rows[w.ottos.id].ranked.count == 1 and not rows[w.ottos.id].own
    mine = decisions.proposal_list(w.event, decisions.ListFilters(), viewer=w.organizer)
    row = next(r for r in mine if r.proposal.id == w.ottos.id)
    assert row.own and row.ranked is None
    pending = decisions.ListFilters(state="pending")
    assert [r.proposal.id for r in decisions.proposal_list(w.event, pending)] == [w.ottos.id]
    assert decisions.proposal_list(w.event, pending, viewer=w.organizer) == []
    scored_only = decisions.ListFilters(min_score=0)
    assert w.ottos.id not in {
        r.proposal.id for r in decisions.proposal_list(w.event, scored_only, viewer=w.organizer)
    }


@pytest.mark.parametrize("outcome", [ProposalState.ACCEPTED, ProposalState.REJECTED, None])
def test_an_organizer_cannot_decide_on_their_own_proposal(w, outcome):
    with pytest.raises(PermissionDenied) as caught:
        decisions.decide(actor=w.organizer, proposal=w.ottos, outcome=outcome, now=NOW)
    assert "your own proposal: another organizer must decide on it" in caught.value.message
    assert w.ottos.pending_decision is None
    # All or nothing: a bulk decision that includes it changes nothing.
    with pytest.raises(PermissionDenied):
        decisions.decide_many(
            actor=w.organizer,
            event=w.event,
            public_ids=[w.plain.public_id, w.ottos.public_id],
            outcome=ProposalState.ACCEPTED,
            now=NOW,
        )
    assert w.plain.pending_decision is None


def test_another_organizer_decides_and_publishes_it(w):
    decisions.decide(
        actor=w.other_organizer, proposal=w.ottos, outcome=ProposalState.ACCEPTED, now=NOW
    )
    decisions.decide(actor=w.organizer, proposal=w.plain, outcome=ProposalState.REJECTED, now=NOW)
    respond_by = NOW.replace(year=2027)
    preview = decisions.round_preview(w.event, respond_by=respond_by, viewer=w.organizer)
    assert preview.own == 1 and preview.pending_count == 2
    assert w.ottos not in {mail.proposal for mail in preview.mails}
    with pytest.raises(PermissionDenied) as caught:
        decisions.publish_round(
            actor=w.organizer,
            event=w.event,
            respond_by=respond_by,
            expected=preview.fingerprint,
            now=NOW,
        )
    assert "another organizer must publish it" in caught.value.message
    assert w.ottos.state == ProposalState.SUBMITTED
    decisions.publish_round(
        actor=w.other_organizer,
        event=w.event,
        respond_by=respond_by,
        expected=preview.fingerprint,
        now=NOW,
    )
    assert (w.ottos.state, w.plain.state) == (ProposalState.ACCEPTED, ProposalState.REJECTED)


def test_an_organizer_cannot_assign_unassign_or_redact_their_own(w):
    with pytest.raises(PermissionDenied):
        assignment.assign(actor=w.organizer, proposal=w.ottos, reviewer=w.ada, now=NOW)
    with pytest.raises(PermissionDenied):
        assignment.unassign(actor=w.organizer, proposal=w.ottos, reviewer=w.ada, now=NOW)
    with pytest.raises(PermissionDenied):
        redaction.set_redaction(
            actor=w.organizer,
            proposal=w.ottos,
            title="A better title",
            abstract=None,
            description=None,
            now=NOW,
        )
    with pytest.raises(PermissionDenied):
        redaction.dismiss_flags(actor=w.organizer, proposal=w.ottos, now=NOW)
    assignment.assign(actor=w.other_organizer, proposal=w.ottos, reviewer=w.ada, now=NOW)


# Pages ----------------------------------------------------------------------------------------


def test_reviewer_pages_and_csv_never_show_their_own(client, w):
    for proposal in (w.co, w.invited, w.plain):
        db.session.add(ReviewAssignment(proposal=proposal, reviewer=w.rita, created_at=NOW))
    login_as(client, w.rita)
    base = f"/review/{w.event.slug}"
    own_titles = ["Her own submission", "A co-spoken talk", "An invitation is pending"]
    for path in ["/", "/proposals", "/assigned.csv"]:
        text = client.get(base + path).text
        for title in own_titles:
            assert title not in text, (path, title)
    assert "left out of this list" in client.get(base + "/proposals").text
    rows = list(csv.reader(io.StringIO(client.get(base + "/assigned.csv").text)))
    assert len(rows) == 2  # the header and "Nobody's own"
    response = client.get(base + "/next")
    assert response.headers["Location"].endswith(w.plain.public_id)
    for proposal in (w.ritas, w.co, w.invited):
        assert client.get(f"{base}/proposals/{proposal.public_id}").status_code == 404


def test_an_organizer_sees_their_own_proposal_without_reviews_or_decision(client, w):
    scored(w.event, w.ottos, w.ada, 5, comment="Brilliant, accept it")
    login_as(client, w.organizer)
    base = f"/manage/{w.event.slug}/cfp"
    page = client.get(f"{base}/proposals/{w.ottos.public_id}").text
    assert "Your own proposal" in page and "another organizer does that" in page
    assert "Brilliant, accept it" not in page and "Ada Reviewer" not in page
    assert f"{w.ottos.public_id}/decide" not in page and "/assign" not in page
    response = client.post(
        f"{base}/proposals/{w.ottos.public_id}/decide", data={"outcome": "accepted"}
    )
    assert response.status_code == 302
    assert db.session.get(Proposal, w.ottos.id).pending_decision is None
    follow = client.get(response.headers["Location"]).text
    assert "another organizer must decide on it" in follow

    listing = client.get(f"{base}/proposals").text
    assert "Your own: scores hidden" in listing
    assert f'value="{w.ottos.public_id}"' not in listing  # no box to tick for a bulk decision
    assert f'value="{w.plain.public_id}"' in listing
    ranking = client.get(f"{base}/ranking").text
    assert "A committee member speaks" not in ranking and "left out of this ranking" in ranking
    exported = list(csv.DictReader(io.StringIO(client.get(f"{base}/proposals.csv").text)))
    row = next(r for r in exported if r["title"] == "A committee member speaks")
    assert (row["reviews"], row["mean"], row["pending decision"]) == ("", "", "")

    # The other organizer sees it all and decides.
    login_as(client, w.other_organizer)
    page = client.get(f"{base}/proposals/{w.ottos.public_id}").text
    assert "Brilliant, accept it" in page and "Your own proposal" not in page
    client.post(f"{base}/proposals/{w.ottos.public_id}/decide", data={"outcome": "accepted"})
    assert db.session.get(Proposal, w.ottos.id).pending_decision == "accepted"
    client.get(f"{base}/proposals")  # shows (and so clears) Olga's message

    login_as(client, w.organizer)
    decisions_page = client.get(f"{base}/decisions").text
    assert "pending decision on your own proposal is hidden" in decisions_page
    assert "A committee member speaks" not in decisions_page
    publish = client.get(f"{base}/decisions/publish").text
    assert "you cannot publish the round" in publish
    assert 'name="submit"' not in publish


def test_list_pages_run_a_constant_number_of_queries_with_own_proposals(
    client, w, assert_constant_queries
):
    """The pages that leave out or mark one's own do it without a query per row."""
    n = iter(range(1000))

    def grow():
        for _ in range(2):
            mine = make_proposal(w.event, co_speakers=(w.rita, w.organizer))
            invite(make_proposal(w.event), w.rita)
            other = make_proposal(w.event)
            db.session.add(ReviewAssignment(proposal=other, reviewer=w.rita, created_at=NOW))
            db.session.add(ReviewAssignment(proposal=mine, reviewer=w.ada, created_at=NOW))
            scored(w.event, other, w.ada, 1 + next(n) % 5)
            scored(w.event, mine, w.bea, 1 + next(n) % 5)
        db.session.flush()

    login_as(client, w.rita)
    base = f"/review/{w.event.slug}"
    assert_constant_queries([base + "/", base + "/proposals", base + "/assigned.csv"], grow)
    login_as(client, w.organizer)
    base = f"/manage/{w.event.slug}/cfp"
    assert_constant_queries(
        [base + "/proposals", base + "/proposals.csv", base + "/ranking", base + "/decisions"],
        grow,
    )
