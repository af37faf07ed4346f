"""How a database row travels as JSON, for both formats that carry rows: cloning's configuration
(rows.py, config.py) and the whole-event archive (content.py, package.py).

One home for what the two would otherwise each spell: a column's value as JSON and back
(instants in UTC, dates, enumerations by their stored value, exact decimals as strings), moving
dates and instants by whole days on the event's wall clock, a row's id as the key other rows
refer to it by (and finding the new row again by that key), and reading a table's columns as
its own key, references to other tables, references to people, and plain values.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import zoneinfo
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Column, Date, Enum, Integer, Numeric, Table, select
from sqlalchemy.sql import ColumnElement

from organizer.models.base import UTCDateTime

PERSON_TABLE = "user"
NO_SHIFT = dt.timedelta(0)

Found = TypeVar("Found")


# --- columns -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """How one column travels: `kind` is key (the row's own id), ref (a row of `target`),
    person (a user) or plain (a value)."""

    column: Column[Any]
    kind: str
    target: str = ""


def fields_of_table(table: Table) -> list[Field]:
    """Every column of the table, told apart by what it holds."""
    result = []
    for column in table.columns:
        targets = {fk.column.table.name for fk in column.foreign_keys}
        if column.name == "id" and column.primary_key:
            result.append(Field(column, "key"))
        elif PERSON_TABLE in targets:
            result.append(Field(column, "person"))
        elif targets:
            (target,) = targets
            result.append(Field(column, "ref", target))
        else:
            result.append(Field(column, "plain"))
    return result


def event_scope(table: Table, event_id: int, *, within: Collection[str]) -> ColumnElement[bool]:
    """The WHERE clause that picks one event's rows of `table`: its `event_id`, or else its
    first reference to another table of `within` (the tables being carried), whose rows are
    the event's in turn (a room's windows, a survey option's targets)."""
    if "event_id" in table.c:
        return table.c.event_id == event_id
    for field in fields_of_table(table):
        if field.kind == "ref" and field.target in within and field.target != table.name:
            (foreign_key,) = field.column.foreign_keys
            parent = foreign_key.column
            return field.column.in_(
                select(parent).where(event_scope(parent.table, event_id, within=within))
            )
    raise LookupError(f"{table.name} belongs to no event through {sorted(within)}")


# --- keys --------------------------------------------------------------------------------


class UnknownKey(KeyError):
    """A row refers to a key that the rows being loaded do not hold."""

    def __init__(self, table: str, column: str, key: str) -> None:
        super().__init__(f"{table}.{column}: {key!r}")
        self.table, self.column, self.key = table, column, key


def key_of(row_id: Any) -> str | None:
    """A row's id as the key other rows refer to it by (None stays None)."""
    return None if row_id is None else str(row_id)


def resolve(known: Mapping[str, Found], key: Any, *, table: str, column: str) -> Found:
    """What was made for `key` (a new row, or its new id); UnknownKey when nothing was."""
    try:
        return known[str(key)]
    except KeyError:
        raise UnknownKey(table, column, str(key)) from None


# --- values ------------------------------------------------------------------------------


def instant_to_json(value: dt.datetime, *, zulu: bool = True) -> str:
    """ISO 8601 in UTC: `…T09:00:00Z` (the archive), or `…T09:00:00+00:00` (cloning)."""
    text = value.astimezone(dt.UTC).isoformat()
    return text.replace("+00:00", "Z") if zulu else text


def to_json(value: Any, *, zulu: bool = True) -> Any:
    """A column's value as JSON: instants in UTC, dates ISO, enums their value, decimals
    as strings; text, numbers, booleans and JSON as they are."""
    if isinstance(value, dt.datetime):
        return instant_to_json(value, zulu=zulu)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool | list | dict):
        return value
    # A time of day, bytes, ...: neither format has a spelling for it yet; say so here
    # rather than let json.dumps fail far away (the archive's schema builder does the same).
    raise TypeError(f"no JSON spelling for a {type(value).__name__}: add one to values.py")


def shift_instant(value: dt.datetime, shift: dt.timedelta, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """Move an instant by whole days *on the event's wall clock*: 09:00 in Lisbon stays 09:00
    in Lisbon when the shift crosses a change of summer time (the UTC offset may differ)."""
    if not shift:
        return value
    local = value.astimezone(zone).replace(tzinfo=None) + shift
    return local.replace(tzinfo=zone).astimezone(dt.UTC)


def shift_date(value: dt.date, shift: dt.timedelta) -> dt.date:
    return value + dt.timedelta(days=shift.days)


def from_json(
    column: Column[Any],
    value: Any,
    *,
    shift: dt.timedelta = NO_SHIFT,
    zone: zoneinfo.ZoneInfo | None = None,
) -> Any:
    """The inverse of `to_json` for one column (either spelling of UTC), with dates and
    instants moved by `shift` (instants on the wall clock of `zone`, needed with a shift).
    An instant without a UTC offset is refused (ValueError): it could mean any time."""
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, UTCDateTime):
        instant = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if instant.tzinfo is None:
            raise ValueError(f"{column.key}: {value!r} has no UTC offset")
        instant = instant.astimezone(dt.UTC)
        if not shift:
            return instant
        if zone is None:
            raise ValueError(f"{column.key}: moving an instant needs the event's time zone")
        return shift_instant(instant, shift, zone)
    if isinstance(kind, Date):
        return shift_date(dt.date.fromisoformat(value), shift)
    if isinstance(kind, Enum) and kind.enum_class is not None:
        return kind.enum_class(value)
    if isinstance(kind, Numeric) and not isinstance(kind, Integer):
        return decimal.Decimal(value)
    return value
