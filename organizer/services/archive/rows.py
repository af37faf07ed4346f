"""Table-driven copying of an event's configuration rows, shared by every section.

A `Section` names a model, the row it hangs on (the event, or a row of another section) and
which of its columns point at rows of other sections. `dump_rows` turns the rows into plain,
JSON-able dicts; `load_rows` creates them again on another event, moving every date and instant
by a shift. Everything else about a column is read from the table itself, so a column added
to a configuration model is copied without touching this module. How values, keys and
references become JSON, and which rows are the event's, is the same as for the whole-event
archive (services/archive/values.py).

Each dumped row is `{"key": ..., <owner or reference>: <key>, ..., "fields": {column: value}}`:
a stable `key` (the source row's id as a string), references to other rows by those keys
(`"rooms": "12"` for a room window, `"room": "12"` for a schedule item's room), never database
ids, and the copied columns under `fields` (apart, since some tables have a column `key`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.sql import ColumnElement

from organizer.extensions import db
from organizer.models import Event
from organizer.services.archive import values

# Columns that are never copied: identity, public addresses (a copy gets new ones) and the
# row's own bookkeeping (a copy is created now).
NEVER_COPIED = frozenset({"id", "public_id", "code", "created_at", "updated_at"})
TIMESTAMPS = ("created_at", "updated_at")

EVENT = "event"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Section:
    """One kind of configuration row.

    - `owner`: "event", or the name of the section whose rows these belong to;
    - `owner_column`: the foreign key to the owner (`event_id`, `programme_id`, ...);
    - `refs`: other foreign keys -> the section they point into (dumped as key strings,
      under the column's name without `_id`);
    - `links`: list relationships through an association table -> the section of the rows
      they hold (dumped as lists of keys);
    - `reset`: columns that hold state, not configuration: the copy gets this value;
    - `only`: a filter on the rows that are configuration (e.g. plenary items, not talks);
    - `after_load`: called for each new row, e.g. to store a first version of a text;
    - `history`: tables that keep this configuration's past (older versions of a text, the
      rates in force on past days). A new edition starts them afresh, so they are never
      cloned; the whole-event archive carries them right after this section's table.
    """

    name: str
    model: type
    owner: str = EVENT
    owner_column: str = "event_id"
    refs: Mapping[str, str] = dataclasses.field(default_factory=dict)
    links: Mapping[str, str] = dataclasses.field(default_factory=dict)
    reset: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    only: Callable[[], ColumnElement[bool]] | None = None
    after_load: Callable[[Event, Any, dt.datetime], None] | None = None
    history: tuple[str, ...] = ()

    def copied_columns(self) -> list[Any]:
        """The plain columns a copy carries. A column that points at another row must be the
        owner, a ref or reset: copying its id would tie the copy to the source's rows."""
        fields = values.fields_of_table(self.model.__table__)
        declared = {self.owner_column} | set(self.refs) | set(self.reset)
        undeclared = [
            f.column.key
            for f in fields
            if f.kind in ("ref", "person") and f.column.key not in declared
        ]
        if undeclared:
            raise TypeError(f"{self.name}: say how to copy {', '.join(undeclared)}")
        skipped = NEVER_COPIED | set(self.reset)
        return [f.column for f in fields if f.kind == "plain" and f.column.key not in skipped]


def tables_of(sections: list[Section]) -> tuple[str, ...]:
    """The tables that are wholly configuration, owners first: each section's table, the
    association tables of its links, then its history. A section that copies only some of
    a table's rows (`only`: the fixed items among a schedule's slots) leaves that table to
    the event's content, which holds all of its rows."""
    names: list[str] = []
    for section in sections:
        if section.only is None:
            names.append(section.model.__table__.name)
        for link in section.links:
            names.append(getattr(section.model, link).property.secondary.name)
        names.extend(section.history)
    return tuple(names)


def ref_name(column: str) -> str:
    return column.removesuffix("_id")


# Dump and load ---------------------------------------------------------------------------------


def _rows(section: Section, carried: set[str], event: Event) -> list[Any]:
    table = section.model.__table__
    query = select(section.model).where(values.event_scope(table, event.id, within=carried))
    if section.only is not None:
        query = query.where(section.only())
    return list(db.session.scalars(query.order_by(section.model.id)))


def dump_rows(event: Event, sections: list[Section]) -> dict[str, list[dict[str, Any]]]:
    """Every section's rows of the event, owners before the rows that hang on them."""
    carried = {section.model.__table__.name for section in sections}
    return {
        section.name: [_dump_row(section, row) for row in _rows(section, carried, event)]
        for section in sections
    }


def _dump_row(section: Section, row: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"key": values.key_of(row.id)}
    if section.owner != EVENT:
        item[section.owner] = values.key_of(getattr(row, section.owner_column))
    for column in section.refs:
        item[ref_name(column)] = values.key_of(getattr(row, column))
    for name in section.links:
        item[name] = sorted(values.key_of(linked.id) for linked in getattr(row, name))
    item["fields"] = {
        column.key: to_json(getattr(row, column.key)) for column in section.copied_columns()
    }
    return item


def load_rows(
    event: Event,
    data: Mapping[str, list[dict[str, Any]]],
    sections: list[Section],
    *,
    shift: dt.timedelta,
    now: dt.datetime,
    made: dict[str, dict[str, Any]],
) -> None:
    """Create every section's rows on `event`; `made` maps section -> key -> new row (and is
    filled in, so that later sections, and the caller, can find the rows by key)."""
    zone = zoneinfo.ZoneInfo(event.timezone)
    for section in sections:
        made[section.name] = {}
        for item in data.get(section.name, []):
            row = _load_row(section, item, event=event, made=made, shift=shift, zone=zone, now=now)
            made[section.name][str(item["key"])] = row
        db.session.flush()
        if section.after_load is not None:
            for row in made[section.name].values():
                section.after_load(event, row, now)


def _load_row(
    section: Section,
    item: Mapping[str, Any],
    *,
    event: Event,
    made: Mapping[str, Mapping[str, Any]],
    shift: dt.timedelta,
    zone: zoneinfo.ZoneInfo,
    now: dt.datetime,
) -> Any:
    fields = item.get("fields", {})
    loaded: dict[str, Any] = {}
    for column in section.copied_columns():
        if column.key in fields:
            loaded[column.key] = values.from_json(
                column, fields[column.key], shift=shift, zone=zone
            )
    loaded.update(section.reset)
    for name in TIMESTAMPS:
        if name in section.model.__table__.columns:
            loaded[name] = now
    if section.owner == EVENT:
        loaded[section.owner_column] = event.id
    else:
        owner = item[section.owner]
        loaded[section.owner_column] = _made(made, section.owner, owner, section, "owner").id
    for column, target in section.refs.items():
        key = item.get(ref_name(column))
        loaded[column] = None if key is None else _made(made, target, key, section, column).id
    row = section.model(**loaded)
    for name, target in section.links.items():
        setattr(row, name, [_made(made, target, key, section, name) for key in item.get(name, [])])
    db.session.add(row)
    return row


def _made(
    made: Mapping[str, Mapping[str, Any]], target: str, key: Any, section: Section, column: str
) -> Any:
    return values.resolve(made[target], key, table=section.name, column=column)


def to_json(value: Any) -> Any:
    """A column's value in the configuration's JSON (instants spelled `+00:00`)."""
    return values.to_json(value, zulu=False)
