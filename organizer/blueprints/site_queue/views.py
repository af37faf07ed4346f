"""Site admins: the task queue at a glance, and failed tasks to retry or forget."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SubmitField

from organizer import permissions
from organizer.blueprints._common import access, attempt_then_redirect, utcnow
from organizer.blueprints._forms import Form
from organizer.services import queue_status

bp = Blueprint("site_queue", __name__, url_prefix="/manage/queue")


def _require_site_admin() -> None:
    if not permissions.can_manage_queue(current_user):
        abort(403)


class ActionForm(Form):
    submit = SubmitField()


@access("site_admin")
@bp.route("/")
@login_required
def index():
    _require_site_admin()
    overview = queue_status.overview(viewer=current_user, now=utcnow())
    return render_template(
        "site_queue/index.html", overview=overview, now=utcnow(), form=ActionForm()
    )


@access("site_admin")
@bp.route("/failed/<task_id>/retry", methods=["POST"])
@login_required
def retry(task_id: str):
    _require_site_admin()
    form = ActionForm()
    if not form.validate_on_submit():
        return redirect(url_for("site_queue.index"))
    return attempt_then_redirect(
        lambda: queue_status.retry(actor=current_user, task_id=task_id),
        success=_("The task is queued again."),
        to=url_for("site_queue.index"),
    )


@access("site_admin")
@bp.route("/failed/<task_id>/forget", methods=["GET", "POST"])
@login_required
def forget(task_id: str):
    _require_site_admin()
    form = ActionForm()
    if form.validate_on_submit():
        return attempt_then_redirect(
            lambda: queue_status.forget(actor=current_user, task_id=task_id),
            success=_("The failed task is forgotten; it will not run again."),
            to=url_for("site_queue.index"),
        )
    overview = queue_status.overview(viewer=current_user, now=utcnow())
    failure = next((f for f in overview.failed if f.id == task_id), None)
    return render_template("site_queue/confirm_forget.html", failure=failure, form=form), (
        200 if failure else 404
    )
