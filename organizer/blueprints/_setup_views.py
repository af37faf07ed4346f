"""View helpers shared by the organizers' set-up pages (the call for talks, the grant
programmes, the schedule...): form failures and their status, times typed in the event's zone,
custom questions, confirmation pages, small button actions and the up and down buttons."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, redirect, render_template
from flask_babel import gettext as _

from organizer.blueprints._common import attempt, show_domain_error
from organizer.blueprints._setup_forms import ConfirmForm, MoveForm, QuestionSetupForm
from organizer.enums import QuestionKind
from organizer.errors import DomainError
from organizer.models import Event
from organizer.services.reviewing.questions import QuestionSettings
from organizer.services.timefmt import in_zone, local_date_to_utc

QuestionFormT = TypeVar("QuestionFormT", bound=QuestionSetupForm)


def fail_form(error: DomainError, form: Any) -> None:
    """Show the error in the form (or a flash message) and remember its status for the page."""
    show_domain_error(error, form)
    form.failed_status = error.status_code


def form_status(form: Any) -> int:
    """The status of a page that shows `form`: the service's refusal, 400 for a form with
    errors, else 200."""
    return getattr(form, "failed_status", None) or (400 if form.errors else 200)


def local_date_and_time(
    moment: dt.datetime | None, event: Event
) -> tuple[dt.date | None, dt.time | None]:
    """A stored UTC instant as the date and time people read in the event's zone."""
    local = in_zone(moment, event.timezone)
    if local is None:
        return None, None
    return local.date(), local.time().replace(second=0, microsecond=0)


def utc_from_local(day: dt.date, clock: dt.time, event: Event) -> dt.datetime:
    """A date and time typed in the event's zone, as the UTC instant to store."""
    return local_date_to_utc(day, clock, event.timezone)


def question_form(form_class: type[QuestionFormT], item: Any = None) -> QuestionFormT:
    """A question form, filled from the saved question `item` on a GET."""
    form = form_class(obj=item)
    if item is not None and not form.is_submitted():
        form.kind.data = QuestionKind(item.kind).value
        form.choices.data = "\n".join(item.choices)
    return form


def question_settings(form: QuestionSetupForm) -> QuestionSettings:
    return QuestionSettings(
        text=form.text.data or "",
        kind=QuestionKind(form.kind.data),
        help_text=form.help_text.data or "",
        choices=form.choice_lines(),
        required=bool(form.required.data),
        visible_to_reviewers=(
            form.visible_to_reviewers is not None and bool(form.visible_to_reviewers.data)
        ),
        file_kinds=tuple(form.file_kinds.data or ()),
        max_file_kb=form.max_file_kb.data,
    )


def confirm_then(act: Callable[[], object], *, done: str, after: str, tabs: str, **context: Any):  # type: ignore[no-untyped-def]
    """A confirmation page for a destructive action, under the set-up `tabs`. On POST: run
    `act` (one service call), commit, say `done` and go to the URL `after`; a refusal is shown
    on the same page. `context` fills the page: event, title, question, button, back..."""
    form = ConfirmForm()
    if form.validate_on_submit():
        outcome = attempt(act, success=done)
        if outcome.ok:
            return redirect(after)
        return render_template(
            "macros/confirm_page.html", form=form, tabs=tabs, refused=True, **context
        ), outcome.status
    return render_template("macros/confirm_page.html", form=form, tabs=tabs, **context)


def move_direction() -> int:
    """-1 for up, 1 for down, from the posted move buttons; a 400 for anything else."""
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    return -1 if form.direction.data == "up" else 1


def act_then(act: Callable[[], object], *, done: str) -> None:
    """A small POST action without fields (a move or remove button): run `act` (one service
    call), commit and say `done`; a refusal is flashed instead."""
    attempt(act, success=done)


def move_then(act: Callable[[], object], *, name: str, direction: int) -> None:
    """Move an item of an ordered list (one service call), commit and say so."""
    act_then(
        act,
        done=_("“%(name)s” moved up.", name=name)
        if direction < 0
        else _("“%(name)s” moved down.", name=name),
    )
