"""Organizers: the survey's set-up and the suppressed representation dashboards and report.

Every number shown here comes from `representation.tabulate` (aggregates) through
`suppression` (small counts hidden); nothing reads a response. The dashboard uses the event's
k; the report, meant to be published, uses at least suppression.PUBLIC_K.
"""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from organizer import permissions
from organizer.blueprints._common import access, attempt, event_route, utcnow
from organizer.blueprints.representation import (
    bp,
    setup,  # noqa: F401  (its routes, on bp)
)
from organizer.blueprints.representation.forms import EditionsForm, TargetForm
from organizer.models import Event
from organizer.services import charts, suppression
from organizer.services.exports import representation_csv
from organizer.services.print import representation_report
from organizer.services.representation import counting, pipeline, survey, survey_setup


def _editions_form(event: Event) -> tuple[EditionsForm, list[Event], str]:
    """The compare/pool form read from the query string: (form, chosen events, mode)."""
    others = counting.comparable_events(event, current_user)
    form = EditionsForm(formdata=request.args if request.args else None)
    form.editions.choices = [SelectChoice(e.slug, e.name) for e in others]
    if not request.args.get("editions") or not form.validate():
        return form, [], "compare"
    by_slug = {e.slug: e for e in others}
    chosen = [by_slug[slug] for slug in form.editions.data or [] if slug in by_slug]
    return form, chosen, form.mode.data or "compare"


def _labels(k: int) -> dict[suppression.Status, str]:
    return {
        suppression.Status.FEWER_THAN_K: _("fewer than %(k)s", k=k),
        suppression.Status.HIDDEN: _("not shown"),
    }


def _charts(
    summary: suppression.Summary, goals: dict[tuple[str, str, str], int], prefix: str
) -> dict[tuple[str, str], Any]:
    """An SVG chart per published (question, stage) row."""
    stage_labels = {s.key: s.label for s in summary.stages}
    labels = _labels(summary.k)
    result = {}
    for question in summary.questions:
        for row in question.rows:
            if not row.published:
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
                suppressed_labels=labels,
                target_label=_("target %(percent)s%%"),
                targets=mine,
            )
    return result


def _by_row(goals: dict[tuple[str, str, str], int]) -> dict[tuple[str, str], dict[str, int]]:
    """Targets as the templates want them: (question, stage) -> {option: percent}."""
    result: dict[tuple[str, str], dict[str, int]] = {}
    for (question, option, stage), percent in goals.items():
        result.setdefault((question, stage), {})[option] = percent
    return result


def _summary(events: list[Event], *, public: bool = False) -> suppression.Summary:
    tabulation = counting.tabulate(events)
    k = suppression.public_k(tabulation.k) if public else tabulation.k
    return suppression.summarise(tabulation, k=k)


def _pool_args(chosen: list[Event], mode: str) -> dict[str, Any]:
    """Query-string arguments that carry the pooled editions to the export and report."""
    if mode != "pool" or not chosen:
        return {}
    return {"editions": [e.slug for e in chosen], "mode": "pool"}


@access("organizer")
@bp.route("/<event_slug>/representation")
@event_route(permissions.can_view_representation)
def dashboard(event: Event):
    settings = survey.settings_of(event)
    form, chosen, mode = _editions_form(event)
    pooled = mode == "pool" and bool(chosen)
    events = [event, *chosen] if pooled else [event]
    summary = _summary(events)
    goals = survey_setup.targets(event)
    comparisons = []
    if mode == "compare":
        for other in chosen:
            comparisons.append((other, _summary([other])))
    return render_template(
        "representation/dashboard.html",
        event=event,
        settings=settings,
        summary=summary,
        charts=_charts(summary, goals, "chart"),
        goals=_by_row(goals),
        labels=_labels(summary.k),
        form=form,
        pooled=pooled,
        chosen=chosen,
        comparisons=comparisons,
        pool_args=_pool_args(chosen, mode),
    )


@access("organizer")
@bp.route("/<event_slug>/representation/export.csv")
@event_route(permissions.can_view_representation)
def export_csv(event: Event):
    _form, chosen, mode = _editions_form(event)
    events = [event, *chosen] if mode == "pool" and chosen else [event]
    summary = _summary(events)
    text = representation_csv.render(summary, editions=[e.name for e in events])
    filename = f"{event.slug}-representation.csv"
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _report_context(event: Event) -> dict[str, Any]:
    _form, chosen, mode = _editions_form(event)
    events = [event, *chosen] if mode == "pool" and chosen else [event]
    summary = _summary(events, public=True)
    settings = survey.settings_of(event)
    names = [e.name for e in events]
    goals = survey_setup.targets(event)
    return {
        "event": event,
        "summary": summary,
        "charts": _charts(summary, goals, "report"),
        "goals": _by_row(goals),
        "labels": _labels(summary.k),
        "method": representation_report.methodology(
            summary,
            purge_on=settings.purge_on if settings else None,
            consent_versions=[v for v, _text in settings.consent_versions] if settings else [],
            editions=names,
        ),
        "pool_args": _pool_args(chosen, mode),
    }


@access("organizer")
@bp.route("/<event_slug>/representation/report")
@event_route(permissions.can_view_representation)
def report(event: Event):
    return representation_report.render_html(standalone=False, **_report_context(event))


@access("organizer")
@bp.route("/<event_slug>/representation/report.pdf")
@event_route(permissions.can_view_representation)
def report_pdf(event: Event):
    pdf = representation_report.render_pdf(**_report_context(event))
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{event.slug}-representation-report.pdf"'
        },
    )


def _target_choices(
    questions: list[survey.QuestionInfo],
) -> tuple[list[SelectChoice], list[SelectChoice]]:
    answers = [
        SelectChoice(f"{q.key}:{o.key}", f"{q.text} — {o.label}")
        for q in questions
        if not q.retired
        for o in q.options
        if not o.retired
    ]
    stages = [SelectChoice(s.key, str(s.label)) for s in pipeline.STAGES]
    return answers, stages


@access("organizer")
@bp.route("/<event_slug>/representation/targets", methods=["GET", "POST"])
@event_route(permissions.can_view_representation)
def targets(event: Event):
    questions = survey.questions_of(event)
    form = TargetForm()
    form.answer.choices, form.stage.choices = _target_choices(questions)
    status = 200
    if form.validate_on_submit():
        question_key, _sep, option_key = form.answer.data.partition(":")
        done = attempt(
            lambda: survey_setup.set_target(
                actor=current_user,
                event=event,
                question_key=question_key,
                option_key=option_key,
                stage_key=form.stage.data,
                percent=form.percent.data,
                now=utcnow(),
            ),
            form=form,
            success=_("The target is saved.")
            if form.percent.data is not None
            else _("The target is removed."),
        )
        if done.ok:
            return redirect(url_for("representation.targets", event_slug=event.slug))
        status = done.status
    elif form.errors:
        status = 400
    by_key = {q.key: q for q in questions}
    stage_labels = {s.key: str(s.label) for s in pipeline.STAGES}
    current = []
    for (q, o, s), percent in sorted(survey_setup.targets(event).items()):
        question = by_key.get(q)
        option = question.option(o) if question is not None else None
        if question is not None and option is not None:
            current.append((question.text, option.label, stage_labels.get(s, s), percent))
    return render_template(
        "representation/dashboard_targets.html", event=event, form=form, current=current
    ), status
