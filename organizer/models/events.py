"""Events and the people who run them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from organizer.enums import EventRoleName
from organizer.models.base import Base, str_enum

if TYPE_CHECKING:
    from organizer.models.accounts import User


class Event(Base):
    __tablename__ = "event"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint("length(currency) = 3", name="currency_iso4217"),
        CheckConstraint("length(slug) >= 3", name="slug_length"),
        CheckConstraint(
            "accounting_retention_years between 1 and 30", name="accounting_retention_years"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))  # IANA name, e.g. Europe/Lisbon
    starts_on: Mapped[dt.date] = mapped_column(Date)  # dates in the event's time zone
    ends_on: Mapped[dt.date] = mapped_column(Date)
    venue: Mapped[str] = mapped_column(String(300), default="")
    currency: Mapped[str] = mapped_column(String(3), default="EUR")  # ISO 4217
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown
    code_of_conduct: Mapped[str] = mapped_column(Text, default="")  # Markdown
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    is_public: Mapped[bool] = mapped_column(default=False)
    # How long grant receipts and payouts of a deleted account are kept for the accounts
    # (counted from the end of the event's last year; see services/account_deletion.py).
    accounting_retention_years: Mapped[int] = mapped_column(default=10)
    # Every team member must use two-factor sign-in to open this event's team pages.
    require_two_factor: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]

    roles: Mapped[list[EventRole]] = relationship(
        back_populates="event", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Event {self.slug}>"


class EventRole(Base):
    """A person's role in one event. A person may hold several roles in the same event."""

    __tablename__ = "event_role"
    __table_args__ = (UniqueConstraint("event_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[EventRoleName] = mapped_column(str_enum(EventRoleName, "role"))
    created_at: Mapped[dt.datetime]

    event: Mapped[Event] = relationship(back_populates="roles")
    user: Mapped[User] = relationship(back_populates="event_roles")


class TeamInvitation(Base):
    """An invitation to join an event's team, sent by mail. The link holds a secret token;
    only its SHA-256 is stored, so a database leak does not leak usable links."""

    __tablename__ = "team_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[EventRoleName] = mapped_column(str_enum(EventRoleName, "role"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    accepted_at: Mapped[dt.datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    revoked_at: Mapped[dt.datetime | None]

    event: Mapped[Event] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    def is_open(self, now: dt.datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and now < self.expires_at
