"""A reviewer's assigned proposals as CSV: what reviewers see of them and their own scores.

With anonymous review on, titles and abstracts are the organizers' redacted versions and no
speaker data is written at all (there is no speaker column, whatever the setting).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _

from organizer.models import ReviewCriterion
from organizer.services.cfp import assignment, reviews
from organizer.services.exports.cells import write_rows
from organizer.services.reviewing import criteria as criteria_service


def render(
    rows: Sequence[assignment.AssignedRow], criteria: Sequence[ReviewCriterion], *, anonymous: bool
) -> str:
    criteria_by_id = {c.id: c for c in criteria}
    lines: list[list[Any]] = [
        [
            _("Title"),
            _("Abstract"),
            _("Track"),
            _("Type"),
            _("My status"),
            _("My score (0 to 10)"),
            *[c.name for c in criteria],
            _("My comment"),
        ]
    ]
    for row in rows:
        item, mine = row.proposal, row.my_review
        scores = {s.criterion_id: s.score for s in mine.scores} if mine is not None else {}
        overall = criteria_service.review_score(mine, criteria_by_id) if mine is not None else None
        lines.append(
            [
                item.reviewer_title if anonymous else item.title,
                item.reviewer_abstract if anonymous else item.abstract,
                item.track.name if item.track else "",
                item.session_type.name,
                reviews.status_label(mine),
                round(overall, 1) if overall is not None else "",
                *[scores.get(c.id, "") for c in criteria],
                mine.comment if mine is not None else "",
            ]
        )
    return write_rows(lines)
