"""All models, imported here so that metadata (and Alembic) sees every table."""

from organizer.models.accounts import LoginFailure, User
from organizer.models.audit import AuditEntry
from organizer.models.base import Base
from organizer.models.cfp import (
    Answer,
    Cfp,
    CfpExtension,
    DecisionRound,
    MailTemplate,
    Proposal,
    ProposalSpeaker,
    Question,
    SessionType,
    SpeakerProfile,
    Tag,
    Track,
    Upload,
    proposal_tag,
)
from organizer.models.events import Event, EventRole, TeamInvitation
from organizer.models.mail import OutboxMessage
from organizer.models.review import (
    ConflictOfInterest,
    Review,
    ReviewAssignment,
    ReviewCriterion,
    ReviewPhase,
    ReviewScore,
    criterion_track,
    reviewer_track,
)

__all__ = [
    "Answer",
    "AuditEntry",
    "Base",
    "Cfp",
    "CfpExtension",
    "ConflictOfInterest",
    "DecisionRound",
    "Event",
    "EventRole",
    "LoginFailure",
    "MailTemplate",
    "OutboxMessage",
    "Proposal",
    "ProposalSpeaker",
    "Question",
    "Review",
    "ReviewAssignment",
    "ReviewCriterion",
    "ReviewPhase",
    "ReviewScore",
    "SessionType",
    "SpeakerProfile",
    "Tag",
    "TeamInvitation",
    "Track",
    "Upload",
    "User",
    "criterion_track",
    "proposal_tag",
    "reviewer_track",
]
