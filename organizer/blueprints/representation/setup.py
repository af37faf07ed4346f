"""Organizers: setting up the event's survey (k, purge date, open or closed, consent text)
and its questions (wording, new questions and options, retiring, order). Imported at the
bottom of views.py so that its routes join the `representation` blueprint."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from organizer import permissions
from organizer.blueprints._common import (
    DateInput,
    access,
    attempt,
    attempt_then_redirect,
    event_route,
    utcnow,
)
from organizer.blueprints._forms import Form
from organizer.blueprints._setup_views import move_direction, move_then
from organizer.blueprints.representation import bp
from organizer.enums import SurveyKind
from organizer.models import Event
from organizer.services.representation import question_setup, survey, survey_setup
from organizer.services.representation.survey import (
    CONSENT_MAX,
    EXPLANATION_MAX,
    MIN_K,
    OPTION_LABEL_MAX,
    QUESTION_TEXT_MAX,
    QuestionInfo,
)

KIND_CHOICES = [
    SelectChoice(SurveyKind.SINGLE.value, _l("One answer (e.g. career stage)")),
    SelectChoice(
        SurveyKind.MULTIPLE.value, _l("Any number of answers, for identities that overlap")
    ),
]


class CreateSurveyForm(Form):
    submit = SubmitField(_l("Create the survey with the default questions"))


class SettingsForm(Form):
    is_open = BooleanField(
        _l("Open: people can answer"),
        description=_l("Closed, the survey is no longer offered; answers already given stay."),
    )
    k = IntegerField(
        _l("Smallest group shown (k)"),
        validators=[InputRequired(_l("Enter a whole number."))],
        description=_l(
            "Counts below this are shown as “fewer than k”. At least %(min)d; 5 is usual, "
            "raise it for small events.",
            min=MIN_K,
        ),
    )
    purge_on = DateInput(
        _l("Purge date"),
        validators=[InputRequired(_l("Enter a date as YYYY-MM-DD, e.g. 2027-03-27."))],
        description=_l(
            "On this date the links between answers and people, and any self-descriptions, "
            "are deleted; the counts stay, anonymous."
        ),
    )
    consent_text = TextAreaField(
        _l("Consent text"),
        validators=[Length(max=CONSENT_MAX)],
        description=_l(
            "What people agree to. Changing it makes a new version; each response keeps the "
            "version agreed to."
        ),
        render_kw={"rows": 6},
    )
    submit = SubmitField(_l("Save the settings"))


class AddQuestionForm(Form):
    text = StringField(_l("Question"), validators=[Length(max=QUESTION_TEXT_MAX)])
    explanation = TextAreaField(
        _l("Why we ask (shown under the question)"),
        validators=[Length(max=EXPLANATION_MAX)],
        render_kw={"rows": 3},
    )
    kind = RadioField(
        _l("Answers"),
        choices=KIND_CHOICES,
        default=SurveyKind.SINGLE.value,
        validators=[AnyOf([k.value for k in SurveyKind])],
    )
    allow_self_describe = BooleanField(
        _l("People may describe themselves in their own words"), default=True
    )
    options = TextAreaField(
        _l("Options, one per line"),
        description=_l("“Prefer not to say” is added to every question."),
        render_kw={"rows": 5},
    )
    submit = SubmitField(_l("Add the question"))


class AddOptionForm(Form):
    label = StringField(_l("New option"), validators=[Length(max=OPTION_LABEL_MAX)])
    submit = SubmitField(_l("Add the option"))


class RetireForm(Form):
    retired = HiddenField(validators=[AnyOf(["0", "1"])])


def edit_question_form(question: QuestionInfo) -> Any:
    class EditQuestionForm(Form):
        text = StringField(_l("Question"), validators=[Length(max=QUESTION_TEXT_MAX)])
        explanation = TextAreaField(
            _l("Why we ask (shown under the question)"),
            validators=[Length(max=EXPLANATION_MAX)],
            render_kw={"rows": 3},
        )
        allow_self_describe = BooleanField(_l("People may describe themselves in their own words"))
        submit = SubmitField(_l("Save the wording"))

    data: dict[str, Any] = {
        "text": question.text,
        "explanation": question.explanation,
        "allow_self_describe": question.allow_self_describe,
    }
    for option in question.options:
        name = f"option_{option.key}"
        setattr(
            EditQuestionForm,
            name,
            StringField(
                _l("Option “%(key)s”", key=option.key),
                validators=[Optional(), Length(max=OPTION_LABEL_MAX)],
            ),
        )
        data[name] = option.label
    return EditQuestionForm(data=data)


def _page(template: str, event: Event, status: int = 200, **context: Any):  # type: ignore[no-untyped-def]
    return render_template(
        template,
        event=event,
        has_dashboard="representation.dashboard" in current_app.view_functions,
        **context,
    ), status


@access("organizer")
@bp.route("/<event_slug>/representation/setup", methods=["GET", "POST"])
@event_route(permissions.can_view_representation)
def setup(event: Event):
    info = survey.settings_of(event)
    if info is None:
        return _create_survey(event)
    form = SettingsForm(
        data={
            "is_open": info.is_open,
            "k": info.k,
            "purge_on": info.purge_on,
            "consent_text": info.consent_text,
        }
    )
    status = 200
    if form.is_submitted():
        if form.validate():
            done = attempt(
                lambda: survey_setup.save_settings(
                    actor=current_user,
                    event=event,
                    k=form.k.data,
                    purge_on=form.purge_on.data,
                    is_open=bool(form.is_open.data),
                    consent_text=form.consent_text.data or "",
                    now=utcnow(),
                ),
                form=form,
                success=_("The survey's settings are saved."),
            )
            if done.ok:
                return redirect(url_for("representation.setup", event_slug=event.slug))
            status = done.status
        else:
            status = 400
    return _page(
        "representation/setup_settings.html", event, status, create=None, form=form, settings=info
    )


def _create_survey(event: Event) -> Any:
    create = CreateSurveyForm()
    status = 200
    if create.validate_on_submit():
        done = attempt(
            lambda: survey_setup.ensure_survey(actor=current_user, event=event, now=utcnow()),
            success=_("The survey is created with the default questions."),
        )
        if done.ok:
            return redirect(url_for("representation.setup", event_slug=event.slug))
        status = done.status
    return _page(
        "representation/setup_settings.html",
        event,
        status,
        create=create,
        form=None,
        settings=None,
    )


def _survey_or_redirect(event: Event) -> Any:
    if survey.settings_of(event) is None:
        flash(_("Create the survey first."), "error")
        return redirect(url_for("representation.setup", event_slug=event.slug))
    return None


@access("organizer")
@bp.route("/<event_slug>/representation/questions", methods=["GET", "POST"])
@event_route(permissions.can_view_representation)
def questions(event: Event):
    missing = _survey_or_redirect(event)
    if missing:
        return missing
    form = AddQuestionForm()
    status = 200
    if form.is_submitted():
        if form.validate():
            done = attempt(
                lambda: question_setup.add_question(
                    actor=current_user,
                    event=event,
                    text=form.text.data or "",
                    explanation=form.explanation.data or "",
                    kind=SurveyKind(form.kind.data),
                    allow_self_describe=bool(form.allow_self_describe.data),
                    options=(form.options.data or "").splitlines(),
                    now=utcnow(),
                ),
                form=form,
                success=lambda question: _("The question “%(text)s” is added.", text=question.text),
            )
            if done.ok:
                return redirect(url_for("representation.questions", event_slug=event.slug))
            status = done.status
        else:
            status = 400
    return _page(
        "representation/setup_questions.html",
        event,
        status,
        form=form,
        questions=survey.questions_of(event),
        retire_form=RetireForm(),
    )


@access("organizer")
@bp.route("/<event_slug>/representation/questions/<question_key>", methods=["GET", "POST"])
@event_route(permissions.can_view_representation)
def edit_question(event: Event, question_key: str):
    question = survey.question_of(event, question_key)
    form = edit_question_form(question)
    status = 200
    if form.is_submitted():
        if form.validate():
            done = attempt(
                lambda: question_setup.update_question(
                    actor=current_user,
                    event=event,
                    question_key=question.key,
                    text=form.text.data or "",
                    explanation=form.explanation.data or "",
                    allow_self_describe=bool(form.allow_self_describe.data),
                    option_labels={
                        o.key: form[f"option_{o.key}"].data or "" for o in question.options
                    },
                    now=utcnow(),
                ),
                form=form,
                success=_("The question's wording is saved."),
            )
            if done.ok:
                return redirect(_question_url(event, question.key))
            status = done.status
        else:
            status = 400
    return _question_page(event, question, form=form, status=status)


def _question_url(event: Event, question_key: str) -> str:
    return url_for("representation.edit_question", event_slug=event.slug, question_key=question_key)


def _question_page(
    event: Event,
    question: QuestionInfo,
    *,
    form=None,
    option_form=None,  # type: ignore[no-untyped-def]
    status: int = 200,
):
    return _page(
        "representation/setup_question.html",
        event,
        status,
        question=question,
        form=form or edit_question_form(question),
        option_form=option_form or AddOptionForm(formdata=None),
        retire_form=RetireForm(formdata=None),
    )


@access("organizer")
@bp.route("/<event_slug>/representation/questions/<question_key>/options", methods=["POST"])
@event_route(permissions.can_view_representation)
def add_option(event: Event, question_key: str):
    question = survey.question_of(event, question_key)
    option_form = AddOptionForm()
    if not option_form.validate_on_submit():
        return _question_page(event, question, option_form=option_form, status=400)
    done = attempt(
        lambda: question_setup.add_option(
            actor=current_user,
            event=event,
            question_key=question.key,
            label=option_form.label.data or "",
            now=utcnow(),
        ),
        form=option_form,
        success=lambda option: _("The option “%(label)s” is added.", label=option.label),
    )
    if done.ok:
        return redirect(_question_url(event, question.key))
    return _question_page(event, question, option_form=option_form, status=done.status)


def _retired_flag() -> bool | None:
    form = RetireForm()
    if not form.validate_on_submit():
        flash(_("The form expired: please try again."), "error")
        return None
    return form.retired.data == "1"


@access("organizer")
@bp.route("/<event_slug>/representation/questions/<question_key>/retire", methods=["POST"])
@event_route(permissions.can_view_representation)
def retire_question(event: Event, question_key: str):
    question = survey.question_of(event, question_key)
    back = url_for("representation.questions", event_slug=event.slug)
    retired = _retired_flag()
    if retired is None:
        return redirect(back)
    return attempt_then_redirect(
        lambda: question_setup.set_question_retired(
            actor=current_user,
            event=event,
            question_key=question.key,
            retired=retired,
            now=utcnow(),
        ),
        to=back,
        success=_("“%(text)s” is no longer asked; its answers stay counted.", text=question.text)
        if retired
        else _("“%(text)s” is asked again.", text=question.text),
    )


@access("organizer")
@bp.route(
    "/<event_slug>/representation/questions/<question_key>/options/<option_key>/retire",
    methods=["POST"],
)
@event_route(permissions.can_view_representation)
def retire_option(event: Event, question_key: str, option_key: str):
    question = survey.question_of(event, question_key)
    option = question.option(option_key)
    if option is None:
        abort(404)
    retired = _retired_flag()
    if retired is None:
        return redirect(_question_url(event, question.key))
    return attempt_then_redirect(
        lambda: question_setup.set_option_retired(
            actor=current_user,
            event=event,
            question_key=question.key,
            option_key=option.key,
            retired=retired,
            now=utcnow(),
        ),
        to=_question_url(event, question.key),
        success=_(
            "“%(label)s” is no longer offered; answers that chose it stay counted.",
            label=option.label,
        )
        if retired
        else _("“%(label)s” is offered again.", label=option.label),
    )


@access("organizer")
@bp.route("/<event_slug>/representation/questions/<question_key>/move", methods=["POST"])
@event_route(permissions.can_view_representation)
def move_question(event: Event, question_key: str):
    question = survey.question_of(event, question_key)
    direction = move_direction()
    move_then(
        lambda: question_setup.move_question(
            actor=current_user, event=event, question_key=question.key, direction=direction
        ),
        name=question.text,
        direction=direction,
    )
    return redirect(url_for("representation.questions", event_slug=event.slug))
