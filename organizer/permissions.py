"""Who may do what: pure predicates, denied by default.

Views use them for a 403, templates through the `can` global so that the page and the server
agree, and services call them again before changing anything. They read only the objects passed
in (the user's roles are loaded with the user), never the request.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import or_, select

from organizer.enums import (
    REVIEWABLE_GRANT_STATES,
    REVIEWABLE_PROPOSAL_STATES,
    EventRoleName,
    GrantState,
    ProposalState,
    ReceiptState,
    RegistrationState,
    SolveKind,
    SpeakerRole,
    SuggestionStatus,
)
from organizer.errors import PermissionDenied
from organizer.extensions import db
from organizer.models import (
    Answer,
    Event,
    GrantAnswer,
    GrantApplication,
    GrantInterest,
    GrantProgramme,
    GrantQuestion,
    Proposal,
    ProposalSpeaker,
    Question,
    Receipt,
    ScheduleSuggestion,
    SessionMaterial,
    SpeakerProfile,
    Upload,
    User,
)


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


def can_clone_event(user: Any, event: Event) -> bool:
    """Start a new edition from this event's configuration (services/archive/cloning.py):
    its organizers, and site admins."""
    return can_manage_event(user, event)


def can_manage_team(user: Any, event: Event) -> bool:
    return can_manage_event(user, event)


def can_send_bulk_mail(user: Any, event: Event) -> bool:
    """Mail to a group of the event's people (services/bulk_mail.py): organizers only."""
    return can_manage_event(user, event)


def can_view_site_audit_log(user: Any) -> bool:
    return is_site_admin(user)


def can_manage_queue(user: Any) -> bool:
    """The task queue's page: what waits, the workers, failed tasks to retry."""
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


# Which actions a proposal's state allows (the service checks the deadline and the person).
PROPOSAL_STATES_OPEN_TO_CHANGES = (ProposalState.DRAFT, ProposalState.SUBMITTED)


def is_draft_proposal(proposal: Proposal) -> bool:
    """Never submitted: reviewers do not see it, and withdrawing it tells nobody."""
    return proposal.state == ProposalState.DRAFT


def proposal_open_to_changes(proposal: Proposal) -> bool:
    """Its speakers may still change it (until the deadline) or withdraw it."""
    return proposal.state in PROPOSAL_STATES_OPEN_TO_CHANGES


def proposal_awaits_speakers_answer(proposal: Proposal) -> bool:
    """Accepted: its speakers are asked to confirm or decline it."""
    return proposal.state == ProposalState.ACCEPTED


# The organizers' decisions on a proposal, by its state: a submitted proposal takes any
# decision, a waitlisted one can be promoted or rejected; a published acceptance (accepted or
# confirmed) can only be cancelled.
PROPOSAL_DECISIONS_BY_STATE: dict[ProposalState, frozenset[ProposalState]] = {
    ProposalState.SUBMITTED: frozenset(
        {ProposalState.ACCEPTED, ProposalState.REJECTED, ProposalState.WAITLISTED}
    ),
    ProposalState.WAITLISTED: frozenset({ProposalState.ACCEPTED, ProposalState.REJECTED}),
}
PROPOSAL_STATES_CANCELLABLE = (ProposalState.ACCEPTED, ProposalState.CONFIRMED)


def decisions_allowed(proposal: Proposal) -> frozenset[ProposalState]:
    """The decisions organizers may write down for the proposal now (none once published)."""
    return PROPOSAL_DECISIONS_BY_STATE.get(proposal.state, frozenset())


def can_decide_proposal(proposal: Proposal) -> bool:
    """A decision can still be written down (submitted or on the waiting list)."""
    return bool(decisions_allowed(proposal))


def can_waitlist_proposal(proposal: Proposal) -> bool:
    """The proposal can be put on the waiting list (it is submitted, not yet decided)."""
    return ProposalState.WAITLISTED in decisions_allowed(proposal)


def can_promote_proposal(proposal: Proposal) -> bool:
    """The proposal waits on the waiting list: accepting it promotes it."""
    return proposal.state == ProposalState.WAITLISTED


