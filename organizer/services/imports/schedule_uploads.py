"""An organizer's schedule import from the browser, in steps: a file is uploaded (or an address
given, which the worker fetches), read and previewed; the organizer looks at the preview and
confirms; only then is anything imported (`schedule.import_schedule`). Each step is kept in a
`ScheduleImport` row, so that the worker and the pages share it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy import select

from organizer import permissions
from organizer.errors import DomainError, NotFound, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import Event, ScheduleImport, User
from organizer.services.imports import fetch, schedule
from organizer.services.imports.schedule_formats import read_schedule

MAX_BYTES = 20 * 1024 * 1024  # a 1,000-session schedule.json with descriptions is ~3 MB
EXTENSIONS = (".xml", ".json")


def _preview(record: ScheduleImport, data: bytes, actor: User) -> None:
    parsed = read_schedule(data)
    if not parsed.sessions:
        raise ValidationFailed({"file": _("The file holds no session that can be imported.")})
    record.preview = schedule.preview_schedule(
        parsed=parsed, event=record.event, actor=actor
    ).as_dict()


def start_from_file(
    *, event: Event, actor: User, filename: str, data: bytes, now: dt.datetime
) -> ScheduleImport:
    """Read an uploaded file and keep it with its preview; ValidationFailed (on the `file`
    field) when it is too large, of another type or no schedule."""
    schedule.require_importer(actor, event)
    if not filename.lower().endswith(EXTENSIONS):
        raise ValidationFailed({"file": _("Choose a schedule.xml or schedule.json file.")})
    if len(data) > MAX_BYTES:
        raise ValidationFailed(
            {"file": _("The file is larger than %(n)d MB.", n=MAX_BYTES // (1024 * 1024))}
        )
    record = ScheduleImport(
        event=event,
        created_by_id=actor.id,
        state="ready",
        filename=filename[-200:],
        content=data,
        created_at=now,
        updated_at=now,
    )
    _preview(record, data, actor)
    db.session.add(record)
    db.session.flush()
    return record


def start_from_url(*, event: Event, actor: User, url: str, now: dt.datetime) -> ScheduleImport:
    """Keep the address for the worker (`fetch_and_preview`); the request enqueues it after
    committing. An address that is not http(s) is refused here already."""
    schedule.require_importer(actor, event)
    url = url.strip()
    if len(url) > 2000:
        raise ValidationFailed({"url": _("The address is too long.")})
    fetch.check_address_form(url)
    record = ScheduleImport(
        event=event,
        created_by_id=actor.id,
        state="fetching",
        url=url,
        created_at=now,
        updated_at=now,
    )
    db.session.add(record)
    db.session.flush()
    return record


def fetch_and_preview(
    *,
    public_id: str,
    now: Callable[[], dt.datetime],
    allowed: Callable[[fetch.IPAddress], bool] = fetch.is_public_address,
) -> str | None:
    """The worker's part: fetch the address, read it and preview it for whoever asked; the
    row says `ready` or `failed` with the reason. The row is read and the transaction closed
    before fetching, so that no database lock is held while waiting for another server."""
    record = db.session.scalar(select(ScheduleImport).filter_by(public_id=public_id))
    if record is None or record.state != "fetching":
        return None
    url = record.url
    db.session.commit()
    try:
        data = fetch.fetch_limited(url, max_bytes=MAX_BYTES, allowed=allowed)
    except fetch.FetchRefused as error:
        return _failed(public_id, error, now())
    record = db.session.scalar(select(ScheduleImport).filter_by(public_id=public_id))
    if record is None:
        return None
    actor = db.session.get(User, record.created_by_id) if record.created_by_id else None
    try:
        if actor is None:
            raise WrongState(_("The person who started this import no longer has an account."))
        _preview(record, data, actor)
    except DomainError as error:
        db.session.rollback()
        return _failed(public_id, error, now())
    record.content = data
    record.state = "ready"
    record.updated_at = now()
    db.session.commit()
    return record.state


def _failed(public_id: str, error: DomainError, now: dt.datetime) -> str:
    record = db.session.scalar(select(ScheduleImport).filter_by(public_id=public_id))
    if record is None:
        return "failed"
    errors = getattr(error, "errors", None) or {}
    record.error = str(next(iter(errors.values()), None) or error)
    record.state = "failed"
    record.updated_at = now
    db.session.commit()
    return "failed"


def not_enqueued(record: ScheduleImport, *, now: dt.datetime) -> None:
    record.state = "failed"
    record.error = _("The address could not be handed to the worker. Try again in a moment.")
    record.updated_at = now


def import_of(*, event: Event, public_id: str, actor: User) -> ScheduleImport:
    schedule.require_importer(actor, event)
    record = db.session.scalar(
        select(ScheduleImport).filter_by(public_id=public_id, event_id=event.id)
    )
    if record is None:
        raise NotFound(_("There is no such import."))
    return record


def confirm(
    *, record: ScheduleImport, actor: User, now: dt.datetime, release: bool
) -> schedule.Result:
    """Import the kept file into its event (read again: the preview may be old, and what is
    written is what the event holds now), as a draft or released; the file is then dropped."""
    schedule.require_importer(actor, record.event)
    if not permissions.can_confirm_schedule_import(actor, record) or record.content is None:
        raise WrongState(_("This import is not waiting for a confirmation."))
    result = schedule.import_schedule(
        parsed=read_schedule(record.content),
        event=record.event,
        actor=actor,
        now=now,
        release=release,
        comment=_("Imported from %(source)s", source=record.filename or record.url)[:500],
    )
    record.state = "applied"
    record.applied_at = now
    record.updated_at = now
    record.content = None
    record.result = {
        "summary": result.preview.summary,
        "skipped": len(result.preview.skipped),
        "invited": result.invited,
        "released": result.released,
        "not_released": result.not_released,
    }
    return result
