"""The self-identification survey for respondents: fill, view, change or delete it.

These pages show a person their own answers only (services.representation.answering.my_response)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from organizer.blueprints._common import access, attempt, utcnow, viewable_event
from organizer.blueprints.survey.forms import (
    ConfirmForm,
    answers_from,
    form_errors,
    option_field,
    survey_form,
    text_field,
)
from organizer.errors import ValidationFailed
from organizer.models import Event
from organizer.services.representation import answering, survey
from organizer.services.representation.survey import QuestionInfo, SettingsInfo

bp = Blueprint("survey", __name__)


@bp.app_context_processor
def _survey_helpers() -> dict[str, Any]:
    """For the entry points on other blueprints' pages (the proposal and grant application
    pages, the account page): whether to offer the survey, and the person's own list. Neither
    says anything about anyone but the person looking."""

    def survey_offered(event: Event) -> bool:
        return survey.offered(event, now=utcnow())

    def my_survey_events() -> list[tuple[Event, bool]]:
        if not current_user.is_authenticated:
            return []
        return answering.survey_events_for(current_user, now=utcnow())

    return {"survey_offered": survey_offered, "my_survey_events": my_survey_events}


def _survey_event(slug: str) -> tuple[Event, SettingsInfo]:
    """The event and its survey's settings; 404 unless the person may see the event and it
    has a survey."""
    event = viewable_event(slug)
    settings = survey.settings_of(event)
    if settings is None:
        abort(404)
    return event, settings


@access("signed_in")
@bp.route("/<event_slug>/survey", methods=["GET", "POST"])
@login_required
def form(event_slug: str):
    event, settings = _survey_event(event_slug)
    mine = answering.my_response(event, current_user)
    now = utcnow()
    is_offered = survey.offered(event, now=now)
    questions = survey.asked(event)
    answers_form = survey_form(questions, mine)
    answers_form.consent.description = settings.consent_text  # the version in force, in full
    status = 200
    if answers_form.is_submitted():
        if not is_offered:
            flash(_("This survey is closed: answers can no longer be saved."), "error")
            status = 409
        elif answers_form.validate():
            done = attempt(
                lambda: _save(event, answers_form, questions, now),
                form=answers_form,
                success=_("Thank you. Your answers are saved; you can change or delete them here."),
            )
            if done.ok:
                return redirect(url_for("survey.form", event_slug=event.slug))
            status = done.status
        else:
            status = 400
    return render_template(
        "survey/form.html",
        event=event,
        settings=settings,
        mine=mine,
        offered=is_offered,
        questions=questions,
        form=answers_form,
        option_field=option_field,
        text_field=text_field,
    ), status


def _save(event: Event, answers_form: Any, questions: list[QuestionInfo], now: Any) -> Any:
    """Save the answers; a refusal names the form's fields (a question's key is not one)."""
    answers, described = answers_from(answers_form, questions)
    try:
        return answering.save_response(
            actor=current_user,
            event=event,
            answers=answers,
            self_described=described,
            consent=bool(answers_form.consent.data),
            response_public_id=answers_form.public_id.data or None,
            now=now,
        )
    except ValidationFailed as error:
        error.errors = form_errors(error.errors, questions)
        raise


@access("signed_in")
@bp.route("/<event_slug>/survey/delete", methods=["GET", "POST"])
@login_required
def delete(event_slug: str):
    event, _settings = _survey_event(event_slug)
    mine = answering.my_response(event, current_user)
    confirm = ConfirmForm()
    if mine is None:
        flash(_("You have no answers saved for this event."), "error")
        return redirect(url_for("survey.form", event_slug=event.slug))
    if confirm.validate_on_submit():
        done = attempt(
            lambda: answering.delete_response(actor=current_user, event=event, now=utcnow()),
            success=_("Your answers are deleted. Nothing of them is kept."),
        )
        if done.ok:
            return redirect(url_for("survey.form", event_slug=event.slug))
    return render_template("survey/delete.html", event=event, form=confirm)
