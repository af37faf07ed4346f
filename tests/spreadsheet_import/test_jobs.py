"""The spreadsheet import's writing step as a worker job: the confirmation is recorded and
queued, the worker writes in one transaction and records how it went, and neither a second
confirmation nor a task run twice imports twice."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from organizer import tasks
from organizer.errors import WrongState
from organizer.extensions import db
from organizer.models import OutboxMessage, Proposal, SpreadsheetImport
from organizer.services.imports import spreadsheet_jobs as jobs
from tests.factories import NOW, make_user
from tests.spreadsheet_import.helpers import (
    GOOGLE_HEADERS,
    csv_bytes,
    organizer_and_event,
    proposal_row,
    proposals_file,
)
from tests.spreadsheet_import.test_service import start


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def claim_mail_count() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.purpose == "claim_account")
    )


def queued(organizer, event, data, *, skip_listed=False, expected=None):
    sheet_import = start(organizer, event, data)
    jobs.queue_spreadsheet_import(
        actor=organizer,
        sheet_import=sheet_import,
        skip_listed=skip_listed,
        expected=expected,
        now=NOW,
    )
    db.session.commit()
    return sheet_import


def run(sheet_import: SpreadsheetImport) -> str | None:
    state = jobs.write_queued_spreadsheet(public_id=sheet_import.public_id, now=lambda: NOW)
    db.session.expire_all()
    return state


def test_the_confirmation_is_recorded_and_nothing_written_until_the_worker_runs(app):
    organizer, event = organizer_and_event()
    sheet_import = queued(organizer, event, proposals_file(3), expected=3)
    assert sheet_import.state == "queued"
    assert sheet_import.expected_count == 3 and sheet_import.skip_listed is False
    assert sheet_import.confirmed_by_id == organizer.id and sheet_import.queued_at == NOW
    assert count(Proposal) == 0 and claim_mail_count() == 0
    assert run(sheet_import) == "done"
    assert sheet_import.state == "done" and sheet_import.imported_count == 3
    assert sheet_import.content == b""
    assert count(Proposal) == 3 and claim_mail_count() == 3


def test_a_second_confirmation_and_a_second_run_import_nothing_more(app):
    organizer, event = organizer_and_event()
    sheet_import = queued(organizer, event, proposals_file(2))
    with pytest.raises(WrongState, match="being imported"):
        jobs.queue_spreadsheet_import(
            actor=organizer, sheet_import=sheet_import, skip_listed=True, expected=2, now=NOW
        )
    assert run(sheet_import) == "done"
    assert run(sheet_import) == "done"  # the task again (a retry, a duplicate): nothing
    with pytest.raises(WrongState, match="already been imported"):
        jobs.queue_spreadsheet_import(
            actor=organizer, sheet_import=sheet_import, skip_listed=False, expected=2, now=NOW
        )
    assert count(Proposal) == 2 and claim_mail_count() == 2


def test_the_claim_refuses_a_row_another_transaction_has_written(app):
    """Two workers that both read "queued": the second's conditional UPDATE finds "done"."""
    organizer, event = organizer_and_event()
    sheet_import = queued(organizer, event, proposals_file(2))
    db.session.execute(
        SpreadsheetImport.__table__.update()
        .where(SpreadsheetImport.__table__.c.id == sheet_import.id)
        .values(state="done")
    )
    from organizer.services.imports import spreadsheet

    with pytest.raises(WrongState, match="already been imported"):
        spreadsheet.import_spreadsheet_rows(
            actor=organizer, sheet_import=sheet_import, skip_listed=False, now=NOW
        )
    db.session.rollback()
    assert count(Proposal) == 0


def test_problems_without_skipping_fail_with_the_reason_and_may_be_confirmed_again(app):
    organizer, event = organizer_and_event()
    data = csv_bytes([GOOGLE_HEADERS, proposal_row(1), proposal_row(2, Track="Nowhere")])
    sheet_import = queued(organizer, event, data, expected=1)
    assert run(sheet_import) == "failed"
    assert sheet_import.state == "failed"
    assert sheet_import.error.startswith("Nothing was imported: 1 rows have problems.")
    assert count(Proposal) == 0 and claim_mail_count() == 0
    jobs.queue_spreadsheet_import(
        actor=organizer, sheet_import=sheet_import, skip_listed=True, expected=1, now=NOW
    )
    db.session.commit()
    assert sheet_import.error is None
    assert run(sheet_import) == "done"
    assert sheet_import.imported_count == 1 and sheet_import.skipped_count == 1
    assert count(Proposal) == 1


def test_an_event_changed_since_the_check_fails_rather_than_imports_differently(app):
    organizer, event = organizer_and_event()
    sheet_import = queued(organizer, event, proposals_file(3), expected=2)
    assert run(sheet_import) == "failed"
    assert "The event changed since the check" in sheet_import.error
    assert count(Proposal) == 0


def test_a_confirmer_who_lost_the_role_imports_nothing(app):
    organizer, event = organizer_and_event()
    other = make_user()
    sheet_import = queued(organizer, event, proposals_file(1))
    sheet_import.confirmed_by_id = other.id
    db.session.commit()
    assert run(sheet_import) == "failed"
    assert sheet_import.error
    assert count(Proposal) == 0


def test_an_unexpected_error_is_recorded_for_the_organizer_and_kept_by_the_queue(app, monkeypatch):
    organizer, event = organizer_and_event()
    sheet_import = queued(organizer, event, proposals_file(1))

    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(jobs.spreadsheet, "import_spreadsheet_rows", broken)
    with pytest.raises(RuntimeError):
        run(sheet_import)
    db.session.expire_all()
    assert sheet_import.state == "failed"
    assert "unexpected error" in sheet_import.error and "disk" not in sheet_import.error


def test_a_queued_file_lost_by_the_queue_may_be_confirmed_again(app):
    organizer, event = organizer_and_event()
    sheet_import = queued(organizer, event, proposals_file(1))
    later = NOW + jobs.LOST_AFTER + dt.timedelta(minutes=1)
    assert not jobs.is_lost(sheet_import, now=NOW)
    assert jobs.is_lost(sheet_import, now=later)
    jobs.queue_spreadsheet_import(
        actor=organizer, sheet_import=sheet_import, skip_listed=False, expected=1, now=later
    )
    db.session.commit()
    assert sheet_import.queued_at == later
    assert run(sheet_import) == "done"
    assert count(Proposal) == 1


def test_the_task_writes_in_the_language_of_whoever_confirmed(app):
    organizer, event = organizer_and_event()
    organizer.locale = "de"
    sheet_import = queued(organizer, event, proposals_file(1))
    assert jobs.locale_of(sheet_import.public_id) == "de"
    tasks.import_spreadsheet.call_local(sheet_import.public_id)
    db.session.expire_all()
    assert sheet_import.state == "done" and count(Proposal) == 1
