"""Organizers: the automatic scheduler (suggest, repair, accept or discard a suggestion)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from organizer import permissions
from organizer.blueprints._common import access, attempt, event_route, utcnow
from organizer.blueprints._setup_views import confirm_then, form_status
from organizer.blueprints.scheduler.forms import AcceptForm, SuggestForm
from organizer.models import Event, ScheduleSuggestion
from organizer.services.scheduling import suggestions

bp = Blueprint("scheduler", __name__, url_prefix="/manage")

manager = event_route(permissions.can_manage_schedule)
SUGGESTION = "/<event_slug>/schedule/suggestions/<public_id>"


@access("organizer")
@bp.route("/<event_slug>/schedule/suggest", methods=["GET", "POST"])
@manager
def index(event: Event):
    form = SuggestForm()
    if not form.is_submitted():
        form.time_limit.data = suggestions.default_time_limit(event)
    if form.validate_on_submit():
        done = attempt(
            lambda: suggestions.suggest(
                event=event,
                actor=current_user,
                now=utcnow(),
                mode=form.mode.data,
                time_limit=form.time_limit.data,
            ),
            form=form,
            success=_("Here is the suggestion. Nothing changes until you accept it."),
        )
        if done.ok:
            assert done.value is not None
            return redirect(
                url_for(
                    "scheduler.suggestion", event_slug=event.slug, public_id=done.value.public_id
                )
            )
    return render_template(
        "scheduler/index.html", event=event, form=form, recent=suggestions.recent(event)
    ), form_status(form)


def _accept_form(suggestion: ScheduleSuggestion) -> AcceptForm:
    form = AcceptForm()
    form.moves.choices = [(m["public_id"], m["title"]) for m in suggestion.moves or []]
    if not form.is_submitted():
        form.moves.data = [m["public_id"] for m in suggestion.moves or []]
    return form


def _suggestion_page(event: Event, suggestion: ScheduleSuggestion, form: AcceptForm, status=200):  # type: ignore[no-untyped-def]
    return render_template(
        "scheduler/suggestion.html",
        event=event,
        view=suggestions.view(event, suggestion),
        form=form,
        chosen=set(form.moves.data or []),
    ), status


@access("organizer")
@bp.route(SUGGESTION)
@manager
def suggestion(event: Event, public_id: str):
    item = suggestions.suggestion_by_public_id(event, public_id)
    return _suggestion_page(event, item, _accept_form(item))


@access("organizer")
@bp.route(SUGGESTION + "/accept", methods=["POST"])
@manager
def accept(event: Event, public_id: str):
    item = suggestions.suggestion_by_public_id(event, public_id)
    form = _accept_form(item)
    if not form.validate_on_submit():
        flash(_("Choose changes from this suggestion, then press a button to accept."), "error")
        return _suggestion_page(event, item, form, 400)
    by_public_id = {m["public_id"]: m["slot_id"] for m in item.moves or []}
    chosen = None if form.scope.data == "all" else [by_public_id[p] for p in form.moves.data]
    done = attempt(
        lambda: suggestions.apply(
            event=event, suggestion=item, slot_ids=chosen, actor=current_user, now=utcnow()
        ),
        form=form,
        success=lambda count: ngettext(
            "%(num)d change of the suggestion is in the schedule.",
            "%(num)d changes of the suggestion are in the schedule.",
            count,
        ),
    )
    if not done.ok:
        item = suggestions.suggestion_by_public_id(event, public_id)
        return _suggestion_page(event, item, form, done.status)
    return redirect(url_for("schedule.editor", event_slug=event.slug))


@access("organizer")
@bp.route(SUGGESTION + "/discard", methods=["GET", "POST"])
@manager
def discard(event: Event, public_id: str):
    item = suggestions.suggestion_by_public_id(event, public_id)
    back = url_for("scheduler.suggestion", event_slug=event.slug, public_id=item.public_id)
    return confirm_then(
        lambda: suggestions.discard(event=event, suggestion=item, actor=current_user, now=utcnow()),
        done=_("The suggestion is discarded. The schedule did not change."),
        after=url_for("scheduler.index", event_slug=event.slug),
        tabs="schedule/_tabs.html",
        event=event,
        title=_("Discard the suggestion"),
        question=_("Discard this suggestion without changing the schedule?"),
        consequence=_("You can ask for a new suggestion at any time."),
        button=_("Discard the suggestion"),
        back=back,
    )
