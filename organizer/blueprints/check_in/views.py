"""Check-in at the door, for volunteers on a phone: search by name, one person's page (the
QR code on badges and confirmation mails opens it), one tap to check in, an undo, and a live
count. Every page works without JavaScript; a few lines of script refresh the count."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from organizer import permissions
from organizer.blueprints._common import access, attempt, event_route, utcnow
from organizer.blueprints.check_in.forms import CheckInForm
from organizer.models import Event, Registration
from organizer.services import text
from organizer.services.registration import check_in as service

bp = Blueprint("check_in", __name__)

MAX_QUERY_LENGTH = 200


def _query() -> str:
    """The search as typed, on one harmless line (a NUL would upset PostgreSQL's LIKE)."""
    return text.one_line(request.values.get("q") or "")[:MAX_QUERY_LENGTH]


def _back_to_search(event: Event, query: str):
    return redirect(url_for("check_in.index", event_slug=event.slug, q=query or None))


@access("check_in")
@bp.route("/<event_slug>/check-in/")
@event_route(permissions.can_check_in)
def index(event: Event):
    query = _query()
    page = service.search(
        event=event, actor=current_user, query=query, page=request.args.get("page", 1, type=int)
    )
    return render_template(
        "check_in/index.html",
        event=event,
        query=query,
        page=page,
        counts=service.counts(event),
        form=CheckInForm(q=query),
        shown_name=service.shown_name,
    )


@access("check_in")
@bp.route("/<event_slug>/check-in/count")
@event_route(permissions.can_check_in)
def count(event: Event):
    counts = service.counts(event)
    response = jsonify(
        checked_in=counts.checked_in,
        expected=counts.expected,
        text=_(
            "%(checked_in)s of %(expected)s checked in",
            checked_in=counts.checked_in,
            expected=counts.expected,
        ),
    )
    response.cache_control.no_store = True
    return response


@access("check_in")
@bp.route("/<event_slug>/check-in/<public_id>")
@event_route(permissions.can_check_in)
def person(event: Event, public_id: str):
    registration = _registration(event, public_id)
    return render_template(
        "check_in/person.html",
        event=event,
        registration=registration,
        name=service.shown_name(registration),
        why_not=service.why_not(registration),
        checked_in_by=service.checked_in_by(registration),
        counts=service.counts(event),
        form=CheckInForm(q=_query()),
        query=_query(),
    )


@access("check_in")
@bp.route("/<event_slug>/check-in/<public_id>/in", methods=["POST"])
@event_route(permissions.can_check_in)
def mark(event: Event, public_id: str):
    registration = _registration(event, public_id)  # 404 before the form is read
    if CheckInForm().validate_on_submit():
        _check_in(registration)
    return _back_to_search(event, _query())


@access("check_in")
@bp.route("/<event_slug>/check-in/", methods=["POST"])
@event_route(permissions.can_check_in)
def mark_listed(event: Event):
    """The search list's buttons: one form, each button sends its person's public id."""
    form = CheckInForm()
    public_id = request.form.get("registration", "")
    if form.validate_on_submit():
        if not public_id:
            flash(_("Choose the person to check in."), "error")
        else:
            _check_in(_registration(event, public_id))
    return _back_to_search(event, _query())


def _registration(event: Event, public_id: str) -> Registration:
    return service.registration_for_check_in(event=event, actor=current_user, public_id=public_id)


def _check_in(registration: Registration) -> None:
    attempt(
        lambda: service.check_in(registration=registration, actor=current_user, now=utcnow()),
        success=lambda result: result.message,
    )


@access("check_in")
@bp.route("/<event_slug>/check-in/<public_id>/undo", methods=["POST"])
@event_route(permissions.can_check_in)
def undo(event: Event, public_id: str):
    registration = _registration(event, public_id)
    name = service.shown_name(registration)
    if CheckInForm().validate_on_submit():
        attempt(
            lambda: service.undo_check_in(
                registration=registration, actor=current_user, now=utcnow()
            ),
            success=_("Check-in undone for %(name)s.", name=name),
        )
    return _back_to_search(event, _query())
