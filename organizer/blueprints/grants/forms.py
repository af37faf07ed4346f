"""Forms of the applicants' grant pages. The application form is built per request: its
fields depend on the programme (categories, currency, cap, questions) and on the applicant's
own proposals."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from organizer.blueprints._forms import Form
from organizer.blueprints._question_fields import (
    add_question_fields,
    answers_and_files,
    saved_answers,
)
from organizer.enums import GrantCategory, NeedLevel
from organizer.errors import ValidationFailed
from organizer.models import (
    GrantApplication,
    GrantProgramme,
    GrantQuestion,
    Proposal,
)
from organizer.services import money
from organizer.services.grants import applications as grant_apps
from organizer.services.grants import messages as grant_messages
from organizer.services.grants.applications import (
    ApplicationInput,
    amount_field,
)
from organizer.services.grants.programmes import categories_for


class _ApplicationBase(Form):
    version = HiddenField()
    motivation = TextAreaField(
        _l("Motivation"),
        description=_l(
            "Why you want to come, what you will bring and take home. Up to 5,000 characters."
        ),
        render_kw={"rows": 8, "maxlength": grant_apps.MOTIVATION_MAX},
    )
    role = StringField(
        _l("Current role (optional)"),
        description=_l("e.g. PhD student, data engineer, between jobs."),
        render_kw={"maxlength": grant_apps.SHORT_MAX},
    )
    affiliation = StringField(
        _l("Affiliation (optional)"),
        description=_l("University, company or group, if any."),
        render_kw={"maxlength": grant_apps.SHORT_MAX},
    )
    presenting = BooleanField(_l("I present at the workshop (a talk, tutorial or poster)"))
    city = StringField(
        _l("City you travel from"),
        render_kw={"maxlength": grant_apps.CITY_MAX, "autocomplete": "address-level2"},
    )
    need = RadioField(
        _l("How much do you need the support?"),
        choices=[SelectChoice(level.value, level.label) for level in NeedLevel],
        validate_choice=False,
    )
    other_funding = TextAreaField(
        _l("Other funding (optional)"),
        description=_l("Funding you have or have applied for, e.g. from your university."),
        render_kw={"rows": 3, "maxlength": grant_apps.OTHER_FUNDING_MAX},
    )
    save_draft = SubmitField(_l("Save draft"))
    submit_application = SubmitField(_l("Submit application"))

    programme: GrantProgramme
    question_names: list[tuple[GrantQuestion, str]]
    amount_names: list[tuple[GrantCategory, str]]

    def as_input(self) -> ApplicationInput:
        """What the form holds, with amounts parsed into minor units. An amount that cannot
        be read is left out and its message travels with the input (the service reports it
        with everything else)."""
        currency = self.programme.currency
        errors: dict[str, str] = {}
        requested: dict[str, int] = {}
        for category, name in self.amount_names:
            field = self[name]
            if category == GrantCategory.REGISTRATION:
                requested[category.value] = self.programme.registration_fee if field.data else 0
                continue
            try:
                requested[category.value] = money.parse(field.data or "", currency, field=name)
            except ValidationFailed as error:
                errors.update(error.errors)
        try:
            own = money.parse(self.own_contribution.data or "", currency, field="own_contribution")
        except ValidationFailed as error:
            errors.update(error.errors)
            own = 0
        answers, files = answers_and_files(self, self.question_names)
        proposal_field = getattr(self, "proposal", None)
        return ApplicationInput(
            motivation=self.motivation.data or "",
            role=self.role.data or "",
            affiliation=self.affiliation.data or "",
            presenting=bool(self.presenting.data),
            proposal_public_id=(proposal_field.data or "") if proposal_field is not None else "",
            country=self.country.data or "",
            city=self.city.data or "",
            need=self.need.data or "",
            requested=requested,
            own_contribution=own,
            other_funding=self.other_funding.data or "",
            answers=answers,
            files=files,
            input_errors=errors,
        )


def _amount_hint(programme: GrantProgramme) -> str:
    currency = programme.currency
    parts = [_("Amounts in %(currency)s, e.g. 120 or 120.50.", currency=currency)]
    if programme.request_cap is not None:
        parts.append(
            _(
                "At most %(cap)s in all per person.",
                cap=money.fmt(programme.request_cap, currency),
            )
        )
    return " ".join(parts)


def application_form(
    programme: GrantProgramme,
    programme_questions: list[GrantQuestion],
    proposals: list[Proposal],
    *,
    application: GrantApplication | None = None,
    **kwargs: Any,
) -> _ApplicationBase:
    """The application form for this programme, pre-filled from `application` (GET)."""
    currency = programme.currency
    answers = {a.question_id: a for a in grant_apps.answers_of(application)} if application else {}
    attrs: dict[str, Any] = {
        "country": SelectField(
            _l("Country you travel from"),
            choices=[
                SelectChoice("", _l("Choose a country")),
                *(SelectChoice(code, name) for code, name in grant_apps.countries()),
            ],
            validate_choice=False,
            render_kw={"autocomplete": "country"},
        ),
        "own_contribution": StringField(
            _("What you can pay yourself, in %(currency)s (optional)", currency=currency),
            description=_l("Leave it empty or 0 if you cannot pay anything."),
            render_kw={"inputmode": "decimal", "autocomplete": "off"},
        ),
    }
    if proposals:
        attrs["proposal"] = SelectField(
            _l("Which of your proposals? (optional)"),
            choices=[
                SelectChoice("", _l("None of them, or not decided")),
                *(SelectChoice(p.public_id, p.title) for p in proposals),
            ],
            validate_choice=False,
        )
    amount_names = _add_amount_fields(attrs, programme)
    names = add_question_fields(attrs, programme_questions, answers)
    form_class = type("ApplicationForm", (_ApplicationBase,), attrs)
    if application is not None:
        data = _application_data(application, amount_names)
        kwargs = {**data, **saved_answers(names, answers), **kwargs}
    form = form_class(**kwargs)
    form.programme = programme
    form.question_names = names
    form.amount_names = amount_names
    form.amount_hint = _amount_hint(programme)
    return form


def _add_amount_fields(
    attrs: dict[str, Any], programme: GrantProgramme
) -> list[tuple[GrantCategory, str]]:
    """A field per category the programme covers: a box for the registration fee, an amount
    for every other one. Returns each category with its field's name."""
    currency = programme.currency
    amount_names = []
    for category in categories_for(programme):
        name = amount_field(category)
        if category == GrantCategory.REGISTRATION:
            attrs[name] = BooleanField(
                _(
                    "Waive my registration fee (%(fee)s)",
                    fee=money.fmt(programme.registration_fee, currency),
                )
            )
        else:
            attrs[name] = StringField(
                _("%(category)s, in %(currency)s", category=category.label, currency=currency),
                render_kw={"inputmode": "decimal", "autocomplete": "off", "size": 12},
            )
        amount_names.append((category, name))
    return amount_names


