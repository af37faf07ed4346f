"""The tables an event archive carries, their rows as JSON, and the JSON Schema that describes
them (services/archive/schema/event-archive-1.schema.json is built from here).

One declaration, `DOCUMENTS`, says which table goes into which document and in which order
the import writes them back; its `config` tables are cloning's (config.SECTIONS). Every row is
written the same way, read off the table's columns with the rules cloning uses too
(services/archive/values.py):

- its own id becomes `"id"`, a string key unique within its table in this archive (the
  importing instance gives every row a new id);
- a column pointing at another exported table holds that row's key; a column pointing at a
  person holds a person key (`"p<n>"`) of people.json; `event_id` is left out (the event is
  the archive's);
- times are ISO 8601 in UTC (`2026-05-04T09:00:00Z`), dates ISO dates, exact decimals
  (exchange rates) strings, enumerations their stored value, money integers in minor units
  of the currency named next to them (or the event's / programme's currency).

Tables that are not listed are not exported: people's accounts beyond name, address and
pronouns, sessions and tokens, the outbox and mail batches, the audit log, registrations
and check-in, personal agendas, solver runs and suggestions, schedule edit history, and
every survey response, answer and link (representation.json carries the suppressed
aggregate tables instead).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Enum,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    select,
)

from organizer.extensions import db
from organizer.models.base import Base, UTCDateTime
from organizer.services.archive.config import CONFIGURATION_TABLES
from organizer.services.archive.values import (
    Field,
    event_scope,
    fields_of_table,
    from_json,
    key_of,
    to_json,
)

FORMAT = "organizer-event-archive"
VERSION = 1
SCHEMA_ID = "https://organizer.invalid/schema/event-archive-1.schema.json"

# Document name -> its tables, in the order an import writes them (parents first). What is
# configuration is said once, by cloning's SECTIONS (services/archive/config.py).
DOCUMENTS: dict[str, tuple[str, ...]] = {
    "config": CONFIGURATION_TABLES,
    "people": ("event_role", "reviewer_track"),
    "files": ("upload",),
    "proposals": (
        "proposal",
        "proposal_speaker",
        "proposal_tag",
        "answer",
        "speaker_profile",
        "speaker_availability",
        "session_material",
        "cfp_extension",
    ),
    "reviews": ("review_assignment", "review", "review_score", "conflict_of_interest"),
    "decisions": ("decision_round",),
    "grants": (
        "grant_application",
        "grant_answer",
        "grant_review",
        "grant_review_score",
        "grant_conflict",
        "grant_message",
        "allocation_run",
        "allocation_line",
        "grant_award",
        "receipt",
        "payout",
    ),
    "schedule": ("slot",),
    "releases": ("schedule_release",),
}

DESCRIPTIONS: dict[str, str] = {
    "config": "The event's settings and set-up: the call, session types, tracks, tags, "
    "questions, review criteria and phases, mail and letter templates, print and schedule "
    "settings, rooms and their opening windows, days, grant programmes with their questions, "
    "criteria and exchange rates, registration set-up and the survey's questions (never answers).",
    "people": "The people the other documents refer to (name, address, pronouns; nobody "
    "else), the team's roles and reviewers' tracks.",
    "files": "Uploaded files the archive carries (speaker photos, answers to file questions, "
    "session materials, receipts): metadata here, content in files/<sha256>.",
    "proposals": "Proposals with their speakers, answers, tags, speaker profiles and "
    "availability, session materials and personal extensions of the call.",
    "reviews": "Review assignments, reviews (comment, recommendation, abstention) with a "
    "score per criterion, and declared conflicts of interest.",
    "decisions": "Decision rounds as published; each proposal's state is in proposals.json.",
    "grants": "Grant applications with requested amounts by category, answers, reviews and "
    "scores, messages, allocation runs, awards, receipts and payouts. Amounts are integers "
    "in minor units of the programme's currency (a receipt names its own).",
    "schedule": "The schedule's slots: sessions, plenary items and containers, with their "
    "public id (the calendar and frab guid), room and UTC start.",
    "releases": "Published schedule releases: version number, release time and the frozen "
    "copy of the sessions, changes and rendered frab documents made at that time.",
}

PERSON_FIELDS = ("display_name", "email", "pronouns")
# Columns never exported: secrets that only mean something on the instance that made them.
DROPPED = {
    ("proposal_speaker", "token_hash"),
    ("proposal", "creation_key"),
    ("schedule_release", "rendered_key"),
}


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def all_tables() -> Iterator[tuple[str, str]]:
    for document, names in DOCUMENTS.items():
        for name in names:
            yield document, name


def owner_of(name: str) -> str:
    """The document a table belongs to."""
    return next(doc for doc, names in DOCUMENTS.items() if name in names)


EXPORTED = {name for _, name in all_tables()}


def fields_of(name: str) -> list[Field]:
    """The table's columns as the archive carries them: without `event_id` and the secrets
    in DROPPED, and without references to tables the archive does not carry."""
    return [
        field
        for field in fields_of_table(table(name))
        if (name, field.column.name) not in DROPPED
        and field.column.name != "event_id"
        and (field.kind != "ref" or field.target in EXPORTED)
    ]


def scope(name: str, event_id: int) -> Any:
    """The WHERE clause that picks this event's rows of a table."""
    return event_scope(table(name), event_id, within=EXPORTED)


