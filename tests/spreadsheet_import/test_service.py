"""Checking rows and importing proposals and grant applications: clear per-row errors, and
nothing written unless the file is clean or the organizer chose to skip the listed rows."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from organizer.enums import GrantState, ProposalState, QuestionKind
from organizer.errors import PermissionDenied, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    Answer,
    GrantAnswer,
    GrantApplication,
    GrantQuestion,
    OutboxMessage,
    Proposal,
    SpreadsheetImport,
)
from organizer.services.imports import people
from organizer.services.imports import spreadsheet as service
from organizer.services.imports.spreadsheet_fields import GRANT_APPLICATIONS, PROPOSALS
from tests.factories import NOW, make_programme, make_question, make_user
from tests.spreadsheet_import.helpers import (
    GOOGLE_HEADERS,
    csv_bytes,
    organizer_and_event,
    proposal_row,
    proposals_file,
    xlsx_bytes,
)


def start(organizer, event, data, *, kind=PROPOSALS, name="form.csv"):
    sheet_import = service.start_spreadsheet_import(
        actor=organizer, event=event, kind=kind, filename=name, data=data, now=NOW
    )
    lookups = service.lookups_for(event, kind)
    service.save_column_mapping(
        actor=organizer,
        sheet_import=sheet_import,
        columns={i: k for k, i in sheet_import.mapping.items()} | {},
        fields=lookups.fields,
        now=NOW,
    )
    return sheet_import


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def claim_mails() -> list[OutboxMessage]:
    return list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == "claim_account"))
    )


def test_a_clean_file_imports_every_row_and_invites_each_person_once(app):
    organizer, event = organizer_and_event()
    rows = [
        GOOGLE_HEADERS,
        proposal_row(1),
        proposal_row(2),
        proposal_row(1, **{"Title of your talk": "Second talk"}),
    ]
    sheet_import = start(organizer, event, csv_bytes(rows))
    result = service.check_spreadsheet(actor=organizer, sheet_import=sheet_import, now=NOW)
    assert result.clean and len(result.planned) == 3
    written = service.import_spreadsheet_rows(
        actor=organizer, sheet_import=sheet_import, skip_listed=False, now=NOW
    )
    assert written == 3
    proposals = list(db.session.scalars(select(Proposal).order_by(Proposal.id)))
    assert [p.title for p in proposals] == ["Talk number 1", "Talk number 2", "Second talk"]
    assert all(p.state == ProposalState.SUBMITTED for p in proposals)
    assert proposals[0].session_type.name == "Talk" and proposals[0].track.name == "Methods"
    # "11/20/2026 14:03:12" in Lisbon (UTC+0 in November)
    assert proposals[0].submitted_at.isoformat() == "2026-11-20T14:03:12+00:00"
    speaker = proposals[0].speakers[0].user
    assert people.is_unclaimed(speaker) and speaker.display_name == "Speaker 1"
    assert proposals[2].speakers[0].user.id == speaker.id
    assert sorted(m.to_address for m in claim_mails()) == [
        "speaker1@example.org",
        "speaker2@example.org",
    ]
    assert sheet_import.imported_at == NOW and sheet_import.content == b""
    with pytest.raises(WrongState):
        service.import_spreadsheet_rows(
            actor=organizer, sheet_import=sheet_import, skip_listed=False, now=NOW
        )


def bad_rows_file() -> bytes:
    return csv_bytes(
        [
            GOOGLE_HEADERS,
            proposal_row(1),
            proposal_row(2, Timestamp="31/31/2026"),
            proposal_row(3, Track="Astrology"),
            proposal_row(4, **{"Email Address": "not an address"}),
            ["", "", "", "", "", "", ""],
            proposal_row(5, **{"Title of your talk": ""}),
            proposal_row(6, **{"Session type": "Keynote"}),
            proposal_row(1),
            proposal_row(1, Name="Someone Else", **{"Title of your talk": "Other"}),
        ]
    )


def test_each_problem_is_listed_by_row_and_column(app):
    organizer, event = organizer_and_event()
    sheet_import = start(organizer, event, bad_rows_file())
    result = service.check_spreadsheet(actor=organizer, sheet_import=sheet_import, now=NOW)
    found = {(p.row, p.column): p.message for p in result.problems}
    assert "is not a date" in found[(3, "Timestamp")]
    assert found[(4, "Track")] == (
        "Unknown track “Astrology”. The event has: Methods, Applications."
    )
    assert found[(5, "Email Address")] == "“not an address” is not an email address."
    assert found[(7, "Title of your talk")] == "Enter the title."
    assert "Unknown session type “Keynote”" in found[(8, "Session type")]
    assert "Row 2 already has this person with the same title" in found[(9, "Email Address")]
    assert "given as “Speaker 1” in row 2" in found[(10, "Name")]
    assert result.empty_rows == 1
    assert result.bad_rows == [3, 4, 5, 7, 8, 9, 10]
    assert [p.row for p in result.planned] == [2]


def test_nothing_is_written_unless_the_listed_rows_are_skipped(app):
    organizer, event = organizer_and_event()
    sheet_import = start(organizer, event, bad_rows_file())
    with pytest.raises(ValidationFailed) as refused:
        service.import_spreadsheet_rows(
            actor=organizer, sheet_import=sheet_import, skip_listed=False, now=NOW
        )
    assert "Nothing was imported: 7 rows have problems" in refused.value.errors["skip_listed"]
    assert count(Proposal) == 0 and claim_mails() == []
    written = service.import_spreadsheet_rows(
        actor=organizer, sheet_import=sheet_import, skip_listed=True, expected=1, now=NOW
    )
    assert written == 1 and count(Proposal) == 1
    assert sheet_import.skipped_count == 7


def test_a_changed_event_since_the_check_is_refused(app):
    organizer, event = organizer_and_event()
    sheet_import = start(organizer, event, proposals_file(2))
    with pytest.raises(WrongState):
        service.import_spreadsheet_rows(
            actor=organizer, sheet_import=sheet_import, skip_listed=False, expected=3, now=NOW
        )
    assert count(Proposal) == 0


def test_importing_the_same_file_twice_finds_the_proposals_already_there(app):
    organizer, event = organizer_and_event()
    first = start(organizer, event, proposals_file(2))
    service.import_spreadsheet_rows(actor=organizer, sheet_import=first, skip_listed=False, now=NOW)
    second = start(organizer, event, proposals_file(2))
    result = service.check_spreadsheet(actor=organizer, sheet_import=second, now=NOW)
    assert {p.message for p in result.problems} == {
        "This person already has a proposal with this title."
    }


def test_custom_questions_are_matched_checked_and_stored(app):
    organizer, event = organizer_and_event()
    experience = make_question(
        event, text="Have you spoken before?", kind=QuestionKind.BOOLEAN, required=True
    )
    level = make_question(
        event,
        text="Which audience?",
        kind=QuestionKind.SINGLE_CHOICE,
        choices=["Beginners", "Experts"],
    )
    topics = make_question(
        event, text="Topics", kind=QuestionKind.MULTIPLE_CHOICE, choices=["Data", "Ethics", "Tools"]
    )
    headers = [*GOOGLE_HEADERS, "Have you spoken before?", "Which audience?", "Topics"]
    rows = [
        headers,
        [*proposal_row(1), "Yes", "beginners", "Data, Tools"],
        [*proposal_row(2), "", "Everyone", "Data"],
    ]
    sheet_import = start(organizer, event, csv_bytes(rows))
    assert sheet_import.mapping[f"question-{experience.id}"] == 7
    result = service.check_spreadsheet(actor=organizer, sheet_import=sheet_import, now=NOW)
    found = {(p.row, p.column): p.message for p in result.problems}
    assert found == {
        (3, "Have you spoken before?"): "Answer this question.",
        (3, "Which audience?"): "“Everyone” is not one of the options: Beginners, Experts.",
    }
    service.import_spreadsheet_rows(
        actor=organizer, sheet_import=sheet_import, skip_listed=True, now=NOW
    )
    answers = {a.question_id: a.value for a in db.session.scalars(select(Answer))}
    assert answers == {experience.id: "yes", level.id: "Beginners", topics.id: ["Data", "Tools"]}


def test_required_fields_need_a_column(app):
    organizer, event = organizer_and_event()
    sheet_import = service.start_spreadsheet_import(
        actor=organizer,
        event=event,
        kind=PROPOSALS,
        filename="f.csv",
        data=csv_bytes([["Name", "Title", "Title again"], ["A", "B", "C"]]),
        now=NOW,
    )
    fields = service.lookups_for(event, PROPOSALS).fields
    with pytest.raises(ValidationFailed) as refused:
        service.save_column_mapping(
            actor=organizer,
            sheet_import=sheet_import,
            columns={0: "name", 1: "title", 2: "title"},
            fields=fields,
            now=NOW,
        )
    errors = refused.value.errors
    assert errors["column-2"].startswith("“Title” already comes from column 2")
    assert "Email address, Session type, Track" in errors["mapping"]


def test_xlsx_grant_applications(app):
    organizer, event = organizer_and_event()
    travel = make_programme(event, name="Travel grants", request_cap=100_000)
    make_programme(event, name="Childcare")
    why = GrantQuestion(programme_id=travel.id, text="First time?", kind=QuestionKind.BOOLEAN)
    db.session.add(why)
    db.session.flush()
    headers = [
        "Timestamp",
        "Email",
        "Full name",
        "Which grant",
        "Motivation",
        "Country",
        "City",
        "Travel",
        "Lodging",
        "First time?",
    ]
    rows = [
        headers,
        [
            NOW.replace(tzinfo=None, month=11, day=1),
            "ana@example.org",
            "Ana",
            "Travel grants",
            "I teach.",
            "Portugal",
            "Porto",
            120.5,
            "80",
            "yes",
        ],
        [None, "bo@example.org", "Bo", "Travel grants", "x", "Atlantis", "", "900", "900", ""],
        [None, "cy@example.org", "Cy", "Moon fund", "x", "DE", "", "", "", ""],
        [None, "ana@example.org", "Ana", "travel grants", "again", "PT", "", "1", "", ""],
    ]
    sheet_import = start(organizer, event, xlsx_bytes(rows), kind=GRANT_APPLICATIONS, name="g.xlsx")
    result = service.check_spreadsheet(actor=organizer, sheet_import=sheet_import, now=NOW)
    found = {(p.row, p.column): p.message for p in result.problems}
    assert "Unknown country “Atlantis”" in found[(3, "Country")]
    assert "at most €1,000.00 per person" in found[(3, "Travel")]
    assert "Unknown grant programme “Moon fund”" in found[(4, "Which grant")]
    assert "same grant programme" in found[(5, "Email")]
    service.import_spreadsheet_rows(
        actor=organizer, sheet_import=sheet_import, skip_listed=True, now=NOW
    )
    application = db.session.scalars(select(GrantApplication)).one()
    assert application.state == GrantState.SUBMITTED
    assert application.requested == {"travel": 12050, "lodging": 8000}
    assert application.requested_total == 20050
    assert (application.country, application.city) == ("PT", "Porto")
    assert [a.value for a in db.session.scalars(select(GrantAnswer))] == ["yes"]


def test_an_existing_account_is_used_and_not_invited(app):
    organizer, event = organizer_and_event()
    known = make_user(email="speaker1@example.org")
    sheet_import = start(organizer, event, proposals_file(1))
    service.import_spreadsheet_rows(
        actor=organizer, sheet_import=sheet_import, skip_listed=False, now=NOW
    )
    proposal = db.session.scalars(select(Proposal)).one()
    assert proposal.speakers[0].user_id == known.id
    assert claim_mails() == []


def test_a_10000_row_file_is_checked_without_writing(app, queries):
    organizer, event = organizer_and_event()
    rows = [GOOGLE_HEADERS] + [proposal_row(n) for n in range(1, 10_001)]
    rows[5000] = proposal_row(4999, Track="Nowhere")
    sheet_import = start(organizer, event, csv_bytes(rows))
    queries.clear()
    result = service.check_spreadsheet(actor=organizer, sheet_import=sheet_import, now=NOW)
    assert len(queries) < 10  # the event's set-up once, not per row
    assert len(result.planned) == 9_999
    # Row 5001 repeats the person and title of row 5000, with a track the event lacks.
    assert {(p.row, p.column) for p in result.problems} == {
        (5001, "Track"),
        (5001, "Email Address"),
    }
    assert count(Proposal) == 0


def test_only_organizers_may_import(app):
    organizer, event = organizer_and_event()
    stranger = make_user()
    with pytest.raises(PermissionDenied):
        service.start_spreadsheet_import(
            actor=stranger,
            event=event,
            kind=PROPOSALS,
            filename="f.csv",
            data=proposals_file(1),
            now=NOW,
        )
    sheet_import = start(organizer, event, proposals_file(1))
    with pytest.raises(PermissionDenied):
        service.import_spreadsheet_rows(
            actor=stranger, sheet_import=sheet_import, skip_listed=False, now=NOW
        )
    assert count(SpreadsheetImport) == 1 and count(Proposal) == 0


def test_a_file_of_day_first_dates_is_read_day_first_throughout(app):
    organizer, event = organizer_and_event()
    rows = [
        GOOGLE_HEADERS,
        proposal_row(1, Timestamp="03/04/2026 10:00:00"),
        proposal_row(2, Timestamp="20/11/2026 09:15:00"),
    ]
    sheet_import = start(organizer, event, csv_bytes(rows))
    result = service.check_spreadsheet(actor=organizer, sheet_import=sheet_import, now=NOW)
    assert result.clean
    assert [p.submitted_at.date().isoformat() for p in result.planned] == [
        "2026-04-03",
        "2026-11-20",
    ]


def test_a_file_that_mixes_both_orders_keeps_month_first(app):
    organizer, event = organizer_and_event()
    rows = [
        GOOGLE_HEADERS,
        proposal_row(1, Timestamp="11/20/2026 10:00:00"),
        proposal_row(2, Timestamp="20/11/2026 09:15:00"),
    ]
    sheet_import = start(organizer, event, csv_bytes(rows))
    result = service.check_spreadsheet(actor=organizer, sheet_import=sheet_import, now=NOW)
    assert [(p.row, p.column) for p in result.problems] == [(3, "Timestamp")]


def test_uploads_left_unimported_for_a_week_are_deleted(app):
    import datetime as dt

    organizer, event = organizer_and_event()
    old = start(organizer, event, proposals_file(1))
    old.created_at = NOW - dt.timedelta(days=8)
    done = start(organizer, event, proposals_file(1))
    done.created_at = NOW - dt.timedelta(days=8)
    service.import_spreadsheet_rows(actor=organizer, sheet_import=done, skip_listed=False, now=NOW)
    recent = start(organizer, event, proposals_file(2))
    kept = set(db.session.scalars(select(SpreadsheetImport.public_id)))
    assert kept == {done.public_id, recent.public_id}
