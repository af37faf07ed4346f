"""States and roles, and the words people read for them. Imports nothing from the
application."""

import enum

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString


class EventRoleName(enum.StrEnum):
    """What a person may do for one event. Site admins are a flag on the user instead."""

    ORGANIZER = "organizer"
    REVIEWER = "reviewer"
    GRANT_REVIEWER = "grant_reviewer"
    # Sees each registered person's access needs, and nothing else beyond what attendees see.
    ACCESS_COORDINATOR = "access_coordinator"
    # A volunteer at the door: finds registered people and marks them attended.
    CHECK_IN = "check_in"

    @property
    def label(self) -> LazyString:
        return {
            EventRoleName.ORGANIZER: _l("Organizer"),
            EventRoleName.REVIEWER: _l("Reviewer"),
            EventRoleName.GRANT_REVIEWER: _l("Grant reviewer"),
            EventRoleName.ACCESS_COORDINATOR: _l("Access coordinator"),
            EventRoleName.CHECK_IN: _l("Check-in volunteer"),
        }[self]


class OutboxState(enum.StrEnum):
    QUEUED = "queued"  # waiting for its first or next attempt
    SENDING = "sending"  # claimed by one sender; nobody else may send it
    SENT = "sent"
    FAILED = "failed"  # gave up after the maximum number of attempts


class ProposalState(enum.StrEnum):
    """Where a proposal is. Decisions (accepted, rejected, waitlisted) become the state only
    when organizers publish a round; until then they wait in `Proposal.pending_decision`."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WAITLISTED = "waitlisted"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"

    @property
    def label(self) -> LazyString:
        return {
            ProposalState.DRAFT: _l("draft"),
            ProposalState.SUBMITTED: _l("submitted"),
            ProposalState.ACCEPTED: _l("accepted"),
            ProposalState.REJECTED: _l("not accepted"),
            ProposalState.WAITLISTED: _l("on the waiting list"),
            ProposalState.CONFIRMED: _l("confirmed"),
            ProposalState.DECLINED: _l("declined by the speaker"),
            ProposalState.WITHDRAWN: _l("withdrawn"),
            ProposalState.CANCELLED: _l("cancelled"),
        }[self]


DECISIONS = (ProposalState.ACCEPTED, ProposalState.REJECTED, ProposalState.WAITLISTED)
# Reviews stay readable after decisions, so decided proposals remain reviewable; drafts,
# withdrawn and cancelled proposals are never shown to reviewers.
REVIEWABLE_PROPOSAL_STATES: tuple[ProposalState, ...] = (
    ProposalState.SUBMITTED,
    ProposalState.ACCEPTED,
    ProposalState.REJECTED,
    ProposalState.WAITLISTED,
    ProposalState.CONFIRMED,
    ProposalState.DECLINED,
)


class SpeakerRole(enum.StrEnum):
    PRIMARY = "primary"  # submitted the proposal; may edit it and invite others
    CO_SPEAKER = "co_speaker"


class MaterialKind(enum.StrEnum):
    """What a session's material is: its slides, a recording of it, or something else."""

    SLIDES = "slides"
    RECORDING = "recording"
    OTHER = "other"

    @property
    def label(self) -> LazyString:
        return {
            MaterialKind.SLIDES: _l("Slides"),
            MaterialKind.RECORDING: _l("Recording"),
            MaterialKind.OTHER: _l("Other"),
        }[self]


