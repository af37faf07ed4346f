"""What an import refuses, with a message, before it writes anything: not a zip, entries it
should not hold (path traversal, folders, unknown names), too many or too large entries, an
unknown version, a document that breaks the schema or its checksum, a slug in use; and who
may export and import."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

from organizer.enums import EventRoleName
from organizer.errors import PermissionDenied
from organizer.extensions import db
from organizer.models import Event, Proposal, User
from organizer.services.archive import package
from tests.factories import NOW, grant_role, make_cfp, make_event, make_proposal, make_user


@pytest.fixture
def small(app) -> tuple[Event, bytes]:
    event = make_event(slug="small-2027")
    make_cfp(event)
    make_proposal(event)
    return event, package.archive_of(event, now=NOW)


def _members(archive: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def _with_document(archive: bytes, name: str, change) -> bytes:  # type: ignore[no-untyped-def]
    members = _members(archive)
    document = json.loads(members[name])
    change(document)
    members[name] = json.dumps(document).encode()
    manifest = json.loads(members["manifest.json"])
    if name != "manifest.json":
        manifest["documents"][name] = hashlib.sha256(members[name]).hexdigest()
        members["manifest.json"] = json.dumps(manifest).encode()
    return _zip(members)


def _events() -> int:
    return db.session.scalar(select(func.count(Event.id)))


def _refused(archive: bytes, slug: str | None = "copy-2027") -> str:
    admin = make_user(site_admin=True)
    before = _events()
    with pytest.raises(package.ArchiveRefused) as refused:
        package.import_event(archive=archive, slug=slug, actor=admin, now=NOW)
    assert _events() == before
    return refused.value.message


def test_an_archive_imports_under_a_new_slug_and_the_importer_organizes_it(small):
    event, archive = small
    admin = make_user(site_admin=True)
    copy = package.import_event(archive=archive, slug="copy-2027", actor=admin, now=NOW)
    assert copy.slug == "copy-2027" and copy.name == event.name and copy.id != event.id
    assert EventRoleName.ORGANIZER in {r.role for r in admin.event_roles if r.event_id == copy.id}
    # the same instance: public ids already in use get new ones
    ids = {
        e.id: set(db.session.scalars(select(Proposal.public_id).where(Proposal.event_id == e.id)))
        for e in (event, copy)
    }
    assert len(ids[copy.id]) == len(ids[event.id]) == 1
    assert ids[copy.id].isdisjoint(ids[event.id])


def test_people_already_here_are_matched_by_address_not_made_again(small):
    _, archive = small
    people = db.session.scalar(select(func.count(User.id)))
    admin = make_user(site_admin=True)
    package.import_event(archive=archive, slug="again-2027", actor=admin, now=NOW)
    assert db.session.scalar(select(func.count(User.id))) == people + 1  # only the admin


def test_not_a_zip(small):
    assert "not a zip" in _refused(b"PK\x03\x04 nothing like an archive")


@pytest.mark.parametrize(
    "name", ["../evil.json", "/etc/passwd", "files/../../x", "files/abc", "extra.json", "dir/"]
)
def test_entries_it_should_not_hold(small, name):
    members = _members(small[1])
    members[name] = b"{}"
    assert "should not" in _refused(_zip(members))


def test_too_many_entries(small, monkeypatch):
    monkeypatch.setattr(package, "MAX_MEMBERS", 5)
    assert "more entries" in _refused(small[1])


def test_a_zip_bomb_is_stopped_while_reading(small, monkeypatch):
    monkeypatch.setattr(package, "MAX_UNPACKED_BYTES", 50_000)
    members = _members(small[1])
    members["proposals.json"] = b" " * 10_000_000  # compresses to a few KiB
    assert "unpacks to more" in _refused(_zip(members))


def test_too_large_an_archive(small, monkeypatch):
    monkeypatch.setattr(package, "MAX_ARCHIVE_BYTES", 100)
    assert "larger" in _refused(small[1])


def test_an_unknown_version_is_refused_by_name(small):
    archive = _with_document(small[1], "manifest.json", lambda m: m.update(version=2))
    message = _refused(archive)
    assert "version 2" in message and "version 1" in message


def test_another_format(small):
    archive = _with_document(small[1], "manifest.json", lambda m: m.update(format="zip"))
    assert "does not describe" in _refused(archive)


def test_a_document_that_breaks_the_schema_says_where(small):
    def break_it(doc):  # type: ignore[no-untyped-def]
        doc["tables"]["proposal"][0]["duration_minutes"] = "long"

    message = _refused(_with_document(small[1], "proposals.json", break_it))
    assert "proposals.json" in message and "tables/proposal/0/duration_minutes" in message


def test_a_reference_to_a_missing_row(small):
    def break_it(doc):  # type: ignore[no-untyped-def]
        doc["tables"]["proposal"][0]["session_type_id"] = "999999"

    assert "999999" in _refused(_with_document(small[1], "proposals.json", break_it))


def test_a_changed_document_breaks_its_checksum(small):
    members = _members(small[1])
    members["decisions.json"] = members["decisions.json"].replace(b"\n", b"\n ")
    assert "checksum" in _refused(_zip(members))


@pytest.mark.parametrize("slug", ["small-2027", "manage", "Not A Slug"])
def test_a_slug_in_use_reserved_or_malformed(small, slug):
    assert slug in _refused(small[1], slug=slug) or "address" in _refused(small[1], slug=slug)


def test_only_organizers_export(small):
    event, _ = small
    reviewer = make_user()
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    with pytest.raises(PermissionDenied):
        package.export_event(event=event, actor=reviewer, now=NOW)
    organizer = make_user()
    grant_role(organizer, event, EventRoleName.ORGANIZER)
    assert package.export_event(event=event, actor=organizer, now=NOW).startswith(b"PK")


def test_only_site_admins_import(small):
    event, archive = small
    organizer = make_user()
    grant_role(organizer, event, EventRoleName.ORGANIZER)
    with pytest.raises(PermissionDenied):
        package.import_event(archive=archive, slug="copy-2027", actor=organizer, now=NOW)
