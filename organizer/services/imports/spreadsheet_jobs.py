"""The spreadsheet import's last step from the browser, handed to the worker: 10,000 rows take
close to a minute to write, longer than any web server or proxy lets a request run.

1. `queue_spreadsheet_import` (the confirming request) records the organizer's choice (skip
   the rows with problems or not, how many good rows they were shown) and moves the row to
   "queued"; the request commits, then enqueues `tasks.import_spreadsheet`.
2. `write_queued_spreadsheet` (the worker) writes the rows with `import_spreadsheet_rows`, in
   one transaction, as the person who confirmed; it records "done" with the counts, or
   "failed" with the reason, fit for a person, on the row. The organizer's page reads it.

Neither a second confirmation nor a task run twice imports twice: confirming moves the row
only from "open" or "failed", and writing claims it with a conditional UPDATE
(`spreadsheet._claim_for_writing`) in the transaction that writes.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy import select, update

from organizer import permissions
from organizer.errors import DomainError, WrongState
from organizer.extensions import db
from organizer.models import SpreadsheetImport, User
from organizer.services.imports import spreadsheet

log = logging.getLogger(__name__)

# A file queued this long ago and still not written was lost by the queue (a worker killed
# before taking it, a queue emptied): its organizer may confirm it again. Writing 10,000 rows
# takes about a minute; a second task finding the first one's work done does nothing.
LOST_AFTER = dt.timedelta(minutes=15)
ERROR_MAX = 1000


def queue_spreadsheet_import(
    *,
    actor: User,
    sheet_import: SpreadsheetImport,
    skip_listed: bool,
    expected: int | None,
    now: dt.datetime,
) -> None:
    """Record the confirmation for the worker; WrongState when the file is already imported
    or waiting for the worker (a second click, another organizer)."""
    permissions.require(permissions.can_import_into(actor, sheet_import.event))
    if not sheet_import.mapping_confirmed:
        raise WrongState(_("Choose the columns first."))
    moved = db.session.execute(
        update(SpreadsheetImport)
        .where(
            SpreadsheetImport.id == sheet_import.id,
            SpreadsheetImport.state.in_(spreadsheet.OPEN_STATES)
            | (
                (SpreadsheetImport.state == "queued")
                & (SpreadsheetImport.queued_at < now - LOST_AFTER)
            ),
        )
        .values(
            state="queued",
            skip_listed=skip_listed,
            expected_count=expected,
            confirmed_by_id=actor.id,
            queued_at=now,
            error=None,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(sheet_import)
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        spreadsheet.refuse_if_imported(sheet_import)
        raise WrongState(_("This spreadsheet is being imported."))


def is_lost(sheet_import: SpreadsheetImport, *, now: dt.datetime) -> bool:
    """Whether a queued file has waited so long that it may be confirmed again."""
    return (
        sheet_import.state == "queued"
        and sheet_import.queued_at is not None
        and sheet_import.queued_at < now - LOST_AFTER
    )


def locale_of(public_id: str) -> str | None:
    """The language of whoever confirmed, for the reason of a failure."""
    return db.session.scalar(
        select(User.locale)
        .join(SpreadsheetImport, SpreadsheetImport.confirmed_by_id == User.id)
        .where(SpreadsheetImport.public_id == public_id)
    )


def write_queued_spreadsheet(*, public_id: str, now: Callable[[], dt.datetime]) -> str | None:
    """The worker's part: write the queued file and record how it went; commits. Returns the
    row's state at the end (None when the row is gone). A row not queued (already written, or
    confirmed again) is left alone."""
    sheet_import = db.session.scalar(
        select(SpreadsheetImport).where(SpreadsheetImport.public_id == public_id)
    )
    if sheet_import is None or sheet_import.state != "queued":
        state = sheet_import.state if sheet_import is not None else None
        db.session.rollback()
        return state
    sheet_import_id = sheet_import.id
    try:
        actor = sheet_import.confirmed_by
        if actor is None:
            raise WrongState(_("The person who confirmed this import no longer has an account."))
        count = spreadsheet.import_spreadsheet_rows(
            actor=actor,
            sheet_import=sheet_import,
            skip_listed=sheet_import.skip_listed,
            expected=sheet_import.expected_count,
            now=now(),
        )
    except DomainError as error:
        db.session.rollback()
        return _failed(sheet_import_id, _reason(error))
    except Exception:
        db.session.rollback()
        log.exception("spreadsheet import %s failed", public_id)
        _failed(
            sheet_import_id,
            _(
                "The import stopped with an unexpected error. Nothing was written; try again, "
                "and tell the site's administrators if it happens again."
            ),
        )
        raise  # the queue keeps the error for the site's administrators
    db.session.commit()
    log.info("spreadsheet import %s: %d rows written", public_id, count)
    return "done"


def _reason(error: DomainError) -> str:
    errors = getattr(error, "errors", None) or {}
    return str(next(iter(errors.values()), None) or error.message)


def _failed(sheet_import_id: int, reason: str) -> str | None:
    """Record why nothing was written, unless the row has moved on meanwhile."""
    db.session.execute(
        update(SpreadsheetImport)
        .where(SpreadsheetImport.id == sheet_import_id, SpreadsheetImport.state == "queued")
        .values(state="failed", error=reason[:ERROR_MAX])
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return db.session.scalar(
        select(SpreadsheetImport.state).where(SpreadsheetImport.id == sheet_import_id)
    )


def not_enqueued(sheet_import: SpreadsheetImport) -> None:
    """The queue could not be reached after the confirmation was committed."""
    sheet_import.state = "failed"
    sheet_import.error = _("The import could not be handed to the worker. Try again in a moment.")
