"""Who the archive is about, and what every section shares: values as JSON, file paths."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
from collections import defaultdict
from typing import Any

from sqlalchemy import select

from organizer.extensions import db
from organizer.models import Answer, Event, Upload, User


@dataclasses.dataclass(frozen=True)
class Person:
    """What every section needs: who, the events' slugs, and the paths of their own files."""

    user: User
    uid: int
    slugs: dict[int, str]
    uploads: list[Upload]  # their own files, as the archive holds them
    paths: dict[int, str]  # upload id -> its path in the archive

    @classmethod
    def of(cls, user: User) -> Person:
        mine = own_uploads(user.id)
        return cls(
            user=user,
            uid=user.id,
            slugs=dict(db.session.execute(select(Event.id, Event.slug)).all()),
            uploads=mine,
            paths={u.id: file_path(u) for u in mine},
        )

    def file_of(self, upload_id: int | None) -> str | None:
        return self.paths.get(upload_id) if upload_id is not None else None


def json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if hasattr(value, "value") and isinstance(getattr(value, "value", None), str):
        return value.value  # enums
    return value


def file_path(upload: Upload) -> str:
    return f"files/{upload.public_id}/{upload.filename}"


def own_uploads(uid: int) -> list[Upload]:
    """A redacted version an organizer uploaded of a speaker's file is the speaker's work (and
    the committee's), not the organizer's: it is left out."""
    return list(
        db.session.scalars(
            select(Upload)
            .where(
                Upload.owner_id == uid,
                Upload.id.not_in(
                    select(Answer.redacted_upload_id).where(Answer.redacted_upload_id.is_not(None))
                ),
            )
            .order_by(Upload.id)
        )
    )


def scores_by_review(
    uid: int, review: Any, score: Any, criterion: Any
) -> dict[int, dict[str, int]]:
    """Review id -> {criterion name: score} for the reviews the person wrote, in one query.
    Talks and grants keep their reviews in tables of the same shape."""
    scores: dict[int, dict[str, int]] = defaultdict(dict)
    for review_id, name, value in db.session.execute(
        select(score.review_id, criterion.name, score.score)
        .join(criterion, criterion.id == score.criterion_id)
        .join(review, review.id == score.review_id)
        .where(review.reviewer_id == uid)
    ):
        scores[review_id][name] = value
    return scores
