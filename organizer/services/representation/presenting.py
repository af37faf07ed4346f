"""What the representation pages and the report show, built from the aggregates: the
suppressed summary, a chart per published row, the targets per row and the report's context.

Moved out of the views so that the queue worker, which renders the report's PDF, builds the
very same report as the page (print/representation_report.py). Every number comes from
`counting.tabulate` (aggregates) through `suppression`; nothing reads a response.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask_babel import gettext as _

from organizer.models import Event
from organizer.services import charts, suppression
from organizer.services.print import representation_report
from organizer.services.representation import counting, survey, survey_setup


def labels(k: int) -> dict[suppression.Status, str]:
    return {
        suppression.Status.FEWER_THAN_K: _("fewer than %(k)s", k=k),
        suppression.Status.HIDDEN: _("not shown"),
    }


def charts_of(
    summary: suppression.Summary,
    goals: dict[tuple[str, str, str], int],
    prefix: str,
    *,
    only: tuple[str, str] | None = None,
) -> dict[tuple[str, str], Any]:
    """An SVG chart per published (question, stage) row; with `only`, that row's alone."""
    stage_labels = {s.key: s.label for s in summary.stages}
    suppressed = labels(summary.k)
    result = {}
    for question in summary.questions:
        for row in question.rows:
            if not row.published or (only and only != (question.key, row.stage_key)):
                continue
            mine = {
                o: p for (q, o, s), p in goals.items() if q == question.key and s == row.stage_key
            }
            result[(question.key, row.stage_key)] = charts.bar_chart(
                row,
                chart_id=f"{prefix}-{question.key}-{row.stage_key}",
                title=_(
                    "%(question)s — %(stage)s",
                    question=question.text,
                    stage=stage_labels.get(row.stage_key, row.stage_key),
                ),
                description=_(
                    "Share of the %(n)s respondents at this stage per answer. Cells with "
                    "fewer than %(k)s people are not drawn. The table beside the chart holds "
                    "the same numbers.",
                    n=row.respondents,
                    k=summary.k,
                ),
                suppressed_labels=suppressed,
                target_label=_("target %(percent)s%%"),
                targets=mine,
            )
    return result


ACROSS_STAGES = "all"  # the stage picked to compare one question's answers across the stages


@dataclasses.dataclass(frozen=True)
class Pick:
    """One question of a summary, at one stage or across the stages (`row` is None), with
    its neighbours for previous/next links. Everything in it comes from the summary, which
    is noisy and suppressed as a whole: picking shows less, never other numbers."""

    question: suppression.QuestionBlock
    stage: suppression.StageLine | None
    row: suppression.PublishedRow | None
    previous: suppression.QuestionBlock | None
    next: suppression.QuestionBlock | None

    @property
    def stage_key(self) -> str:
        return self.stage.key if self.stage else ACROSS_STAGES


def stage_choices(summary: suppression.Summary) -> list[tuple[str, str]]:
    """The stages a question can be looked at: across all of them, or one that people reached."""
    return [(ACROSS_STAGES, _("All stages, compared")), *((s.key, s.label) for s in summary.stages)]


def pick(
    summary: suppression.Summary, question_key: str | None, stage_key: str | None
) -> tuple[Pick | None, dict[str, str]]:
    """The question and stage asked for (the first question and all stages when not given),
    or messages, by field, saying what is wrong with them; (None, {}) when the survey has
    no questions."""
    errors: dict[str, str] = {}
    questions = summary.questions
    if not questions:
        return None, {}
    keys = [q.key for q in questions]
    index = keys.index(question_key) if question_key in keys else None
    if question_key and index is None:
        errors["question"] = _("This survey has no such question: pick one from the list.")
    stage = summary.stage(stage_key) if stage_key and stage_key != ACROSS_STAGES else None
    if stage_key and stage_key != ACROSS_STAGES and stage is None:
        errors["stage"] = _(
            "There is no such stage, or nobody has reached it yet: pick one from the list."
        )
    if errors:
        return None, errors
    index = index or 0
    question = questions[index]
    row = None
    if stage is not None:
        row = next((r for r in question.rows if r.stage_key == stage.key), None)
    return Pick(
        question=question,
        stage=stage,
        row=row,
        previous=questions[index - 1] if index > 0 else None,
        next=questions[index + 1] if index + 1 < len(questions) else None,
    ), {}


def by_row(goals: dict[tuple[str, str, str], int]) -> dict[tuple[str, str], dict[str, int]]:
    """Targets as the templates want them: (question, stage) -> {option: percent}."""
    result: dict[tuple[str, str], dict[str, int]] = {}
    for (question, option, stage), percent in goals.items():
        result.setdefault((question, stage), {})[option] = percent
    return result


def summary_of(events: list[Event], *, public: bool = False) -> suppression.Summary:
    tabulation = counting.tabulate(events)
    k = suppression.public_k(tabulation.k) if public else tabulation.k
    return suppression.summarise(tabulation, k=k)


def pool_args(pooled: list[Event]) -> dict[str, Any]:
    """Query-string arguments that carry the pooled editions to the export and report."""
    if not pooled:
        return {}
    return {"editions": [e.slug for e in pooled], "mode": "pool"}


def report_context(event: Event, *, pooled: list[Event]) -> dict[str, Any]:
    """The report of `event`, pooled with the `pooled` editions (which the caller has checked
    the viewer may see), at the public threshold."""
    events = [event, *pooled]
    summary = summary_of(events, public=True)
    settings = survey.settings_of(event)
    goals = survey_setup.targets(event)
    return {
        "event": event,
        "summary": summary,
        "charts": charts_of(summary, goals, "report"),
        "goals": by_row(goals),
        "labels": labels(summary.k),
        "method": representation_report.methodology(
            summary,
            purge_on=settings.purge_on if settings else None,
            consent_versions=[v for v, _text in settings.consent_versions] if settings else [],
            editions=[e.name for e in events],
        ),
        "pool_args": pool_args(pooled),
    }
