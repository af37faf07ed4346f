"""A whole event as one zip, and back into a new event on this or another instance.

The zip holds manifest.json, one JSON document per part of the event (content.DOCUMENTS:
config, people, files, proposals, reviews, decisions, grants, schedule, releases),
representation.json (the survey's suppressed aggregate tables, read only) and
files/<sha256> for each uploaded file the documents refer to. Every document validates
against schema/event-archive-1.schema.json; docs/import-export-archive.md describes them.

Import reads and checks the whole zip before it writes anything: at most MAX_ARCHIVE_BYTES,
MAX_MEMBERS entries and MAX_UNPACKED_BYTES once unpacked (counted while reading, not taken
from the zip's own headers); only the names above (no folders, `..` or absolute paths); a
format and version it knows; every document valid and matching the manifest's checksum.
It then creates a new event: people are matched by address (or made as accounts without a
password that they can claim: services/imports/people.py), every row gets a new id, public
ids (calendar uids, frab guids) are kept unless this instance already uses them.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib.metadata
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import insert, select

from organizer import permissions
from organizer.enums import EventRoleName
from organizer.errors import DomainError, PermissionDenied
from organizer.extensions import db
from organizer.models import Event, EventRole, User
from organizer.models.base import new_public_id
from organizer.services import events as events_service
from organizer.services.archive import content
from organizer.services.archive.content import DOCUMENTS, FORMAT, VERSION
from organizer.services.archive.values import UnknownKey, from_json, instant_to_json, resolve
from organizer.services.files import write_atomically
from organizer.services.imports.people import accounts_by_email, person_for_import

SCHEMA_PATH = Path(__file__).parent / "schema" / f"event-archive-{VERSION}.schema.json"
MAX_ARCHIVE_BYTES = 512 * 1024 * 1024
MAX_UNPACKED_BYTES = 2 * 1024 * 1024 * 1024
MAX_MEMBERS = 50_000
FILE_NAME = re.compile(r"^files/[0-9a-f]{64}$")
DOCUMENT_NAMES = {"manifest.json", "representation.json"} | {f"{d}.json" for d in DOCUMENTS}


class ArchiveRefused(DomainError):
    """The archive cannot be read or imported; the message says why."""


@functools.cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@functools.cache
def validator_for(definition: str) -> Any:
    import jsonschema  # deferred: only imports and tests validate, not every web process

    root = schema()
    return jsonschema.Draft202012Validator(
        {"$ref": f"#/$defs/{definition}", "$defs": root["$defs"]},
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


def definition_of(name: str) -> str:
    """The schema definition a member of the zip validates against."""
    stem = name.removesuffix(".json")
    return stem if stem in ("manifest", "representation") else f"document_{stem}"


def check_document(name: str, document: Any) -> None:
    """Raise ArchiveRefused naming the first problem in one document."""
    error = next(iter(validator_for(definition_of(name)).iter_errors(document)), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top)"
        raise ArchiveRefused(
            _(
                "%(name)s is not valid at %(where)s: %(message)s",
                name=name,
                where=where,
                message=error.message[:300],
            )
        )


# --- export ------------------------------------------------------------------------------


def export_event(*, event: Event, actor: Any, now: dt.datetime) -> bytes:
    """The event as an archive (zip bytes), for its organizers."""
    if not permissions.can_export_event(actor, event):
        raise PermissionDenied(_("Only this event's organizers can export it."))
    return archive_of(event, now=now)


def _generator() -> str:
    try:
        return f"organizer {importlib.metadata.version('organizer')}"
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - always installed
        return "organizer"


def documents_of(event: Event, *, now: dt.datetime) -> dict[str, Any]:
    """Every JSON document of the event's archive, by file name (without manifest.json)."""
    db.session.flush()
    docs: dict[str, Any] = {}
    for document, names in DOCUMENTS.items():
        docs[f"{document}.json"] = {
            **content.header(document),
            "tables": {name: content.rows_of(name, event.id) for name in names},
        }
    event_row = content.rows_of_event(event)
    docs["config.json"]["event"] = event_row
    wanted: set[int] = set()
    for doc in docs.values():
        wanted |= content.person_ids(doc)
    # Columns, not User objects: loading accounts would also load their team roles, in one
    # more query per 500 people.
    people = db.session.execute(
        select(User.id, User.display_name, User.email, User.pronouns)
        .where(User.id.in_(wanted))
        .order_by(User.id)
    )
    docs["people.json"]["people"] = [
        {
            "key": content.person_key(u.id),
            "display_name": u.display_name,
            "email": u.email,
            "pronouns": u.pronouns,
        }
        for u in people
    ]
    docs["representation.json"] = {
        **content.header("representation"),
        **content.representation(event),
    }
    return docs


