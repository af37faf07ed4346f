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

from organizer.errors import ValidationFailed
from organizer.extensions import db
from organizer.models import Event, Upload, User


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


def path_of(upload: Upload) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / upload.public_id


def _safe_filename(name: str, extension: str) -> str:
    """A name for Content-Disposition: letters, digits, dots, dashes; the detected extension."""
    stem = Path(name or "file").stem
    cleaned = "".join(c if c.isalnum() or c in "-_." else "-" for c in stem).strip("-.")[:80]
    return f"{cleaned or 'file'}.{extension}"


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{n // 1024} KB"
