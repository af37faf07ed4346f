"""Slides, recordings and other material of a talk (pretalx's "resources"), added after the talk
was accepted: a link (http or https) or an uploaded PDF.

They belong to the proposal, not the slot: a proposal keeps its identity through every schedule
release and every move on the grid. The talk's speakers (not an open co-speaker invitation) and
the event's organizers add and remove them (`permissions.can_edit_materials`), for an accepted
or confirmed talk only.

Materials are public without a new release, as a proposal's description is: the public talk
page reads them live (`public_schedule._build`), since they are mostly added after the event,
when no release is expected. What is kept per release is renewed on every change
(`_published`): the event's `updated_at` is bumped, which every public cache key and feed ETag
holds, and the latest release's stored frab XML and JSON are dropped, so that the next request
writes them with the materials. A material's file is public only while its talk is in the
latest release (`public_file`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update

from organizer import permissions
from organizer.enums import MaterialKind
from organizer.errors import NotFound, ValidationFailed
from organizer.extensions import db
from organizer.models import (
    Event,
    Proposal,
    ScheduleRelease,
    SessionMaterial,
    Upload,
    User,
)
from organizer.services import text, uploads
from organizer.services.public_schedule import frozen_of, stamp_of

TITLE_MAX = 200
URL_MAX = 500
MATERIAL_KINDS = ("pdf",)  # uploaded files: PDF only (slides, handouts)
MATERIAL_MAX_KB = 15 * 1024  # under the request limit (MAX_CONTENT_LENGTH, 16 MB)
MAX_PER_TALK = 20


@dataclasses.dataclass(frozen=True)
class FileInput:
    stream: IO[bytes]
    filename: str


@dataclasses.dataclass(frozen=True)
class MaterialInput:
    kind: str
    title: str
    url: str = ""
    file: FileInput | None = None


def materials_of(proposal: Proposal) -> list[SessionMaterial]:
    """The talk's materials in the order they were added (one query)."""
    return list(
        db.session.scalars(
            select(SessionMaterial)
            .where(SessionMaterial.proposal_id == proposal.id)
            .order_by(SessionMaterial.position, SessionMaterial.id)
        )
    )


def material_of(proposal: Proposal, public_id: str) -> SessionMaterial:
    """The talk's material with this public id; NotFound for any other."""
    found = db.session.scalar(
        select(SessionMaterial).where(
            SessionMaterial.proposal_id == proposal.id, SessionMaterial.public_id == public_id
        )
    )
    if found is None:
        raise NotFound(_("There is no such material."))
    return found


def check_url(value: str, field: str = "url") -> str:
    """An absolute http(s) address with a host, without spaces or control characters."""
    url = value.strip()
    parts = urlsplit(url)
    if (
        parts.scheme.lower() not in ("http", "https")
        or not parts.netloc
        or any(c.isspace() for c in url)
        or text.problem(url) is not None
    ):
        raise ValidationFailed(
            {field: _("Enter a full web address starting with https:// (or http://).")}
        )
    if len(url) > URL_MAX:
        raise ValidationFailed(
            {field: _("The address is too long: at most %(n)s characters.", n=URL_MAX)}
        )
    return url


