"""The self-identification survey for respondents: fill, view, change or delete it.

These pages show a person their own answers only (services.representation.my_response)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from organizer import permissions
from organizer.blueprints._common import access, commit, event_or_404, show_domain_error, utcnow
from organizer.blueprints.survey.forms import (
    ConfirmForm,
    answers_from,
    form_errors,
    option_field,
    survey_form,
    text_field,
)
from organizer.errors import DomainError, ValidationFailed
from organizer.models import Event
from organizer.services import representation

bp = Blueprint("survey", __name__)


@bp.app_context_processor
def _survey_helpers() -> dict[str, Any]:
    """For the entry points on other blueprints' pages (the proposal and grant application
    pages, the account page): whether to offer the survey, and the person's own list. Neither
    says anything about anyone but the person looking."""

    def survey_offered(event: Event) -> bool:
        return representation.offered(event, now=utcnow())

    def my_survey_events() -> list[tuple[Event, bool]]:
        if not current_user.is_authenticated:
            return []
        return representation.survey_events_for(current_user, now=utcnow())

    return {"survey_offered": survey_offered, "my_survey_events": my_survey_events}


def _survey_event(slug: str) -> tuple[Event, representation.SettingsInfo]:
    """The event and its survey's settings; 404 unless the person may see the event and it
    has a survey."""
    event = event_or_404(slug)
    if not permissions.can_view_event(current_user, event):
        abort(404)
    settings = representation.settings_of(event)
    if settings is None:
        abort(404)
    return event, settings


@access("signed_in")
@bp.route("/<event_slug>/survey", methods=["GET", "POST"])
@login_required
def form(event_slug: str):
    event, settings = _survey_event(event_slug)
    mine = representation.my_response(event, current_user)
    now = utcnow()
    is_offered = representation.offered(event, now=now)
    questions = representation.asked(event)
    survey = survey_form(questions, mine)
    survey.consent.description = settings.consent_text  # the version in force, shown in full
    status = 200
    if survey.is_submitted():
        if not is_offered:
            flash(_("This survey is closed: answers can no longer be saved."), "error")
            status = 409
        elif survey.validate():
            answers, described = answers_from(survey, questions)
            try:
                representation.save_response(
                    actor=current_user,
                    event=event,
                    answers=answers,
                    self_described=described,
                    consent=bool(survey.consent.data),
                    response_public_id=survey.public_id.data or None,
                    now=now,
                )
            except DomainError as error:
                if isinstance(error, ValidationFailed):
                    error.errors = form_errors(error.errors, questions)
                show_domain_error(error, survey)
                status = error.status_code
            else:
                commit()
                flash(
                    _("Thank you. Your answers are saved; you can change or delete them here."),
                    "success",
                )
                return redirect(url_for("survey.form", event_slug=event.slug))
        else:
            status = 400
    return render_template(
        "survey/form.html",
        event=event,
        settings=settings,
        mine=mine,
        offered=is_offered,
        questions=questions,
        form=survey,
        option_field=option_field,
        text_field=text_field,
    ), status


@access("signed_in")
@bp.route("/<event_slug>/survey/delete", methods=["GET", "POST"])
@login_required
def delete(event_slug: str):
    event, _settings = _survey_event(event_slug)
    mine = representation.my_response(event, current_user)
    confirm = ConfirmForm()
    if mine is None:
        flash(_("You have no answers saved for this event."), "error")
        return redirect(url_for("survey.form", event_slug=event.slug))
    if confirm.validate_on_submit():
        try:
            representation.delete_response(actor=current_user, event=event, now=utcnow())
        except DomainError as error:
            show_domain_error(error)
        else:
            commit()
            flash(_("Your answers are deleted. Nothing of them is kept."), "success")
            return redirect(url_for("survey.form", event_slug=event.slug))
    return render_template("survey/delete.html", event=event, form=confirm)