def archive_of(event: Event, *, now: dt.datetime) -> bytes:
    """The zip, with no permission check: for the worker and the command line."""
    docs = documents_of(event, now=now)
    encoded = {
        name: json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True).encode()
        for name, doc in docs.items()
    }
    buffer = io.BytesIO()
    files = 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        seen: set[str] = set()
        for row in docs["files.json"]["tables"]["upload"]:
            digest = row["sha256"]
            if digest in seen or not re.fullmatch(r"[0-9a-f]{64}", digest or ""):
                continue
            path = Path(current_app.config["UPLOAD_DIR"]) / row["public_id"]
            if path.is_file():
                data = path.read_bytes()
                if hashlib.sha256(data).hexdigest() == digest:
                    zf.writestr(f"files/{digest}", data)
                    seen.add(digest)
                    files += 1
        manifest = {
            **content.header("manifest"),
            "generator": _generator(),
            "exported_at": instant_to_json(now),
            "event": event.slug,
            "currency": event.currency,
            "documents": {n: hashlib.sha256(b).hexdigest() for n, b in sorted(encoded.items())},
            "files": files,
        }
        zf.writestr("manifest.json", json.dumps(manifest, indent=1, sort_keys=True))
        for name, data in sorted(encoded.items()):
            zf.writestr(name, data)
    return buffer.getvalue()


# --- reading -----------------------------------------------------------------------------


