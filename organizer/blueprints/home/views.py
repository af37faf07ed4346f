"""A person's home after sign-in: their proposals, grant applications, review work and the
events they organize, across every event (services/home.py)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from organizer.blueprints._common import access, utcnow
from organizer.services import home as home_service

bp = Blueprint("home", __name__)


@access("signed_in")
@bp.route("/home/")
@login_required
def index():
    return render_template(
        "your_home/index.html",
        home=home_service.home_of(current_user, now=utcnow()),
        Step=home_service.Step,
    )
