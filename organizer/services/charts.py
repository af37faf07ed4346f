"""Server-rendered SVG charts for the representation dashboards and report.

Standard library only; every text is XML-escaped here, so the result is safe to place in a
page as Markup. Bars only for published cells; suppressed cells are labelled in words, and a
target appears as a dashed line with its value in text (meaning never rests on colour alone).
The page always shows the same numbers in a table beside the chart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

from organizer.services.suppression import PublishedRow, Status

WIDTH = 640
LABEL_WIDTH = 220
VALUE_WIDTH = 130
BAR_HEIGHT = 20
ROW_HEIGHT = 30
TOP = 10
AXIS = 24
BAR_COLOUR = "#1d4f91"  # 8.6:1 on white
TEXT_COLOUR = "#1a1a1a"
MUTED_COLOUR = "#4d4d4d"  # 8.4:1 on white
TARGET_COLOUR = "#8a1538"  # 8.9:1 on white
LABEL_CHARS = 32


def _shorten(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def bar_chart(
    row: PublishedRow,
    *,
    chart_id: str,
    title: str,
    description: str,
    suppressed_labels: Mapping[Status, str],
    target_label: str = "target %(percent)s%%",
    targets: Mapping[str, int] | None = None,
) -> Markup:
    """A horizontal bar per cell of a published row: share of the stage's respondents.
    `suppressed_labels` gives the words for suppressed cells ("fewer than 5", "not shown");
    `targets` maps cell keys to the percent aimed for."""
    targets = targets or {}
    cells: Sequence = row.cells
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = TOP + ROW_HEIGHT * len(cells) + AXIS
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f"aria-labelledby={quoteattr(chart_id + '-title')} "
        f"aria-describedby={quoteattr(chart_id + '-desc')}>",
        f"<title id={quoteattr(chart_id + '-title')}>{escape(title)}</title>",
        f"<desc id={quoteattr(chart_id + '-desc')}>{escape(description)}</desc>",
    ]
    for index, cell in enumerate(cells):
        y = TOP + index * ROW_HEIGHT
        middle = y + BAR_HEIGHT / 2 + 5
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{middle}" text-anchor="end" '
            f'fill="{TEXT_COLOUR}" font-size="13">{escape(_shorten(cell.label))}</text>'
        )
        if cell.status is Status.PUBLISHED and cell.share is not None:
            width = round(plot * cell.share / 100, 1)
            if width > 0:
                parts.append(
                    f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR_HEIGHT}" '
                    f'fill="{BAR_COLOUR}"/>'
                )
            value = f"{_number(cell.share)}% ({cell.count})"
            parts.append(
                f'<text x="{LABEL_WIDTH + width + 6}" y="{middle}" fill="{TEXT_COLOUR}" '
                f'font-size="13">{escape(value)}</text>'
            )
        else:
            parts.append(
                f'<text x="{LABEL_WIDTH + 6}" y="{middle}" fill="{MUTED_COLOUR}" '
                f'font-size="13" font-style="italic">'
                f"{escape(suppressed_labels.get(cell.status, ''))}</text>"
            )
        percent = targets.get(cell.key)
        if percent is not None:
            x = LABEL_WIDTH + round(plot * percent / 100, 1)
            parts.append(
                f'<line x1="{x}" y1="{y - 3}" x2="{x}" y2="{y + BAR_HEIGHT + 3}" '
                f'stroke="{TARGET_COLOUR}" stroke-width="2" stroke-dasharray="4 2"/>'
            )
            parts.append(
                f'<text x="{WIDTH - 4}" y="{middle}" text-anchor="end" fill="{TARGET_COLOUR}" '
                f'font-size="12">{escape(target_label % {"percent": percent})}</text>'
            )
    axis_y = TOP + ROW_HEIGHT * len(cells)
    parts.append(
        f'<line x1="{LABEL_WIDTH}" y1="{axis_y}" x2="{LABEL_WIDTH + plot}" y2="{axis_y}" '
        f'stroke="{MUTED_COLOUR}" stroke-width="1"/>'
    )
    for tick in (0, 50, 100):
        x = LABEL_WIDTH + plot * tick / 100
        anchor = "start" if tick == 0 else "end" if tick == 100 else "middle"
        parts.append(
            f'<text x="{x}" y="{axis_y + 16}" text-anchor="{anchor}" fill="{MUTED_COLOUR}" '
            f'font-size="11">{tick}%</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text above is escaped)
