"""Organizers set up grant programmes: the programmes and their settings, questions and review
criteria, and the visa invitation letter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from organizer import permissions
from organizer.blueprints._common import Outcome, access, attempt, event_route, utcnow
from organizer.blueprints._grant_views import CAP_FIELDS, PROGRAMME, TABS
from organizer.blueprints._grant_views import back as _back
from organizer.blueprints._grant_views import grant_confirm_then as _confirm_then
from organizer.blueprints._grant_views import programme_or_404 as _programme
from organizer.blueprints._setup_pages import SetupPages
from organizer.blueprints._setup_views import (
    form_status,
    local_date_and_time,
    utc_from_local,
)
from organizer.blueprints.grant_setup.forms import (
    CriterionForm,
    GrantQuestionForm,
    LetterForm,
    ProgrammeForm,
)
from organizer.enums import GrantCategory, GrantKind
from organizer.errors import ValidationFailed
from organizer.models import Event, GrantProgramme
from organizer.services import money
from organizer.services.grants import programmes
from organizer.services.reviewing.questions import QuestionSettings

bp = Blueprint("grant_setup", __name__, url_prefix="/manage")


# Programmes --------------------------------------------------------------------------------


@access("organizer")
@bp.route("/<event_slug>/grants", endpoint="programmes")
@event_route(permissions.can_manage_grants)
def programmes_page(event: Event):
    return render_template(
        "grant_setup/programmes.html",
        event=event,
        items=programmes.programmes(event),
        kind_label=programmes.kind_label,
        now=utcnow(),
    )


def _programme_form(event: Event, programme: GrantProgramme | None) -> ProgrammeForm:
    currency = programme.currency if programme else event.currency
    form = ProgrammeForm(obj=programme, zone=event.timezone, currency=currency)
    if form.is_submitted():
        return form
    if programme is not None:
        form.kind.data = GrantKind(programme.kind).value
        form.opens_at.data, form.opens_time.data = local_date_and_time(programme.opens_at, event)
        form.closes_at.data, form.closes_time.data = local_date_and_time(programme.closes_at, event)
        form.budget.data = money.for_input(programme.budget, currency)
        form.registration_fee.data = money.for_input(programme.registration_fee, currency)
        form.request_cap.data = money.for_input(programme.request_cap, currency)
        for category in GrantCategory:
            cap = (programme.category_caps or {}).get(category.value)
            form[f"cap_{category.value}"].data = money.for_input(cap, currency)
    else:
        today = local_date_and_time(utcnow(), event)[0]
        assert today is not None
        form.opens_at.data, form.opens_time.data = today, dt.time(0, 0)
        form.closes_at.data = today + dt.timedelta(weeks=6)
        form.closes_time.data = dt.time(23, 59)
    return form


def _programme_settings(
    form: ProgrammeForm, event: Event, currency: str
) -> programmes.ProgrammeSettings:
    errors: dict[str, str] = {}

    def amount(name: str) -> int | None:
        text = (form[name].data or "").strip()
        if not text:
            return None
        try:
            return money.parse(text, currency, field=name)
        except ValidationFailed as error:
            errors.update(error.errors)
            return None

    budget = amount("budget")
    fee = amount("registration_fee")
    cap = amount("request_cap")
    caps = {}
    for category in GrantCategory:
        value = amount(f"cap_{category.value}")
        if value is not None:
            caps[category.value] = value
    if errors:
        raise ValidationFailed(errors)
    return programmes.ProgrammeSettings(
        name=form.name.data or "",
        kind=GrantKind(form.kind.data),
        description=form.description.data or "",
        eligibility=form.eligibility.data or "",
        opens_at=utc_from_local(form.opens_at.data, form.opens_time.data, event),
        closes_at=utc_from_local(form.closes_at.data, form.closes_time.data, event),
        budget=budget or 0,
        registration_fee=fee or 0,
        request_cap=cap,
        min_fraction=form.min_fraction.data,
        category_caps=caps,
        anonymous_review=bool(form.anonymous_review.data),
        respond_days=form.respond_days.data,
        team_may_apply=bool(form.team_may_apply.data),
    )


def _save_programme(
    event: Event,
    programme: GrantProgramme | None,
    form: ProgrammeForm,
    success: Callable[[GrantProgramme], str],
) -> Outcome[GrantProgramme]:
    currency = programme.currency if programme else event.currency
    return attempt(
        lambda: programmes.save_programme(
            actor=current_user,
            event=event,
            programme=programme,
            settings=_programme_settings(form, event, currency),
            now=utcnow(),
        ),
        form=form,
        success=success,
        fields=CAP_FIELDS,
    )


@access("organizer")
@bp.route("/<event_slug>/grants/new", methods=["GET", "POST"])
@event_route(permissions.can_manage_grants)
def new_programme(event: Event):
    form = _programme_form(event, None)
    if form.validate_on_submit():
        saved = _save_programme(
            event, None, form, lambda new: _("The programme “%(name)s” is created.", name=new.name)
        )
        if saved.ok and saved.value is not None:
            return _back("grant_setup.edit_programme", event, saved.value)
    return render_template(
        "grant_setup/programme_form.html",
        event=event,
        programme=None,
        form=form,
        currency=event.currency,
    ), form_status(form)


@access("organizer")
@bp.route(PROGRAMME, methods=["GET", "POST"])
@event_route(permissions.can_manage_grants)
def edit_programme(event: Event, programme_public_id: str):
    programme = _programme(event, programme_public_id)
    form = _programme_form(event, programme)
    if (
        form.validate_on_submit()
        and _save_programme(event, programme, form, lambda _saved: _("The programme is saved.")).ok
    ):
        return _back("grant_setup.edit_programme", event, programme)
    return render_template(
        "grant_setup/programme_form.html",
        event=event,
        programme=programme,
        form=form,
        currency=programme.currency,
    ), form_status(form)


@access("organizer")
@bp.route(PROGRAMME + "/delete", methods=["GET", "POST"])
@event_route(permissions.can_manage_grants)
def delete_programme(event: Event, programme_public_id: str):
    programme = _programme(event, programme_public_id)
    name = programme.name
    return _confirm_then(
        event,
        lambda: programmes.delete_programme(actor=current_user, programme=programme, now=utcnow()),
        done=_("The programme “%(name)s” is deleted.", name=name),
        after=url_for("grant_setup.programmes", event_slug=event.slug),
        programme=programme,
        title=_("Delete a programme"),
        question=_("Delete the programme “%(name)s”?", name=name),
        consequence=_("Its questions, criteria and draft applications are deleted with it."),
        button=_("Delete the programme"),
        back=url_for(
            "grant_setup.edit_programme",
            event_slug=event.slug,
            programme_public_id=programme_public_id,
        ),
    )


# Questions and criteria --------------------------------------------------------------------


class ProgrammeSetupPages(SetupPages):
    """A programme's questions and criteria (shared with the call for talks; see
    `_setup_pages`)."""

    prefix = PROGRAMME
    permission = staticmethod(permissions.can_manage_grants)
    layout = "layouts/grant_setup.html"
    tabs = TABS
    question_form_class = GrantQuestionForm

    def owner(self, event: Event, values: dict[str, Any]) -> GrantProgramme:
        return _programme(event, values["programme_public_id"])

    def url_values(self, event: Event, owner: GrantProgramme) -> dict[str, Any]:
        return {"event_slug": event.slug, "programme_public_id": owner.public_id}

    def context(self, owner: GrantProgramme) -> dict[str, Any]:
        return {"programme": owner}

    def texts(self) -> dict[str, str]:
        return {
            "questions_intro": _(
                "Your own questions, asked with every application after the standard ones, in "
                "this order."
            ),
            "questions_caption": _("Questions, in the order applicants see them"),
            "questions_empty": _(
                "No questions of your own: applicants answer only the standard questions."
            ),
            "criteria_intro": _(
                "What grant reviewers score, in this order. An application's score, from 0 to "
                "10, is the mean of its criteria weighted by their weights."
            ),
            "criteria_empty": _(
                "No criteria yet: reviewers can only comment. Add at least one so that "
                "applications can be ranked."
            ),
            "criterion_deleted": _("A criterion reviewers have already scored cannot be deleted."),
        }

    def questions(self, owner: GrantProgramme) -> list[Any]:
        return programmes.questions(owner)

    def question(self, owner: GrantProgramme, question_id: int) -> Any:
        return programmes.question_in_programme(owner, question_id)

    def answer_count(self, question: Any) -> int:
        return programmes.answer_count(question)

    def save_question(
        self, owner: GrantProgramme, question: Any, settings: QuestionSettings
    ) -> None:
        programmes.save_question(
            actor=current_user, programme=owner, question=question, settings=settings, now=utcnow()
        )

    def delete_question(self, owner: GrantProgramme, question: Any) -> None:
        programmes.delete_question(
            actor=current_user, programme=owner, question=question, now=utcnow()
        )

    def move_question(self, owner: GrantProgramme, question: Any, direction: int) -> None:
        programmes.move_question(
            actor=current_user, programme=owner, question=question, direction=direction
        )

    def criteria(self, owner: GrantProgramme) -> list[Any]:
        return programmes.criteria(owner)

    def criterion(self, owner: GrantProgramme, criterion_id: int) -> Any:
        return programmes.criterion_in_programme(owner, criterion_id)

    def criterion_form(self, owner: GrantProgramme, criterion: Any = None) -> CriterionForm:
        return CriterionForm(obj=criterion)

    def save_criterion(self, owner: GrantProgramme, criterion: Any, form: CriterionForm) -> None:
        programmes.save_criterion(
            actor=current_user,
            programme=owner,
            criterion=criterion,
            now=utcnow(),
            **form.values(),
        )

    def delete_criterion(self, owner: GrantProgramme, criterion: Any) -> None:
        programmes.delete_criterion(
            actor=current_user, programme=owner, criterion=criterion, now=utcnow()
        )

    def move_criterion(self, owner: GrantProgramme, criterion: Any, direction: int) -> None:
        programmes.move_criterion(
            actor=current_user, programme=owner, criterion=criterion, direction=direction
        )


ProgrammeSetupPages().register(bp)


# The visa invitation letter ----------------------------------------------------------------


@access("organizer")
@bp.route("/<event_slug>/grants/letter", methods=["GET", "POST"])
@event_route(permissions.can_manage_grants)
def letter(event: Event):
    template = programmes.letter_template(event)
    form = LetterForm(obj=template)
    if form.validate_on_submit() and (
        attempt(
            lambda: programmes.save_letter_template(
                actor=current_user,
                event=event,
                body=form.body.data,
                signer_name=form.signer_name.data,
                signer_title=form.signer_title.data or "",
                now=utcnow(),
            ),
            form=form,
            fields=CAP_FIELDS,
            success=_("The invitation letter is saved."),
        ).ok
    ):
        return _back("grant_setup.letter", event)
    return render_template(
        "grant_setup/letter.html",
        event=event,
        programme=None,
        form=form,
        template=template,
        placeholders=programmes.LETTER_PLACEHOLDERS,
    ), form_status(form)
