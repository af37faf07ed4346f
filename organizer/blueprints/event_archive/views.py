"""A whole event as one archive: its organizers export it (the worker makes the zip, the page
offers it once ready); a site admin imports one into a new event (services/archive)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from organizer import permissions, tasks
from organizer.blueprints._common import (
    access,
    commit,
    download,
    event_route,
    show_domain_error,
)
from organizer.blueprints.event_archive.forms import ExportForm, ImportForm
from organizer.errors import DomainError
from organizer.models import Event
from organizer.services.archive import jobs

bp = Blueprint("event_archive", __name__)


@access("organizer")
@bp.route("/manage/<event_slug>/export/", methods=["GET", "POST"])
@event_route(permissions.can_export_event)
def export(event: Event):
    """The latest archive of the event (when and how large) and a button for a new one."""
    form = ExportForm()
    if form.validate_on_submit():
        marker = jobs.claim_archive_export(event=event, actor=current_user)
        if marker is not None:
            event_id = event.id
            commit()  # an immediate task has a session of its own: close this one's first
            tasks.export_event_archive(event_id, marker)
            flash(_("The archive is being made; this page offers it when it is ready."), "info")
        else:
            flash(_("An archive is being made already."), "info")
        return redirect(url_for("event_archive.export", event_slug=event.slug))
    state = jobs.export_state(event=event, actor=current_user)
    return render_template("event_archive/export.html", event=event, form=form, state=state)


@access("organizer")
@bp.route("/manage/<event_slug>/export/archive.zip")
@event_route(permissions.can_export_event)
def archive_zip(event: Event):
    """The latest archive as a download; until one has been made, the page to make one."""
    state = jobs.export_state(event=event, actor=current_user)
    if state.path is None:
        flash(_("No archive has been made yet."), "info")
        return redirect(url_for("event_archive.export", event_slug=event.slug))
    stamp = state.made_at.strftime("%Y%m%d-%H%M") if state.made_at else "latest"
    return download(
        state.path.read_bytes(),
        content_type="application/zip",
        name=f"{event.slug}-archive-{stamp}.zip",
    )


@access("site_admin")
@bp.route("/manage/import-event/", methods=["GET", "POST"])
@login_required
def import_archive():
    """Upload an archive; the worker imports it into a new event."""
    if not permissions.can_import_event(current_user):
        abort(403)
    form = ImportForm()
    status = 200
    if form.validate_on_submit():
        upload = form.archive.data
        if not upload or not getattr(upload, "filename", ""):
            form.archive.errors = [_("Choose an archive to upload.")]
            status = 400
        else:
            try:
                token = jobs.keep_archive_for_import(data=upload.read(), actor=current_user)
            except DomainError as error:
                show_domain_error(error, form)
                status = 400
            else:
                # An immediate task has a session of its own: close this one's first.
                actor_id = current_user.id
                commit()
                tasks.import_event_archive(token, (form.slug.data or "").strip(), actor_id)
                return redirect(url_for("event_archive.import_status", token=token))
    elif form.errors:
        status = 400
    return render_template("event_archive/import.html", form=form), status


@access("site_admin")
@bp.route("/manage/import-event/<token>")
@login_required
def import_status(token: str):
    """How the import went: waiting, the new event, or why it was refused."""
    if not permissions.can_import_event(current_user):
        abort(403)
    state = jobs.import_state(token=token, actor=current_user)
    return render_template(
        "event_archive/import_status.html",
        state=state,
        done=state["state"] == "done",
        refused=state["state"] == "refused",
    )