def can_cancel_proposal(proposal: Proposal) -> bool:
    """A published acceptance (accepted or confirmed) can be cancelled by the organizers."""
    return proposal.state in PROPOSAL_STATES_CANCELLABLE


# Slides, recordings and other material of a talk: for a talk that is to happen or happened.
PROPOSAL_STATES_WITH_MATERIALS = (ProposalState.ACCEPTED, ProposalState.CONFIRMED)


def takes_materials(proposal: Proposal) -> bool:
    """Materials may be added to the talk: it is accepted or confirmed."""
    return proposal.state in PROPOSAL_STATES_WITH_MATERIALS


def can_edit_materials(user: Any, proposal: Proposal) -> bool:
    """Add and remove a talk's slides and recordings: its speakers (an open co-speaker
    invitation is not enough) and the event's organizers, while the talk takes materials."""
    return takes_materials(proposal) and (
        is_speaker(user, proposal) or can_manage_schedule(user, proposal.event)
    )


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


# Which actions an application's state allows (the service checks the deadline and the person).
APPLICATION_STATES_OPEN_TO_CHANGES = (
    GrantState.DRAFT,
    GrantState.SUBMITTED,
    GrantState.INFO_NEEDED,
)
# An award the applicant was offered, whatever they answered.
STATES_WITH_AN_OFFER = (
    GrantState.OFFERED,
    GrantState.ACCEPTED,
    GrantState.DECLINED,
    GrantState.EXPIRED,
)


def is_draft_application(application: GrantApplication) -> bool:
    """Never submitted: the committee does not see it, and withdrawing it tells nobody."""
    return application.state == GrantState.DRAFT


def application_open_to_changes(application: GrantApplication) -> bool:
    return application.state in APPLICATION_STATES_OPEN_TO_CHANGES


def application_needs_info(application: GrantApplication) -> bool:
    """The committee asked the applicant for more."""
    return application.state == GrantState.INFO_NEEDED


def committee_may_ask_for_info(application: GrantApplication) -> bool:
    """The application is being reviewed: the committee may ask the applicant for more."""
    return application.state in (GrantState.SUBMITTED, GrantState.INFO_NEEDED)


# Organizers may turn down an application that has no offer yet.
REJECTABLE_GRANT_STATES = (GrantState.SUBMITTED, GrantState.INFO_NEEDED, GrantState.WAITLISTED)


def can_reject_application(application: GrantApplication) -> bool:
    """The application has no offer yet (submitted, waiting for information, or waitlisted),
    so the organizers may turn it down."""
    return application.state in REJECTABLE_GRANT_STATES


def was_offered_award(application: GrantApplication) -> bool:
    """An award was offered, whatever the applicant answered: its amounts may be shown."""
    return application.award is not None and application.state in STATES_WITH_AN_OFFER


def holds_award(application: GrantApplication) -> bool:
    """An award is on offer or accepted (not declined or expired)."""
    return application.award is not None and application.state in (
        GrantState.OFFERED,
        GrantState.ACCEPTED,
    )


def offer_awaits_answer(application: GrantApplication) -> bool:
    return application.state == GrantState.OFFERED


def can_answer_offer(user: Any, application: GrantApplication) -> bool:
    return is_applicant(user, application) and offer_awaits_answer(application)


def accepts_receipts(application: GrantApplication) -> bool:
    """Receipts are for accepted awards only."""
    return application.state == GrantState.ACCEPTED and application.award is not None


def can_send_receipts(user: Any, application: GrantApplication) -> bool:
    return is_applicant(user, application) and accepts_receipts(application)


def receipt_awaits_review(receipt: Receipt) -> bool:
    return receipt.state == ReceiptState.SUBMITTED


def can_review_receipt(user: Any, receipt: Receipt) -> bool:
    """Organizers approve or reject a receipt once, while it waits for review."""
    event = receipt.application.programme.event
    return can_manage_grants(user, event) and receipt_awaits_review(receipt)


def can_download_receipt(user: Any, receipt: Receipt) -> bool:
    """The grantee who sent it and the organizers of its event; nobody else (not reviewers)."""
    application = receipt.application
    return is_applicant(user, application) or can_manage_grants(user, application.programme.event)