# --- schema ------------------------------------------------------------------------------


def _column_schema(field: Field) -> dict[str, Any]:
    column, kind = field.column, field.column.type
    if field.kind == "key":
        return {"$ref": "#/$defs/key", "description": "This row's key within its table."}
    if field.kind == "ref":
        schema: dict[str, Any] = {
            "$ref": "#/$defs/key",
            "description": f"Key of a row of {field.target} ({owner_of(field.target)}.json).",
        }
    elif field.kind == "person":
        schema = {"$ref": "#/$defs/person_key", "description": "A person of people.json."}
    elif isinstance(kind, UTCDateTime):
        schema = {"$ref": "#/$defs/utc_datetime"}
    elif isinstance(kind, Date):
        schema = {"$ref": "#/$defs/date"}
    elif isinstance(kind, Enum):
        schema = {"type": "string", "enum": list(kind.enums)}
    elif isinstance(kind, Boolean):
        schema = {"type": "boolean"}
    elif isinstance(kind, Integer | BigInteger):
        schema = {"type": "integer"}
    elif isinstance(kind, Numeric):
        schema = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}
    elif isinstance(kind, JSON):
        schema = {"description": "Free JSON, as the application stores it."}
    elif isinstance(kind, String | Text):
        schema = {"type": "string"}
        if getattr(kind, "length", None):
            schema["maxLength"] = kind.length
    else:  # pragma: no cover - a new column type needs a line above
        raise TypeError(f"{column.table.name}.{column.name}: {kind!r}")
    if column.nullable:
        schema = {"anyOf": [schema, {"type": "null"}]}
    return schema


def _row_schema(name: str) -> dict[str, Any]:
    fields = fields_of(name)
    doc = _doc_of(name)
    return {
        "type": "object",
        "description": " ".join(doc.split()) or name,
        "properties": {f.column.name: _column_schema(f) for f in fields},
        "required": [f.column.name for f in fields],
        "additionalProperties": False,
    }


def _doc_of(name: str) -> str:
    """The model's docstring, as the table's description (association tables: their name)."""
    for mapper in Base.registry.mappers:
        if mapper.local_table is not None and mapper.local_table.name == name:
            return (mapper.class_.__doc__ or name).strip()
    return f"Association table {name}."


HEADER = ("format", "version", "document")


def header(document: str) -> dict[str, Any]:
    """What every file of the archive starts with: the format, its version, which file."""
    return {"format": FORMAT, "version": VERSION, "document": document}


def _header_schema(document: str) -> dict[str, Any]:
    return {name: {"const": value} for name, value in header(document).items()}


def _common_defs() -> dict[str, Any]:
    """The definitions every document shares: keys, times, the header, people."""
    return {
        "key": {"type": "string", "minLength": 1, "maxLength": 64},
        "person_key": {"type": "string", "pattern": "^p[0-9]+$"},
        "utc_datetime": {
            "type": "string",
            "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$",
            "description": "ISO 8601 in UTC.",
        },
        "date": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\d$"},
        "manifest": _manifest_schema(),
        "people_list": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "key": {"$ref": "#/$defs/person_key"},
                    "display_name": {"type": "string", "maxLength": 200},
                    "email": {"type": "string", "maxLength": 320},
                    "pronouns": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                },
                "required": ["key", "display_name", "email", "pronouns"],
                "additionalProperties": False,
            },
        },
        "representation": _representation_schema(),
    }


