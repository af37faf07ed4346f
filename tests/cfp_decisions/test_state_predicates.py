"""The predicates the organizers' pages ask instead of comparing states, and the services
that check the same ones."""

import pytest

from organizer import permissions
from organizer.enums import GrantState, ProposalState
from organizer.models import GrantApplication, Proposal

DECIDABLE = {ProposalState.SUBMITTED, ProposalState.WAITLISTED}


@pytest.mark.parametrize("state", list(ProposalState))
def test_proposal_predicates_follow_the_state(state):
    proposal = Proposal(state=state)
    assert permissions.can_decide_proposal(proposal) == (state in DECIDABLE)
    assert permissions.can_waitlist_proposal(proposal) == (state == ProposalState.SUBMITTED)
    assert permissions.can_promote_proposal(proposal) == (state == ProposalState.WAITLISTED)
    assert permissions.can_cancel_proposal(proposal) == (
        state in (ProposalState.ACCEPTED, ProposalState.CONFIRMED)
    )


def test_a_waitlisted_proposal_is_promoted_or_rejected_only():
    allowed = permissions.decisions_allowed(Proposal(state=ProposalState.WAITLISTED))
    assert allowed == {ProposalState.ACCEPTED, ProposalState.REJECTED}


@pytest.mark.parametrize("state", list(GrantState))
def test_application_predicates_follow_the_state(state):
    application = GrantApplication(state=state)
    reviewing = state in (GrantState.SUBMITTED, GrantState.INFO_NEEDED)
    assert permissions.committee_may_ask_for_info(application) == reviewing
    assert permissions.can_reject_application(application) == (
        reviewing or state == GrantState.WAITLISTED
    )
