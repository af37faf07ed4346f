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
