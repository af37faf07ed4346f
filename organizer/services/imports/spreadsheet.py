"""Proposals and grant applications from a spreadsheet (CSV or XLSX, as Google Forms and
Microsoft Forms export them), in three steps that each come back to the stored upload:

1. `start_spreadsheet_import` reads the file (spreadsheet_read.py) and keeps it with a first
   guess of which column feeds which field (spreadsheet_fields.py);
2. `save_column_mapping` records the organizer's choice of columns;
3. `check_spreadsheet` checks every row (spreadsheet_rows.py) and `import_spreadsheet_rows`
   writes them, in one transaction: all of them when the file is clean, or only the good ones
   when the organizer chose to skip the rows listed with problems. Nothing is written before.
   From the browser the writing is the worker's (spreadsheet_jobs.py: 10,000 rows take longer
   than any web request may); the command line and the tests call it directly.

Each imported person is an account (organizer.services.imports.people): the existing one with
that address, or a new unclaimed one, invited once by mail to claim it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from organizer import permissions
from organizer.enums import GrantState, ProposalState, QuestionKind, SpeakerRole
from organizer.errors import NotFound, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    Answer,
    Event,
    GrantAnswer,
    GrantApplication,
    GrantProgramme,
    GrantQuestion,
    Proposal,
    ProposalSpeaker,
    SpreadsheetImport,
    User,
)
from organizer.services import audit
from organizer.services.cfp import call
from organizer.services.imports import people
from organizer.services.imports.spreadsheet_fields import (
    GRANT_APPLICATIONS,
    KINDS,
    PROPOSALS,
    Field,
    grant_fields,
    normalised,
    proposal_fields,
    suggest,
)
from organizer.services.imports.spreadsheet_read import Sheet, read_sheet
from organizer.services.imports.spreadsheet_rows import (
    Check,
    Lookups,
    Planned,
    check_application_row,
    check_proposal_row,
    check_sheet,
)
from organizer.services.reviewing.questions import store_answer

FILENAME_MAX = 200
# An upload nobody imported is deleted after this long: it holds people's addresses.
STALE_AFTER = dt.timedelta(days=7)


# Reading what the event has ------------------------------------------------------------------


def lookups_for(event: Event, kind: str) -> Lookups:
    """The event's types, tracks, questions or programmes, and what was imported before, in a
    few queries however long the file. File questions cannot come from a spreadsheet."""
    if kind == PROPOSALS:
        questions = [q for q in call.questions(event) if q.kind != QuestionKind.FILE]
        session_types, tracks = call.session_types(event), call.tracks(event)
        existing = {
            (email.casefold(), normalised(title))
            for email, title in db.session.execute(
                select(ProposalSpeaker.email, Proposal.title)
                .join(Proposal, Proposal.id == ProposalSpeaker.proposal_id)
                .where(Proposal.event_id == event.id)
            )
        }
        return Lookups(
            event=event,
            fields=proposal_fields(session_types, tracks, questions),
            cfp=call.call_of(event),
            session_types=session_types,
            tracks=tracks,
            questions=questions,
            existing=existing,
        )
    programmes = list(
        db.session.scalars(
            select(GrantProgramme)
            .where(GrantProgramme.event_id == event.id)
            .order_by(GrantProgramme.opens_at, GrantProgramme.id)
        )
    )
    grant_questions = [
        q
        for q in db.session.scalars(
            select(GrantQuestion)
            .where(GrantQuestion.programme_id.in_([p.id for p in programmes]))
            .order_by(GrantQuestion.programme_id, GrantQuestion.position, GrantQuestion.id)
        )
        if q.kind != QuestionKind.FILE
    ]
    existing = {
        (email.casefold(), programme_id)
        for email, programme_id in db.session.execute(
            select(User.email, GrantApplication.programme_id)
            .join(User, User.id == GrantApplication.applicant_id)
            .where(GrantApplication.programme_id.in_([p.id for p in programmes]))
        )
    }
    return Lookups(
        event=event,
        fields=grant_fields(programmes, grant_questions),
        programmes=programmes,
        grant_questions=grant_questions,
        existing=existing,
    )


def sheet_of(sheet_import: SpreadsheetImport) -> Sheet:
    return read_sheet(sheet_import.content, sheet_import.filename)


# Step 1: the upload --------------------------------------------------------------------------


def start_spreadsheet_import(
    *, actor: User, event: Event, kind: str, filename: str, data: bytes, now: dt.datetime
) -> SpreadsheetImport:
    """Keep a readable spreadsheet with the suggested columns; ValidationFailed for the
    "file" field when it cannot be read."""
    permissions.require(permissions.can_import_into(actor, event))
    if kind not in KINDS:
        raise NotFound()
    sheet = read_sheet(data, filename)
    if not sheet.rows:
        raise ValidationFailed({"file": _("The file has a header row but no answers.")})
    if kind == PROPOSALS and call.call_of(event) is None:
        raise WrongState(_("Set up the call for talks first: proposals belong to a call."))
    lookups = lookups_for(event, kind)
    if kind == PROPOSALS and not lookups.session_types:
        raise WrongState(_("Add at least one session type to the call first."))
    if kind == GRANT_APPLICATIONS and not lookups.programmes:
        raise WrongState(_("Set up a grant programme first: applications belong to one."))
    sheet_import = SpreadsheetImport(
        event_id=event.id,
        kind=kind,
        filename=(filename or "upload")[-FILENAME_MAX:],
        content=data,
        mapping=suggest(sheet.headers, lookups.fields),
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(sheet_import)
    _forget_stale_uploads(event, now)
    db.session.flush()
    return sheet_import


def _forget_stale_uploads(event: Event, now: dt.datetime) -> None:
    """Uploads of this event left at the mapping or check step for a week are deleted."""
    db.session.execute(
        delete(SpreadsheetImport).where(
            SpreadsheetImport.event_id == event.id,
            SpreadsheetImport.imported_at.is_(None),
            SpreadsheetImport.created_at < now - STALE_AFTER,
        )
    )


def spreadsheet_import_in(*, actor: User, event: Event, public_id: str) -> SpreadsheetImport:
    permissions.require(permissions.can_import_into(actor, event))
    found = db.session.scalar(
        select(SpreadsheetImport).where(
            SpreadsheetImport.event_id == event.id, SpreadsheetImport.public_id == public_id
        )
    )
    if found is None:
        raise NotFound()
    return found


# Step 2: the columns -------------------------------------------------------------------------


def save_column_mapping(
    *,
    actor: User,
    sheet_import: SpreadsheetImport,
    columns: dict[int, str],
    fields: list[Field],
    now: dt.datetime,
) -> None:
    """`columns`: column index -> field key ("" for a column not imported). Each field takes
    one column at most, and every required field needs one. Errors are keyed "column-<n>"
    (the column's select) or "mapping" (a required field nobody chose)."""
    permissions.require(permissions.can_import_into(actor, sheet_import.event))
    refuse_if_imported(sheet_import)
    by_key = {f.key: f for f in fields}
    errors: dict[str, str] = {}
    mapping: dict[str, int] = {}
    for index, key in sorted(columns.items()):
        if not key:
            continue
        if key not in by_key:
            errors[f"column-{index}"] = _("Choose a field from the list.")
        elif key in mapping:
            errors[f"column-{index}"] = _(
                "“%(field)s” already comes from column %(n)s: each field takes one column.",
                field=by_key[key].label,
                n=mapping[key] + 1,
            )
        else:
            mapping[key] = index
    missing = [str(f.label) for f in fields if f.required and f.key not in mapping]
    if missing:
        errors["mapping"] = _(
            "Choose a column for each required field: %(fields)s.", fields=", ".join(missing)
        )
    if errors:
        raise ValidationFailed(errors)
    sheet_import.mapping = mapping
    sheet_import.mapping_confirmed = True
    db.session.flush()


def columns_with_choices(
    sheet_import: SpreadsheetImport, choices: dict[str, str], fields: list[Field]
) -> dict[int, str]:
    """The column -> field choice of `save_column_mapping`, from the suggested mapping with
    `choices` (a column's header -> a field key, "" for none) laid over it: what the command
    line's --map gives. ValidationFailed ("mapping") for a header or field that is not there."""
    headers = sheet_of(sheet_import).headers
    by_header = {normalised(h): i for i, h in reversed(list(enumerate(headers)))}
    keys = {f.key for f in fields}
    columns = {index: key for key, index in sheet_import.mapping.items()}
    errors = []
    for header, key in choices.items():
        index = by_header.get(normalised(header))
        if index is None:
            errors.append(_("No column is headed “%(header)s”.", header=header))
        elif key and key not in keys:
            errors.append(
                _(
                    "There is no field “%(key)s”; the fields are: %(keys)s.",
                    key=key,
                    keys=", ".join(f.key for f in fields),
                )
            )
        else:
            columns = {i: k for i, k in columns.items() if k != key or not key}
            columns[index] = key
    if errors:
        raise ValidationFailed({"mapping": " ".join(errors)})
    return columns


# The states in which the file may still be changed and confirmed (see the model).
OPEN_STATES = ("open", "failed")


def refuse_if_imported(sheet_import: SpreadsheetImport) -> None:
    if sheet_import.state == "done":
        raise WrongState(_("This spreadsheet has already been imported."))
    if sheet_import.state not in OPEN_STATES:
        raise WrongState(_("This spreadsheet is being imported."))


def _claim_for_writing(sheet_import: SpreadsheetImport) -> None:
    """The guard against importing a file twice: only one transaction can move the row from
    a state that may still be imported to "importing" (on PostgreSQL a second one waits for
    the first to commit, then finds it "done"; on SQLite the write lock does the same)."""
    claimed = db.session.execute(
        update(SpreadsheetImport)
        .where(
            SpreadsheetImport.id == sheet_import.id,
            SpreadsheetImport.state.in_((*OPEN_STATES, "queued")),
        )
        .values(state="importing")
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        db.session.refresh(sheet_import)
        refuse_if_imported(sheet_import)
        raise WrongState(_("This spreadsheet is being imported."))
    sheet_import.state = "importing"


# Step 3: checking and writing ----------------------------------------------------------------


def _duplicate_key(kind: str) -> Any:
    if kind == PROPOSALS:
        return lambda planned: (_("title"), planned.email, normalised(planned.values["title"]))
    return lambda planned: (
        _("grant programme"),
        planned.email,
        planned.values["programme"].id if planned.values["programme"] else None,
    )


def check_spreadsheet(*, actor: User, sheet_import: SpreadsheetImport, now: dt.datetime) -> Check:
    """Every row checked against the event as it is now; nothing is written."""
    permissions.require(permissions.can_import_into(actor, sheet_import.event))
    return _checked(sheet_import, now)[0]


def _checked(sheet_import: SpreadsheetImport, now: dt.datetime) -> tuple[Check, Lookups]:
    lookups = lookups_for(sheet_import.event, sheet_import.kind)
    check_row = check_proposal_row if sheet_import.kind == PROPOSALS else check_application_row
    result = check_sheet(
        sheet_of(sheet_import),
        sheet_import.mapping,
        lookups,
        check_row,
        duplicate_key=_duplicate_key(sheet_import.kind),
        now=now,
    )
    return result, lookups


def problems_left_message(bad_rows: int) -> str:
    return _(
        "Nothing was imported: %(n)s rows have problems. Correct the file and upload it again, "
        "or choose to skip those rows.",
        n=bad_rows,
    )


def import_spreadsheet_rows(
    *,
    actor: User,
    sheet_import: SpreadsheetImport,
    skip_listed: bool,
    expected: int | None = None,
    now: dt.datetime,
) -> int:
    """Write the checked rows and invite their people; returns how many were written. With
    problems in the file, nothing is written unless `skip_listed` (then the good rows only).
    `expected` is the number of good rows the organizer was shown: a file checked against an
    event that changed since is refused rather than imported differently."""
    event = sheet_import.event
    permissions.require(permissions.can_import_into(actor, event))
    if sheet_import.state == "done":
        refuse_if_imported(sheet_import)
    if not sheet_import.mapping_confirmed:
        raise WrongState(_("Choose the columns first."))
    result, lookups = _checked(sheet_import, now)
    if result.problems and not skip_listed:
        raise ValidationFailed({"skip_listed": problems_left_message(len(result.bad_rows))})
    if expected is not None and expected != len(result.planned):
        raise WrongState(
            _("The event changed since the check: look at the rows again before importing.")
        )
    if not result.planned:
        raise ValidationFailed({"skip_listed": _("There are no good rows to import.")})
    _claim_for_writing(sheet_import)
    # Everyone first, then every row: each person's look-up then flushes nothing else, and the
    # proposals or applications go to the database together.
    people_by_email: dict[str, User] = {}
    known = people.accounts_by_email(planned.email for planned in result.planned)
    for planned in result.planned:
        if planned.email not in people_by_email:
            people_by_email[planned.email] = people.person_for_import(
                display_name=planned.name, email=planned.email, now=now, known=known
            )
    for planned in result.planned:
        person = people_by_email[planned.email]
        if sheet_import.kind == PROPOSALS:
            _write_proposal(event, planned, person, lookups, now=now)
        else:
            _write_application(planned, person, lookups, now=now)
    db.session.flush()
    invited = sum(
        1
        for person in people_by_email.values()
        if people.invite_to_claim(user=person, event=event, now=now)
    )
    sheet_import.state = "done"
    sheet_import.error = None
    sheet_import.imported_at = now
    sheet_import.imported_count = len(result.planned)
    sheet_import.skipped_count = len(result.bad_rows)
    sheet_import.content = b""  # the rows are in the event now; the file need not stay
    db.session.flush()
    audit.record(
        action=f"spreadsheet_import.{sheet_import.kind}",
        actor=actor,
        now=now,
        object_type="spreadsheet_import",
        object_id=sheet_import.public_id,
        event=event,
        details={
            "file": sheet_import.filename,
            "imported": len(result.planned),
            "skipped_rows": result.bad_rows,
            "invited": invited,
        },
    )
    return len(result.planned)


def _write_proposal(
    event: Event, planned: Planned, person: User, lookups: Lookups, *, now: dt.datetime
) -> None:
    """A submitted proposal with the person as its primary speaker; answers through the
    question machinery, as the call's form stores them."""
    values = planned.values
    kind = values["session_type"]
    when = planned.submitted_at or now
    proposal = Proposal(
        event_id=event.id,
        created_at=when,
        submitted_at=when,
        content_changed_at=now,
        state=ProposalState.SUBMITTED,
        title=values["title"],
        abstract=values["abstract"],
        description=values["description"],
        notes=values["notes"],
        language=values["language"],
        level=values["level"],
        session_type_id=kind.id,
        duration_minutes=kind.duration_minutes,
        track_id=values["track"].id if values["track"] else None,
    )
    proposal.speakers.append(
        ProposalSpeaker(
            user=person,
            email=person.email,
            role=SpeakerRole.PRIMARY,
            invited_at=now,
            accepted_at=now,
        )
    )
    for question in lookups.questions:
        value = planned.answers.get(question.id)
        store_answer(proposal.answers, question, value, None, new=Answer)
    db.session.add(proposal)


def _write_application(
    planned: Planned, person: User, lookups: Lookups, *, now: dt.datetime
) -> None:
    """A submitted application to the row's programme, with the person as applicant."""
    values = planned.values
    programme: GrantProgramme = values["programme"]
    when = planned.submitted_at or now
    application = GrantApplication(
        programme_id=programme.id,
        applicant=person,
        state=GrantState.SUBMITTED,
        motivation=values["motivation"],
        role=values["role"],
        affiliation=values["affiliation"],
        country=values["country"],
        city=values["city"],
        need=values["need"],
        requested=values["requested"],
        requested_total=sum(values["requested"].values()),
        own_contribution=values["own_contribution"],
        other_funding=values["other_funding"],
        created_at=when,
        submitted_at=when,
        updated_at=now,
    )
    for question in lookups.grant_questions:
        if question.programme_id == programme.id:
            value = planned.answers.get(question.id)
            store_answer(application.answers, question, value, None, new=GrantAnswer)
    db.session.add(application)
