"""Checking every row of a spreadsheet before anything is written: each problem is listed with
its row number, its column and what to change. The checks read what the event already has
once, up front, so that checking 10,000 rows costs a handful of queries.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterable
from typing import Any

import pycountry
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from organizer.enums import GrantCategory, NeedLevel, QuestionKind
from organizer.errors import ValidationFailed
from organizer.models import (
    Cfp,
    Event,
    GrantProgramme,
    GrantQuestion,
    Question,
    SessionType,
    Track,
)
from organizer.services import money
from organizer.services.cfp.call import LEVEL_LABELS, LEVELS
from organizer.services.cfp.proposals import DESCRIPTION_MAX, NOTES_MAX, TITLE_MAX
from organizer.services.grants.applications import (
    CITY_MAX,
    MOTIVATION_MAX,
    OTHER_FUNDING_MAX,
    SHORT_MAX,
)
from organizer.services.grants.programmes import categories_for
from organizer.services.imports.spreadsheet_fields import Field, normalised
from organizer.services.imports.spreadsheet_read import Row, Sheet
from organizer.services.reviewing.questions import validate_answer

NAME_MAX = 100
ISO_DATES = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")
# Google Forms (United States) and Microsoft Forms write the month first; Google Forms in most
# other countries the day first. A file is read one way throughout (see `day_first`).
MONTH_FIRST = (
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%y %H:%M:%S",
    "%m/%d/%y %H:%M",
    "%m/%d/%Y",
)
DAY_FIRST = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%y %H:%M:%S",
    "%d/%m/%y %H:%M",
    "%d/%m/%Y",
)
DOTTED = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y")
YES = {"yes", "y", "true", "1", "x", "ja", "oui", "sí", "si", "sim"}
NO = {"no", "n", "false", "0", "nein", "non", "não", "nao"}


@dataclasses.dataclass(frozen=True, order=True)
class Problem:
    row: int
    column: str
    message: str


@dataclasses.dataclass
class Planned:
    """One clean row, ready to be written."""

    row: int
    email: str
    name: str
    submitted_at: dt.datetime | None
    values: dict[str, Any]  # the kind's own fields, checked and converted
    answers: dict[int, Any]  # question id -> value, as the question machinery stores it


@dataclasses.dataclass
class Check:
    planned: list[Planned]
    problems: list[Problem]
    empty_rows: int

    @property
    def bad_rows(self) -> list[int]:
        return sorted({p.row for p in self.problems})

    @property
    def clean(self) -> bool:
        return not self.problems


@dataclasses.dataclass
class Lookups:
    """What the event has, read once before the rows are checked."""

    event: Event
    fields: list[Field]
    cfp: Cfp | None = None
    session_types: list[SessionType] = dataclasses.field(default_factory=list)
    tracks: list[Track] = dataclasses.field(default_factory=list)
    questions: list[Question] = dataclasses.field(default_factory=list)
    programmes: list[GrantProgramme] = dataclasses.field(default_factory=list)
    grant_questions: list[GrantQuestion] = dataclasses.field(default_factory=list)
    # Proposals: (email, normalised title) already in the event. Grants: (email, programme id).
    existing: set[tuple[str, Any]] = dataclasses.field(default_factory=set)
    days_first: bool = False  # the file's slashed dates put the day first (`day_first`)


class RowReader:
    """One row's cells by field key, collecting problems for that row."""

    def __init__(self, row: Row, mapping: dict[str, int], headers: tuple[str, ...]) -> None:
        self.row = row
        self.mapping = mapping
        self.headers = headers
        self.problems: list[Problem] = []

    def column(self, key: str) -> str:
        index = self.mapping.get(key)
        if index is None or index >= len(self.headers):
            return ""
        return self.headers[index] or _("column %(n)s", n=index + 1)

    def get(self, key: str) -> str:
        return self.row.cell(self.mapping.get(key))

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.row.number, self.column(key), message))

    def text(self, key: str, limit: int, *, required: str | None = None) -> str:
        value = self.get(key)
        if not value and required:
            self.problem(key, required)
        elif len(value) > limit:
            self.problem(
                key,
                _("%(n)s characters; at most %(limit)s fit.", n=len(value), limit=limit),
            )
        return value


