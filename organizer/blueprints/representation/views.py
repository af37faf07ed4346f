"""Organizers: the survey's set-up and the suppressed representation dashboards and report.

Every number shown here comes from `representation.tabulate` (aggregates) through
`suppression` (small counts hidden); nothing reads a response. The dashboard uses the event's
k; the report, meant to be published, uses at least suppression.PUBLIC_K.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from organizer import permissions
from organizer.blueprints._common import (
    CSV,
    access,
    attempt,
    download,
    event_route,
    preparing,
    utcnow,
)
from organizer.blueprints.representation import (
    bp,
    setup,  # noqa: F401  (its routes, on bp)
)
from organizer.blueprints.representation.forms import EditionsForm, PickForm, TargetForm
from organizer.models import Event
from organizer.services import suppression
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


def _selection(event: Event) -> dict[str, Any]:
    """What both dashboard pages share: the editions form, the editions counted and their
    suppressed summary (always the whole of it: a page picks from it, never recounts)."""
    form, chosen, mode = _editions_form(event)
    pooled = mode == "pool" and bool(chosen)
    summary = presenting.summary_of([event, *chosen] if pooled else [event])
    return {
        "event": event,
        "form": form,
        "chosen": chosen,
        "compared": chosen if mode == "compare" else [],
        "pooled": pooled,
        "summary": summary,
        "pool_args": presenting.pool_args(_pooled(chosen, mode)),
        # carried by the links and the picker, so that a question's page counts the same
        "edition_args": {"editions": [e.slug for e in chosen], "mode": mode} if chosen else {},
    }


def _pick_form(summary: suppression.Summary) -> PickForm:
    form = PickForm(formdata=request.args if request.args.get("question") else None)
    form.question.choices = [SelectChoice(q.key, q.text) for q in summary.questions]
    form.stage.choices = [
        SelectChoice(key, str(label)) for key, label in presenting.stage_choices(summary)
    ]
    return form


@access("organizer")
@bp.route("/<event_slug>/representation")
@event_route(permissions.can_view_representation)
def dashboard(event: Event):
    """The overview: the stages and response rates, and one line per question leading to its
    own page. The tables and charts of a question are on `answers`, all of them in the PDF."""
    context = _selection(event)
    return render_template(
        "representation/dashboard.html",
        settings=survey.settings_of(event),
        pick_form=_pick_form(context["summary"]),
        **context,
    )


@access("organizer")
@bp.route("/<event_slug>/representation/answers")
@event_route(permissions.can_view_representation)
def answers(event: Event):
    """One question at one stage (its table and chart) or across the stages (the pipeline
    comparison), picked with a GET form, so that the address can be bookmarked."""
    context = _selection(event)
    summary = context["summary"]
    form = _pick_form(summary)
    picked, errors = presenting.pick(
        summary, request.args.get("question"), request.args.get("stage")
    )
    for name, message in errors.items():
        form[name].errors = [message]
    if picked is not None:
        form.question.data, form.stage.data = picked.question.key, picked.stage_key
    goals = survey_setup.targets(event)
    only = (picked.question.key, picked.stage_key) if picked else None
    comparisons = [(other, presenting.summary_of([other])) for other in context["compared"]]
    return render_template(
        "representation/dashboard_answers.html",
        pick_form=form,
        picked=picked,
        charts=presenting.charts_of(summary, goals, "chart", only=only) if only else {},
        goals=presenting.by_row(goals),
        labels=presenting.labels(summary.k),
        comparisons=comparisons,
        **context,
    ), (400 if errors else 200)


@access("organizer")
@bp.route("/<event_slug>/representation/export.csv")
@event_route(permissions.can_view_representation)
def export_csv(event: Event):
    _form, chosen, mode = _editions_form(event)
    events = [event, *_pooled(chosen, mode)]
    summary = presenting.summary_of(events)
    text = representation_csv.render(summary, editions=[e.name for e in events])
    return download(text, content_type=CSV, name=f"{event.slug}-representation.csv")


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
