"""The registration form, built per request: its kinds of place and questions are the
event's own."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice

from organizer.blueprints._common import CheckboxGroupField
from organizer.blueprints._forms import Form
from organizer.blueprints._question_fields import (
    add_question_fields,
    answers_and_files,
    saved_answers,
)
from organizer.enums import AccessNeed, DietaryNeed
from organizer.models import PlaceKind, Registration, RegistrationQuestion
from organizer.services.registration.registering import LIMITS, NOTES_MAX, RegistrationInput


class _RegistrationBase(Form):
    badge_name = StringField(
        _l("Name on your badge (optional)"),
        description=_l("Leave it empty to use the name of your account."),
        render_kw={"maxlength": LIMITS["badge_name"], "autocomplete": "nickname"},
    )
    pronouns = StringField(
        _l("Pronouns (optional)"),
        description=_l("For example she/her, they/them. Printed on your badge."),
        render_kw={"maxlength": LIMITS["pronouns"]},
    )
    affiliation = StringField(
        _l("Affiliation (optional)"),
        description=_l("University, company or group, if any. Printed on your badge."),
        render_kw={"maxlength": LIMITS["affiliation"], "autocomplete": "organization"},
    )
    show_grantee_ribbon = BooleanField(
        _l("Show a “grantee” ribbon on my badge (only if you hold a grant)")
    )
    needs = CheckboxGroupField(
        _l("Access needs (optional)"),
        choices=[SelectChoice(n.value, n.label) for n in AccessNeed],
    )
    dietary = CheckboxGroupField(
        _l("Dietary needs (optional)"),
        choices=[SelectChoice(d.value, d.label) for d in DietaryNeed],
    )
    dietary_other = StringField(
        _l("Other dietary needs or allergies (optional)"),
        render_kw={"maxlength": LIMITS["dietary_other"]},
    )
    access_notes = TextAreaField(
        _l("Anything else we should know to welcome you (optional)"),
        description=_l("In your own words."),
        render_kw={"rows": 4, "maxlength": NOTES_MAX},
    )
    accept_code_of_conduct = BooleanField(
        _l("I have read the code of conduct and agree to follow it")
    )
    submit = SubmitField(_l("Register"))

    def as_input(self) -> RegistrationInput:
        answers, files = answers_and_files(self, self.question_names)
        place_kind = self.place_kind.data if "place_kind" in self else None
        return RegistrationInput(
            place_kind_id=int(place_kind) if place_kind and str(place_kind).isdigit() else None,
            badge_name=self.badge_name.data or "",
            pronouns=self.pronouns.data or "",
            affiliation=self.affiliation.data or "",
            show_grantee_ribbon=bool(self.show_grantee_ribbon.data),
            accept_code_of_conduct=bool(self.accept_code_of_conduct.data),
            needs=tuple(self.needs.data or ()),
            dietary=tuple(self.dietary.data or ()),
            dietary_other=self.dietary_other.data or "",
            access_notes=self.access_notes.data or "",
            answers=answers,
            files=files,
        )


def registration_form(
    kinds: list[PlaceKind],
    questions: list[RegistrationQuestion],
    *,
    registration: Registration | None = None,
    **kwargs: Any,
) -> _RegistrationBase:
    """The form for this event, pre-filled from `registration` (GET of my registration)."""
    answers = {a.question_id: a for a in registration.answers} if registration else {}
    attrs: dict[str, Any] = {}
    if kinds:
        attrs["place_kind"] = RadioField(
            _l("Kind of place"),
            choices=[
                SelectChoice(str(k.id), f"{k.name} — {k.description}" if k.description else k.name)
                for k in kinds
            ],
            validate_choice=False,
        )
    names = add_question_fields(attrs, questions, answers)
    form_class = type("RegistrationForm", (_RegistrationBase,), attrs)
    if registration is not None:
        needs = registration.access_needs
        data = {
            "badge_name": registration.badge_name,
            "pronouns": registration.pronouns,
            "affiliation": registration.affiliation,
            "show_grantee_ribbon": registration.show_grantee_ribbon,
            "place_kind": str(registration.place_kind_id or ""),
            "needs": list(needs.needs) if needs else [],
            "dietary": list(needs.dietary) if needs else [],
            "dietary_other": needs.dietary_other if needs else "",
            "access_notes": needs.notes if needs else "",
        }
        kwargs = {**data, **saved_answers(names, answers), **kwargs}
    form = form_class(**kwargs)
    form.question_names = names
    return form


class ConfirmCancelForm(Form):
    submit = SubmitField(_l("Yes, cancel my registration"))


class OfferForm(Form):
    accept = SubmitField(_l("Accept the seat"))
    decline = SubmitField(_l("Decline, give it to the next person"))


class InviteReservedForm(Form):
    submit = SubmitField(_l("Invite speakers and grantees to register"))