def _parsed(text: str, patterns: tuple[str, ...]) -> dt.datetime | None:
    for pattern in patterns:
        try:
            return dt.datetime.strptime(text, pattern)  # noqa: DTZ007  # local; zone added later
        except ValueError:
            continue
    return None


def day_first(texts: Iterable[str]) -> bool:
    """Whether a file's slashed dates put the day first: some read only that way (20/11/2026)
    and none only the other way (11/20/2026)."""
    only_day = only_month = False
    for text in texts:
        if "/" not in text:
            continue
        as_month, as_day = _parsed(text, MONTH_FIRST), _parsed(text, DAY_FIRST)
        only_day = only_day or (as_day is not None and as_month is None)
        only_month = only_month or (as_month is not None and as_day is None)
    return only_day and not only_month


def parse_date(text: str, zone: str, *, days_first: bool = False) -> dt.datetime | None:
    """A date or date and time as spreadsheets write them, in the event's zone, as UTC."""
    slashed = DAY_FIRST if days_first else MONTH_FIRST
    value = _parsed(text, ISO_DATES + slashed + DOTTED)
    if value is not None:
        return value.replace(tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(dt.UTC)
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zoneinfo.ZoneInfo(zone))
    return value.astimezone(dt.UTC)


def _person(
    reader: RowReader, now: dt.datetime, lookups: Lookups
) -> tuple[str, str, dt.datetime | None]:
    raw = reader.get("email")
    email = ""
    if not raw:
        reader.problem("email", _("Enter the person's email address."))
    else:
        try:
            email = validate_email(raw, check_deliverability=False).normalized
        except EmailNotValidError:
            reader.problem("email", _("“%(value)s” is not an email address.", value=raw))
    name = reader.text("name", NAME_MAX, required=_("Enter the person's name."))
    submitted_at = None
    when = reader.get("submitted_at")
    if when:
        submitted_at = parse_date(when, lookups.event.timezone, days_first=lookups.days_first)
        if submitted_at is None:
            reader.problem(
                "submitted_at",
                _(
                    "“%(value)s” is not a date. Write it as YYYY-MM-DD or YYYY-MM-DD HH:MM, "
                    "e.g. 2027-03-27 14:30.",
                    value=when,
                ),
            )
        elif submitted_at > now:
            reader.problem("submitted_at", _("“%(value)s” is in the future.", value=when))
    return email.casefold() if email else "", name, submitted_at


def _answer(reader: RowReader, key: str, question: Any) -> Any:
    """The cell as the question machinery stores an answer, or None with a problem noted."""
    text = reader.get(key)
    value: Any = text
    if text and question.kind == QuestionKind.BOOLEAN:
        folded = text.casefold()
        value = "yes" if folded in YES else "no" if folded in NO else text
    elif text and question.kind == QuestionKind.SINGLE_CHOICE:
        value = _choice(text, question.choices)
    elif text and question.kind == QuestionKind.MULTIPLE_CHOICE:
        parts = [text] if text in question.choices else text.split(";" if ";" in text else ",")
        value = [_choice(p.strip(), question.choices) for p in parts if p.strip()]
    message = validate_answer(question, value, None, None, submit=True)
    if message:
        if text and question.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
            message = _(
                "“%(value)s” is not one of the options: %(options)s.",
                value=text,
                options=", ".join(question.choices),
            )
        reader.problem(key, message)
        return None
    return value


def _choice(text: str, choices: list[str]) -> str:
    folded = {c.casefold(): c for c in choices}
    return folded.get(text.casefold(), text)


def _named(text: str, items: list[Any]) -> Any:
    wanted = normalised(text)
    return next((item for item in items if normalised(item.name) == wanted), None)


