"""The survey form, built from the event's questions: one group of options and one
self-description field per question, the consent box and the response's id."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from organizer.blueprints._common import CheckboxGroupField
from organizer.blueprints._forms import Form
from organizer.enums import SurveyKind
from organizer.services.representation.answering import MyResponse
from organizer.services.representation.survey import SELF_DESCRIBED_MAX, QuestionInfo, self_field


class SurveyFormBase(Form):
    consent = BooleanField(_l("I agree"))
    public_id = HiddenField()
    submit = SubmitField(_l("Save my answers"))


def option_field(question: QuestionInfo) -> str:
    """A question's form field; prefixed so that no key can clash with the form's own names."""
    return f"q_{question.key}"


def text_field(question: QuestionInfo) -> str:
    return f"q_{self_field(question.key)}"


def survey_form(questions: list[QuestionInfo], mine: MyResponse | None) -> SurveyFormBase:
    """A form for `questions`, filled with the person's saved answers on a GET. Choices are
    not checked here: the service refuses unknown or retired ones with a message."""

    class SurveyForm(SurveyFormBase):
        pass

    for question in questions:
        choices = [SelectChoice(o.key, o.label) for o in question.options]
        kind: Any = RadioField if question.kind == SurveyKind.SINGLE else CheckboxGroupField
        setattr(
            SurveyForm,
            option_field(question),
            kind(
                question.text,
                choices=choices,
                description=question.explanation,
                validate_choice=False,
                validators=[Optional()],
            ),
        )
        if question.allow_self_describe:
            setattr(
                SurveyForm,
                text_field(question),
                StringField(
                    _l("Or describe yourself in your own words (optional)"),
                    description=_l("Up to %(max)d characters.", max=SELF_DESCRIBED_MAX),
                    render_kw={"maxlength": SELF_DESCRIBED_MAX},
                ),
            )
    form = SurveyForm()
    if mine is None or form.is_submitted():
        return form  # a posted form holds what was posted, never the saved answers
    data: dict[str, Any] = {}
    if mine is not None:
        data["public_id"] = mine.public_id
        for question in questions:
            chosen = mine.answers.get(question.key, [])
            if question.kind == SurveyKind.SINGLE:
                data[option_field(question)] = chosen[0] if chosen else None
            else:
                data[option_field(question)] = chosen
            if question.allow_self_describe:
                data[text_field(question)] = mine.self_described.get(question.key, "")
    return SurveyForm(formdata=None, data=data)


def answers_from(
    form: SurveyFormBase, questions: list[QuestionInfo]
) -> tuple[dict[str, list[str]], dict[str, str]]:
    answers: dict[str, list[str]] = {}
    described: dict[str, str] = {}
    for question in questions:
        value = form[option_field(question)].data
        if isinstance(value, str):
            value = [value] if value else []
        answers[question.key] = [v for v in (value or []) if v]
        if question.allow_self_describe:
            described[question.key] = (form[text_field(question)].data or "").strip()
    return answers, described


def form_errors(errors: dict[str, str], questions: list[QuestionInfo]) -> dict[str, str]:
    """The service's error keys (question keys) as this form's field names."""
    names = {}
    for question in questions:
        names[question.key] = option_field(question)
        names[self_field(question.key)] = text_field(question)
    return {names.get(key, key): message for key, message in errors.items()}


class ConfirmForm(Form):
    submit = SubmitField(_l("Delete my answers"))
