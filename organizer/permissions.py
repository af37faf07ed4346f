"""Who may do what: pure predicates, denied by default.

Views use them for a 403, templates through the `can` global so that the page and the server
agree, and services call them again before changing anything. They read only the objects passed
in (the user's roles are loaded with the user), never the request.
"""

from __future__ import annotations

from typing import Any

from organizer.enums import EventRoleName, GrantState, SpeakerRole, SuggestionStatus
from organizer.errors import PermissionDenied
from organizer.models import Event, GrantApplication, Proposal, ScheduleSuggestion, User


def require(allowed: bool, message: str | None = None) -> None:
    """Services call this with a `can_*` answer before they change anything: PermissionDenied
    (a 403, or the message on the form) unless it is allowed."""
    if not allowed:
        raise PermissionDenied(message)


def _user(user: Any) -> User | None:
    return user if isinstance(user, User) else None  # anonymous users are not User rows


def roles_in(user: Any, event: Event) -> frozenset[EventRoleName]:
    account = _user(user)
    if account is None:
        return frozenset()
    return frozenset(r.role for r in account.event_roles if r.event_id == event.id)


def is_site_admin(user: Any) -> bool:
    account = _user(user)
    return bool(account and account.is_site_admin)


def can_create_event(user: Any) -> bool:
    return is_site_admin(user)


def can_manage_event(user: Any, event: Event) -> bool:
    return is_site_admin(user) or EventRoleName.ORGANIZER in roles_in(user, event)


def can_manage_team(user: Any, event: Event) -> bool:
    return can_manage_event(user, event)


def can_view_site_audit_log(user: Any) -> bool:
    return is_site_admin(user)


def can_view_audit_log(user: Any, event: Event) -> bool:
    return can_manage_event(user, event)


def is_team_member(user: Any, event: Event) -> bool:
    return is_site_admin(user) or bool(roles_in(user, event))


def can_view_event(user: Any, event: Event) -> bool:
    """Public events are open to everyone; a draft event only to its team."""
    return event.is_public or is_team_member(user, event)


def has_any_team_role(user: Any) -> bool:
    account = _user(user)
    return bool(account and (account.is_site_admin or account.event_roles))


# The call for talks and review -------------------------------------------------------------


def can_manage_cfp(user: Any, event: Event) -> bool:
    """Configure the call, see every proposal with its speakers, decide, publish rounds."""
    return can_manage_event(user, event)


def can_review(user: Any, event: Event) -> bool:
    """Reviewers score proposals; they never decide and never see demographic data."""
    return EventRoleName.REVIEWER in roles_in(user, event)


def can_review_proposal(user: Any, proposal: Proposal) -> bool:
    """A reviewer may open any proposal of their event except their own."""
    return can_review(user, proposal.event) and not is_own_proposal(user, proposal)


def is_own_proposal(user: Any, proposal: Proposal) -> bool:
    """A conflict of interest that comes from the data: the person speaks on the proposal, or
    an invitation to co-speak on it is open at their address (it showed them the proposal).
    `services/reviewing/interests.py` holds the same rule in SQL for lists."""
    account = _user(user)
    return account is not None and any(
        s.user_id == account.id or (s.user_id is None and s.email == account.email.lower())
        for s in proposal.speakers
    )


def is_speaker(user: Any, proposal: Proposal) -> bool:
    """An accepted speaker of the proposal (an open co-speaker invitation is not enough)."""
    account = _user(user)
    return account is not None and any(s.user_id == account.id for s in proposal.speakers)


def is_primary_speaker(user: Any, proposal: Proposal) -> bool:
    account = _user(user)
    return account is not None and any(
        s.user_id == account.id and s.role == SpeakerRole.PRIMARY for s in proposal.speakers
    )


def can_view_own_proposal(user: Any, proposal: Proposal) -> bool:
    return is_speaker(user, proposal)


def can_edit_proposal(user: Any, proposal: Proposal) -> bool:
    """Every speaker edits the text; the deadline is checked by the service."""
    return is_speaker(user, proposal)


def can_withdraw_proposal(user: Any, proposal: Proposal) -> bool:
    return is_primary_speaker(user, proposal)


def can_invite_co_speakers(user: Any, proposal: Proposal) -> bool:
    return is_primary_speaker(user, proposal)


# Grants ------------------------------------------------------------------------------------


def can_manage_grants(user: Any, event: Event) -> bool:
    """Set up programmes, allocate the budget, send offers, approve receipts, record payouts."""
    return can_manage_event(user, event)


def can_review_grants(user: Any, event: Event) -> bool:
    """The grants committee: grant reviewers and organizers. They never see demographic
    data, and under anonymous review no applicant's identity."""
    return can_manage_event(user, event) or EventRoleName.GRANT_REVIEWER in roles_in(user, event)


def is_applicant(user: Any, application: GrantApplication) -> bool:
    account = _user(user)
    return account is not None and application.applicant_id == account.id


def is_own_application(user: Any, application: GrantApplication) -> bool:
    """The person applied, or the application is linked to a proposal of their own (a
    co-speaker's grant). `services/reviewing/interests.py` holds the same rule in SQL for lists."""
    if is_applicant(user, application):
        return True
    proposal = application.proposal if application.proposal_id is not None else None
    return proposal is not None and is_own_proposal(user, proposal)


# Representation ----------------------------------------------------------------------------


def can_view_representation(user: Any, event: Event) -> bool:
    """Aggregate, suppressed dashboards and the survey's set-up. Nobody may see a person's
    answers; reviewers and grant reviewers see nothing of the survey."""
    return can_manage_event(user, event)


# The schedule ----------------------------------------------------------------------------


def can_manage_schedule(user: Any, event: Event) -> bool:
    """Rooms, days, the editor, the automatic scheduler and releases."""
    return can_manage_event(user, event)


# Representation: the survey's set-up (appended for issue 14) --------------------------------


def can_retire_survey_option(user: Any, event: Event, option: Any) -> bool:
    """An option of a survey question may be retired, except “Prefer not to say”, which stays
    on every question. `option` is an option of the survey (services/representation/survey)."""
    return can_view_representation(user, event) and not option.prefer_not_to_say


def can_decide_suggestion(user: Any, event: Event, suggestion: ScheduleSuggestion) -> bool:
    """An automatic scheduler's suggestion may be accepted or discarded (by the schedule's
    managers) while it waits for a decision."""
    return suggestion.status is SuggestionStatus.DRAFT and can_manage_schedule(user, event)


# Grant review and applications (moved from services/grants) --------------------------------

# Withdrawing is possible until an award is accepted (or the application is closed).
WITHDRAWABLE_GRANT_STATES = (
    GrantState.DRAFT,
    GrantState.SUBMITTED,
    GrantState.INFO_NEEDED,
    GrantState.WAITLISTED,
    GrantState.OFFERED,
)


def can_review_application(user: Any, application: GrantApplication) -> bool:
    """Committee members review every application of their event except their own (theirs,
    or linked to a proposal they speak on: `services/reviewing/interests.py`)."""
    return can_review_grants(user, application.programme.event) and not is_own_application(
        user, application
    )


def can_withdraw_application(user: Any, application: GrantApplication) -> bool:
    """The applicant, until they accept an award or the application is closed."""
    return is_applicant(user, application) and application.state in WITHDRAWABLE_GRANT_STATES