def check_proposal_row(reader: RowReader, lookups: Lookups, now: dt.datetime) -> Planned | None:
    email, name, submitted_at = _person(reader, now, lookups)
    title = reader.text("title", TITLE_MAX, required=_("Enter the title."))
    abstract_max = lookups.cfp.abstract_max_length if lookups.cfp else 1000
    values: dict[str, Any] = {
        "title": title,
        "abstract": reader.text("abstract", abstract_max),
        "description": reader.text("description", DESCRIPTION_MAX),
        "notes": reader.text("notes", NOTES_MAX),
    }
    values["session_type"] = _pick(reader, "session_type", lookups.session_types, _("session type"))
    values["track"] = _pick(reader, "track", lookups.tracks, _("track"))
    languages = lookups.cfp.languages if lookups.cfp else ["en"]
    language = reader.get("language").casefold()
    if language and language not in languages:
        reader.problem(
            "language",
            _(
                "“%(value)s” is not a language of the call (%(languages)s).",
                value=reader.get("language"),
                languages=", ".join(languages),
            ),
        )
    values["language"] = language or languages[0]
    level = reader.get("level")
    by_label = {str(label).casefold(): code for code, label in LEVEL_LABELS.items()}
    values["level"] = (
        level.casefold() if level.casefold() in LEVELS else by_label.get(level.casefold(), "")
    )
    if level and not values["level"]:
        reader.problem(
            "level",
            _("“%(value)s” is not a level: use %(levels)s.", value=level, levels=", ".join(LEVELS)),
        )
    answers = {}
    for question in lookups.questions:
        value = _answer(reader, f"question-{question.id}", question)
        if value not in (None, "", []):
            answers[question.id] = value
    if email and title and (email, normalised(title)) in lookups.existing:
        reader.problem("title", _("This person already has a proposal with this title."))
    return Planned(reader.row.number, email, name, submitted_at, values, answers)


def _pick(reader: RowReader, key: str, items: list[Any], what: str) -> Any:
    """A session type or a track by its name; with one only, an empty cell means that one."""
    text = reader.get(key)
    if not items:
        if text:
            reader.problem(key, _("The event has no %(what)s to choose.", what=what))
        return None
    if not text:
        if len(items) == 1:
            return items[0]
        reader.problem(key, _("Choose a %(what)s.", what=what))
        return None
    found = _named(text, items)
    if found is None:
        reader.problem(
            key,
            _(
                "Unknown %(what)s “%(value)s”. The event has: %(names)s.",
                what=what,
                value=text,
                names=", ".join(i.name for i in items),
            ),
        )
    return found


def check_application_row(reader: RowReader, lookups: Lookups, now: dt.datetime) -> Planned | None:
    email, name, submitted_at = _person(reader, now, lookups)
    programme = _pick(reader, "programme", lookups.programmes, _("grant programme"))
    values: dict[str, Any] = {
        "programme": programme,
        "motivation": reader.text("motivation", MOTIVATION_MAX),
        "role": reader.text("role", SHORT_MAX),
        "affiliation": reader.text("affiliation", SHORT_MAX),
        "city": reader.text("city", CITY_MAX),
        "other_funding": reader.text("other_funding", OTHER_FUNDING_MAX),
        "country": _country(reader),
        "need": _need(reader),
        "requested": {},
        "own_contribution": 0,
    }
    if programme is not None:
        values["requested"] = _amounts(reader, programme)
        values["own_contribution"] = _amount(reader, "own_contribution", programme.currency)
        if email and (email, programme.id) in lookups.existing:
            reader.problem("email", _("This person has already applied to this programme."))
    answers = {}
    for question in lookups.grant_questions:
        if programme is None or question.programme_id != programme.id:
            continue
        value = _answer(reader, f"grant-question-{question.id}", question)
        if value not in (None, "", []):
            answers[question.id] = value
    return Planned(reader.row.number, email, name, submitted_at, values, answers)


