"""The "API tokens" page of the account: make a token (its secret is shown on the page that
answers the form, once, and never again), see one's tokens with their last use, revoke one
after a confirmation. Only the signed-in person's own tokens."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from organizer.blueprints._common import access, attempt, utcnow
from organizer.blueprints.api_tokens.forms import NewTokenForm, RevokeTokenForm
from organizer.extensions import db
from organizer.models import ApiToken, Event
from organizer.services import api_tokens

bp = Blueprint("api_tokens", __name__)


def _expiry(day: dt.date | None) -> dt.datetime | None:
    """The end of the chosen day, UTC."""
    if day is None:
        return None
    return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC) + dt.timedelta(days=1)


def _offer_events(form: NewTokenForm, events: list[Event]) -> None:
    form.event.choices = [("", _("Every event I can read"))] + [
        (str(event.id), event.name) for event in events
    ]


@access("signed_in")
@bp.route("/account/api-tokens", methods=["GET", "POST"])
@login_required
def index():
    form = NewTokenForm()
    events = api_tokens.scope_choices(current_user)
    by_id = {str(event.id): event for event in events}
    _offer_events(form, events)
    created = None
    if form.validate_on_submit():
        done = attempt(
            lambda: api_tokens.create_api_token(
                actor=current_user,
                name=form.name.data or "",
                event=by_id.get(form.event.data or ""),
                expires_at=_expiry(form.expires_on.data),
                read_only=bool(form.read_only.data),
                now=utcnow(),
            ),
            form=form,
        )
        if done.ok:
            created = done.value
            form = NewTokenForm(formdata=None)
            _offer_events(form, events)
    tokens = api_tokens.tokens_of(current_user)
    return render_template(
        "api_tokens/index.html",
        form=form,
        tokens=tokens,
        created=created,
        now=utcnow(),
        has_events=bool(events),
    ), 400 if form.errors else (201 if created else 200)


@access("owner")
@bp.route("/account/api-tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    form = RevokeTokenForm()
    if form.validate_on_submit():
        attempt(
            lambda: api_tokens.revoke_api_token(
                actor=current_user, token_id=token_id, now=utcnow()
            ),
            success=_("The token “%(name)s” is revoked: it no longer works.", name=token.name),
        )
        return redirect(url_for("api_tokens.index"))
    return render_template("api_tokens/revoke.html", form=form, token=token)
