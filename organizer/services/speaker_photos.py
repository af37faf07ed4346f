"""Speakers' photos: made fit for a public page when they are sent, and shown publicly only
with the speaker's consent.

A photo sent with the speaker profile is read with Pillow before anything is kept: a file
that is not a picture, is damaged, or would unpack to more than `MAX_PIXELS` (a
decompression bomb) is refused with a message on the field, and the profile keeps the photo
it had. A good one is turned upright (its EXIF orientation), cut to the centre square,
shrunk to at most `SIZE` pixels a side and written afresh: a JPEG, or a PNG when it has
transparency. Writing it afresh leaves every piece of metadata behind (EXIF with the camera
and GPS position, XMP, comments, colour profiles), so what is kept, for organizers and
reviewers as for the public, is the cleaned square; the file as sent is never stored. A
`SMALL` square sits beside it (`uploads.SMALL_SUFFIX`) for lists.

The public address (`public_schedule.speaker_photo`) answers only when the speaker consented
(`SpeakerProfile.photo_public`), has a processed photo, and is in the latest released
schedule; each photo's address carries its version (a piece of its SHA-256), so a new photo
is a new URL. A photo sent before photos were processed (no small square beside it) is
processed when its speaker first ticks the consent box (`unprocessed`), and is never served
publicly as it was sent.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import warnings
from pathlib import Path
from typing import IO

from flask_babel import gettext as _
from sqlalchemy import select

from organizer import permissions
from organizer.errors import ValidationFailed
from organizer.extensions import db
from organizer.models import Event, SpeakerProfile, Upload, User
from organizer.services import uploads
from organizer.services.public_schedule import (
    PHOTO_VERSION_LENGTH,
    frozen_of,
    latest_release,
    stamp_from,
)

SIZE = 512  # the largest side of the kept square, in pixels
SMALL = 128  # the square for lists
MAX_PIXELS = 40_000_000  # width x height a photo may unpack to (a 2 MB file can claim far more)
JPEG_QUALITY = 85
FIELD = "photo"


@dataclasses.dataclass(frozen=True)
class Prepared:
    """A photo read, squared and written afresh, not yet stored."""

    data: bytes
    small: bytes
    kind: str  # "jpeg" or "png" (keys of uploads.FILE_KINDS)
    filename: str  # as sent, for the stored name (with the new extension)


def _unreadable() -> ValidationFailed:
    return ValidationFailed(
        {
            FIELD: _(
                "This file cannot be read as a picture. It may be damaged: export it again "
                "as a PNG, JPEG or WebP and choose it again."
            )
        }
    )


def read_photo(*, stream: IO[bytes], filename: str) -> Prepared:
    """Check the photo (type and size as every upload, then that it is a picture that can be
    read) and make the square. Raises ValidationFailed({"photo": message}); stores nothing."""
    data, _kind = uploads.checked_bytes(
        stream=stream,
        filename=filename,
        field=FIELD,
        allowed=uploads.PHOTO_KINDS,
        max_kb=uploads.PHOTO_MAX_KB,
    )
    try:
        square, small, kind = squared(data)
    except ValueError as error:
        if "too large" in str(error):
            raise ValidationFailed(
                {
                    FIELD: _(
                        "This picture is too large in pixels (at most %(n)s megapixels). "
                        "Make it smaller and try again.",
                        n=MAX_PIXELS // 1_000_000,
                    )
                }
            ) from error
        raise _unreadable() from error
    return Prepared(data=square, small=small, kind=kind, filename=filename)


def squared(data: bytes) -> tuple[bytes, bytes, str]:
    """The picture as a centre square of at most SIZE pixels and one of SMALL pixels, written
    afresh without metadata, and their kind. Raises ValueError when `data` is not a picture
    Pillow can read, or unpacks to more than MAX_PIXELS ("too large")."""
    from PIL import Image, ImageOps  # loaded where photos are sent, not by every process

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:  # reads the header only
                if image.format not in ("PNG", "JPEG", "WEBP"):
                    raise ValueError(f"unexpected image format {image.format}")
                width, height = image.size
                if width * height > MAX_PIXELS:  # before a single pixel is unpacked
                    raise ValueError("too large")
                image.load()  # decodes every pixel: a truncated or damaged file fails here
                upright = ImageOps.exif_transpose(image)
    except ValueError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ValueError("too large") from error
    except Exception as error:  # damaged or hostile: Pillow raises many kinds
        raise ValueError(f"cannot read the picture: {error}") from error
    side = min(upright.size)
    left = (upright.width - side) // 2
    top = (upright.height - side) // 2
    square = upright.crop((left, top, left + side, top + side))
    transparent = _has_transparency(square)
    square = square.convert("RGBA" if transparent else "RGB")
    square.info = {}  # Pillow would write a JPEG comment or colour profile kept in `info`
    big = square.resize((min(side, SIZE),) * 2, Image.Resampling.LANCZOS)
    small = square.resize((min(side, SMALL),) * 2, Image.Resampling.LANCZOS)
    kind = "png" if transparent else "jpeg"
    return _encode(big, kind), _encode(small, kind), kind


def _has_transparency(image) -> bool:  # type: ignore[no-untyped-def]
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        alpha = image.convert("RGBA").getchannel("A")
        return alpha.getextrema()[0] < 255
    return False


def _encode(image, kind: str) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    if kind == "png":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def is_processed(upload: Upload) -> bool:
    """Was the photo made by `read_photo` (it has its small square)? A photo sent before
    photos were processed is the file as sent, metadata and all."""
    return uploads.sibling(upload, uploads.SMALL_SUFFIX).is_file()


def unprocessed(upload: Upload) -> Prepared | None:
    """For a photo sent before photos were processed: the processed photo to store in its
    place (None when it already is one). Raises ValidationFailed({"photo": ...}) when the
    file is missing or cannot be read, so that a speaker who asks to show it sends it again."""
    if is_processed(upload):
        return None
    path = uploads.path_of(upload)
    if not path.is_file():
        raise _unreadable()
    with path.open("rb") as stream:
        return read_photo(stream=stream, filename=upload.filename)


def store_photo(prepared: Prepared, *, owner: User, event: Event, now: dt.datetime) -> Upload:
    """Store a prepared photo as an Upload, with its small square beside it."""
    upload = uploads.store_checked(
        prepared.data, prepared.kind, filename=prepared.filename, owner=owner, event=event, now=now
    )
    uploads.sibling(upload, uploads.SMALL_SUFFIX).write_bytes(prepared.small)
    return upload


def version_of(sha256: str) -> str:
    """What a photo's public address carries, so that a new photo is a new address."""
    return sha256[:PHOTO_VERSION_LENGTH]