def _country(reader: RowReader) -> str:
    text = reader.get("country")
    if not text:
        return ""
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        reader.problem(
            "country",
            _(
                "Unknown country “%(value)s”: use its name in English or its two-letter code.",
                value=text,
            ),
        )
        return ""


def _need(reader: RowReader) -> NeedLevel | None:
    text = reader.get("need")
    if not text:
        return None
    for level in NeedLevel:
        if text.casefold() in (level.value, str(level.label).casefold()):
            return level
    reader.problem(
        "need",
        _(
            "“%(value)s” is not one of: %(options)s.",
            value=text,
            options="; ".join(str(n.label) for n in NeedLevel),
        ),
    )
    return None


def _amount(reader: RowReader, key: str, currency: str) -> int:
    text = reader.get(key)
    try:
        return money.parse(text, currency, field=key)
    except ValidationFailed as error:
        reader.problem(key, _("“%(value)s”: %(message)s", value=text, message=error.errors[key]))
        return 0


def _amounts(reader: RowReader, programme: GrantProgramme) -> dict[str, int]:
    allowed = {c.value for c in categories_for(programme)}
    requested = {}
    for category in GrantCategory:
        key = f"amount-{category.value}"
        amount = _amount(reader, key, programme.currency)
        if amount and category.value not in allowed:
            reader.problem(
                key, _("The programme “%(name)s” does not fund this.", name=programme.name)
            )
        elif amount:
            requested[category.value] = amount
    total = sum(requested.values())
    if programme.request_cap is not None and total > programme.request_cap:
        first = next(iter(requested))
        reader.problem(
            f"amount-{first}",
            _(
                "%(total)s in all; the programme gives at most %(cap)s per person.",
                total=money.fmt(total, programme.currency),
                cap=money.fmt(programme.request_cap, programme.currency),
            ),
        )
    return requested


def check_sheet(
    sheet: Sheet,
    mapping: dict[str, int],
    lookups: Lookups,
    check_row: Callable[[RowReader, Lookups, dt.datetime], Planned | None],
    *,
    duplicate_key: Callable[[Planned], Any],
    now: dt.datetime,
) -> Check:
    """Every row checked, duplicates found, empty rows counted and left out."""
    planned: list[Planned] = []
    problems: list[Problem] = []
    empty = 0
    names: dict[str, tuple[str, int]] = {}  # email -> (name, first row)
    seen: dict[Any, int] = {}
    if "submitted_at" in mapping:
        lookups.days_first = day_first(r.cell(mapping["submitted_at"]) for r in sheet.rows)
    for row in sheet.rows:
        if row.is_empty:
            empty += 1
            continue
        reader = RowReader(row, mapping, sheet.headers)
        result = check_row(reader, lookups, now)
        if result is not None and result.email:
            _duplicates(reader, result, names, seen, duplicate_key(result))
        problems.extend(reader.problems)
        if result is not None and not reader.problems:
            planned.append(result)
    return Check(planned=planned, problems=problems, empty_rows=empty)


def _duplicates(
    reader: RowReader,
    result: Planned,
    names: dict[str, tuple[str, int]],
    seen: dict[Any, int],
    key: Any,
) -> None:
    first_name, first_row = names.setdefault(result.email, (result.name, result.row))
    if result.name and normalised(first_name) != normalised(result.name):
        reader.problem(
            "name",
            _(
                "The address %(email)s is given as “%(first)s” in row %(row)s and as "
                "“%(name)s” here: one address is one person. Use the same name.",
                email=result.email,
                first=first_name,
                row=first_row,
                name=result.name,
            ),
        )
    if key is None:
        return
    if key in seen:
        reader.problem(
            "email",
            _(
                "Row %(row)s already has this person with the same %(what)s; each is "
                "imported once. Delete one of the two rows.",
                row=seen[key],
                what=key[0],  # the duplicate key starts with what it compares
            ),
        )
    else:
        seen[key] = result.row
