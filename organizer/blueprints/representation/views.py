"""Organizers: the survey's set-up and the suppressed representation dashboards and report.

Every number shown here comes from `representation.tabulate` (aggregates) through
`suppression` (small counts hidden); nothing reads a response. The dashboard uses the event's
k; the report, meant to be published, uses at least suppression.PUBLIC_K.
"""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from organizer import permissions
from organizer.blueprints._common import access, attempt, event_route, preparing, utcnow
from organizer.blueprints.representation import (
    bp,
    setup,  # noqa: F401  (its routes, on bp)
)
from organizer.blueprints.representation.forms import EditionsForm, TargetForm
from organizer.models import Event
from organizer.services.exports import representation_csv
from organizer.services.print import preparation, representation_report
from organizer.services.representation import (
    counting,
    pipeline,
    presenting,
    report_files,
    survey,
    survey_setup,
)


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


def _pooled(chosen: list[Event], mode: str) -> list[Event]:
    return chosen if mode == "pool" else []


@access("organizer")
@bp.route("/<event_slug>/representation")
@event_route(permissions.can_view_representation)
def dashboard(event: Event):
    settings = survey.settings_of(event)
    form, chosen, mode = _editions_form(event)
    pooled = mode == "pool" and bool(chosen)
    events = [event, *chosen] if pooled else [event]
    summary = presenting.summary_of(events)
    goals = survey_setup.targets(event)
    comparisons = []
    if mode == "compare":
        for other in chosen:
            comparisons.append((other, presenting.summary_of([other])))
    return render_template(
        "representation/dashboard.html",
        event=event,
        settings=settings,
        summary=summary,
        charts=presenting.charts_of(summary, goals, "chart"),
        goals=presenting.by_row(goals),
        labels=presenting.labels(summary.k),
        form=form,
        pooled=pooled,
        chosen=chosen,
        comparisons=comparisons,
        pool_args=presenting.pool_args(_pooled(chosen, mode)),
    )


@access("organizer")
@bp.route("/<event_slug>/representation/export.csv")
@event_route(permissions.can_view_representation)
def export_csv(event: Event):
    _form, chosen, mode = _editions_form(event)
    events = [event, *_pooled(chosen, mode)]
    summary = presenting.summary_of(events)
    text = representation_csv.render(summary, editions=[e.name for e in events])
    filename = f"{event.slug}-representation.csv"
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _report_selection(event: Event) -> list[Event]:
    """The editions pooled into the report: those of the query string the viewer may see."""
    _form, chosen, mode = _editions_form(event)
    return _pooled(chosen, mode)


@access("organizer")
@bp.route("/<event_slug>/representation/report")
@event_route(permissions.can_view_representation)
def report(event: Event):
    context = presenting.report_context(event, pooled=_report_selection(event))
    return representation_report.render_html(standalone=False, **context)


def _report_preparing(event: Event, pooled: list[Event]) -> Response:
    """The 202 page while the worker renders the report, with the last one made if any."""
    args = presenting.pool_args(pooled)
    older = report_files.previous(actor=current_user, event=event, pooled=pooled)
    return preparing(
        event,
        what=_("The representation report"),
        previous_url=older
        and url_for("representation.report_pdf", event_slug=event.slug, previous=1, **args),
        about=_(
            "It is made from the survey's answers as they are now, and opens here when it is "
            "ready; that usually takes less than a minute."
        ),
        previous_label=_(
            "Open the last report made now (older: it does not count the latest answers or changes)"
        ),
        back=(
            url_for("representation.report", event_slug=event.slug, **args),
            _("Back to the report"),
        ),
        layout="layouts/organizer.html",
    )


@access("organizer")
@bp.route("/<event_slug>/representation/report.pdf")
@event_route(permissions.can_view_representation)
def report_pdf(event: Event):
    """The report as a PDF, which the worker renders (report_files.py): until it is ready, a
    page that says so (202) and reloads, offering the last report rendered of the same
    editions (?previous=1), labelled as older."""
    pooled = _report_selection(event)
    filename = f"{event.slug}-representation-report.pdf"
    if request.args.get("previous"):
        path = report_files.previous(actor=current_user, event=event, pooled=pooled)
        if path is None:
            abort(404)
        filename = f"{event.slug}-representation-report-older.pdf"
    else:
        wanted = report_files.wanted(actor=current_user, event=event, pooled=pooled)
        path = wanted.path
        if path is None:
            preparation.prepare_representation_report(event, pooled=pooled, key=wanted.key)
            path = report_files.ready(event, wanted.key)  # a quick worker's
        if path is None:
            return _report_preparing(event, pooled)
    response = Response(path.read_bytes(), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"  # organizers' data
    return response


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
