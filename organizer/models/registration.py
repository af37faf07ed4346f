"""Attendee registration: an event's registration settings and kinds of place, each person's
registration, their answers to the organizers' questions, and their access needs.

Access needs live in their own table: only an access coordinator reads a person's row, the
organizers see counts, and every row is deleted at the event's purge date
(`RegistrationSettings.access_purge_at`) while the registration itself stays.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from organizer.enums import RegistrationState, ReservedFor
from organizer.models.base import Base, PublicId, new_public_id, str_enum
from organizer.models.reviewing import AnswerColumns, QuestionColumns

if TYPE_CHECKING:
    from organizer.models.accounts import User
    from organizer.models.events import Event


class RegistrationSettings(Base):
    """One row per event that takes registrations. No row: registration is not set up."""

    __tablename__ = "registration_settings"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="closes_after_open"),
        CheckConstraint("capacity is null or capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("offer_days between 1 and 30", name="offer_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    opens_at: Mapped[dt.datetime]
    closes_at: Mapped[dt.datetime]
    capacity: Mapped[int | None]  # seats in all; None: no limit
    moderated: Mapped[bool] = mapped_column(default=False)  # organizers approve each one
    # No payments: whether a fee is due, and how it is paid (for example "on site, by card").
    fee_due: Mapped[bool] = mapped_column(default=False)
    fee_note: Mapped[str] = mapped_column(String(500), default="")
    # The code of conduct's version people accept; raised when the organizers change its text.
    code_of_conduct_version: Mapped[int] = mapped_column(default=1)
    offer_days: Mapped[int] = mapped_column(default=3)  # how long a waiting-list offer stands
    # When every access-needs row of the event is deleted; None: 30 days after the event.
    access_purge_at: Mapped[dt.datetime | None]
    access_purged_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]

    event: Mapped[Event] = relationship()


class PlaceKind(Base):
    """A kind of place with its own capacity, for example in person, remote or student."""

    __tablename__ = "place_kind"
    __table_args__ = (
        UniqueConstraint("event_id", "name"),
        CheckConstraint("capacity is null or capacity >= 0", name="capacity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(300), default="")
    capacity: Mapped[int | None]  # None: only the overall capacity limits it
    position: Mapped[int] = mapped_column(default=0)


class Registration(Base):
    """One person's registration for one event (one per person: a cancelled registration is
    reopened rather than duplicated)."""

    __tablename__ = "registration"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    place_kind_id: Mapped[int | None] = mapped_column(
        ForeignKey("place_kind.id", ondelete="SET NULL"), index=True
    )
    state: Mapped[RegistrationState] = mapped_column(
        str_enum(RegistrationState, "registration_state"), index=True
    )
    reserved_for: Mapped[ReservedFor | None] = mapped_column(str_enum(ReservedFor, "reserved_for"))
    waived: Mapped[bool] = mapped_column(default=False)  # an accepted registration-waiver grant
    badge_name: Mapped[str] = mapped_column(String(100), default="")
    pronouns: Mapped[str] = mapped_column(String(50), default="")
    affiliation: Mapped[str] = mapped_column(String(200), default="")
    # The badge shows a "grantee" ribbon only when the person asks for it.
    show_grantee_ribbon: Mapped[bool] = mapped_column(default=False)
    # Name folded for search at the door: lower case, accents removed (services.text).
    search_name: Mapped[str] = mapped_column(String(300), default="", index=True)
    code_of_conduct_version: Mapped[int]
    code_of_conduct_accepted_at: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    waitlisted_at: Mapped[dt.datetime | None]  # the waiting list is served in this order
    offered_at: Mapped[dt.datetime | None]
    respond_by: Mapped[dt.datetime | None]
    offer_reminded_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]
    checked_in_at: Mapped[dt.datetime | None]
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    event: Mapped[Event] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    place_kind: Mapped[PlaceKind | None] = relationship()
    answers: Mapped[list[RegistrationAnswer]] = relationship(
        back_populates="registration", cascade="all, delete-orphan"
    )
    access_needs: Mapped[RegistrationAccessNeeds | None] = relationship(
        back_populates="registration", cascade="all, delete-orphan"
    )


class RegistrationAccessNeeds(Base):
    """What a person needs to take part. Read only through `services/registration/access.py`."""

    __tablename__ = "registration_access_needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), unique=True
    )
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)  # AccessNeed values
    dietary: Mapped[list[str]] = mapped_column(JSON, default=list)  # DietaryNeed values
    dietary_other: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")  # anything else, in their words
    updated_at: Mapped[dt.datetime]

    registration: Mapped[Registration] = relationship(back_populates="access_needs")


class RegistrationQuestion(QuestionColumns, Base):
    """An organizer's own question on the registration form (the shared question machinery)."""

    __tablename__ = "registration_question"

    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)


class RegistrationAnswer(AnswerColumns, Base):
    __tablename__ = "registration_answer"
    __table_args__ = (UniqueConstraint("registration_id", "question_id"),)
    question_table = "registration_question"

    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )

    registration: Mapped[Registration] = relationship(back_populates="answers")
    question: Mapped[RegistrationQuestion] = relationship()


class CodeOfConductVersion(Base):
    """Every code of conduct text registrations were accepted under, so that a person's
    accepted version stays readable after the organizers change it."""

    __tablename__ = "code_of_conduct_version"
    __table_args__ = (UniqueConstraint("event_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
