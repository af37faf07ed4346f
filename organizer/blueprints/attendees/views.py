"""The organizers' attendee pages: the list with its filters and CSV, the dietary and access
summary (counts only), and the access coordinator's page of each person's needs."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from organizer import permissions
from organizer.blueprints._common import (
    CSV,
    access,
    attempt,
    download,
    event_route,
    paginate,
    safe_next_url,
    utcnow,
)
from organizer.blueprints._limits import rate_limited
from organizer.blueprints.attendees.forms import DecideForm, FilterForm
from organizer.enums import RegistrationState
from organizer.models import Event
from organizer.services.exports import attendees_csv
from organizer.services.exports.cells import write_rows
from organizer.services.registration import access as access_needs
from organizer.services.registration import attendees as attendee_list
from organizer.services.registration import registering, seats

bp = Blueprint("attendees", __name__, url_prefix="/manage")


def _filter_form(event: Event) -> FilterForm:
    form = FilterForm(formdata=request.args, kinds=attendee_list.place_kinds(event))
    form.validate()
    return form


def _csv(body: str, name: str) -> Response:
    return download(body, content_type=CSV, name=name)


@access("organizer")
@bp.route("/<event_slug>/registrations/")
@event_route(permissions.can_manage_event)
def index(event: Event):
    form = _filter_form(event)
    page = paginate(attendee_list.attendee_query(event, form.filters()))
    return render_template(
        "attendees/index.html",
        event=event,
        form=form,
        page=page,
        filter_values=form.values(),
        filtered=form.filters().active,
        counts=attendee_list.state_counts(event),
        seat_counts=seats.seat_counts(event),
        states=list(RegistrationState),
        shown_name=attendee_list.shown_name,
    )


@access("organizer")
@bp.route("/<event_slug>/registrations/attendees.csv")
@event_route(permissions.can_manage_event)
def export_csv(event: Event):
    form = _filter_form(event)
    return _csv(attendees_csv.render(event, form.filters()), f"{event.slug}-attendees.csv")


@access("organizer")
@bp.route("/<event_slug>/registrations/summary")
@event_route(permissions.can_manage_event)
def summary(event: Event):
    return render_template(
        "attendees/summary.html", event=event, counts=access_needs.summary(event)
    )


@access("organizer")
@bp.route("/<event_slug>/registrations/summary.csv")
@event_route(permissions.can_manage_event)
def summary_csv(event: Event):
    rows = access_needs.summary_rows(access_needs.summary(event))
    return _csv(write_rows([("group", "need", "count"), *rows]), f"{event.slug}-needs-summary.csv")


@access("access_coordinator")
@bp.route("/<event_slug>/registrations/access-needs")
@event_route(permissions.can_view_access_needs)
def access_needs_page(event: Event):
    people = access_needs.individual_needs(event=event, actor=current_user)
    response = Response(
        render_template(
            "attendees/access_needs.html",
            event=event,
            people=people,
            purge_at=access_needs.purge_date(event),
        )
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@access("organizer")
@bp.route("/<event_slug>/registrations/<public_id>/decide", methods=["POST"])
@rate_limited("mail")  # approving or turning down mails the person
@event_route(permissions.can_manage_event)
def decide(event: Event, public_id: str):
    """Approve or turn down a registration waiting for approval (moderated events); back to
    the list with its filters."""
    registration = registering.registration_by_public_id(public_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    form = DecideForm()
    if form.validate_on_submit():
        name = attendee_list.shown_name(registration)
        if form.approve.data:
            attempt(
                lambda: registering.approve_registration(
                    registration=registration, actor=current_user, now=utcnow()
                ),
                success=lambda result: _(
                    "%(name)s: %(state)s.", name=name, state=registration.state.label
                ),
            )
        elif form.reject.data:
            attempt(
                lambda: registering.reject_registration(
                    registration=registration, actor=current_user, now=utcnow()
                ),
                success=_(
                    "%(name)s's registration was turned down; they have been told.", name=name
                ),
            )
    back = safe_next_url(request.form.get("next"))
    return redirect(back or url_for("attendees.index", event_slug=event.slug))
