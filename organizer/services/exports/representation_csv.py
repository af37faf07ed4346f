"""The representation CSV: aggregate rows only, with the dashboard's noise and suppression. One
row per question, stage and answer; a suppressed cell has no count and says why in words; a
last row says what was done to the numbers. Nothing here reads a response: it formats a
`suppression.Summary` built from `representation.tabulate`."""

from __future__ import annotations

from flask_babel import gettext as _

from organizer.services.exports.cells import write_rows
from organizer.services.suppression import RowStatus, Status, Summary


def status_text(status: Status | RowStatus, k: int) -> str:
    return {
        Status.PUBLISHED: "",
        Status.FEWER_THAN_K: _("fewer than %(k)s", k=k),
        Status.HIDDEN: _("not shown (would reveal a small group)"),
        RowStatus.TOO_FEW: _("fewer than %(k)s respondents at this stage", k=k),
        RowStatus.WITHHELD: _("not shown: too few answers to publish without revealing someone"),
    }.get(status, "")


def render(summary: Summary, *, editions: list[str]) -> str:
    header = [
        _("Editions"),
        _("Question key"),
        _("Question"),
        _("Stage key"),
        _("Stage"),
        _("Respondents at stage (with noise)"),
        _("Answer key"),
        _("Answer"),
        _("Count (with noise)"),
        _("Share of respondents (%)"),
        _("Note"),
    ]
    stage_labels = {s.key: s.label for s in summary.stages}
    names = "; ".join(editions)
    rows: list[list[object]] = [header]
    for question in summary.questions:
        for row in question.rows:
            base = [
                names,
                question.key,
                question.text,
                row.stage_key,
                stage_labels.get(row.stage_key, row.stage_key),
                row.respondents,
            ]
            if not row.published:
                rows.append([*base, "", "", "", "", status_text(row.status, summary.k)])
                continue
            for cell in row.cells:
                rows.append(
                    [
                        *base,
                        cell.key,
                        cell.label,
                        cell.count if cell.published else "",
                        f"{cell.share:.1f}" if cell.share is not None else "",
                        status_text(cell.status, summary.k),
                    ]
                )
    rows.append(["" for _column in header[:-1]] + [method_note(summary.k)])
    return write_rows(rows)


def method_note(k: int) -> str:
    return _(
        "How these numbers are protected: every count, totals included, has a small random "
        "noise added (the cell-key method), the same every time for the same people, so that "
        "comparing stages, exports or editions does not reveal anyone; counts can be off by "
        "a few people and need not add up. Then a count below %(k)s is shown as “fewer than "
        "%(k)s”.",
        k=k,
    )