def read_archive(archive: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The checked documents and files of an archive, or ArchiveRefused saying what is wrong."""
    if len(archive) > MAX_ARCHIVE_BYTES:
        raise ArchiveRefused(_("The archive is larger than this instance accepts."))
    try:
        zf = zipfile.ZipFile(io.BytesIO(archive))
        members = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise ArchiveRefused(_("This is not a zip file: %(error)s", error=str(error))) from error
    if len(members) > MAX_MEMBERS:
        raise ArchiveRefused(_("The archive has more entries than this instance accepts."))
    raw: dict[str, bytes] = {}
    budget = MAX_UNPACKED_BYTES
    for member in members:
        name = member.filename
        if name in raw or not (name in DOCUMENT_NAMES or FILE_NAME.match(name)):
            raise ArchiveRefused(
                _("The archive holds an entry it should not: %(name)s", name=name[:200])
            )
        with zf.open(member) as stream:
            data = stream.read(budget + 1)
        budget -= len(data)
        if budget < 0:
            raise ArchiveRefused(_("The archive unpacks to more than this instance accepts."))
        raw[name] = data
    if "manifest.json" not in raw:
        raise ArchiveRefused(_("The archive has no manifest.json: it is not an event archive."))
    manifest = _json(raw, "manifest.json")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveRefused(_("manifest.json does not describe an organizer event archive."))
    if manifest.get("version") != VERSION:
        raise ArchiveRefused(
            _(
                "This archive is in version %(version)s of the format; this instance reads "
                "version %(known)s. Import it on an instance that knows that version.",
                version=str(manifest.get("version"))[:20],
                known=VERSION,
            )
        )
    check_document("manifest.json", manifest)
    docs: dict[str, Any] = {"manifest.json": manifest}
    for name in sorted(DOCUMENT_NAMES - {"manifest.json"}):
        if name not in raw:
            raise ArchiveRefused(_("The archive has no %(name)s.", name=name))
        if hashlib.sha256(raw[name]).hexdigest() != manifest["documents"].get(name):
            raise ArchiveRefused(_("%(name)s does not match its checksum.", name=name))
        docs[name] = _json(raw, name)
        check_document(name, docs[name])
    _check_references(docs)
    files = {}
    for name, data in raw.items():
        if name.startswith("files/"):
            digest = name.removeprefix("files/")
            if hashlib.sha256(data).hexdigest() != digest:
                raise ArchiveRefused(_("%(name)s does not match its checksum.", name=name))
            files[digest] = data
    return docs, files


def _check_references(docs: dict[str, Any]) -> None:
    """Every key a row refers to is in the archive: refused before anything is written."""
    people = {p["key"] for p in docs["people.json"]["people"]}
    ids = {
        name: {row["id"] for row in rows}
        for document in DOCUMENTS
        for name, rows in docs[f"{document}.json"]["tables"].items()
        if rows and "id" in rows[0]
    }
    for document, names in DOCUMENTS.items():
        for name in names:
            checks = [
                (f.column.name, people if f.kind == "person" else ids.get(f.target, set()))
                for f in content.fields_of(name)
                if f.kind in ("person", "ref")
            ]
            for row in docs[f"{document}.json"]["tables"][name]:
                for column, known in checks:
                    if row[column] is not None and row[column] not in known:
                        _lookup({}, row[column], name, column)


def _json(raw: dict[str, bytes], name: str) -> Any:
    try:
        return json.loads(raw[name].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ArchiveRefused(
            _("%(name)s is not JSON: %(error)s", name=name, error=str(error)[:200])
        ) from error


# --- import ------------------------------------------------------------------------------


def import_event(*, archive: bytes, slug: str | None, actor: Any, now: dt.datetime) -> Event:
    """A new event from an archive; the actor (a site admin) becomes one of its organizers."""
    if not permissions.can_import_event(actor):
        raise PermissionDenied(_("Only site administrators can import an event."))
    return load_archive(archive=archive, slug=slug, organizer=actor, now=now)


def load_archive(
    *, archive: bytes, slug: str | None, organizer: User | None, now: dt.datetime
) -> Event:
    """The import with no permission check (the command line's, run by the operator): checks
    the whole archive, then writes the new event; `organizer` (if any) becomes an organizer.
    Raises ArchiveRefused before writing anything when the archive or the slug is wrong."""
    docs, files = read_archive(archive)
    config = docs["config.json"]
    event = _new_event(config["event"], slug=slug or docs["manifest.json"]["event"], now=now)
    entries = docs["people.json"]["people"]
    known = accounts_by_email(p["email"] for p in entries)
    people = {p["key"]: _person(p, known=known, now=now) for p in entries}  # key -> user id
    keys: dict[str, dict[str, int]] = {}
    for document, names in DOCUMENTS.items():
        for name in names:
            rows = docs[f"{document}.json"]["tables"][name]
            keys[name] = _insert(name, rows, event=event, people=people, keys=keys)
    _write_files(docs["files.json"]["tables"]["upload"], keys["upload"], files)
    actor_id = organizer.id if organizer is not None else None
    if actor_id is not None and not db.session.scalar(
        select(EventRole.id).where(
            EventRole.event_id == event.id,
            EventRole.user_id == actor_id,
            EventRole.role == EventRoleName.ORGANIZER,
        )
    ):
        db.session.add(
            EventRole(
                event_id=event.id, user_id=actor_id, role=EventRoleName.ORGANIZER, created_at=now
            )
        )
    db.session.flush()
    db.session.expire(event)
    return event


def _new_event(row: dict[str, Any], *, slug: str, now: dt.datetime) -> Event:
    errors = []
    if not events_service.SLUG_PATTERN.match(slug):
        errors.append(_("“%(slug)s” cannot be an event's address.", slug=slug[:60]))
    elif slug in events_service.RESERVED_SLUGS:
        errors.append(_("“%(slug)s” is used by the site itself.", slug=slug))
    elif events_service.event_by_slug(slug) is not None:
        errors.append(
            _("Another event already uses the address “%(slug)s”. Choose another one.", slug=slug)
        )
    if errors:
        raise ArchiveRefused(" ".join(errors), field="slug")
    values = content.values_of_event(row)
    event = Event(slug=slug, **values)
    db.session.add(event)
    db.session.flush()
    return event


def _person(entry: dict[str, Any], *, known: dict[str, User], now: dt.datetime) -> int:
    user = person_for_import(
        display_name=entry["display_name"], email=entry["email"], now=now, known=known
    )
    if entry["pronouns"] and not user.pronouns:
        user.pronouns = entry["pronouns"]
    return user.id


def _insert(
    name: str,
    rows: list[dict[str, Any]],
    *,
    event: Event,
    people: dict[str, int],
    keys: dict[str, dict[str, int]],
) -> dict[str, int]:
    """Write one table's rows; returns archive key -> new id."""
    t = content.table(name)
    fields = content.fields_of(name)
    mine: dict[str, int] = {}
    keys[name] = mine
    pending = list(rows)
    taken = content.taken_public_ids(name, rows)
    while pending:
        ready, later = content.split_by_parent(name, pending, mine)
        if not ready:
            raise ArchiveRefused(_("%(table)s refers to rows it does not hold.", table=name))
        params = []
        for row in ready:
            values: dict[str, Any] = {"event_id": event.id} if "event_id" in t.c else {}
            for f in fields:
                column = f.column.name
                if f.kind == "key":
                    continue
                value = row[column]
                if value is None:
                    values[column] = None
                elif f.kind == "person":
                    values[column] = _lookup(people, value, name, column)
                elif f.kind == "ref":
                    values[column] = _lookup(keys.get(f.target, {}), value, name, column)
                else:
                    values[column] = from_json(f.column, value)
            if values.get("public_id") in taken:
                values["public_id"] = new_public_id()
            params.append(values)
        if "id" in t.c:
            result = db.session.execute(
                insert(t).returning(t.c.id, sort_by_parameter_order=True), params
            )
            for row, (new_id,) in zip(ready, result.all(), strict=True):
                mine[row["id"]] = new_id
        else:
            db.session.execute(insert(t), params)
        pending = later
    return mine


def _lookup(mapping: dict[str, int], key: str, name: str, column: str) -> int:
    try:
        return resolve(mapping, key, table=name, column=column)
    except UnknownKey as missing:
        raise ArchiveRefused(
            _(
                "%(table)s.%(column)s refers to “%(key)s”, which the archive does not hold.",
                table=missing.table,
                column=missing.column,
                key=missing.key[:64],
            )
        ) from None


def _write_files(rows: list[dict[str, Any]], keys: dict[str, int], files: dict[str, bytes]) -> None:
    from organizer.models import Upload

    folder = Path(current_app.config["UPLOAD_DIR"])
    for row in rows:
        data = files.get(row["sha256"])
        if data is None:
            continue
        upload = db.session.get(Upload, keys[row["id"]])
        if upload is not None:
            write_atomically(folder / upload.public_id, data)
