"""Organizers: importing a published schedule (frab XML or schedule JSON) from a file or an
address, with a preview before anything is written."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from organizer import permissions, tasks
from organizer.blueprints._common import (
    access,
    attempt,
    commit,
    event_route,
    show_domain_error,
    utcnow,
)
from organizer.blueprints._limits import rate_limited
from organizer.blueprints._setup_views import form_status
from organizer.blueprints.schedule_import.forms import AddressForm, ConfirmForm, UploadForm
from organizer.errors import DomainError
from organizer.models import Event, ScheduleImport
from organizer.services.imports import schedule, schedule_uploads

log = logging.getLogger(__name__)
bp = Blueprint("schedule_import", __name__, url_prefix="/manage")
REFRESH_SECONDS = 3


@access("organizer")
@bp.route("/<event_slug>/import/schedule/", methods=["GET", "POST"])
@event_route(permissions.can_import_into)
def index(event: Event):
    upload = UploadForm(prefix="upload")
    address = AddressForm(prefix="address")
    if upload.upload.data and upload.validate_on_submit():
        data = upload.file.data.read(schedule_uploads.MAX_BYTES + 1)
        done = attempt(
            lambda: schedule_uploads.start_from_file(
                event=event,
                actor=current_user,
                filename=upload.file.data.filename or "",
                data=data,
                now=utcnow(),
            ),
            form=upload,
        )
        if done.ok and done.value is not None:
            return redirect(_preview_url(event, done.value.public_id))
    elif address.fetch.data and address.validate_on_submit():
        done = attempt(
            lambda: schedule_uploads.start_from_url(
                event=event, actor=current_user, url=address.url.data or "", now=utcnow()
            ),
            form=address,
        )
        if done.ok and done.value is not None:
            _enqueue(done.value)
            return redirect(_preview_url(event, done.value.public_id))
    status = max(form_status(upload), form_status(address))
    return render_template(
        "schedule_import/index.html",
        event=event,
        upload=upload,
        address=address,
        max_mb=schedule_uploads.MAX_BYTES // (1024 * 1024),
    ), status


def _preview_url(event: Event, public_id: str) -> str:
    return url_for("schedule_import.preview", event_slug=event.slug, import_id=public_id)


def _enqueue(record: ScheduleImport) -> None:
    """Hand the committed import to the worker (in immediate mode it runs here and now)."""
    public_id = record.public_id
    commit()  # an immediate task has a session of its own: this one's is closed first
    try:
        tasks.fetch_schedule_import(public_id)
    except Exception:
        log.exception("enqueueing schedule import %s failed", public_id)
        schedule_uploads.not_enqueued(record, now=utcnow())
        commit()


@access("organizer")
@bp.route("/<event_slug>/import/schedule/<import_id>/", methods=["GET", "POST"])
@rate_limited("mail")  # confirming invites the file's speakers to claim their accounts
@event_route(permissions.can_import_into)
def preview(event: Event, import_id: str):
    try:
        record = schedule_uploads.import_of(event=event, public_id=import_id, actor=current_user)
    except DomainError as error:
        abort(error.status_code)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            result = schedule_uploads.confirm(
                record=record,
                actor=current_user,
                now=utcnow(),
                release=form.mode.data == "release",
            )
        except DomainError as error:
            show_domain_error(error, form)
            form.failed_status = error.status_code
            record = schedule_uploads.import_of(
                event=event, public_id=import_id, actor=current_user
            )
        else:
            commit()
            _tell(result)
            return redirect(_preview_url(event, import_id))
    shown = schedule.Preview.from_dict(record.preview) if record.preview else None
    response = make_response(
        render_template(
            "schedule_import/preview.html",
            event=event,
            record=record,
            preview=shown,
            form=form,
            fetching=record.state == "fetching",
            failed=record.state == "failed",
            applied=record.state == "applied",
            refresh=REFRESH_SECONDS if record.state == "fetching" else None,
        ),
        form_status(form),
    )
    response.cache_control.no_store = True
    return response


def _tell(result: schedule.Result) -> None:
    if result.released is not None:
        flash(_("Imported and released as version %(n)d.", n=result.released), "success")
    elif result.not_released:
        flash(_("Imported as a draft, not released: %(why)s", why=result.not_released), "error")
    else:
        flash(
            _("Imported as a draft. Check it in the schedule editor, then release it."), "success"
        )
