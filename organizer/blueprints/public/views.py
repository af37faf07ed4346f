"""Public pages: the site's list of events and each event's landing page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from organizer import permissions
from organizer.blueprints._common import event_or_404, utcnow
from organizer.extensions import db
from organizer.services.events import public_events

bp = Blueprint("public", __name__)


@bp.route("/")
def home():
    page = db.paginate(
        public_events(today=utcnow().date()),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    return render_template("public/home.html", page=page, today=utcnow().date())


@bp.route("/<event_slug>/")
def event(event_slug: str):
    event = event_or_404(event_slug)
    if not permissions.can_view_event(current_user, event):
        abort(404)  # a draft event does not exist for outsiders
    return render_template("public/event.html", event=event)
