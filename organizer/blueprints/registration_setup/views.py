"""Organizers set up registration: the settings, the kinds of place, the form's own questions
and the code of conduct's versions. Pages under /manage/<event_slug>/registration/."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from organizer import permissions
from organizer.blueprints._common import access, attempt, event_route, paginate_list, utcnow
from organizer.blueprints._limits import rate_limited
from organizer.blueprints._setup_pages import Move, SetupPages
from organizer.blueprints._setup_views import (
    confirm_then,
    form_status,
    local_date_and_time,
    utc_from_local,
)
from organizer.blueprints.registration_setup.forms import (
    CodeOfConductForm,
    PlaceKindForm,
    RegistrationQuestionForm,
    SettingsForm,
)
from organizer.models import Event, PlaceKind, RegistrationQuestion
from organizer.services.registration import seats, setup
from organizer.services.reviewing.questions import QuestionSettings

bp = Blueprint("registration_setup", __name__, url_prefix="/manage")

PREFIX = "/<event_slug>/registration"
TABS = "registration_setup/_tabs.html"
DEFAULT_OPEN_WEEKS = 8


def _to(endpoint: str, event: Event, **values: Any):  # type: ignore[no-untyped-def]
    return redirect(url_for(f"registration_setup.{endpoint}", event_slug=event.slug, **values))


# The settings ------------------------------------------------------------------------------


def _settings_form(event: Event) -> SettingsForm:
    settings = setup.settings_of(event)
    form = SettingsForm(obj=settings, zone=event.timezone)
    if form.is_submitted():
        return form
    purge = setup.access_purge_at(event, settings)
    form.purge_at.data, form.purge_time.data = local_date_and_time(purge, event)
    if settings is not None:
        form.opens_at.data, form.opens_time.data = local_date_and_time(settings.opens_at, event)
        form.closes_at.data, form.closes_time.data = local_date_and_time(settings.closes_at, event)
    else:
        today = local_date_and_time(utcnow(), event)[0]
        assert today is not None
        form.opens_at.data, form.opens_time.data = today, dt.time(9, 0)
        last_day = event.starts_on - dt.timedelta(days=1)
        form.closes_at.data = max(last_day, today + dt.timedelta(days=1))
        form.closes_time.data = dt.time(23, 59)
    return form


def _settings_data(form: SettingsForm, event: Event) -> setup.SettingsData:
    return setup.SettingsData(
        opens_at=utc_from_local(form.opens_at.data, form.opens_time.data, event),
        closes_at=utc_from_local(form.closes_at.data, form.closes_time.data, event),
        capacity=form.capacity.data,
        moderated=bool(form.moderated.data),
        fee_due=bool(form.fee_due.data),
        fee_note=form.fee_note.data or "",
        offer_days=form.offer_days.data,
        access_purge_at=utc_from_local(form.purge_at.data, form.purge_time.data, event),
    )


@access("organizer")
@bp.route(PREFIX + "/settings", methods=["GET", "POST"])
@rate_limited("mail")  # a raised capacity offers seats by mail
@event_route(permissions.can_manage_registration)
def settings(event: Event):
    existing = setup.settings_of(event)
    form = _settings_form(event)
    if form.validate_on_submit() and (
        attempt(
            lambda: setup.save_registration_settings(
                event=event, actor=current_user, data=_settings_data(form, event), now=utcnow()
            ),
            form=form,
            success=_("The registration settings are saved.")
            if existing
            else _("Registration is set up. It opens at the time you chose."),
            fields={"closes_at": "closes_at", "access_purge_at": "purge_at"},
        ).ok
    ):
        return _to("settings", event)
    counts = seats.seat_counts(event)
    return render_template(
        "registration_setup/settings.html",
        event=event,
        form=form,
        settings=existing,
        counts=counts,
        now=utcnow(),
        default_purge=setup.default_access_purge_at(event),
        older=setup.accepted_older_version(event, existing),
    ), form_status(form)


# Kinds of place ----------------------------------------------------------------------------


def _place_kind_save(event: Event, item: PlaceKind | None, form: PlaceKindForm) -> PlaceKind:
    return setup.save_place_kind(
        event=event,
        actor=current_user,
        place_kind=item,
        name=form.name.data or "",
        description=form.description.data or "",
        capacity=form.capacity.data,
        now=utcnow(),
    )


@access("organizer")
@bp.route(PREFIX + "/places", methods=["GET", "POST"])
@rate_limited("mail")  # a raised capacity offers seats by mail
@event_route(permissions.can_manage_registration)
def place_kinds(event: Event):
    form = PlaceKindForm()
    if form.validate_on_submit() and (
        attempt(
            lambda: _place_kind_save(event, None, form),
            form=form,
            success=lambda kind: _("The kind of place “%(name)s” is added.", name=kind.name),
        ).ok
    ):
        return _to("place_kinds", event)
    return render_template(
        "registration_setup/place_kinds.html",
        event=event,
        form=form,
        page=paginate_list(setup.place_kinds(event)),
        counts=seats.seat_counts(event),
        registered=setup.registrations_by_kind(event),
    ), form_status(form)


@access("organizer")
@bp.route(PREFIX + "/places/<int:place_kind_id>", methods=["GET", "POST"])
@rate_limited("mail")  # a raised capacity offers seats by mail
@event_route(permissions.can_manage_registration)
def edit_place_kind(event: Event, place_kind_id: int):
    item = setup.place_kind_in_event(event, place_kind_id)
    form = PlaceKindForm(obj=item)
    if form.validate_on_submit() and (
        attempt(
            lambda: _place_kind_save(event, item, form),
            form=form,
            success=_("The kind of place is saved."),
        ).ok
    ):
        return _to("place_kinds", event)
    return render_template(
        "setup/edit.html",
        layout="layouts/registration_setup.html",
        event=event,
        form=form,
        title=_("Edit the kind of place “%(name)s”", name=item.name),
        fields="registration_setup/_place_kind_fields.html",
        back=url_for("registration_setup.place_kinds", event_slug=event.slug),
        held=seats.seat_counts(event).held_in(item),
    ), form_status(form)


@access("organizer")
@bp.route(PREFIX + "/places/<int:place_kind_id>/delete", methods=["GET", "POST"])
@event_route(permissions.can_manage_registration)
def delete_place_kind(event: Event, place_kind_id: int):
    item = setup.place_kind_in_event(event, place_kind_id)
    name = item.name
    listing = url_for("registration_setup.place_kinds", event_slug=event.slug)
    registered = setup.registrations_by_kind(event).get(item.id, 0)
    if registered and request.method == "GET":  # say so at once; a POST is refused anyway
        return render_template(
            "macros/confirm_page.html",
            form=None,
            tabs=TABS,
            refused=True,
            event=event,
            title=_("Delete a kind of place"),
            question=setup.kind_in_use_message(name, registered),
            back=listing,
        )
    return confirm_then(
        lambda: setup.delete_place_kind(
            event=event, actor=current_user, place_kind=item, now=utcnow()
        ),
        done=_("The kind of place “%(name)s” is deleted.", name=name),
        after=listing,
        tabs=TABS,
        event=event,
        title=_("Delete a kind of place"),
        question=_("Delete the kind of place “%(name)s”?", name=name),
        consequence=_(
            "People can no longer choose it on the registration form. A kind of place someone "
            "is registered for cannot be deleted."
        ),
        button=_("Delete the kind of place"),
        back=listing,
    )


# The form's own questions (the shared set-up pages) ----------------------------------------


class RegistrationSetupPages(SetupPages):
    """The registration form's questions: the call's and the grants' pages, without review
    criteria; the kinds of place move with the same buttons."""

    prefix = PREFIX
    permission = staticmethod(permissions.can_manage_registration)
    layout = "layouts/registration_setup.html"
    tabs = TABS
    question_form_class = RegistrationQuestionForm
    has_criteria = False

    def owner(self, event: Event, values: dict[str, Any]) -> Event:
        return event

    def texts(self) -> dict[str, str]:
        return {
            "questions_intro": _(
                "Your own questions, asked on the registration form after the badge, the kind "
                "of place and the access needs, in this order. Only organizers see the answers."
            ),
            "questions_caption": _("Questions, in the order people see them"),
            "questions_empty": _(
                "No questions of your own: people give their badge name, pronouns, "
                "affiliation, kind of place and access needs."
            ),
        }

    def questions(self, owner: Event) -> list[RegistrationQuestion]:
        return setup.questions(owner)

    def question(self, owner: Event, question_id: int) -> RegistrationQuestion:
        return setup.question_in_event(owner, question_id)

    def answer_count(self, question: RegistrationQuestion) -> int:
        return setup.answer_count(question)

    def save_question(self, owner: Event, question: Any, settings: QuestionSettings) -> None:
        setup.save_question(
            event=owner, actor=current_user, question=question, settings=settings, now=utcnow()
        )

    def delete_question(self, owner: Event, question: RegistrationQuestion) -> None:
        setup.delete_question(event=owner, actor=current_user, question=question, now=utcnow())

    def move_question(self, owner: Event, question: RegistrationQuestion, direction: int) -> None:
        setup.move_question(event=owner, actor=current_user, question=question, direction=direction)

    def other_move(self, event: Event, owner: Event, kind: str, item_id: int) -> Move | None:
        if kind != "places":
            return None
        item = setup.place_kind_in_event(event, item_id)
        return (
            lambda direction: setup.move_place_kind(
                event=event, actor=current_user, place_kind=item, direction=direction
            ),
            item.name,
            "place_kinds",
        )


RegistrationSetupPages().register(bp)


# The code of conduct -----------------------------------------------------------------------


@access("organizer")
@bp.route(PREFIX + "/code-of-conduct", methods=["GET", "POST"])
@event_route(permissions.can_manage_registration)
def code_of_conduct(event: Event):
    settings_ = setup.settings_of(event)
    form = CodeOfConductForm(data={"text": event.code_of_conduct})
    if form.validate_on_submit() and (
        attempt(
            lambda: setup.new_code_of_conduct_version(
                event=event, actor=current_user, text=form.text.data, now=utcnow()
            ),
            form=form,
            success=lambda row: _(
                "The code of conduct is saved as version %(version)d.", version=row.version
            ),
        ).ok
    ):
        return _to("code_of_conduct", event)
    return render_template(
        "registration_setup/code_of_conduct.html",
        event=event,
        form=form,
        settings=settings_,
        versions=setup.code_of_conduct_versions(event),
        accepted=setup.acceptances_by_version(event),
        older=setup.accepted_older_version(event, settings_),
    ), form_status(form)


@access("organizer")
@bp.route(PREFIX + "/code-of-conduct/new-version", methods=["GET", "POST"])
@event_route(permissions.can_manage_registration)
def new_version(event: Event):
    page = url_for("registration_setup.code_of_conduct", event_slug=event.slug)
    return confirm_then(
        lambda: setup.new_code_of_conduct_version(event=event, actor=current_user, now=utcnow()),
        done=_("The current text is now a new version of the code of conduct."),
        after=page,
        tabs=TABS,
        event=event,
        title=_("Ask for the code of conduct to be accepted again"),
        question=_("Store the current text as a new version of the code of conduct?"),
        consequence=_(
            "Everyone registered so far will be shown as having accepted an older version. "
            "New registrations accept the new one."
        ),
        button=_("Store a new version"),
        back=page,
    )