def _document_schema(document: str, names: tuple[str, ...]) -> dict[str, Any]:
    properties: dict[str, Any] = {
        **_header_schema(document),
        "tables": {
            "type": "object",
            "properties": {
                n: {"type": "array", "items": {"$ref": f"#/$defs/row_{n}"}} for n in names
            },
            "required": list(names),
            "additionalProperties": False,
        },
    }
    required = [*HEADER, "tables"]
    if document == "config":
        properties["event"] = {"$ref": "#/$defs/row_event"}
        required.append("event")
    if document == "people":
        properties["people"] = {"$ref": "#/$defs/people_list"}
        required.append("people")
    return {
        "type": "object",
        "description": DESCRIPTIONS[document],
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def build_schema() -> dict[str, Any]:
    """The whole archive's JSON Schema: one definition per document, one per table row."""
    defs = _common_defs()
    for document, names in DOCUMENTS.items():
        defs[f"document_{document}"] = _document_schema(document, names)
        for name in names:
            defs[f"row_{name}"] = _row_schema(name)
    event_row = _row_schema("event")
    for column in EVENT_SKIPPED:
        event_row["properties"].pop(column, None)
        if column in event_row["required"]:
            event_row["required"].remove(column)
    defs["row_event"] = event_row
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "organizer event archive, version 1",
        "description": (
            "A whole event as one zip: manifest.json, one JSON document per part below, and "
            "files/<sha256> for uploaded files. Validate a document against "
            "#/$defs/document_<name> (manifest.json against #/$defs/manifest, "
            "representation.json against #/$defs/representation). See "
            "docs/import-export-archive.md. The version changes whenever a document's shape "
            "changes; an importer refuses versions it does not know."
        ),
        "$defs": defs,
        "oneOf": [{"$ref": "#/$defs/manifest"}, {"$ref": "#/$defs/representation"}]
        + [{"$ref": f"#/$defs/document_{d}"} for d in DOCUMENTS],
    }


def _manifest_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "What the archive is: its format and version, what made it and when, "
        "the event it came from, and each document with its SHA-256.",
        "properties": {
            **_header_schema("manifest"),
            "generator": {"type": "string"},
            "exported_at": {"$ref": "#/$defs/utc_datetime"},
            "event": {"type": "string", "description": "The event's slug where it came from."},
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
            "documents": {
                "type": "object",
                "additionalProperties": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            },
            "files": {"type": "integer", "minimum": 0},
        },
        "required": [
            *HEADER,
            "generator",
            "exported_at",
            "event",
            "currency",
            "documents",
            "files",
        ],
        "additionalProperties": False,
    }


def _representation_schema() -> dict[str, Any]:
    nullable_int = {"anyOf": [{"type": "integer"}, {"type": "null"}]}
    cell = {
        "type": "object",
        "properties": {
            "key": {"type": "string"},
            "label": {"type": "string"},
            "status": {"type": "string"},
            "count": nullable_int,
            "share": {"anyOf": [{"type": "number"}, {"type": "null"}]},
        },
        "required": ["key", "label", "status", "count", "share"],
        "additionalProperties": False,
    }
    row = {
        "type": "object",
        "properties": {
            "stage": {"type": "string"},
            "respondents": {"type": "integer"},
            "status": {"type": "string"},
            "cells": {"type": "array", "items": cell},
        },
        "required": ["stage", "respondents", "status", "cells"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "description": "The representation survey as the organizers' dashboard shows it: "
        "aggregate counts with noise, every cell under k suppressed (count null, status "
        "says why). Never a response. Read only; an import does not bring it back.",
        "properties": {
            **_header_schema("representation"),
            "k": {"type": "integer"},
            "stages": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"key": {"type": "string"}, "label": {"type": "string"}},
                    "required": ["key", "label"],
                    "additionalProperties": False,
                },
            },
            "questions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "key": {"type": "string"},
                        "text": {"type": "string"},
                        "rows": {"type": "array", "items": row},
                    },
                    "required": ["key", "text", "rows"],
                    "additionalProperties": False,
                },
            },
        },
        "required": [*HEADER, "k", "stages", "questions"],
        "additionalProperties": False,
    }