def is_own_application(user: Any, application: GrantApplication) -> bool:
    """The person applied, or the application is linked to a proposal of their own (a
    co-speaker's grant). `services/reviewing/interests.py` holds the same rule in SQL for lists."""
    if is_applicant(user, application):
        return True
    proposal = application.proposal if application.proposal_id is not None else None
    return proposal is not None and is_own_proposal(user, proposal)


# Files -------------------------------------------------------------------------------------
# Whether a file is an answer or a photo of someone's proposal is looked up here: the rule
# is about the data around the file, not the file alone.


def can_download_upload(
    user: object, upload: Upload, *, copy: Literal["original", "reviewer"] = "original"
) -> bool:
    """Who may read a file.

    The original: the person who sent it, the organizers of its event, and every speaker of a
    proposal that uses it (as an answer, a material, or the photo of one of its speakers).
    (A material's file is public too, once its talk is released: `materials.public_file`.)

    The reviewer copy (`copy="reviewer"`), besides everyone who may read the original: a
    reviewer of the event, for a file that reviewers get as the answer to a question shown to
    reviewers of a proposal open for review that they do not speak on; and the grants
    committee, for a file answered to a grant question shown to reviewers of an application
    open for review that is not their own and that they declared no conflict with. Whether
    the redaction check holds a file back is decided by `review.file_for_reviewer`."""
    if not isinstance(user, User):
        return False
    if copy == "reviewer" and (
        _reviewer_may_read(user, upload) or _grant_reviewer_may_read(user, upload)
    ):
        return True
    if upload.owner_id == user.id:
        return True
    event = db.session.get(Event, upload.event_id)
    if event is not None and can_manage_cfp(user, event):
        return True
    mine = (
        select(ProposalSpeaker.proposal_id)
        .join(Proposal, Proposal.id == ProposalSpeaker.proposal_id)
        .where(ProposalSpeaker.user_id == user.id, Proposal.event_id == upload.event_id)
    )
    as_answer = select(Answer.id).where(Answer.upload_id == upload.id, Answer.proposal_id.in_(mine))
    if db.session.scalar(as_answer.limit(1)) is not None:
        return True
    as_material = select(SessionMaterial.id).where(
        SessionMaterial.upload_id == upload.id, SessionMaterial.proposal_id.in_(mine)
    )
    if db.session.scalar(as_material.limit(1)) is not None:
        return True
    photo_owners = select(SpeakerProfile.user_id).where(
        SpeakerProfile.photo_id == upload.id, SpeakerProfile.event_id == upload.event_id
    )
    as_photo = select(ProposalSpeaker.id).where(
        ProposalSpeaker.user_id.in_(photo_owners), ProposalSpeaker.proposal_id.in_(mine)
    )
    return db.session.scalar(as_photo.limit(1)) is not None


def _reviewer_may_read(user: User, upload: Upload) -> bool:
    rows = db.session.scalars(
        select(Proposal)
        .join(Answer, Answer.proposal_id == Proposal.id)
        .join(Question, Question.id == Answer.question_id)
        .where(
            Proposal.event_id == upload.event_id,
            Proposal.state.in_(REVIEWABLE_PROPOSAL_STATES),
            Question.visible_to_reviewers.is_(True),
            # What reviewers get: the redacted version when there is one, else the original.
            or_(
                Answer.redacted_upload_id == upload.id,
                (Answer.upload_id == upload.id) & Answer.redacted_upload_id.is_(None),
            ),
        )
    )
    return any(can_review_proposal(user, proposal) for proposal in rows)


def _grant_reviewer_may_read(user: User, upload: Upload) -> bool:
    conflicts = select(GrantInterest.application_id).where(GrantInterest.user_id == user.id)
    rows = db.session.scalars(
        select(GrantApplication)
        .join(GrantAnswer, GrantAnswer.application_id == GrantApplication.id)
        .join(GrantQuestion, GrantQuestion.id == GrantAnswer.question_id)
        .join(GrantProgramme, GrantProgramme.id == GrantApplication.programme_id)
        .where(
            GrantAnswer.upload_id == upload.id,
            GrantProgramme.event_id == upload.event_id,
            GrantQuestion.visible_to_reviewers.is_(True),
            GrantApplication.state.in_(REVIEWABLE_GRANT_STATES),
            GrantApplication.applicant_id != user.id,
            GrantApplication.id.not_in(conflicts),
        )
    )
    return any(can_review_grants(user, application.programme.event) for application in rows)


