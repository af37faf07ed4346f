"""All models, imported here so that metadata (and Alembic) sees every table."""

from organizer.models.accounts import LoginFailure, User
from organizer.models.audit import AuditEntry
from organizer.models.base import Base
from organizer.models.events import Event, EventRole, TeamInvitation
from organizer.models.mail import OutboxMessage

__all__ = [
    "AuditEntry",
    "Base",
    "Event",
    "EventRole",
    "LoginFailure",
    "OutboxMessage",
    "TeamInvitation",
    "User",
]
