"""Uploaded files: checked by their bytes, stored privately, read back only through a view.

The type is decided from the file's first bytes, never from its name or the browser's
Content-Type, and the file is stored under a random name in UPLOAD_DIR (outside `static/`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from pathlib import Path
from typing import IO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from organizer import permissions
from organizer.errors import ValidationFailed
from organizer.extensions import db
from organizer.models import (
    Answer,
    Event,
    Proposal,
    ProposalSpeaker,
    SpeakerProfile,
    Upload,
    User,
)


@dataclasses.dataclass(frozen=True)
class FileKind:
    label: str
    content_type: str
    extension: str
    signatures: tuple[bytes, ...]

    def matches(self, head: bytes) -> bool:
        if self.content_type == "image/webp":
            return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
        return any(head.startswith(signature) for signature in self.signatures)


FILE_KINDS: dict[str, FileKind] = {
    "pdf": FileKind("PDF", "application/pdf", "pdf", (b"%PDF-",)),
    "png": FileKind("PNG", "image/png", "png", (b"\x89PNG\r\n\x1a\n",)),
    "jpeg": FileKind("JPEG", "image/jpeg", "jpg", (b"\xff\xd8\xff",)),
    "webp": FileKind("WebP", "image/webp", "webp", ()),
}
PHOTO_KINDS = ("png", "jpeg", "webp")
PHOTO_MAX_KB = 2048


def describe_kinds(kinds: list[str] | tuple[str, ...]) -> str:
    return ", ".join(FILE_KINDS[k].label for k in kinds if k in FILE_KINDS)


def detect_kind(head: bytes, allowed: list[str] | tuple[str, ...]) -> str | None:
    for key in allowed:
        kind = FILE_KINDS.get(key)
        if kind is not None and kind.matches(head):
            return key
    return None


def store(
    *,
    stream: IO[bytes],
    filename: str,
    field: str,
    allowed: list[str] | tuple[str, ...],
    max_kb: int,
    owner: User,
    event: Event,
    now: dt.datetime,
) -> Upload:
    """Check and keep one file. Raises ValidationFailed({field: message}) with what to fix."""
    limit = max_kb * 1024
    data = stream.read(limit + 1)
    if not data:
        raise ValidationFailed({field: _("The file is empty. Choose the file again.")})
    if len(data) > limit:
        raise ValidationFailed(
            {
                field: _(
                    "The file is larger than %(limit)s. Make it smaller and try again.",
                    limit=_size(limit),
                )
            }
        )
    key = detect_kind(data[:16], allowed)
    if key is None:
        raise ValidationFailed(
            {
                field: _(
                    "This file is not an accepted type. Accepted: %(kinds)s.",
                    kinds=describe_kinds(allowed),
                )
            }
        )
    kind = FILE_KINDS[key]
    claimed = _kind_of_name(filename)
    if claimed is not None and claimed != key:
        raise ValidationFailed(
            {
                field: _(
                    "This file is a %(actual)s, but its name says %(claimed)s. Choose the "
                    "right file, or rename it to end in .%(extension)s.",
                    actual=kind.label,
                    claimed=FILE_KINDS[claimed].label,
                    extension=kind.extension,
                )
            }
        )
    upload = Upload(
        event_id=event.id,
        owner_id=owner.id,
        filename=_safe_filename(filename, kind.extension),
        content_type=kind.content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        created_at=now,
    )
    db.session.add(upload)
    db.session.flush()
    path = path_of(upload)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return upload


_EXTENSIONS = {"pdf": "pdf", "png": "png", "jpg": "jpeg", "jpeg": "jpeg", "webp": "webp"}


def _kind_of_name(filename: str) -> str | None:
    """The kind a file's name claims (".pdf" -> "pdf"), or None for other or no extensions."""
    return _EXTENSIONS.get(Path(filename or "").suffix.lower().lstrip("."))


def path_of(upload: Upload) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / upload.public_id


def _safe_filename(name: str, extension: str) -> str:
    """A name for Content-Disposition: letters, digits, dots, dashes; the detected extension."""
    stem = Path(name or "file").stem
    cleaned = "".join(c if c.isalnum() or c in "-_." else "-" for c in stem).strip("-.")[:80]
    return f"{cleaned or 'file'}.{extension}"


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{n // 1024} KB"


def upload_by_public_id(event: Event, public_id: str) -> Upload | None:
    return db.session.scalar(
        select(Upload).where(Upload.event_id == event.id, Upload.public_id == public_id)
    )


def can_download(user: object, upload: Upload) -> bool:
    """Who may read a file: the person who sent it, the organizers of its event, and every
    speaker of a proposal that uses it (as an answer, or as the photo of one of its speakers).
    Reviewers' access is decided by the review pages."""
    if not isinstance(user, User):
        return False
    if upload.owner_id == user.id:
        return True
    event = db.session.get(Event, upload.event_id)
    if event is not None and permissions.can_manage_cfp(user, event):
        return True
    mine = (
        select(ProposalSpeaker.proposal_id)
        .join(Proposal, Proposal.id == ProposalSpeaker.proposal_id)
        .where(ProposalSpeaker.user_id == user.id, Proposal.event_id == upload.event_id)
    )
    as_answer = select(Answer.id).where(Answer.upload_id == upload.id, Answer.proposal_id.in_(mine))
    if db.session.scalar(as_answer.limit(1)) is not None:
        return True
    photo_owners = select(SpeakerProfile.user_id).where(
        SpeakerProfile.photo_id == upload.id, SpeakerProfile.event_id == upload.event_id
    )
    as_photo = select(ProposalSpeaker.id).where(
        ProposalSpeaker.user_id.in_(photo_owners), ProposalSpeaker.proposal_id.in_(mine)
    )
    return db.session.scalar(as_photo.limit(1)) is not None
