"""Attendees: the registration form, my registration (status, changes, cancelling, an offered
seat), the one-click cancel link from mail, and the organizers' button that invites speakers
and grantees to take their reserved seats."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from organizer import permissions
from organizer.blueprints._common import (
    access,
    attempt,
    event_or_404,
    event_route,
    utcnow,
    viewable_event,
)
from organizer.blueprints._limits import rate_limited
from organizer.blueprints._setup_views import form_status
from organizer.blueprints.registration.forms import (
    ConfirmCancelForm,
    InviteReservedForm,
    OfferForm,
    registration_form,
)
from organizer.enums import RegistrationState
from organizer.errors import DomainError
from organizer.models import Event, Registration
from organizer.services import tokens
from organizer.services.print import badges
from organizer.services.registration import mailing, records, registering, reserved, waitlist

bp = Blueprint("registration", __name__)


def attendee_route(view: Callable[..., Any]) -> Callable[..., Any]:
    """Sign-in required; loads `event_slug` (404 unless visible) into `event`."""

    @functools.wraps(view)
    @login_required
    def wrapper(event_slug: str, **kwargs: Any) -> Any:
        return view(event=viewable_event(event_slug), **kwargs)

    return wrapper


def _mine_url(event: Event) -> str:
    return url_for("registration.mine", event_slug=event.slug)


def _form(event: Event, registration: Registration | None = None, **kw: Any):  # type: ignore[no-untyped-def]
    return registration_form(
        records.place_kinds(event),
        records.questions(event),
        registration=registration,
        **kw,
    )


def _registered_message(registration: Registration) -> str:
    state = registration.state
    if state == RegistrationState.CONFIRMED:
        return _(
            "You are registered. We sent a confirmation to %(email)s.", email=current_user.email
        )
    if state == RegistrationState.PENDING:
        return _("Thank you: the organizers will look at your registration and write to you.")
    return _(
        "Every seat is taken for now: you are on the waiting list. We will write if one frees."
    )


@access("signed_in")
@bp.route("/<event_slug>/register/", methods=["GET", "POST"])
@rate_limited("mail")
@attendee_route
def register(event: Event):
    settings = records.settings_of(event)
    if settings is None:
        abort(404)
    existing = registering.registration_of(event, current_user)
    if existing is not None and existing.state not in registering.ENDED_STATES:
        flash(_("You have already registered for this event: here is your registration."), "info")
        return redirect(_mine_url(event))
    form = _form(event)
    if form.validate_on_submit():
        data = form.as_input()
        saved = attempt(
            lambda: registering.register(event=event, user=current_user, data=data, now=utcnow()),
            form=form,
            success=_registered_message,
        )
        if saved.ok:
            return redirect(_mine_url(event))
        existing = registering.registration_of(event, current_user)  # registered meanwhile?
    return _register_page(event, settings, form, existing), form_status(form)


def _register_page(event: Event, settings: Any, form: Any, existing: Registration | None) -> str:
    now = utcnow()
    return render_template(
        "registration/register.html",
        event=event,
        settings=settings,
        form=form,
        existing=existing,
        window=registering.window_state(settings, now),
        full=registering.is_full(event, settings),
        code_of_conduct=registering.code_of_conduct_text(event, settings),
        when=lambda moment: mailing.format_moment(event, moment),
    )


@access("signed_in")
@bp.route("/<event_slug>/registration/", methods=["GET", "POST"])
@rate_limited("mail")
@attendee_route
def mine(event: Event):
    registration = registering.registration_of(event, current_user)
    if registration is None:
        return redirect(url_for("registration.register", event_slug=event.slug))
    settings = records.settings_of(event)
    if settings is None:
        abort(404)
    now = utcnow()
    editable = registering.open_to_changes(registration, settings, now)
    form = _form(event, registration) if editable and request.method == "GET" else None
    if request.method == "POST" and editable:
        form = _form(event)
        if form.validate_on_submit():
            data = form.as_input()
            saved = attempt(
                lambda: registering.update_registration(
                    registration=registration, actor=current_user, data=data, now=utcnow()
                ),
                form=form,
                success=_("Your changes are saved."),
            )
            if saved.ok:
                return redirect(_mine_url(event))
    status = form_status(form) if form is not None and request.method == "POST" else 200
    if request.method == "POST" and not editable:
        flash(_("This registration can no longer be changed here."), "error")
        status = 409
    outdated = registration.code_of_conduct_version != settings.code_of_conduct_version
    coc = registering.code_of_conduct_text(event, settings) if outdated and form else None
    return render_template(
        "registration/mine.html",
        event=event,
        settings=settings,
        registration=registration,
        form=form,
        offer_form=OfferForm(formdata=None),
        editable=editable,
        window=registering.window_state(settings, now),
        code_of_conduct_outdated=outdated,
        code_of_conduct=coc,
        when=lambda moment: mailing.format_moment(event, moment),
        door_qr=(
            badges.qr_svg(mailing.check_in_address(registration))
            if permissions.may_be_checked_in(registration)
            else None
        ),
    ), status


@access("owner")
@bp.route("/<event_slug>/registration/cancel", methods=["GET", "POST"])
@rate_limited("mail")
@attendee_route
def cancel(event: Event):
    registration = registering.registration_of(event, current_user)
    if registration is None or registration.state in registering.ENDED_STATES:
        abort(404)
    form = ConfirmCancelForm()
    if form.validate_on_submit() and form.submit.data:
        attempt(
            lambda: registering.cancel_registration(
                registration=registration, actor=current_user, now=utcnow()
            ),
            success=_("Your registration is cancelled. Thank you for telling us."),
        )
        return redirect(_mine_url(event))
    return render_template(
        "registration/cancel.html", event=event, registration=registration, form=form
    )


@access("owner")
@bp.route("/<event_slug>/registration/offer", methods=["POST"])
@rate_limited("mail")
@attendee_route
def answer_offer(event: Event):
    registration = registering.registration_of(event, current_user)
    if registration is None:
        abort(404)
    form = OfferForm()
    if not form.validate_on_submit() or not (form.accept.data or form.decline.data):
        flash(_("Choose whether you accept or decline the seat."), "error")
        return redirect(_mine_url(event))
    accept = bool(form.accept.data)
    attempt(
        lambda: waitlist.answer_offer(
            registration=registration, actor=current_user, accept=accept, now=utcnow()
        ),
        success=_("The seat is yours. We look forward to seeing you.")
        if accept
        else _("You declined the seat. Thank you for telling us."),
    )
    return redirect(_mine_url(event))


def _registration_from_token(event: Event, token: str) -> Registration:
    try:
        public_id = tokens.unsign(
            mailing.CANCEL_TOKEN,
            token,
            max_age=mailing.CANCEL_TOKEN_MAX_AGE,
            expired_message=_("This link has expired."),
        )
    except DomainError:
        abort(404)
    registration = registering.registration_by_public_id(str(public_id))
    if registration is None or registration.event_id != event.id:
        abort(404)
    return registration


@access("token")
@bp.route("/<event_slug>/registration/cancel/<token>", methods=["GET", "POST"])
@rate_limited("mail")
def cancel_by_link(event_slug: str, token: str):
    """One click from a mail: the page shows one button; only POST cancels."""
    event = event_or_404(event_slug)
    registration = _registration_from_token(event, token)
    form = ConfirmCancelForm()
    done = registration.state in registering.ENDED_STATES
    if not done and form.validate_on_submit() and form.submit.data:
        cancelled = attempt(
            lambda: registering.cancel_registration(
                registration=registration, actor=registration.user, now=utcnow()
            ),
        )
        done = cancelled.ok
    return render_template(
        "registration/cancel_by_link.html",
        event=event,
        registration=registration,
        form=form,
        done=done,
    )


@access("organizer")
@bp.route("/manage/<event_slug>/registration/invite-reserved", methods=["POST"])
@rate_limited("mail")
@event_route(permissions.can_manage_event)
def invite_reserved(event: Event):
    """Organizers: mail confirmed speakers and accepted grantees who have not registered."""
    form = InviteReservedForm()
    if form.validate_on_submit() and form.submit.data:
        attempt(
            lambda: reserved.invite_reserved(event=event, actor=current_user, now=utcnow()),
            success=lambda n: _("Invitations queued: %(n)s.", n=n),
        )
    return redirect(url_for("attendees.index", event_slug=event.slug))
