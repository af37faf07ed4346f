"""Organizers: releasing the schedule as a numbered version, with its change log."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import ngettext
from flask_login import current_user

from organizer import permissions
from organizer.blueprints._common import (
    access,
    commit,
    event_route,
    paginate,
    rollback,
    utcnow,
)
from organizer.blueprints._limits import rate_limited
from organizer.blueprints._setup_views import fail_form, form_status
from organizer.blueprints.releases.forms import ReleaseForm
from organizer.errors import DomainError, ValidationFailed
from organizer.models import Event
from organizer.services.print import preparation
from organizer.services.scheduling import release_mail, releases

bp = Blueprint("releases", __name__, url_prefix="/manage")


@access("organizer")
@bp.route("/<event_slug>/schedule/releases/", methods=["GET", "POST"])
@rate_limited("mail")
@event_route(permissions.can_manage_schedule)
def index(event: Event):
    form = ReleaseForm()
    refusal = None
    if form.validate_on_submit():
        try:
            made = releases.release(
                event=event,
                actor=current_user,
                now=utcnow(),
                comment=form.comment.data or "",
                expected=form.expected.data or None,
            )
        except ValidationFailed as error:
            fail_form(error, form)
        except DomainError as error:
            # Shown in the page's error summary, next to the list of what blocks it.
            rollback()
            refusal = error.message
            form.failed_status = error.status_code
        else:
            notified = release_mail.speakers_told(made)
            number = made.number
            commit()
            preparation.ready_after_release(event)  # the worker renders its booklets and signs
            flash(
                ngettext(
                    "Version %(number)d released; %(num)d speaker will get a mail.",
                    "Version %(number)d released; %(num)d speakers will get a mail.",
                    notified,
                    number=number,
                ),
                "success",
            )
            return redirect(url_for("releases.index", event_slug=event.slug))
    preview = releases.preview(event, now=utcnow())
    # What this page shows: releasing checks that nothing changed since.
    form.expected.data = preview.fingerprint
    return render_template(
        "releases/index.html",
        event=event,
        form=form,
        refusal=refusal,
        preview=preview,
        changes=releases.change_rows(preview.changes),
        page=paginate(releases.releases_of(event)),
    ), form_status(form)


@access("organizer")
@bp.route("/<event_slug>/schedule/releases/<number>")
@event_route(permissions.can_manage_schedule)
def release(event: Event, number: str):
    # A plain segment checked here rather than an int converter, so that the route still
    # sends anonymous visitors to sign in whatever follows /releases/.
    if not number.isdigit():
        abort(404)
    found = releases.release_by_number(event, int(number))
    if found is None:
        abort(404)
    return render_template(
        "releases/release.html",
        event=event,
        release=found,
        changes=releases.change_rows(found.changes),
        sessions=releases.session_rows(found.sessions),
    )
