"""The organizers' proposal list as CSV, for a spreadsheet.

Only what the committee works with: no demographic data (the proposal model holds none, and
this file must not add any). Every cell is guarded against spreadsheet formula injection.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from organizer.models import Answer, Question
from organizer.services.exports.cells import write_rows

if TYPE_CHECKING:
    from organizer.services.cfp.decisions import ListRow

HEADER = (
    "id",
    "title",
    "state",
    "pending decision",
    "session type",
    "track",
    "duration",
    "language",
    "level",
    "tags",
    "speakers",
    "speaker emails",
    "abstract",
    "reviews",
    "mean",
    "median",
    "normalised score",
)


def _number(value: float | None) -> float | str:
    return "" if value is None else round(value, 2)


def _answer_text(answer: Answer | None) -> str:
    if answer is None:
        return ""
    if answer.upload is not None:
        return answer.upload.filename
    value = answer.value
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return "" if value is None else str(value)


def render(
    rows: Sequence[ListRow],
    questions_visible: Sequence[Question] = (),
    *,
    answers: Mapping[int, Mapping[int, Answer]] | None = None,
) -> str:
    """One line per row. `questions_visible` adds a column per question (the view passes
    those shown to reviewers); `answers` maps proposal id -> question id -> answer. The
    viewer's own proposals (`ListRow.own`) go out without pending decision or review figures."""
    answers = answers or {}
    lines: list[list[Any]] = [[*HEADER, *(q.text for q in questions_visible)]]
    for row in rows:
        proposal = row.proposal
        ranked = row.ranked
        speakers = [s for s in proposal.speakers if s.user is not None]
        own_answers = answers.get(proposal.id, {})
        cells: list[Any] = [
            proposal.public_id,
            proposal.title,
            proposal.state.value,
            "" if row.own else proposal.pending_decision or "",
            proposal.session_type.name,
            proposal.track.name if proposal.track is not None else "",
            proposal.duration_minutes,
            proposal.language,
            proposal.level,
            ", ".join(t.name for t in proposal.tags),
            ", ".join(s.user.display_name for s in speakers if s.user is not None),
            ", ".join(s.user.email for s in speakers if s.user is not None),
            proposal.abstract,
            "" if row.own else ranked.count if ranked is not None else 0,
            _number(ranked.mean if ranked is not None else None),
            _number(ranked.median if ranked is not None else None),
            _number(ranked.normalised if ranked is not None else None),
            *(_answer_text(own_answers.get(q.id)) for q in questions_visible),
        ]
        lines.append(cells)
    return write_rows(lines)
