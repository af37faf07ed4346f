"""Review: criteria, phases, who reviews what, the reviews themselves and declared conflicts."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from organizer.enums import OthersReviews
from organizer.models.base import Base, str_enum
from organizer.models.reviewing import (
    CriterionColumns,
    DeclaredInterestColumns,
    ReviewColumns,
    ScoreColumns,
    criterion_checks,
)

if TYPE_CHECKING:
    from organizer.models.accounts import User
    from organizer.models.cfp import Proposal, Track

criterion_track = Table(
    "criterion_track",
    Base.metadata,
    Column("criterion_id", ForeignKey("review_criterion.id", ondelete="CASCADE"), primary_key=True),
    Column("track_id", ForeignKey("track.id", ondelete="CASCADE"), primary_key=True),
)

reviewer_track = Table(
    "reviewer_track",
    Base.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("track_id", ForeignKey("track.id", ondelete="CASCADE"), primary_key=True),
)


class ReviewCriterion(CriterionColumns, Base):
    """A scored aspect ("relevance", "clarity"). Limited to some tracks when `tracks` is set."""

    __tablename__ = "review_criterion"
    __table_args__ = (UniqueConstraint("event_id", "name"), *criterion_checks())

    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)

    tracks: Mapped[list[Track]] = relationship(secondary=criterion_track, order_by="Track.name")

    def applies_to(self, proposal: Proposal) -> bool:
        return not self.tracks or proposal.track_id in {t.id for t in self.tracks}


class ReviewPhase(Base):
    """A stretch of time that decides what reviewers may do and see. Outside every phase of an
    event that has phases, review is closed; an event without phases reviews freely."""

    __tablename__ = "review_phase"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    can_review: Mapped[bool] = mapped_column(default=True)
    others_reviews: Mapped[OthersReviews] = mapped_column(
        str_enum(OthersReviews, "others_reviews"), default=OthersReviews.AFTER_OWN
    )


class ReviewAssignment(Base):
    __tablename__ = "review_assignment"
    __table_args__ = (UniqueConstraint("proposal_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    automatic: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime]

    proposal: Mapped[Proposal] = relationship()
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])


class Review(ReviewColumns, Base):
    __tablename__ = "review"
    __table_args__ = (UniqueConstraint("proposal_id", "reviewer_id"),)
    score_class = "ReviewScore"

    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    note_to_speaker: Mapped[str] = mapped_column(Text, default="")
    proposal_version: Mapped[int]  # the proposal's version when this was last saved

    proposal: Mapped[Proposal] = relationship()


class ReviewScore(ScoreColumns, Base):
    __tablename__ = "review_score"
    __table_args__ = (UniqueConstraint("review_id", "criterion_id"),)
    review_class = "Review"
    review_table = "review"
    criterion_table = "review_criterion"

    criterion: Mapped[ReviewCriterion] = relationship()


class ProposalInterest(DeclaredInterestColumns, Base):
    """A reviewer's declared interest in a proposal: they should not review it."""

    __tablename__ = "conflict_of_interest"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