def _application_data(
    application: GrantApplication, amount_names: list[tuple[GrantCategory, str]]
) -> dict[str, Any]:
    """What the form shows of a saved application."""
    currency = application.programme.currency
    data: dict[str, Any] = {
        "version": str(application.version),
        "motivation": application.motivation,
        "role": application.role,
        "affiliation": application.affiliation,
        "presenting": application.presenting,
        "proposal": application.proposal.public_id if application.proposal else "",
        "country": application.country,
        "city": application.city,
        "need": application.need.value if application.need else None,
        "own_contribution": money.for_input(application.own_contribution, currency)
        if application.own_contribution
        else "",
        "other_funding": application.other_funding,
    }
    for category, name in amount_names:
        amount = application.requested.get(category.value, 0)
        if category == GrantCategory.REGISTRATION:
            data[name] = amount > 0
        else:
            data[name] = money.for_input(amount, currency) if amount else ""
    return data


class MessageForm(Form):
    body = TextAreaField(
        _l("Your message to the committee"),
        validators=[
            InputRequired(_l("Write a message.")),
            Length(max=grant_messages.MESSAGE_MAX, message=_l("Keep the message shorter.")),
        ],
        render_kw={"rows": 5, "maxlength": grant_messages.MESSAGE_MAX},
    )
    submit = SubmitField(_l("Send message"))


class ConfirmForm(Form):
    submit = SubmitField(_l("Confirm"))


class RespondForm(Form):
    accept = SubmitField(_l("Accept the grant"))
    decline = SubmitField(_l("Decline the grant"))