class QuestionKind(enum.StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    BOOLEAN = "boolean"
    FILE = "file"

    @property
    def label(self) -> LazyString:
        return {
            QuestionKind.TEXT: _l("Short text (one line)"),
            QuestionKind.LONG_TEXT: _l("Long text (several paragraphs)"),
            QuestionKind.SINGLE_CHOICE: _l("One choice among several"),
            QuestionKind.MULTIPLE_CHOICE: _l("Any number of choices"),
            QuestionKind.BOOLEAN: _l("Yes or no"),
            QuestionKind.FILE: _l("A file"),
        }[self]


class OthersReviews(enum.StrEnum):
    """When a reviewer may read the other reviews of a proposal."""

    NEVER = "never"
    AFTER_OWN = "after_own"  # once their own review (or abstention) is in
    ALWAYS = "always"


class GrantKind(enum.StrEnum):
    WAIVER = "waiver"  # a scholarship: the registration fee is waived
    TRAVEL = "travel"
    BOTH = "both"

    @property
    def label(self) -> LazyString:
        return {
            GrantKind.WAIVER: _l("Registration waiver (scholarship)"),
            GrantKind.TRAVEL: _l("Travel grant"),
            GrantKind.BOTH: _l("Registration waiver and travel grant"),
        }[self]


class GrantState(enum.StrEnum):
    """Where a grant application is. An offer is an award the applicant has not answered yet."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    INFO_NEEDED = "info_needed"  # the committee asked the applicant for more
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"  # the offer was not answered before its respond-by date

    @property
    def label(self) -> LazyString:
        return {
            GrantState.DRAFT: _l("draft"),
            GrantState.SUBMITTED: _l("submitted"),
            GrantState.INFO_NEEDED: _l("information needed"),
            GrantState.WITHDRAWN: _l("withdrawn"),
            GrantState.REJECTED: _l("not funded"),
            GrantState.WAITLISTED: _l("on the waiting list"),
            GrantState.OFFERED: _l("offered: please answer"),
            GrantState.ACCEPTED: _l("accepted"),
            GrantState.DECLINED: _l("declined"),
            GrantState.EXPIRED: _l("offer expired"),
        }[self]


# Submitted applications stay reviewable after decisions, so that reviews remain readable;
# drafts and withdrawn applications are never shown to reviewers.
REVIEWABLE_GRANT_STATES: tuple[GrantState, ...] = (
    GrantState.SUBMITTED,
    GrantState.INFO_NEEDED,
    GrantState.WAITLISTED,
    GrantState.OFFERED,
    GrantState.ACCEPTED,
    GrantState.DECLINED,
    GrantState.EXPIRED,
    GrantState.REJECTED,
)


class NeedLevel(enum.StrEnum):
    CANNOT_ATTEND = "cannot_attend"  # "I cannot attend without it"
    HARDSHIP = "hardship"  # "it would be a hardship"
    WOULD_HELP = "would_help"  # "it would help"

    @property
    def label(self) -> LazyString:
        return {
            NeedLevel.CANNOT_ATTEND: _l("I cannot attend without it"),
            NeedLevel.HARDSHIP: _l("Attending without it would be a hardship"),
            NeedLevel.WOULD_HELP: _l("It would help"),
        }[self]


class GrantCategory(enum.StrEnum):
    """What money is asked for, awarded, claimed and paid for, kept apart per category."""

    REGISTRATION = "registration"
    TRAVEL = "travel"
    LODGING = "lodging"
    VISA = "visa"
    CARE = "care"  # childcare or caregiving
    ACCESS = "access"  # accessibility needs
    OTHER = "other"

    @property
    def label(self) -> LazyString:
        return {
            GrantCategory.REGISTRATION: _l("Registration fee"),
            GrantCategory.TRAVEL: _l("Travel"),
            GrantCategory.LODGING: _l("Lodging"),
            GrantCategory.VISA: _l("Visa"),
            GrantCategory.CARE: _l("Childcare or caregiving"),
            GrantCategory.ACCESS: _l("Accessibility needs"),
            GrantCategory.OTHER: _l("Other"),
        }[self]


def category_label(value: str) -> LazyString | str:
    """The label of a grant category stored as text (the `category_label` template filter),
    or the text itself for one that is no longer a category."""
    try:
        return GrantCategory(value).label
    except ValueError:
        return value


class ReceiptState(enum.StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> LazyString:
        return {
            ReceiptState.SUBMITTED: _l("waiting for review"),
            ReceiptState.APPROVED: _l("approved"),
            ReceiptState.REJECTED: _l("rejected"),
        }[self]


class AllocationStatus(enum.StrEnum):
    DRAFT = "draft"  # a proposal organizers adjust
    COMMITTED = "committed"  # its offers went out
    DISCARDED = "discarded"


class SurveyKind(enum.StrEnum):
    SINGLE = "single"  # one option (plus "prefer not to say" / self-description)
    MULTIPLE = "multiple"  # any number of options, for identities that overlap


class SlotKind(enum.StrEnum):
    """What a place in the schedule holds."""

    TALK = "talk"  # an accepted or confirmed proposal
    PLENARY = "plenary"  # a keynote, break, lunch or social that is not a proposal
    CONTAINER = "container"  # a lightning-talk block or poster session holding several talks


class PlenaryKind(enum.StrEnum):
    KEYNOTE = "keynote"
    BREAK = "break"
    LUNCH = "lunch"
    SOCIAL = "social"
    OTHER = "other"

    @property
    def label(self) -> LazyString:
        return {
            PlenaryKind.KEYNOTE: _l("Keynote"),
            PlenaryKind.BREAK: _l("Break"),
            PlenaryKind.LUNCH: _l("Lunch"),
            PlenaryKind.SOCIAL: _l("Social"),
            PlenaryKind.OTHER: _l("Other"),
        }[self]


class ContainerKind(enum.StrEnum):
    LIGHTNING = "lightning"
    POSTER = "poster"

    @property
    def label(self) -> LazyString:
        return {
            ContainerKind.LIGHTNING: _l("Lightning talks"),
            ContainerKind.POSTER: _l("Poster session"),
        }[self]


class ConflictRule(enum.StrEnum):
    """The codes of the schedule's conflict rules, as stored in `ScheduleSettings.severities`.
    Everything else about a rule (label, default severity, check, solver part, explanation) is
    declared in its module under `services/scheduling/rules/`; a code here without a rule there
    fails tests/schedule/test_rules.py."""

    SPEAKER_DOUBLE_BOOKED = "speaker_double_booked"
    SPEAKER_UNAVAILABLE = "speaker_unavailable"
    ROOM_OVERLAP = "room_overlap"
    OUTSIDE_HOURS = "outside_hours"
    TOO_LONG = "too_long"
    OVER_CAPACITY = "over_capacity"
    STEP_FREE = "step_free"


class Severity(enum.StrEnum):
    """What a conflict of one rule does, set per event."""

    BLOCKS_SAVING = "blocks_saving"  # the change that makes it is refused
    BLOCKS_RELEASE = "blocks_release"  # saved and shown; no release until it is solved
    WARNING = "warning"  # shown only
    IGNORED = "ignored"  # not shown

    @property
    def label(self) -> LazyString:
        return {
            Severity.BLOCKS_SAVING: _l("Blocks saving"),
            Severity.BLOCKS_RELEASE: _l("Blocks a release"),
            Severity.WARNING: _l("Warning"),
            Severity.IGNORED: _l("Ignored"),
        }[self]


class SuggestionStatus(enum.StrEnum):
    DRAFT = "draft"  # waiting for organizers to accept or discard it
    APPLIED = "applied"  # accepted, whole or in part
    DISCARDED = "discarded"

    @property
    def label(self) -> LazyString:
        return {
            SuggestionStatus.DRAFT: _l("Waiting for your decision"),
            SuggestionStatus.APPLIED: _l("Accepted"),
            SuggestionStatus.DISCARDED: _l("Discarded"),
        }[self]


class SolveKind(enum.StrEnum):
    """What a long solve run by the task queue computes (services/solves.py)."""

    SCHEDULE = "schedule"  # the automatic scheduler: a ScheduleSuggestion
    GRANT_ALLOCATION = "grant_allocation"  # a grant programme's allocation: an AllocationRun

    @property
    def label(self) -> LazyString:
        return {
            SolveKind.SCHEDULE: _l("Automatic scheduler"),
            SolveKind.GRANT_ALLOCATION: _l("Grant allocation"),
        }[self]


class SolveState(enum.StrEnum):
    QUEUED = "queued"  # waiting for a worker
    RUNNING = "running"
    DONE = "done"  # its result is stored (Solve.result_id)
    FAILED = "failed"  # Solve.error says why
    CANCELLED = "cancelled"

    @property
    def label(self) -> LazyString:
        return {
            SolveState.QUEUED: _l("Waiting for its turn"),
            SolveState.RUNNING: _l("Running"),
            SolveState.DONE: _l("Done"),
            SolveState.FAILED: _l("Failed"),
            SolveState.CANCELLED: _l("Cancelled"),
        }[self]

    @property
    def finished(self) -> bool:
        return self in (SolveState.DONE, SolveState.FAILED, SolveState.CANCELLED)


# A speaker's availability on one day of the event, as stored in `Speaker.availability`.
AVAILABILITY_LABELS = {
    "all": _l("All day"),
    "morning": _l("Morning"),
    "afternoon": _l("Afternoon"),
    "none": _l("Not available"),
}


class RegistrationState(enum.StrEnum):
    """Where a person's registration for an event is. Only confirmed registrations hold a seat;
    an offered one holds it until its respond-by date."""

    PENDING = "pending"  # waiting for an organizer's approval (moderated events)
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"  # a seat freed and was offered from the waiting list: please answer
    CANCELLED = "cancelled"  # by the attendee, or an offer not answered in time
    REJECTED = "rejected"  # an organizer declined a moderated registration

    @property
    def label(self) -> LazyString:
        return {
            RegistrationState.PENDING: _l("waiting for approval"),
            RegistrationState.CONFIRMED: _l("confirmed"),
            RegistrationState.WAITLISTED: _l("on the waiting list"),
            RegistrationState.OFFERED: _l("seat offered: please answer"),
            RegistrationState.CANCELLED: _l("cancelled"),
            RegistrationState.REJECTED: _l("not approved"),
        }[self]


# The states that hold a seat against the capacity.
SEAT_HOLDING_STATES: tuple[RegistrationState, ...] = (
    RegistrationState.CONFIRMED,
    RegistrationState.OFFERED,
)


class ReservedFor(enum.StrEnum):
    """Why a registration has a seat that capacity cannot take away."""

    SPEAKER = "speaker"
    GRANTEE = "grantee"

    @property
    def label(self) -> LazyString:
        return {ReservedFor.SPEAKER: _l("speaker"), ReservedFor.GRANTEE: _l("grantee")}[self]


class AccessNeed(enum.StrEnum):
    STEP_FREE = "step_free"
    CAPTIONING = "captioning"
    SIGN_LANGUAGE = "sign_language"
    QUIET_ROOM = "quiet_room"
    CHILDCARE = "childcare"

    @property
    def label(self) -> LazyString:
        return {
            AccessNeed.STEP_FREE: _l("Step-free access"),
            AccessNeed.CAPTIONING: _l("Live captioning"),
            AccessNeed.SIGN_LANGUAGE: _l("Sign-language interpretation"),
            AccessNeed.QUIET_ROOM: _l("A quiet room"),
            AccessNeed.CHILDCARE: _l("Childcare"),
        }[self]


class DietaryNeed(enum.StrEnum):
    VEGETARIAN = "vegetarian"
    VEGAN = "vegan"
    HALAL = "halal"
    KOSHER = "kosher"
    GLUTEN_FREE = "gluten_free"
    LACTOSE_FREE = "lactose_free"
    NUT_ALLERGY = "nut_allergy"

    @property
    def label(self) -> LazyString:
        return {
            DietaryNeed.VEGETARIAN: _l("Vegetarian"),
            DietaryNeed.VEGAN: _l("Vegan"),
            DietaryNeed.HALAL: _l("Halal"),
            DietaryNeed.KOSHER: _l("Kosher"),
            DietaryNeed.GLUTEN_FREE: _l("Gluten-free"),
            DietaryNeed.LACTOSE_FREE: _l("Lactose-free"),
            DietaryNeed.NUT_ALLERGY: _l("Nut allergy"),
        }[self]
