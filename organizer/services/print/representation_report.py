"""The publish-ready representation report: HTML, and PDF through WeasyPrint.

It formats a `suppression.Summary` made with the public threshold (at least
suppression.PUBLIC_K) and adds a methodology note written from the survey's settings. No
response is read here. The queue worker prints it through `print.pdf`, which fetches only files
under `static/` (services/representation/report_files.py: never in a web request).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import render_template

from organizer.services.suppression import Summary


@dataclass(frozen=True)
class Methodology:
    questions: list[str]  # the questions asked, as worded
    k: int  # the threshold used in this report
    purge_on: dt.date | None
    consent_versions: list[int]  # every consent text the event has used; answers record theirs
    editions: list[str]  # the events whose answers are counted


def methodology(
    summary: Summary,
    *,
    purge_on: dt.date | None,
    consent_versions: list[int],
    editions: list[str],
) -> Methodology:
    return Methodology(
        questions=[q.text for q in summary.questions],
        k=summary.k,
        purge_on=purge_on,
        consent_versions=consent_versions,
        editions=editions,
    )


def render_html(*, standalone: bool, **context: object) -> str:
    """The report as a page of its own (for WeasyPrint) or as the body of a site page."""
    template = "print/representation_report.html" if standalone else "representation/report.html"
    return render_template(template, **context)
