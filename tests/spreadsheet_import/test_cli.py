"""`flask import-spreadsheet`: the same checks as the pages, printed by row; nothing written
unless the file is clean or --skip-listed; --map over the suggested columns; --dry-run."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from organizer.extensions import db
from organizer.models import GrantApplication, OutboxMessage, Proposal, SpreadsheetImport
from tests.factories import make_programme
from tests.spreadsheet_import.helpers import (
    GOOGLE_HEADERS,
    csv_bytes,
    organizer_and_event,
    proposal_row,
    proposals_file,
    xlsx_bytes,
)


def run(app, *args):
    db.session.commit()  # the command runs in an application context of its own
    result = app.test_cli_runner().invoke(args=["import-spreadsheet", *args])
    db.session.expire_all()
    return result


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def written(tmp_path, data: bytes, name: str = "form.csv") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_a_clean_file_is_imported_and_each_person_invited_once(app, tmp_path):
    organizer, event = organizer_and_event()
    data = csv_bytes(
        [GOOGLE_HEADERS, proposal_row(1), proposal_row(1, **{"Title of your talk": "Other"})]
    )
    args = [written(tmp_path, data), "--event", event.slug, "--kind", "proposals"]
    result = run(app, *args, "--as", organizer.email)
    assert result.exit_code == 0, result.output
    assert "column 4 “Title of your talk” -> Title (title)" in result.output
    assert "2 rows ready, 0 rows with problems, 0 empty rows left out." in result.output
    assert f"Imported 2 rows into {event.slug}; 0 skipped." in result.output
    assert count(Proposal) == 2
    invitations = select(func.count()).where(OutboxMessage.purpose == "claim_account")
    assert db.session.scalar(invitations.select_from(OutboxMessage)) == 1
    assert db.session.scalars(select(SpreadsheetImport)).one().state == "done"


def test_problems_are_printed_by_row_and_nothing_written_unless_skipped(app, tmp_path):
    organizer, event = organizer_and_event()
    data = csv_bytes([GOOGLE_HEADERS, proposal_row(1), proposal_row(2, Track="Astrology")])
    args = [written(tmp_path, data), "--event", event.slug, "--kind", "proposals"]
    args += ["--as", organizer.email]
    refused = run(app, *args)
    assert refused.exit_code == 1
    assert "row 3, Track: Unknown track “Astrology”" in refused.output
    assert "Nothing was imported: 1 rows have problems." in refused.output
    assert count(Proposal) == 0 and count(SpreadsheetImport) == 0
    dry = run(app, *args, "--skip-listed", "--dry-run")
    assert dry.exit_code == 0 and "Dry run: nothing was written." in dry.output
    assert count(Proposal) == 0 and count(SpreadsheetImport) == 0
    skipped = run(app, *args, "--skip-listed")
    assert skipped.exit_code == 0, skipped.output
    assert "Imported 1 rows" in skipped.output and "1 skipped." in skipped.output
    assert [p.title for p in db.session.scalars(select(Proposal))] == ["Talk number 1"]


def test_map_overrides_the_suggested_columns(app, tmp_path):
    organizer, event = organizer_and_event()
    path = written(tmp_path, proposals_file(1))
    args = [path, "--event", event.slug, "--kind", "proposals", "--as", organizer.email]
    required = run(app, *args, "--map", "Track=")
    assert required.exit_code == 1
    assert "Choose a column for each required field: Track." in required.output
    result = run(app, *args, "--map", "Abstract=description", "--map", "timestamp=")
    assert result.exit_code == 0, result.output
    assert "“Abstract” -> Description (description)" in result.output
    assert "“Timestamp”" not in result.output
    proposal = db.session.scalars(select(Proposal)).one()
    assert proposal.description == "What we learnt." and proposal.abstract == ""
    assert proposal.submitted_at.date() != dt.date(2026, 11, 20)  # the Timestamp column's
    unknown = run(app, *args, "--map", "Nope=title", "--map", "Abstract=colour")
    assert unknown.exit_code == 1
    assert "No column is headed “Nope”." in unknown.output
    assert "There is no field “colour”; the fields are: email, name" in unknown.output
    malformed = run(app, *args, "--map", "Abstract")
    assert malformed.exit_code == 2 and "is not HEADER=FIELD" in malformed.output


def test_grant_applications_from_xlsx(app, tmp_path):
    organizer, event = organizer_and_event()
    make_programme(event, name="Travel grants")
    data = xlsx_bytes(
        [
            ["Timestamp", "Email", "Name", "Why do you apply?", "Travel"],
            ["2026-11-02 10:00", "ana@example.org", "Ana", "I teach.", 300],
        ]
    )
    path = written(tmp_path, data, "grants.xlsx")
    result = run(
        app, path, "--event", event.slug, "--kind", "grant-applications", "--as", organizer.email
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalars(select(GrantApplication)).one().requested == {"travel": 30000}


def test_refusals_are_clear(app, tmp_path):
    organizer, event = organizer_and_event()
    path = written(tmp_path, proposals_file(1))
    nobody = run(app, path, "--event", event.slug, "--kind", "proposals", "--as", "x@example.org")
    assert nobody.exit_code == 1 and "No account with the address" in nobody.output
    no_event = run(app, path, "--event", "nope", "--kind", "proposals", "--as", organizer.email)
    assert no_event.exit_code == 1 and "No event 'nope'" in no_event.output
    unreadable = run(
        app,
        written(tmp_path, b"\xd0\xcf\x11\xe0 old", "old.xls"),
        "--event",
        event.slug,
        "--kind",
        "proposals",
        "--as",
        organizer.email,
    )
    assert unreadable.exit_code == 1 and "not an XLSX file" in unreadable.output
    no_programme = run(
        app, path, "--event", event.slug, "--kind", "grant-applications", "--as", organizer.email
    )
    assert no_programme.exit_code == 1 and "Set up a grant programme first" in no_programme.output
    assert count(SpreadsheetImport) == 0
