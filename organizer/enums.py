"""States and roles. Imports nothing from the application."""

import enum


class EventRoleName(enum.StrEnum):
    """What a person may do for one event. Site admins are a flag on the user instead."""

    ORGANIZER = "organizer"
    REVIEWER = "reviewer"
    GRANT_REVIEWER = "grant_reviewer"

    @property
    def label(self) -> str:
        return {
            "organizer": "Organizer",
            "reviewer": "Reviewer",
            "grant_reviewer": "Grant reviewer",
        }[self.value]


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


DECISIONS = (ProposalState.ACCEPTED, ProposalState.REJECTED, ProposalState.WAITLISTED)


class SpeakerRole(enum.StrEnum):
    PRIMARY = "primary"  # submitted the proposal; may edit it and invite others
    CO_SPEAKER = "co_speaker"


class QuestionKind(enum.StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    BOOLEAN = "boolean"
    FILE = "file"


class OthersReviews(enum.StrEnum):
    """When a reviewer may read the other reviews of a proposal."""

    NEVER = "never"
    AFTER_OWN = "after_own"  # once their own review (or abstention) is in
    ALWAYS = "always"
