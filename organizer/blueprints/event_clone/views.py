"""Organizers: cloning an event into a new edition (services/archive/cloning.py)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from organizer import permissions
from organizer.blueprints._common import access, attempt, event_route, utcnow
from organizer.blueprints._setup_views import form_status
from organizer.blueprints.event_clone.forms import CloneForm
from organizer.models import Event
from organizer.services.archive import cloning

bp = Blueprint("event_clone", __name__, url_prefix="/manage")


@access("organizer")
@bp.route("/<event_slug>/clone", methods=["GET", "POST"])
@event_route(permissions.can_clone_event)
def clone(event: Event):
    start = cloning.suggested_start(event)
    form = CloneForm(
        name=cloning.suggested_name(event, start),
        slug=cloning.suggested_slug(event, start),
        starts_on=start,
    )
    if form.validate_on_submit():
        made = attempt(
            lambda: cloning.clone_event(
                source=event,
                slug=form.slug.data,
                name=form.name.data,
                start_date=form.starts_on.data,
                actor=current_user,
                now=utcnow(),
            ),
            form=form,
            success=lambda new: _(
                "“%(name)s” is created from “%(source)s”. It is not public yet: check its "
                "dates and texts, then invite your team.",
                name=new.name,
                source=event.name,
            ),
        )
        if made.ok:
            return redirect(url_for("manage.dashboard", event_slug=made.value.slug))
    return render_template("event_clone/clone.html", event=event, form=form), form_status(form)
