"""HTTP helpers shared by the blueprints: the transaction boundary, event loading with a
permission check, and turning DomainErrors into form errors."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from flask import (
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_sqlalchemy.pagination import Pagination
from flask_wtf import FlaskForm
from sqlalchemy import Select
from wtforms import DateField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from organizer import permissions, tasks
from organizer.errors import DomainError, NotFound, ValidationFailed
from organizer.extensions import db
from organizer.models import Event
from organizer.services import mail, text
from organizer.services.events import event_by_slug

log = logging.getLogger(__name__)


# Who may reach a route ----------------------------------------------------------------------


@dataclass(frozen=True)
class AccessRule:
    """Who a route is for, and what everyone else gets. `sign_in`: anonymous visitors are sent
    to sign in; `denied`: the status for signed-in people the rule leaves out (403, or 404 where
    the object's existence is not to be revealed; None when the rule leaves nobody out)."""

    name: str
    sign_in: bool
    denied: int | None
    who: str


ACCESS_RULES: dict[str, AccessRule] = {
    rule.name: rule
    for rule in [
        AccessRule("public", False, None, "anyone, signed in or not"),
        AccessRule("token", False, None, "anyone holding the secret link (the token in the URL)"),
        AccessRule("signed_in", True, None, "anyone signed in"),
        AccessRule(
            "owner",
            True,
            404,
            "the person whose proposal, grant application or API token is in the URL",
        ),
        AccessRule(
            "owner_or_organizer",
            True,
            404,
            "the person whose file or receipt is in the URL, and the event's organizers",
        ),
        AccessRule(
            "grantee",
            True,
            403,
            "a grantee with an accepted award or a speaker of an accepted proposal in the event",
        ),
        AccessRule("reviewer", True, 403, "the event's reviewers"),
        AccessRule("grant_reviewer", True, 403, "the event's grant reviewers and organizers"),
        AccessRule(
            "check_in",
            True,
            403,
            "the event's check-in volunteers and organizers (and site admins)",
        ),
        AccessRule("organizer", True, 403, "the event's organizers (and site admins)"),
        AccessRule(
            "access_coordinator",
            True,
            403,
            "the event's access coordinators only (not organizers or site admins without the role)",
        ),
        AccessRule("site_admin", True, 403, "site admins"),
        AccessRule(
            "api",
            False,
            401,
            "holders of an API token (Authorization: Bearer); a signed-in browser session "
            "counts for nothing, so everyone without a token gets 401",
        ),
    ]
}

ViewT = TypeVar("ViewT", bound=Callable[..., Any])


def access(rule: str) -> Callable[[ViewT], ViewT]:
    """Declare who a view is for: `@access("organizer")` above its `@bp.route`. Metadata only
    (the view's own checks enforce it); tests/core/test_authorization_matrix.py requests every
    route as every kind of person and fails when the answer differs from the declaration, or
    when a route has none. The names are the keys of ACCESS_RULES."""
    if rule not in ACCESS_RULES:
        raise ValueError(f"unknown access rule {rule!r}; use one of {sorted(ACCESS_RULES)}")

    def declare(view: ViewT) -> ViewT:
        view.access_rule = rule  # type: ignore[attr-defined]
        return view

    return declare


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def commit() -> None:
    """The one commit of a request. Mail queued in the transaction is handed to the task
    queue afterwards: the request never talks to the mail server, and a queue that cannot be
    reached never turns a saved change into an error page (the worker's every-minute sweep
    sends what no task was enqueued for)."""
    db.session.commit()
    queued = mail.take_queued_ids()
    if queued and current_app.config["MAIL_DELIVER_ON_COMMIT"]:
        try:
            tasks.deliver_mail(queued)
        except Exception:  # the change is committed; the outbox keeps the mail
            db.session.rollback()
            log.exception("enqueueing mail after commit failed; the worker's sweep will send it")


def rollback() -> None:
    db.session.rollback()
    mail.forget_queued_ids()


def paginate(query: Select[Any]) -> Pagination:
    """One page of a list, from ?page=N (out-of-range pages are empty, not errors)."""
    return db.paginate(
        query,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )


def event_or_404(slug: str) -> Event:
    event = event_by_slug(slug)
    if event is None:
        abort(404)
    return event


def viewable_event(slug: str) -> Event:
    """The event, or 404 for a draft event that this person may not see (as public pages do)."""
    event = event_or_404(slug)
    if not permissions.can_view_event(current_user, event):
        abort(404)
    return event


def event_route(permission: Callable[[Any, Event], bool]) -> Callable[..., Any]:
    """Sign-in required; loads `event_slug` into `event`; 403 unless `permission(user, event)`."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        @login_required
        def wrapper(event_slug: str, **kwargs: Any) -> Any:
            event = event_or_404(event_slug)
            if not permission(current_user, event):
                abort(403)
            return view(event=event, **kwargs)

        return wrapper

    return decorator


def attach_errors(form: FlaskForm, errors: dict[str, str]) -> list[str]:
    """Show each message next to its field, unless the field already shows one of its own.
    Returns the messages that have no field in this form."""
    homeless = []
    for name, message in errors.items():
        field = form._fields.get(name) if name else None
        if field is None:
            homeless.append(message)
        elif not field.errors:
            field.errors = [message]
    return homeless


def show_domain_error(error: DomainError, form: FlaskForm | None = None) -> None:
    """Put each message next to its field when the form has it, else in a flash message.
    The transaction is rolled back so that nothing half-done is saved."""
    rollback()
    if isinstance(error, ValidationFailed) and form is not None:
        for message in attach_errors(form, error.errors):
            flash(message, "error")
        return
    flash(error.message, "error")


ResultT = TypeVar("ResultT")


@dataclass(frozen=True)
class Outcome(Generic[ResultT]):
    """What `attempt` did: `ok` and the service's return value, or the failure's HTTP status
    (the page that shows the form again answers with it)."""

    ok: bool
    value: ResultT | None = None
    status: int = 200


def attempt(
    call: Callable[[], ResultT],
    *,
    form: FlaskForm | None = None,
    success: str | Callable[[ResultT], str] | None = None,
    fields: Mapping[str, str] | None = None,
) -> Outcome[ResultT]:
    """The one way a view changes something: call the service; on success commit and flash
    `success` (a message, or a function of what the service returned); on a DomainError roll
    back and show its messages next to the form's fields (or flashed). `fields` names the
    form's field for a key of the service's errors where the two differ (e.g. the service's
    "respond_by" is the form's "respond_date"). Any other exception propagates to the error
    handlers."""
    try:
        value = call()
    except DomainError as error:
        if fields and isinstance(error, ValidationFailed):
            error.errors = {fields.get(key, key): message for key, message in error.errors.items()}
        show_domain_error(error, form)
        if form is not None:
            form.failed_status = error.status_code  # see _setup_views.form_status
        return Outcome(False, status=error.status_code)
    commit()
    if success is not None:
        flash(success(value) if callable(success) else success, "success")
    return Outcome(True, value)


def attempt_then_redirect(
    call: Callable[[], Any],
    *,
    to: str,
    success: str | Callable[[Any], str] | None = None,
) -> Response:
    """`attempt` for a button with no form to show again: whatever happens, back to `to`
    (a failure is flashed there)."""
    attempt(call, success=success)
    return redirect(to)


class CheckboxGroupField(SelectMultipleField):
    """Several choices as checkboxes; the `field` macro renders it in a fieldset with a legend."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DateInput(DateField):
    """A date field whose parse error says what to type (the browser's date picker sends
    YYYY-MM-DD; without it, people type it themselves)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_l("Enter a date as YYYY-MM-DD, e.g. 2027-03-27.")) from error


def event_address_field(*, format_message: Any, description: Any) -> StringField:
    """The field for an event's web address (its slug), with the same rules wherever an event
    gets one (a new event, its settings, a new edition); the service checks them again and
    refuses the site's own words (services/events.py)."""
    return StringField(
        _l("Web address"),
        validators=[
            InputRequired(_l("Choose a web address.")),
            Length(min=3, max=50, message=_l("Use between 3 and 50 characters.")),
            Regexp(r"^[a-z0-9][a-z0-9-]*[a-z0-9]$", message=format_message),
        ],
        description=description,
        filters=[lambda value: value.strip().lower() if value else value],
        render_kw={"autocapitalize": "none", "spellcheck": "false"},
    )


def client_address() -> str:
    return request.remote_addr or "unknown"


def safe_next_url(target: str | None) -> str | None:
    """Only same-site paths, so that ?next= cannot send people to another site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or text.problem(target) is not None:
        return None  # no control characters or line breaks in a Location header
    return target


class ListPagination(Pagination):
    """Pagination over a list already in memory (filtered and sorted in Python)."""

    def __init__(self, items: list[Any], **kwargs: Any) -> None:
        self._all = items
        super().__init__(**kwargs)

    def _query_items(self) -> list[Any]:
        start = (self.page - 1) * self.per_page
        return self._all[start : start + self.per_page]

    def _query_count(self) -> int:
        return len(self._all)


def paginate_list(items: list[Any]) -> Pagination:
    """One page of a list already in memory, from ?page=N like `paginate`."""
    return ListPagination(
        items,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )


def attachment(path: Path, *, content_type: str, name: str) -> Response:
    """A stored file, as a download that no browser renders in the page: `attachment`, no
    content sniffing, a sandbox should it be opened anyway, and no copy in shared caches."""
    response = send_file(
        path, mimetype=content_type, as_attachment=True, download_name=name, max_age=0
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


CSV = "text/csv; charset=utf-8"


def download(body: bytes | str, *, content_type: str, name: str) -> Response:
    """Something made for this request (a CSV, a PDF, a zip) as a download, with the same
    headers as `attachment`: never rendered in the page, never kept by shared caches."""
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


PREPARING_REFRESH_SECONDS = 5


def preparing(event: Event, *, what: str, previous_url: str | None, **texts: Any) -> Response:
    """202 Accepted: the worker is making the file (a printed programme, the room signs, the
    representation report). The page reloads itself (no script needed); `texts` may give
    the page's `about`, `previous_label`, `back` (url, label) and `layout`."""
    response = make_response(
        render_template(
            "printed/preparing.html",
            event=event,
            what=what,
            previous_url=previous_url,
            refresh=PREPARING_REFRESH_SECONDS,
            **texts,
        ),
        202,
    )
    response.headers["Retry-After"] = str(PREPARING_REFRESH_SECONDS)
    response.cache_control.no_store = True
    return response


def reviewer_copy(find: Callable[[], Any], *, refused: str) -> Response:
    """The copy of a file answer that reviewers get, as an `attachment`: `find` is the
    service's file_for_reviewer call. A 404 when there is no such file; any other refusal
    (held back, unreadable) is flashed on the page at `refused`."""
    try:
        found = find()
    except NotFound:
        abort(404)
    except DomainError as error:
        show_domain_error(error)
        return redirect(refused)
    assert found.path is not None
    return attachment(found.path, content_type=found.content_type, name=found.download_name)
