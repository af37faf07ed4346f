"""Benchmark of the spreadsheet import (`make bench`): a 2,000-row Google Forms export of
proposals, with two custom questions, checked, then written as the worker writes it after the
organizer confirms (services/imports/spreadsheet_jobs.py: in one transaction, each speaker a
new unclaimed account, invited once). Prints the time of each step and the SQL statements the
check runs. Under `make bench-check` the file has 100 rows."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from organizer.enums import QuestionKind
from organizer.extensions import db
from organizer.models import OutboxMessage, Proposal
from organizer.services.imports import spreadsheet, spreadsheet_jobs
from organizer.services.imports.spreadsheet_fields import PROPOSALS
from tests.bench.conftest import sized
from tests.factories import NOW, make_question
from tests.spreadsheet_import.helpers import (
    GOOGLE_HEADERS,
    csv_bytes,
    organizer_and_event,
    proposal_row,
)

ROWS = 2000
CHECK_ROWS = 100


@pytest.fixture
def rows(full_size) -> int:
    return sized(full_size, ROWS, CHECK_ROWS)


def test_import_of_a_2000_row_spreadsheet(benchmark, app, queries, rows):
    organizer, event = organizer_and_event()
    make_question(event, text="Have you spoken before?", kind=QuestionKind.BOOLEAN)
    make_question(
        event,
        text="Which audience?",
        kind=QuestionKind.SINGLE_CHOICE,
        choices=["Beginners", "Experts"],
    )
    headers = [*GOOGLE_HEADERS, "Have you spoken before?", "Which audience?"]
    data = csv_bytes(
        [headers]
        + [
            [*proposal_row(n, Track="Methods" if n % 2 else "Applications"), "yes", "Experts"]
            for n in range(rows)
        ]
    )

    started = time.perf_counter()
    sheet_import = spreadsheet.start_spreadsheet_import(
        actor=organizer, event=event, kind=PROPOSALS, filename="form.csv", data=data, now=NOW
    )
    fields = spreadsheet.lookups_for(event, PROPOSALS).fields
    spreadsheet.save_column_mapping(
        actor=organizer,
        sheet_import=sheet_import,
        columns={index: key for key, index in sheet_import.mapping.items()},
        fields=fields,
        now=NOW,
    )
    uploaded = time.perf_counter() - started
    queries.clear()
    started = time.perf_counter()
    result = spreadsheet.check_spreadsheet(actor=organizer, sheet_import=sheet_import, now=NOW)
    checked = time.perf_counter() - started
    check_queries = len(queries)
    assert result.clean and len(result.planned) == rows
    assert check_queries < 10

    spreadsheet_jobs.queue_spreadsheet_import(
        actor=organizer, sheet_import=sheet_import, skip_listed=False, expected=rows, now=NOW
    )
    db.session.commit()
    public_id = sheet_import.public_id

    def write() -> str | None:
        return spreadsheet_jobs.write_queued_spreadsheet(public_id=public_id, now=lambda: NOW)

    state = benchmark.pedantic(write, rounds=1, iterations=1)
    db.session.expire_all()
    assert state == "done" and sheet_import.imported_count == rows
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == rows
    invited = db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.purpose == "claim_account")
    )
    assert invited == rows
    print(
        f"\n{rows} rows ({len(data) // 1024} KiB): upload and columns {uploaded * 1000:.0f} ms, "
        f"check {checked * 1000:.0f} ms in {check_queries} SQL statements"
    )
