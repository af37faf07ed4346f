"""The organizers' proposal list as CSV, for a spreadsheet.

Only what the committee works with: no demographic data (the proposal model holds none, and
this file must not add any). Every cell is guarded against spreadsheet formula injection.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from organizer.models import Answer, Question

if TYPE_CHECKING:
    from organizer.services.decisions import ListRow

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
# A spreadsheet treats a cell starting with one of these as a formula (or strips it first).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The value as text, with a leading apostrophe when a spreadsheet would run it. Numbers
    this module computed itself stay numbers (a negative score is not a formula)."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


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
    those shown to reviewers); `answers` maps proposal id -> question id -> answer."""
    answers = answers or {}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in (*HEADER, *(q.text for q in questions_visible))])
    for row in rows:
        proposal = row.proposal
        ranked = row.ranked
        speakers = [s for s in proposal.speakers if s.user is not None]
        own_answers = answers.get(proposal.id, {})
        cells: list[Any] = [
            proposal.public_id,
            proposal.title,
            proposal.state.value,
            proposal.pending_decision or "",
            proposal.session_type.name,
            proposal.track.name if proposal.track is not None else "",
            proposal.duration_minutes,
            proposal.language,
            proposal.level,
            ", ".join(t.name for t in proposal.tags),
            ", ".join(s.user.display_name for s in speakers if s.user is not None),
            ", ".join(s.user.email for s in speakers if s.user is not None),
            proposal.abstract,
            ranked.count if ranked is not None else 0,
            _number(ranked.mean if ranked is not None else None),
            _number(ranked.median if ranked is not None else None),
            _number(ranked.normalised if ranked is not None else None),
            *(_answer_text(own_answers.get(q.id)) for q in questions_visible),
        ]
        writer.writerow([safe_cell(cell) for cell in cells])
    return out.getvalue()