def extension_of(content_type: str) -> str:
    """The extension of a photo's public address (public_schedule.PublicSpeaker.photo_ext)."""
    return "png" if content_type == "image/png" else "jpg"


@dataclasses.dataclass(frozen=True)
class PublicPhoto:
    path: Path
    content_type: str
    version: str


def public_photo(*, viewer: User, event: Event, code: str, small: bool) -> PublicPhoto | None:
    """The photo of the speaker whose profile has `code`, if anyone may see it: the event is
    one `viewer` may see, the speaker consented, has a photo, and is in the latest released
    schedule. None otherwise (and for a file that went missing). Three small queries."""
    if not permissions.can_view_event(viewer, event):
        return None
    release = latest_release(event)
    if release is None:
        return None
    row = db.session.execute(
        select(SpeakerProfile.user_id, Upload)
        .join(Upload, Upload.id == SpeakerProfile.photo_id)
        .where(
            SpeakerProfile.event_id == event.id,
            SpeakerProfile.code == code,
            SpeakerProfile.photo_public.is_(True),
        )
    ).first()
    if row is None:
        return None
    user_id, upload = row
    if user_id not in frozen_of(stamp_from(release)).by_speaker:
        return None
    if not is_processed(upload):  # never the file as sent (see `unprocessed`)
        return None
    path = uploads.sibling(upload, uploads.SMALL_SUFFIX) if small else uploads.path_of(upload)
    if not path.is_file():
        return None
    return PublicPhoto(
        path=path, content_type=upload.content_type, version=version_of(upload.sha256)
    )
