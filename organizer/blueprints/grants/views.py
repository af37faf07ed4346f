"""Applicants: grant programmes, applying, my applications, the message thread, offers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from organizer import permissions
from organizer.blueprints._common import (
    Outcome,
    access,
    attempt,
    paginate_list,
    utcnow,
    viewable_event,
)
from organizer.blueprints._limits import rate_limited
from organizer.blueprints._setup_views import form_status
from organizer.blueprints.grants.forms import (
    ConfirmForm,
    MessageForm,
    RespondForm,
    application_form,
)
from organizer.models import Event, GrantApplication, GrantProgramme
from organizer.services.cfp import proposals
from organizer.services.grants import applications as grant_apps
from organizer.services.grants import messages as grant_messages
from organizer.services.grants import offers
from organizer.services.grants import programmes as grant_programmes

bp = Blueprint("grants", __name__)


def applicant_route(view: Callable[..., Any]) -> Callable[..., Any]:
    """Sign-in required; loads `event_slug` (404 unless visible) into `event`."""

    @functools.wraps(view)
    @login_required
    def wrapper(event_slug: str, **kwargs: Any) -> Any:
        return view(event=viewable_event(event_slug), **kwargs)

    return wrapper


def _own_application(event: Event, public_id: str) -> GrantApplication:
    return grant_apps.application_for_applicant(event, public_id, current_user)


def _application_url(event: Event, application: GrantApplication) -> str:
    return url_for("grants.application", event_slug=event.slug, public_id=application.public_id)


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _form_for(programme: GrantProgramme, application: GrantApplication | None = None, **kw: Any):  # type: ignore[no-untyped-def]
    return application_form(
        programme,
        grant_programmes.questions(programme),
        proposals.my_proposals(programme.event, current_user),
        application=application,
        **kw,
    )


def _saved(application: GrantApplication, submitting: bool) -> str:
    if permissions.is_draft_application(application):
        return _("Your draft is saved. The committee sees it only once you submit it.")
    if submitting:
        return _(
            "Your application is submitted. We sent a confirmation to %(email)s.",
            email=current_user.email,
        )
    return _("Your changes are saved.")


def _save_application(
    form: Any, programme: GrantProgramme, application: GrantApplication | None, *, now: Any
) -> Outcome[GrantApplication]:
    """Save the form as the applicant's application (a new one when `application` is None),
    submitting it when they pressed submit; the flash message says which it was."""
    submitting = bool(form.submit_application.data)
    version = _int_or_none(form.version.data) if application is not None else None
    return attempt(
        lambda: grant_apps.save_application(
            actor=current_user,
            programme=programme,
            application=application,
            data=form.as_input(),
            submit=submitting,
            now=now,
            version=version,
        ),
        form=form,
        success=lambda saved: _saved(saved, submitting),
    )


# The programmes ----------------------------------------------------------------------------


@access("public")
@bp.route("/<event_slug>/grants")
def index(event_slug: str):
    event = viewable_event(event_slug)
    items = grant_programmes.programmes(event)
    mine: dict[int, GrantApplication] = {}
    if current_user.is_authenticated:
        mine = {a.programme_id: a for a in grant_apps.my_applications(event, current_user)}
    return render_template(
        "grants/index.html",
        event=event,
        programmes=items,
        mine=mine,
        now=utcnow(),
        categories_for=grant_programmes.categories_for,
    )


@access("signed_in")
@bp.route("/<event_slug>/grants/<programme_public_id>/apply", methods=["GET", "POST"])
@rate_limited("mail")
@applicant_route
def apply(event: Event, programme_public_id: str):
    programme = grant_programmes.programme_by_public_id(event, programme_public_id)
    existing = grant_apps.application_of(programme, current_user)
    if existing is not None and request.method == "GET":
        flash(
            _(
                "You have already applied to “%(name)s”: here is your application.",
                name=programme.name,
            ),
            "info",
        )
        return redirect(_application_url(event, existing))
    form = _form_for(programme)
    if form.validate_on_submit():
        saved = _save_application(form, programme, None, now=utcnow())
        if saved.ok:
            return redirect(_application_url(event, saved.value))
        existing = grant_apps.application_of(programme, current_user)  # applied meanwhile?
    now = utcnow()
    return render_template(
        "grants/apply.html",
        event=event,
        programme=programme,
        form=form,
        existing=existing,
        is_open=programme.is_open(now),
        not_yet_open=now < programme.opens_at,
    ), form_status(form)


# My applications ---------------------------------------------------------------------------


def _mine_page(event: Event, *, status: int = 200):  # type: ignore[no-untyped-def]
    page = paginate_list(grant_apps.my_applications(event, current_user))
    return render_template(
        "grants/mine.html",
        event=event,
        page=page,
        respond_form=RespondForm(formdata=None),
        now=utcnow(),
    ), status


@access("signed_in")
@bp.route("/<event_slug>/grants/mine")
@applicant_route
def mine(event: Event):
    return _mine_page(event)


@access("owner")
@bp.route("/<event_slug>/grants/applications/<public_id>/respond", methods=["POST"])
@applicant_route
def respond(event: Event, public_id: str):
    application = _own_application(event, public_id)
    form = RespondForm()
    if not form.validate_on_submit() or not (form.accept.data or form.decline.data):
        flash(_("Choose whether you accept or decline the grant."), "error")
        return _mine_page(event, status=400)
    accept = bool(form.accept.data)
    answered = attempt(
        lambda: offers.respond(
            actor=current_user, application=application, accept=accept, now=utcnow()
        ),
        success=_("Thank you: you accepted your grant. We look forward to seeing you.")
        if accept
        else _("You declined the grant. Thank you for telling us."),
    )
    if not answered.ok:
        return _mine_page(event, status=answered.status)
    return redirect(url_for("grants.mine", event_slug=event.slug))


# One application ---------------------------------------------------------------------------


@access("owner")
@bp.route("/<event_slug>/grants/applications/<public_id>", methods=["GET", "POST"])
@rate_limited("mail")
@applicant_route
def application(event: Event, public_id: str):
    application = _own_application(event, public_id)
    programme = application.programme
    now = utcnow()
    form = None
    if request.method == "POST":
        form = _form_for(programme, application)
        if (
            form.validate_on_submit()
            and _save_application(form, programme, application, now=now).ok
        ):
            return redirect(_application_url(event, application))
    return _application_page(
        event, application, form=form, status=form_status(form) if form else 200
    )


def _application_page(  # type: ignore[no-untyped-def]
    event: Event,
    application: GrantApplication,
    *,
    form=None,
    message_form: MessageForm | None = None,
    status: int = 200,
):
    programme = application.programme
    now = utcnow()
    editable = grant_apps.is_editable(application, now=now)
    if form is None and editable:
        form = _form_for(programme, application)
    if message_form is None:
        message_form = MessageForm(formdata=None)
    answers = grant_apps.answers_of(application)
    views = current_app.view_functions
    accepted = permissions.accepts_receipts(application)
    return render_template(
        "grants/application.html",
        event=event,
        programme=programme,
        application=application,
        form=form,
        message_form=None if permissions.is_draft_application(application) else message_form,
        editable=editable,
        only_lowering=grant_apps.only_lowering(application, now=now),
        can_withdraw=permissions.can_withdraw_application(current_user, application),
        messages=grant_messages.thread(application, include_internal=False),
        answers=answers,
        country=grant_apps.country_name(application.country),
        receipts_url=url_for(
            "grant_money.receipts", event_slug=event.slug, public_id=application.public_id
        )
        if accepted and "grant_money.receipts" in views
        else None,
        letter_url=url_for("grant_money.letter", event_slug=event.slug)
        if accepted and "grant_money.letter" in views
        else None,
        respond_form=RespondForm(formdata=None),
        now=now,
    ), status


@access("owner")
@bp.route("/<event_slug>/grants/applications/<public_id>/messages", methods=["POST"])
@rate_limited("mail")
@applicant_route
def reply(event: Event, public_id: str):
    application = _own_application(event, public_id)
    form = MessageForm()
    if not form.validate_on_submit():
        return _application_page(event, application, message_form=form, status=400)
    sent = attempt(
        lambda: grant_messages.post_message(
            actor=current_user,
            application=application,
            body=form.body.data,
            internal=False,
            now=utcnow(),
        ),
        form=form,
        success=_("Your message is sent to the committee."),
    )
    if not sent.ok:
        return _application_page(event, application, message_form=form, status=sent.status)
    return redirect(_application_url(event, application) + "#thread-title")


@access("owner")
@bp.route("/<event_slug>/grants/applications/<public_id>/withdraw", methods=["GET", "POST"])
@rate_limited("mail")
@applicant_route
def withdraw(event: Event, public_id: str):
    application = _own_application(event, public_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template(
            "grants/confirm_withdraw.html",
            event=event,
            application=application,
            form=form,
            can_withdraw=permissions.can_withdraw_application(current_user, application),
        )
    withdrawn = attempt(
        lambda: grant_apps.withdraw(actor=current_user, application=application, now=utcnow()),
        success=_("Your application to “%(name)s” is withdrawn.", name=application.programme.name),
    )
    if not withdrawn.ok:
        return render_template(
            "grants/confirm_withdraw.html",
            event=event,
            application=application,
            form=form,
            can_withdraw=False,
        ), withdrawn.status
    return redirect(_application_url(event, application))
