"""Uploaded files: checked by their bytes, stored privately, read back only through a view.

The type is decided from the file's first bytes, never from its name or the browser's
Content-Type, and the file is stored under a random name in UPLOAD_DIR (outside `static/`).

Reviewers never get the file as it was sent. Word, LaTeX, Google Docs and cameras write the
author's name, software, dates and places into a file's metadata, so reviewers (of the call
and of grants) get the *reviewer copy*: the same document with its metadata removed (the PDF
Info dictionary and every XMP metadata stream, the authors of comments; an image's EXIF, XMP,
comments and colour profile, with the picture turned upright first). It is a sibling of the
original, `<public_id>.reviewer`, made when the file is stored and, for files stored before,
on first use; a file that cannot be read gets no reviewer copy, and reviewers then get
nothing. `text_of` gives the text a reader of the file sees (a PDF's page text), cached as
`<public_id>.text`, for the redaction check in `services/reviewing/redaction.py`. The original
stays as it was, for the person who sent it and the organizers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import logging
import warnings
from pathlib import Path
from typing import IO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from organizer import permissions
from organizer.errors import ValidationFailed
from organizer.extensions import db
from organizer.models import (
    Event,
    Upload,
    User,
)
from organizer.services.files import write_atomically

log = logging.getLogger(__name__)


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
    data, key = checked_bytes(
        stream=stream, filename=filename, field=field, allowed=allowed, max_kb=max_kb
    )
    return store_checked(data, key, filename=filename, owner=owner, event=event, now=now)


def checked_bytes(
    *,
    stream: IO[bytes],
    filename: str,
    field: str,
    allowed: list[str] | tuple[str, ...],
    max_kb: int,
) -> tuple[bytes, str]:
    """The file's bytes and kind (a key of FILE_KINDS), once its size, kind and name are
    checked. Raises ValidationFailed({field: message}) with what to fix; nothing is stored."""
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
    return data, key


def store_checked(
    data: bytes, key: str, *, filename: str, owner: User, event: Event, now: dt.datetime
) -> Upload:
    """Store checked bytes of kind `key` as a new Upload (named after `filename`, with the
    kind's extension), with its reviewer copy."""
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
    text_of(upload)  # makes the reviewer copy, and reads its text, once and now
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


# Who may read a file is a permission rule: `permissions.can_download_upload`.
can_download = permissions.can_download_upload


# The reviewer copy and the text -------------------------------------------------------------

REVIEWER_SUFFIX = ".reviewer"
TEXT_SUFFIX = ".text"
# A speaker photo's small square, for lists (services/speaker_photos.py makes it).
SMALL_SUFFIX = ".small"
TEXT_MAX_PAGES = 300  # a longer PDF is checked on its first 300 pages
TEXT_MAX_CHARS = 1_000_000
# Markup annotations (comments, highlights...) carry their author's name in /T; form fields
# (widgets) use /T for the field's name, which is kept.
_KEEP_T = ("/Widget", "/Link")


def stored_paths(upload: Upload) -> list[Path]:
    """Every file kept for an upload: the original, its reviewer copy, its text and (a
    speaker photo) its small square. Removing an upload removes them all (account deletion,
    the accounting purge)."""
    return [
        path_of(upload),
        sibling(upload, REVIEWER_SUFFIX),
        sibling(upload, TEXT_SUFFIX),
        sibling(upload, SMALL_SUFFIX),
    ]


def reviewer_copy(upload: Upload) -> Path | None:
    """The reviewer copy of the file (see the module's docstring), made on first use and kept.
    None when the original is missing or cannot be read."""
    path = sibling(upload, REVIEWER_SUFFIX)
    if path.is_file():
        return path
    original = path_of(upload)
    if not original.is_file():
        return None
    clean = strip_metadata(original.read_bytes(), upload.content_type)
    if clean is None:
        return None
    write_atomically(path, clean)
    return path


def text_of(upload: Upload) -> str | None:
    """The text a reader of the reviewer copy sees: a PDF's page text ("" for an image; the
    metadata is gone). None when the file cannot be read, and then there is no reviewer copy
    either."""
    path = sibling(upload, TEXT_SUFFIX)
    if path.is_file():
        return path.read_text(encoding="utf-8")
    copy = reviewer_copy(upload)
    if copy is None:
        return None
    text = extract_text(copy.read_bytes(), upload.content_type)
    if text is None:
        return None
    write_atomically(path, text.encode("utf-8"))
    return text


def strip_metadata(data: bytes, content_type: str) -> bytes | None:
    """The document without its metadata, or None when it cannot be read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if content_type == "application/pdf":
                return _strip_pdf(data)
            if content_type.startswith("image/"):
                return _strip_image(data)
    except Exception as error:  # a damaged or hostile file: reviewers get nothing
        log.info("cannot remove the metadata of a %s: %s", content_type, error)
    return None


def _strip_pdf(data: bytes) -> bytes:
    import pikepdf  # 6 MiB resident: loaded where uploads are stored, not by every process

    with pikepdf.open(io.BytesIO(data)) as pdf:
        if "/Info" in pdf.trailer:
            del pdf.trailer["/Info"]
        # Embedded files: LibreOffice's hybrid PDF carries its whole source document (author
        # in meta.xml), PDF/A-3 and attachment annotations any file. None is for reviewers.
        names = pdf.Root.get("/Names")
        if isinstance(names, pikepdf.Dictionary) and "/EmbeddedFiles" in names:
            del names["/EmbeddedFiles"]
        for page in pdf.pages:
            annots = page.obj.get("/Annots")
            if isinstance(annots, pikepdf.Array):
                kept = [a for a in annots if a.get("/Subtype") != pikepdf.Name.FileAttachment]
                if len(kept) != len(annots):
                    page.obj.Annots = pdf.make_indirect(pikepdf.Array(kept))
        for obj in pdf.objects:
            if not isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                continue
            # XMP (document, pages, images, fonts); associated and embedded file streams
            for key in ("/Metadata", "/PieceInfo", "/AF", "/EF"):
                if key in obj:
                    del obj[key]
            if "/Subtype" in obj and "/T" in obj and obj.get("/Subtype") not in _KEEP_T:
                del obj["/T"]
        out = io.BytesIO()
        # Written afresh: earlier revisions (incremental updates) and their metadata go too.
        pdf.save(out, fix_metadata_version=False, deterministic_id=True)
        return out.getvalue()


def _strip_image(data: bytes) -> bytes:
    from PIL import Image, ImageOps, ImageSequence  # 2 MiB resident, as pikepdf above

    with Image.open(io.BytesIO(data)) as image:
        image_format = image.format
        if image_format not in ("PNG", "JPEG", "WEBP"):
            raise ValueError(f"unexpected image format {image_format}")
        frames = []
        for frame in ImageSequence.Iterator(image):
            upright = ImageOps.exif_transpose(frame)  # the EXIF orientation is about to go
            clean = upright.copy()
            keep = {k: v for k, v in frame.info.items() if k in ("transparency", "duration")}
            clean.info = keep
            frames.append(clean)
        options: dict[str, object] = {}
        if image_format == "JPEG":
            options = {"quality": 92}
        elif image_format == "WEBP":
            options = {"quality": 90}
        if len(frames) > 1:
            options |= {"save_all": True, "append_images": frames[1:], "loop": 0}
        out = io.BytesIO()
        frames[0].save(out, image_format, **options)
        return out.getvalue()


def extract_text(data: bytes, content_type: str) -> str | None:
    if content_type.startswith("image/"):
        return ""  # no text is read from pictures (no OCR)
    if content_type != "application/pdf":
        return None
    import pypdf  # 23 MiB resident: loaded by the processes that read PDFs, not by every one

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = pypdf.PdfReader(io.BytesIO(data))
            parts: list[str] = []
            size = 0
            for page in reader.pages[:TEXT_MAX_PAGES]:
                text = page.extract_text() or ""
                parts.append(text)
                size += len(text)
                if size >= TEXT_MAX_CHARS:
                    break
    except Exception as error:  # damaged: no text, and no reviewer copy either
        log.info("cannot read the text of a PDF: %s", error)
        return None
    return "\n".join(parts)[:TEXT_MAX_CHARS]


def sibling(upload: Upload, suffix: str) -> Path:
    """A file kept beside the upload's (`<public_id><suffix>`)."""
    return path_of(upload).with_name(upload.public_id + suffix)
