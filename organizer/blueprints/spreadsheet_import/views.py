"""Organizers bring proposals or grant applications in from a spreadsheet: upload, choose the
columns, see every row's problems, then import (services/imports/spreadsheet.py). Organizers
only; the service checks it too. Nothing is written before the last step, which the worker
does (services/imports/spreadsheet_jobs.py): the check page then says how far it is, reloading
itself while the rows are written, and how it went."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from organizer import permissions, tasks
from organizer.blueprints._common import (
    access,
    attempt,
    commit,
    event_route,
    paginate_list,
    preparing,
    rollback,
    utcnow,
)
from organizer.blueprints._limits import rate_limited
from organizer.blueprints.spreadsheet_import.forms import (
    ImportForm,
    UploadForm,
    columns_of,
    mapping_form,
)
from organizer.errors import DomainError
from organizer.models import Event, SpreadsheetImport
from organizer.services.imports import spreadsheet, spreadsheet_jobs
from organizer.services.imports.spreadsheet_fields import GRANT_APPLICATIONS, PROPOSALS

log = logging.getLogger(__name__)
bp = Blueprint("spreadsheet_import", __name__, url_prefix="/manage")

TITLES = {
    PROPOSALS: lambda: _("Import proposals from a spreadsheet"),
    GRANT_APPLICATIONS: lambda: _("Import grant applications from a spreadsheet"),
}


def _import_or_404(event: Event, import_id: str) -> SpreadsheetImport:
    try:
        return spreadsheet.spreadsheet_import_in(
            actor=current_user, event=event, public_id=import_id
        )
    except DomainError:
        abort(404)


def _upload(event: Event, kind: str):  # type: ignore[no-untyped-def]
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        started = attempt(
            lambda: spreadsheet.start_spreadsheet_import(
                actor=current_user,
                event=event,
                kind=kind,
                filename=upload.filename or "",
                data=upload.read(),
                now=utcnow(),
            ),
            form=form,
        )
        if started.ok:
            assert started.value is not None
            return redirect(
                url_for(
                    "spreadsheet_import.columns",
                    event_slug=event.slug,
                    import_id=started.value.public_id,
                )
            )
    return render_template(
        "spreadsheet_import/upload.html", event=event, form=form, kind=kind, title=TITLES[kind]()
    ), 400 if form.errors else 200


@access("organizer")
@bp.route("/<event_slug>/import/proposals", methods=["GET", "POST"])
@event_route(permissions.can_import_into)
def proposals(event: Event):
    return _upload(event, PROPOSALS)


@access("organizer")
@bp.route("/<event_slug>/import/grant-applications", methods=["GET", "POST"])
@event_route(permissions.can_import_into)
def grant_applications(event: Event):
    return _upload(event, GRANT_APPLICATIONS)


@access("organizer")
@bp.route("/<event_slug>/import/<import_id>/columns", methods=["GET", "POST"])
@event_route(permissions.can_import_into)
def columns(event: Event, import_id: str):
    sheet_import = _import_or_404(event, import_id)
    if sheet_import.state not in spreadsheet.OPEN_STATES:
        return redirect(_check_url(event, sheet_import))
    sheet = spreadsheet.sheet_of(sheet_import)
    fields = spreadsheet.lookups_for(event, sheet_import.kind).fields
    form = mapping_form(sheet.headers, fields, sheet_import.mapping, list(sheet.rows[:3]))
    if form.validate_on_submit():
        saved = attempt(
            lambda: spreadsheet.save_column_mapping(
                actor=current_user,
                sheet_import=sheet_import,
                columns=columns_of(form, len(sheet.headers)),
                fields=fields,
                now=utcnow(),
            ),
            form=form,
        )
        if saved.ok:
            return redirect(_check_url(event, sheet_import))
    return render_template(
        "spreadsheet_import/columns.html",
        event=event,
        sheet_import=sheet_import,
        sheet=sheet,
        form=form,
        column_fields=[form[f"column-{i}"] for i in range(len(sheet.headers))],
        title=TITLES[sheet_import.kind](),
    ), 400 if form.errors else 200


def _check_url(event: Event, sheet_import: SpreadsheetImport) -> str:
    return url_for(
        "spreadsheet_import.check", event_slug=event.slug, import_id=sheet_import.public_id
    )


@access("organizer")
@bp.route("/<event_slug>/import/<import_id>/check")
@event_route(permissions.can_import_into)
def check(event: Event, import_id: str):
    """The rows and their problems; once confirmed, where the import stands (202 while the
    worker writes, reloading itself) and then how it went."""
    sheet_import = _import_or_404(event, import_id)
    if sheet_import.state == "done":
        return render_template(
            "spreadsheet_import/done.html",
            event=event,
            sheet_import=sheet_import,
            title=TITLES[sheet_import.kind](),
        )
    lost = spreadsheet_jobs.is_lost(sheet_import, now=utcnow())
    if sheet_import.state in ("queued", "importing") and not lost:
        return _importing(event, sheet_import)
    if not sheet_import.mapping_confirmed:
        return redirect(
            url_for("spreadsheet_import.columns", event_slug=event.slug, import_id=import_id)
        )
    result = spreadsheet.check_spreadsheet(
        actor=current_user, sheet_import=sheet_import, now=utcnow()
    )
    form = ImportForm(expected=str(len(result.planned)), bad_rows=str(len(result.bad_rows)))
    return _check_page(event, sheet_import, result, form, lost=lost)


def _importing(event: Event, sheet_import: SpreadsheetImport):  # type: ignore[no-untyped-def]
    return preparing(
        event,
        what=_("The import of %(file)s", file=sheet_import.filename),
        previous_url=None,
        about=_(
            "The worker is writing the rows, all at once: nothing shows in the event until "
            "every row is in. A large file takes about a minute. This page then says how it "
            "went, and each person is invited by mail to claim their account."
        ),
        back=(url_for("manage.dashboard", event_slug=event.slug), _("Back to the dashboard")),
        layout="layouts/organizer.html",
    )


def _check_page(event, sheet_import, result, form, status=200, lost=False):  # type: ignore[no-untyped-def]
    return render_template(
        "spreadsheet_import/check.html",
        event=event,
        sheet_import=sheet_import,
        result=result,
        page=paginate_list(sorted(result.problems)),
        form=form,
        lost=lost,
        failed=sheet_import.state == "failed",
        title=TITLES[sheet_import.kind](),
    ), status


@access("organizer")
@bp.route("/<event_slug>/import/<import_id>/import", methods=["POST"])
@rate_limited("mail")  # the worker then invites each imported person to claim their account
@event_route(permissions.can_import_into)
def confirm(event: Event, import_id: str):
    """Record the organizer's choice and hand the writing to the worker."""
    sheet_import = _import_or_404(event, import_id)
    form = ImportForm()
    valid = form.validate_on_submit()
    if valid and _problems_left(form):
        form.skip_listed.errors = [spreadsheet.problems_left_message(int(form.bad_rows.data))]
    elif valid:
        done_url = _check_url(event, sheet_import)
        queued = attempt(
            lambda: spreadsheet_jobs.queue_spreadsheet_import(
                actor=current_user,
                sheet_import=sheet_import,
                skip_listed=bool(form.skip_listed.data),
                expected=int(form.expected.data) if (form.expected.data or "").isdigit() else None,
                now=utcnow(),
            )
        )
        if queued.ok:
            _enqueue(sheet_import, import_id)
        return redirect(done_url)
    result = spreadsheet.check_spreadsheet(
        actor=current_user, sheet_import=sheet_import, now=utcnow()
    )
    form.expected.data = str(len(result.planned))
    form.bad_rows.data = str(len(result.bad_rows))
    return _check_page(event, sheet_import, result, form, status=400)


def _problems_left(form: ImportForm) -> bool:
    """Rows had problems at the check the organizer saw, and they did not choose to skip."""
    count = form.bad_rows.data or ""
    return count.isdigit() and int(count) > 0 and not form.skip_listed.data


def _enqueue(sheet_import: SpreadsheetImport, public_id: str) -> None:
    """Hand the committed confirmation to the worker (in immediate mode it runs here, with a
    session of its own: this one's must not open a transaction before it)."""
    try:
        tasks.import_spreadsheet(public_id)
    except Exception:
        log.exception("enqueueing spreadsheet import %s failed", public_id)
        rollback()
        spreadsheet_jobs.not_enqueued(sheet_import)
        commit()