def rows_of(name: str, event_id: int) -> list[dict[str, Any]]:
    """The event's rows of one table as archive JSON (keys for ids, person keys, ISO times)."""
    t = table(name)
    fields = fields_of(name)
    order = [t.c.id] if "id" in t.c else list(t.primary_key.columns)
    result = db.session.execute(
        select(*[f.column for f in fields]).where(scope(name, event_id)).order_by(*order)
    )
    out = []
    for values in result:
        row: dict[str, Any] = {}
        for f, value in zip(fields, values, strict=True):
            if f.kind == "key":
                row["id"] = key_of(value)
            elif f.kind == "person":
                row[f.column.name] = person_key(value)
            elif f.kind == "ref":
                row[f.column.name] = key_of(value)
            else:
                row[f.column.name] = to_json(value)
        out.append(row)
    return out


def person_key(user_id: int | None) -> str | None:
    """A person's key in people.json (`p7`), which every column pointing at a person holds."""
    return None if user_id is None else f"p{user_id}"


def person_id(key: str) -> int:
    """The exporting instance's user id in a person key."""
    return int(key.removeprefix("p"))


def person_ids(document: dict[str, Any]) -> set[int]:
    """Every person a content document refers to."""
    found: set[int] = set()
    for name, rows in document["tables"].items():
        people = [f.column.name for f in fields_of(name) if f.kind == "person"]
        for row in rows:
            for column in people:
                if row[column] is not None:
                    found.add(person_id(row[column]))
    return found


EVENT_SKIPPED = {"id", "slug"}


def rows_of_event(event: Any) -> dict[str, Any]:
    """The event's own settings (config.json "event"); its slug is the manifest's."""
    t = table("event")
    values = db.session.execute(select(t).where(t.c.id == event.id)).one()._mapping
    return {c.name: to_json(values[c]) for c in t.columns if c.name not in EVENT_SKIPPED}


def values_of_event(row: dict[str, Any]) -> dict[str, Any]:
    t = table("event")
    return {c.name: from_json(c, row[c.name]) for c in t.columns if c.name not in EVENT_SKIPPED}


def representation(event: Any) -> dict[str, Any]:
    """The survey's aggregate tables exactly as the organizers' dashboard shows them
    (noise and suppression applied by the representation service): never a response."""
    from organizer.services.representation import presenting

    summary = presenting.summary_of([event])
    return {
        "k": summary.k,
        "stages": [{"key": s.key, "label": str(s.label)} for s in summary.stages],
        "questions": [
            {
                "key": q.key,
                "text": q.text,
                "rows": [
                    {
                        "stage": r.stage_key,
                        "respondents": r.respondents,
                        "status": str(r.status),
                        "cells": [
                            {
                                "key": c.key,
                                "label": str(c.label),
                                "status": str(c.status),
                                "count": c.count,
                                "share": c.share,
                            }
                            for c in r.cells
                        ],
                    }
                    for r in q.rows
                ],
            }
            for q in summary.questions
        ],
    }


def taken_public_ids(name: str, rows: list[dict[str, Any]]) -> set[str]:
    """The rows' public ids this instance already uses (those rows get new ones)."""
    t = table(name)
    if "public_id" not in t.c:
        return set()
    wanted = [r["public_id"] for r in rows if r.get("public_id")]
    taken: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        taken.update(db.session.scalars(select(t.c.public_id).where(t.c.public_id.in_(chunk))))
    return taken


def split_by_parent(
    name: str, rows: list[dict[str, Any]], written: dict[str, int]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows whose parent in the same table (a slot's container) is written, and the rest."""
    own = [f.column.name for f in fields_of(name) if f.kind == "ref" and f.target == name]
    if not own:
        return rows, []
    ready, later = [], []
    for row in rows:
        parents = [row[c] for c in own if row[c] is not None]
        (ready if all(p in written for p in parents) else later).append(row)
    return ready, later