def _validate(data: MaterialInput) -> tuple[MaterialKind, str, str]:
    errors: dict[str, str] = {}
    kind = MaterialKind._value2member_map_.get(data.kind)
    if kind is None:
        errors["kind"] = _("Choose what it is: slides, a recording or something else.")
    title = " ".join(data.title.split())
    if not title:
        errors["title"] = _("Enter a title, e.g. “Slides (PDF)” or “Video recording”.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("The title is too long: at most %(n)s characters.", n=TITLE_MAX)
    url = ""
    if data.file is not None and data.url.strip():
        errors["url"] = _("Give a link or a file, not both.")
    elif data.file is None and not data.url.strip():
        errors["url"] = _("Give a link, or choose a PDF file to upload.")
    elif data.file is None:
        try:
            url = check_url(data.url)
        except ValidationFailed as error:
            errors.update(error.errors)
    if data.file is not None and kind is MaterialKind.RECORDING:
        errors["file"] = _("A recording is a link (to a video site or an archive), not a file.")
    if errors:
        raise ValidationFailed(errors)
    assert kind is not None
    return kind, title, url


def add_material(
    *, actor: User, proposal: Proposal, data: MaterialInput, now: dt.datetime
) -> SessionMaterial:
    """Add a link or a PDF to the talk's materials, at the end."""
    permissions.require(
        permissions.can_edit_materials(actor, proposal),
        _("Slides and recordings can be added to accepted talks only, by their speakers."),
    )
    kind, title, url = _validate(data)
    count = db.session.scalar(
        select(func.count()).where(SessionMaterial.proposal_id == proposal.id)
    )
    if (count or 0) >= MAX_PER_TALK:
        raise ValidationFailed(
            {"": _("A talk has at most %(n)s materials. Remove one first.", n=MAX_PER_TALK)}
        )
    upload = None
    if data.file is not None:
        upload = uploads.store(
            stream=data.file.stream,
            filename=data.file.filename,
            field="file",
            allowed=MATERIAL_KINDS,
            max_kb=MATERIAL_MAX_KB,
            owner=actor,
            event=proposal.event,
            now=now,
        )
    last = db.session.scalar(
        select(func.max(SessionMaterial.position)).where(SessionMaterial.proposal_id == proposal.id)
    )
    material = SessionMaterial(
        event_id=proposal.event_id,
        proposal_id=proposal.id,
        kind=kind,
        title=title,
        url=url,
        upload=upload,
        added_by_id=actor.id,
        position=(last or 0) + 1,
        created_at=now,
    )
    db.session.add(material)
    db.session.flush()
    _published(proposal.event, now)
    return material


def remove_material(*, actor: User, material: SessionMaterial, now: dt.datetime) -> list[Path]:
    """Remove a material (and its file). Returns the files to remove from disk once the
    transaction has committed (`account_deletion.remove_files`)."""
    proposal = material.proposal
    permissions.require(
        permissions.can_edit_materials(actor, proposal),
        _("Only the talk's speakers and the organizers can remove its materials."),
    )
    upload = material.upload
    db.session.delete(material)
    paths: list[Path] = []
    if upload is not None:
        paths = uploads.stored_paths(upload)
        db.session.delete(upload)
    db.session.flush()
    _published(proposal.event, now)
    return paths


def _published(event: Event, now: dt.datetime) -> None:
    """Public pages and feeds show the change without a release (see the module's
    docstring): new cache keys and ETags, and the stored frab exports written again."""
    # later than before even at the same instant (a fixed clock): the keys must move
    event.updated_at = max(now, event.updated_at + dt.timedelta(microseconds=1))
    latest = db.session.scalar(
        select(func.max(ScheduleRelease.number)).where(ScheduleRelease.event_id == event.id)
    )
    if latest is not None:
        db.session.execute(
            update(ScheduleRelease)
            .where(ScheduleRelease.event_id == event.id, ScheduleRelease.number == latest)
            .values(frab_xml="", frab_json="")
        )
    db.session.flush()


def public_file(event: Event, code: str, public_id: str) -> Upload:
    """The file of a material of the talk whose public page is `code`, while the latest
    release has that talk; NotFound otherwise (before the first release, a talk not released
    or cancelled, a link, another talk's material)."""
    stamp = stamp_of(event)
    if stamp is None:
        raise NotFound()
    frozen = frozen_of(stamp)
    index = frozen.by_code.get(code)
    proposal_public_id = frozen.entries[index].get("proposal") if index is not None else None
    if not proposal_public_id:
        raise NotFound()
    upload = db.session.scalar(
        select(Upload)
        .join(SessionMaterial, SessionMaterial.upload_id == Upload.id)
        .join(Proposal, Proposal.id == SessionMaterial.proposal_id)
        .where(
            SessionMaterial.event_id == event.id,
            SessionMaterial.public_id == public_id,
            Proposal.public_id == proposal_public_id,
            Proposal.state.in_(permissions.PROPOSAL_STATES_WITH_MATERIALS),
        )
    )
    if upload is None:
        raise NotFound()
    return upload


def forget_added_by(user_id: int, now: dt.datetime) -> list[int]:
    """Account deletion: the materials the person added go (their links and files are their
    work, and may name them). Returns the ids of their files' uploads, for the caller to
    remove with the person's other files."""
    rows = db.session.execute(
        select(SessionMaterial.event_id, SessionMaterial.upload_id).where(
            SessionMaterial.added_by_id == user_id
        )
    ).all()
    db.session.execute(delete(SessionMaterial).where(SessionMaterial.added_by_id == user_id))
    for event_id in sorted({event_id for event_id, _upload in rows}):
        event = db.session.get(Event, event_id)
        if event is not None:
            _published(event, now)
    return [upload_id for _event, upload_id in rows if upload_id is not None]