# Representation ----------------------------------------------------------------------------


def can_view_representation(user: Any, event: Event) -> bool:
    """Aggregate, suppressed dashboards and the survey's set-up. Nobody may see a person's
    answers; reviewers and grant reviewers see nothing of the survey."""
    return can_manage_event(user, event)


# The schedule ----------------------------------------------------------------------------


def can_manage_schedule(user: Any, event: Event) -> bool:
    """Rooms, days, the editor, the automatic scheduler and releases."""
    return can_manage_event(user, event)


def can_import_into(user: Any, event: Event) -> bool:
    """Importing a published schedule, or proposals and grant applications from a
    spreadsheet (and other files), into the event."""
    return can_manage_event(user, event)


def can_confirm_schedule_import(user: Any, record: Any) -> bool:
    """A schedule import waits for its organizer's confirmation: read and previewed, not yet
    imported (`record` is a ScheduleImport)."""
    return record.state == "ready" and can_import_into(user, record.event)


def can_follow_solve(user: Any, solve: Any) -> bool:
    """See a long solve's progress, cancel it: whoever may start one of its kind in its event
    (the automatic scheduler: the schedule's managers; an allocation: the grants' managers)."""
    if solve.kind == SolveKind.GRANT_ALLOCATION:
        return can_manage_grants(user, solve.event)
    return can_manage_schedule(user, solve.event)


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


# Registration ------------------------------------------------------------------------------


def can_manage_registration(user: Any, event: Event) -> bool:
    """Registration's settings, kinds of place, questions and code of conduct versions."""
    return can_manage_event(user, event)


# Check-in at the door (issue 17) ---------------------------------------------------------


def can_check_in(user: Any, event: Event) -> bool:
    """Find the event's registered people and mark them attended: check-in volunteers,
    organizers and site admins."""
    return can_manage_event(user, event) or EventRoleName.CHECK_IN in roles_in(user, event)


def may_be_checked_in(registration: Any) -> bool:
    """Only a confirmed registration can come in (`registration` is a Registration)."""
    return registration.state is RegistrationState.CONFIRMED


# Registration: attendees and their access needs (issue 17) ---------------------------------


def can_view_access_needs(user: Any, event: Event) -> bool:
    """A person's access needs: only the event's access coordinators. Not organizers without
    the role, not site admins without it, never reviewers or grant reviewers. Organizers see
    counts only (services/registration/access.summary)."""
    return EventRoleName.ACCESS_COORDINATOR in roles_in(user, event)


def is_registrant(user: Any, registration: Any) -> bool:
    """The person whose registration it is (and nobody else: organizers act through their own
    services, which check can_manage_event)."""
    person = _user(user)
    return person is not None and registration.user_id == person.id


def registration_is_active(registration: Any) -> bool:
    """Neither cancelled nor turned down: it can be changed, cancelled, answered."""
    return registration.state not in (RegistrationState.CANCELLED, RegistrationState.REJECTED)


def registration_holds_seat(registration: Any) -> bool:
    return registration.state == RegistrationState.CONFIRMED


def registration_awaits_approval(registration: Any) -> bool:
    """A moderated event's registration that an organizer has not approved or turned down."""
    return registration.state == RegistrationState.PENDING


def registration_awaits_answer(registration: Any) -> bool:
    """A seat was offered from the waiting list: the person accepts or declines it."""
    return registration.state == RegistrationState.OFFERED


def can_export_event(user: Any, event: Event) -> bool:
    """A whole-event archive holds every proposal, review and grant: the event's organizers."""
    return can_manage_event(user, event)


def can_import_event(user: Any) -> bool:
    """Importing an archive creates an event, which only site administrators do."""
    return can_create_event(user)
