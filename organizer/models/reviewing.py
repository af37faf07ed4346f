"""The columns the call for talks and grants share: organizers' questions and their answers,
review criteria, reviews, scores and declared interests.

Each side keeps its own tables (`question` and `grant_question`, `review` and `grant_review`…);
these mixins only say once what a row of each kind holds, after Indico's
`modules/events/models/reviews.py`. What differs, the row a thing belongs to (a proposal or an
application, an event or a programme), stays in the class that uses the mixin; a foreign key
to a table named by the class is a `declared_attr`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from organizer.enums import QuestionKind
from organizer.models.base import str_enum

if TYPE_CHECKING:
    from organizer.models.accounts import User


class QuestionColumns:
    """An organizer's own question (`services/reviewing/questions.py` holds its rules)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(300))
    help_text: Mapped[str] = mapped_column(String(500), default="")
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind, "question_kind"))
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)  # choice questions only
    required: Mapped[bool] = mapped_column(default=False)
    visible_to_reviewers: Mapped[bool] = mapped_column(default=True)
    # File questions: accepted kinds (keys of services.uploads.FILE_KINDS) and size limit.
    file_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_file_kb: Mapped[int] = mapped_column(default=5120)
    position: Mapped[int] = mapped_column(default=0)


class AnswerColumns:
    """One answer to a question. `question_table` names the question's table."""

    question_table: str

    id: Mapped[int] = mapped_column(primary_key=True)
    # Text answers as text; choices as a JSON list; yes/no as "yes" or "no".
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("upload.id", ondelete="SET NULL"))

    @declared_attr
    def question_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey(f"{cls.question_table}.id", ondelete="CASCADE"), index=True)


def criterion_checks() -> tuple[CheckConstraint, CheckConstraint]:
    """The database's own guard on a criterion's scale and weight (new objects per table)."""
    return (
        CheckConstraint("scale_max > scale_min", name="scale"),
        CheckConstraint("weight between 1 and 100", name="weight"),
    )


class CriterionColumns:
    """A scored aspect ("relevance", "need") and how much it weighs; `criterion_checks`
    belongs in the class's `__table_args__`."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    weight: Mapped[int] = mapped_column(default=1)
    scale_min: Mapped[int] = mapped_column(default=1)
    scale_max: Mapped[int] = mapped_column(default=5)
    position: Mapped[int] = mapped_column(default=0)


class ReviewColumns:
    """One reviewer's review; abstaining keeps no scores. `score_class` names its scores'
    model."""

    score_class: str

    id: Mapped[int] = mapped_column(primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    abstained: Mapped[bool] = mapped_column(default=False)
    comment: Mapped[str] = mapped_column(Text, default="")  # for the committee
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]

    @declared_attr
    def reviewer(cls) -> Mapped[User]:
        return relationship("User")

    @declared_attr
    def scores(cls) -> Mapped[list[Any]]:
        return relationship(cls.score_class, back_populates="review", cascade="all, delete-orphan")


class ScoreColumns:
    """One criterion's score in a review. `review_table` and `criterion_table` name the
    tables, `review_class` the review's model."""

    review_table: str
    criterion_table: str
    review_class: str

    id: Mapped[int] = mapped_column(primary_key=True)
    score: Mapped[int]

    @declared_attr
    def review_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey(f"{cls.review_table}.id", ondelete="CASCADE"), index=True)

    @declared_attr
    def criterion_id(cls) -> Mapped[int]:
        return mapped_column(
            ForeignKey(f"{cls.criterion_table}.id", ondelete="CASCADE"), index=True
        )

    @declared_attr
    def review(cls) -> Mapped[Any]:
        return relationship(cls.review_class, back_populates="scores")


class DeclaredInterestColumns:
    """A reviewer's declaration that they should not review something (a conflict of
    interest; "conflict" in code is kept for the schedule)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime]

    @declared_attr
    def user(cls) -> Mapped[User]:
        return relationship("User")
