"""Organizer pages: the events I help run, event settings, the team and the audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from organizer import permissions
from organizer.blueprints._common import (
    access,
    attempt,
    attempt_then_redirect,
    event_route,
    paginate,
    show_domain_error,
    utcnow,
)
from organizer.blueprints._limits import rate_limited
from organizer.blueprints.manage.forms import ConfirmForm, EventForm, InviteForm
from organizer.enums import EventRoleName
from organizer.errors import DomainError
from organizer.models import Event
from organizer.services import audit, events, team, two_factor
from organizer.services.events import time_zone_names

bp = Blueprint("manage", __name__)


@access("signed_in")
@bp.route("/manage/")
@login_required
def index():
    page = paginate(events.events_for_team_member(current_user))
    return render_template("manage/index.html", page=page)


@access("site_admin")
@bp.route("/manage/events/new", methods=["GET", "POST"])
@login_required
def create_event():
    if not permissions.can_create_event(current_user):
        abort(403)
    form = EventForm(timezone="UTC", currency="EUR")
    if form.validate_on_submit():
        created = attempt(
            lambda: events.create_event(actor=current_user, details=form.details(), now=utcnow()),
            form=form,
            success=lambda event: _(
                "The event “%(name)s” is created. You are its first organizer.", name=event.name
            ),
        )
        if created.ok:
            return redirect(url_for("manage.dashboard", event_slug=created.value.slug))
    return _event_form_page(form, event=None)


def _event_form_page(form: EventForm, event: Event | None):  # type: ignore[no-untyped-def]
    return render_template(
        "manage/event_form.html", form=form, event=event, timezones=time_zone_names()
    ), 400 if form.errors else 200


@access("organizer")
@bp.route("/manage/<event_slug>/")
@event_route(permissions.can_manage_event)
def dashboard(event: Event):
    return render_template(
        "manage/dashboard.html",
        event=event,
        # The attendee list is its own blueprint; link it once it is there.
        has_attendees="attendees.index" in current_app.view_functions,
    )


@access("organizer")
@bp.route("/manage/<event_slug>/settings", methods=["GET", "POST"])
@event_route(permissions.can_manage_event)
def settings(event: Event):
    form = EventForm(obj=event, event=event)
    if (
        form.validate_on_submit()
        and attempt(
            lambda: events.update_event(
                actor=current_user, event=event, details=form.details(), now=utcnow()
            ),
            form=form,
            success=lambda changed: (
                _("The event is saved.") if changed else _("Nothing to save: no field changed.")
            ),
        ).ok
    ):
        return redirect(url_for("manage.settings", event_slug=event.slug))
    return _event_form_page(form, event=event)


@access("organizer")
@bp.route("/manage/<event_slug>/team", methods=["GET", "POST"])
@rate_limited("invitations")
@event_route(permissions.can_manage_team)
def team_page(event: Event):
    form = InviteForm()
    if (
        form.validate_on_submit()
        and attempt(
            lambda: team.invite(
                actor=current_user,
                event=event,
                email=form.email.data,
                role=EventRoleName(form.role.data),
                now=utcnow(),
            ),
            form=form,
            success=_("An invitation is on its way to %(email)s.", email=form.email.data),
        ).ok
    ):
        return redirect(url_for("manage.team_page", event_slug=event.slug))
    members = team.members(event)
    return render_template(
        "manage/team.html",
        event=event,
        form=form,
        members=members,
        two_factor_on=two_factor.enrolled_user_ids([m.user.id for m in members]),
        invitations=team.open_invitations(event, now=utcnow()),
    ), 400 if form.errors else 200


@access("organizer")
@bp.route("/manage/<event_slug>/team/roles/<int:role_id>/remove", methods=["GET", "POST"])
@event_route(permissions.can_manage_team)
def remove_role(event: Event, role_id: int):
    event_role = team.role_in_event(event, role_id)
    return _confirmed_team_change(
        event,
        lambda: team.remove_role(actor=current_user, event_role=event_role, now=utcnow()),
        success=_("The role is removed."),
        page="manage/confirm_remove_role.html",
        event_role=event_role,
    )


@access("organizer")
@bp.route(
    "/manage/<event_slug>/team/invitations/<int:invitation_id>/revoke", methods=["GET", "POST"]
)
@event_route(permissions.can_manage_team)
def revoke_invitation(event: Event, invitation_id: int):
    invitation = team.invitation_in_event(event, invitation_id)
    return _confirmed_team_change(
        event,
        lambda: team.revoke_invitation(actor=current_user, invitation=invitation, now=utcnow()),
        success=_("The invitation is withdrawn; its link no longer works."),
        page="manage/confirm_revoke_invitation.html",
        invitation=invitation,
    )


def _confirmed_team_change(  # type: ignore[no-untyped-def]
    event: Event, change: Callable[[], Any], *, success: str, page: str, **context: Any
):
    """Ask first (GET, `page`); on the confirmed POST make the change and go back to the team."""
    form = ConfirmForm()
    if form.validate_on_submit():
        return attempt_then_redirect(
            change, to=url_for("manage.team_page", event_slug=event.slug), success=success
        )
    return render_template(page, event=event, form=form, **context)


@access("organizer")
@bp.route("/manage/<event_slug>/audit")
@event_route(permissions.can_view_audit_log)
def audit_log(event: Event):
    page = paginate(audit.entries_for_event(event, viewer=current_user))
    return render_template("manage/audit.html", event=event, page=page)


@access("site_admin")
@bp.route("/manage/audit")
@login_required
def site_audit_log():
    if not permissions.can_view_site_audit_log(current_user):
        abort(403)
    return render_template("manage/audit.html", event=None, page=paginate(audit.site_entries()))


@access("token")
@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """The link in a team invitation. Signed in, the invitee accepts here. Anyone else holding
    the link learns who invites them to what, and signs in or creates an account from here:
    both come back to this page (?next=, carried through registration and verification)."""
    try:
        invitation = team.invitation_for_token(token)
    except DomainError as error:
        show_domain_error(error)
        return render_template("manage/invitation.html", invitation=None, form=None), 404
    if not current_user.is_authenticated:  # accepting needs an account; a POST changes nothing
        here = url_for("manage.invitation", token=token)
        return render_template(
            "manage/invitation.html",
            invitation=invitation,
            form=None,
            is_open=invitation.is_open(utcnow()),
            sign_in_url=url_for("auth.login", next=here),
            register_url=url_for("auth.register", next=here),
        )
    form = ConfirmForm()
    if form.validate_on_submit():
        joined = attempt(
            lambda: team.accept_invitation(token=token, user=current_user, now=utcnow()),
            success=_("Welcome to the team of %(event)s.", event=invitation.event.name),
        )
        if not joined.ok:
            return render_template(
                "manage/invitation.html", invitation=invitation, form=None
            ), joined.status
        if permissions.can_manage_event(current_user, invitation.event):
            return redirect(url_for("manage.dashboard", event_slug=invitation.event.slug))
        return redirect(url_for("manage.index"))
    return render_template(
        "manage/invitation.html",
        invitation=invitation,
        form=form,
        is_open=invitation.is_open(utcnow()),
    )
