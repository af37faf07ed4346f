"""Opt-in self-identification for representation monitoring.

Only `services/representation/` may import these models (a test scans the code for it).
A response carries no user key, no timestamp and no address: the only tie to a person is a
SurveyLink, kept while the event's cycle is open so that people can see, change or delete
their answers and the pipeline stages they reach can be recorded on the response. The purge
drops the links (and free-text answers); what remains is anonymous.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from organizer.enums import SurveyKind
from organizer.models.base import Base, PublicId, new_public_id, str_enum

if TYPE_CHECKING:
    from organizer.models.accounts import User


class SurveySettings(Base):
    """An event's survey: the suppression threshold, the purge date and the consent text.
    Changing the consent text makes a new version; each response records the one agreed to."""

    __tablename__ = "survey_settings"
    __table_args__ = (CheckConstraint("k >= 3", name="k_at_least_3"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    is_open: Mapped[bool] = mapped_column(default=True)
    k: Mapped[int] = mapped_column(default=5)
    purge_on: Mapped[dt.date] = mapped_column(Date)
    consent_text: Mapped[str] = mapped_column(Text)
    consent_version: Mapped[int] = mapped_column(default=1)
    purged_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime]


class SurveyConsentVersion(Base):
    """Every consent text an event has used, so that a response's version stays readable."""

    __tablename__ = "survey_consent_version"
    __table_args__ = (UniqueConstraint("event_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]


class SurveyQuestion(Base):
    __tablename__ = "survey_question"
    __table_args__ = (UniqueConstraint("event_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    # A stable name ("gender_identity"): questions of different editions are compared and
    # pooled by it, whatever their wording.
    key: Mapped[str] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(String(300))
    explanation: Mapped[str] = mapped_column(Text, default="")  # why we ask, in plain words
    kind: Mapped[SurveyKind] = mapped_column(str_enum(SurveyKind, "survey_kind"))
    allow_self_describe: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    retired: Mapped[bool] = mapped_column(default=False)  # no longer asked; old answers stay

    options: Mapped[list[SurveyOption]] = relationship(
        back_populates="question",
        cascade="all, delete-orphan",
        order_by="SurveyOption.position",
    )


class SurveyOption(Base):
    __tablename__ = "survey_option"
    __table_args__ = (UniqueConstraint("question_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("survey_question.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(60))  # stable across editions, like the question's
    label: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    retired: Mapped[bool] = mapped_column(default=False)
    prefer_not_to_say: Mapped[bool] = mapped_column(default=False)

    question: Mapped[SurveyQuestion] = relationship(back_populates="options")


def new_record_key() -> int:
    """A response's secret record key for the cell-key method (services/noise.py)."""
    return secrets.randbits(63)  # fits a signed 64-bit column


class SurveyResponse(Base):
    """One person's answers for one event: no user key, no timestamp, no address."""

    __tablename__ = "survey_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    consent_version: Mapped[int]
    # The pipeline stages this respondent reached ("proposal_submitted", "grant_offered", ...),
    # kept up to date through the link while it exists and frozen at the purge.
    stages: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Secret, random, never shown or exported: the noise of every published count is drawn
    # from the record keys of the responses in it (services/noise.py). Whoever knows the keys
    # could take the noise off again, so they stay in the database.
    record_key: Mapped[int] = mapped_column(BigInteger, default=new_record_key)

    answers: Mapped[list[SurveyAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class SurveyAnswer(Base):
    """One chosen option, or a self-description (free text, dropped at the purge)."""

    __tablename__ = "survey_answer"
    __table_args__ = (
        CheckConstraint(
            "(option_id is not null) <> (self_described is not null)", name="option_or_text"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_response.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("survey_question.id", ondelete="CASCADE"), index=True
    )
    option_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_option.id", ondelete="CASCADE"), index=True
    )
    self_described: Mapped[str | None] = mapped_column(String(200))

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")


class SurveyLink(Base):
    """Response <-> person, only while the event's cycle is open (dropped at the purge)."""

    __tablename__ = "survey_link"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_response.id", ondelete="CASCADE"), unique=True
    )

    user: Mapped[User] = relationship()
    response: Mapped[SurveyResponse] = relationship()


class SurveyTarget(Base):
    """An organizer's goal: the share of an option at a stage, drawn on the chart."""

    __tablename__ = "survey_target"
    __table_args__ = (
        UniqueConstraint("option_id", "stage"),
        CheckConstraint("percent between 0 and 100", name="percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("survey_option.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(40))
    percent: Mapped[int]
