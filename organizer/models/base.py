"""Declarative base, constraint naming and the UTC datetime type shared by every model."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
import uuid
from typing import Any

from sqlalchemy import DateTime, Enum, MetaData, String, Table, TypeDecorator, event, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, mapped_column, registry
from sqlalchemy.orm import Session as OrmSession

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every database.

    SQLite has no time zones, so a naive value written there would silently mean
    "whatever the server's clock said". Naive input is refused instead.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}; pass an aware datetime")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def new_public_id() -> str:
    """Random identifier for anything an outsider can see in a URL (never a sequential id)."""
    return str(uuid.uuid4())


PublicId = String(36)


def slugify(text: str, fallback: str = "item") -> str:
    """ "Auditório Tejo" -> "auditorio-tejo": lowercase ASCII words joined by hyphens, for
    addresses. A name with no Latin letters (e.g. Greek) gives `fallback`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:90]
    return slug or fallback


def slug_from_name(context: Any) -> str:
    """Column default: the slug of the row's name."""
    return slugify(context.get_current_parameters().get("name") or "")


# Letters and digits that cannot be mistaken for one another when read aloud or typed.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_code() -> str:
    """A short random code for a public address (a session's or a speaker's page): 6 symbols
    of 32, about a billion, so guessing one is as hopeless as it needs to be for public data."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


def public_code_column() -> Any:
    """The `code` column of a row with a public address. New rows get their code when they are
    flushed (`_give_new_rows_distinct_codes`); the column default only serves Core inserts."""
    return mapped_column(String(16), default=new_code, info={"public_code": True})


@event.listens_for(OrmSession, "before_flush")
def _give_new_rows_distinct_codes(session: OrmSession, _context: Any, _instances: Any) -> None:
    """Codes are random, so two rows can draw the same one: rare for one row (one in a million
    beside 1,000 others), but a flush of 1,500 speakers (the demo, an import) meets a clash about
    once in a thousand and fails on the unique constraint. Each flush draws its new codes
    together, distinct from one another and from those already stored: one query per table."""
    waiting: dict[Table, list[Any]] = {}
    for row in session.new:
        table = getattr(type(row), "__table__", None)
        column = table.c.get("code") if isinstance(table, Table) else None
        if column is not None and column.info.get("public_code") and row.code is None:
            waiting.setdefault(table, []).append(row)
    for table, rows in waiting.items():
        for row, code in zip(rows, _unused_codes(session, table, len(rows)), strict=True):
            row.code = code


def _unused_codes(session: OrmSession, table: Table, count: int) -> list[str]:
    chosen: set[str] = set()
    while True:
        while len(chosen) < count:
            chosen.add(new_code())
        with session.no_autoflush:
            taken = set(
                session.execute(select(table.c.code).where(table.c.code.in_(chosen))).scalars()
            )
        if not taken:
            return sorted(chosen)
        chosen -= taken


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dt.datetime: UTCDateTime()},
    )


def str_enum(enum_cls: type, name: str) -> Any:
    """A portable enum column: VARCHAR plus a named CHECK constraint listing the values."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls),  # type: ignore[attr-defined]
        values_callable=lambda cls: [m.value for m in cls],
        validate_strings=True,
    )
