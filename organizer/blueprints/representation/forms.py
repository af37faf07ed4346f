"""Forms of the representation dashboards (the set-up pages have theirs in setup.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from organizer.blueprints._common import CheckboxGroupField
from organizer.blueprints._forms import Form


class EditionsForm(Form):
    """A GET form: other editions to compare with, or to pool with this one."""

    class Meta:
        csrf = False

    editions = CheckboxGroupField(
        _l("Other editions"),
        description=_l("Only events whose representation you may see and that ran a survey."),
        validate_choice=True,
    )
    mode = RadioField(
        _l("How to use them"),
        choices=[
            SelectChoice("compare", _l("Compare: each edition on its own, side by side")),
            SelectChoice("pool", _l("Pool: count the answers of all editions together")),
        ],
        default="compare",
    )
    submit = SubmitField(_l("Show"))


class PickForm(Form):
    """A GET form: one question, at one stage or across the stages. The view checks the
    values against the survey's questions and stages (a bookmark may be out of date)."""

    class Meta:
        csrf = False

    question = SelectField(
        _l("Question"),
        description=_l("The survey's questions, in their order."),
        validate_choice=False,
    )
    stage = SelectField(
        _l("Stage"),
        description=_l("One stage of the call and the grants, or all of them side by side."),
        validate_choice=False,
    )
    submit = SubmitField(_l("Show"))


class TargetForm(Form):
    answer = SelectField(_l("Answer"), validators=[InputRequired()])
    stage = SelectField(_l("Stage"), validators=[InputRequired()])
    percent = IntegerField(
        _l("Target share (%)"),
        description=_l("A whole number from 0 to 100. Leave it empty to remove the target."),
        validators=[Optional(), NumberRange(min=0, max=100)],
    )
    submit = SubmitField(_l("Save the target"))
