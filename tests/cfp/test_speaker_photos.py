"""Speakers' photos and links (issue 16): the photo read with Pillow, turned upright, squared,
shrunk and written afresh without metadata; consent, alt text and links validated and saved;
a bad file leaves the saved photo; the export and account deletion cover what is new."""

from __future__ import annotations

import io
import json
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import func, select

from organizer.errors import ValidationFailed
from organizer.extensions import db
from organizer.models import Upload
from organizer.services import account_deletion, personal_data, speaker_photos, uploads
from organizer.services.cfp import profiles
from organizer.services.cfp.profiles import ProfileInput
from organizer.services.reviewing.questions import FileInput
from organizer.services.weblinks import public_links
from tests.documents import make_image, readable
from tests.factories import NOW, PASSWORD, make_event, make_user

TEAL = (0, 128, 128)
ORANGE = (255, 165, 0)


def near(pixel, colour, tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def save(speaker, event, **fields):
    return profiles.save_profile(actor=speaker, event=event, data=ProfileInput(**fields), now=NOW)


def photo(data: bytes, name: str = "me.jpg") -> FileInput:
    return FileInput(io.BytesIO(data), name)


# --- Pillow: metadata, orientation, crop, size ---------------------------------------------------


def test_a_camera_jpeg_loses_its_gps_and_becomes_an_upright_512_square():
    sent = make_image("JPEG", size=(1200, 800), gps=True, artist="Ana Camera", comment="Lisbon")
    assert "ana camera" in readable(sent, "image/jpeg")  # the test picture does carry them
    with Image.open(io.BytesIO(sent)) as original:
        assert original.getexif().get_ifd(0x8825)  # a GPS position

    big, small, kind = speaker_photos.squared(sent)

    assert kind == "jpeg"
    for data, side in ((big, 512), (small, 128)):
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "JPEG" and image.size == (side, side)
            assert not image.getexif()  # no EXIF at all: no GPS, no orientation, no artist
            assert "exif" not in image.info and "xmp" not in image.info
            assert "comment" not in image.info and "icc_profile" not in image.info
            # Orientation 6 turned the teal-left, orange-right picture a quarter turn: the
            # colours are now above each other, so the left and right edges match.
            rgb = image.convert("RGB")
            middle = side // 2
            assert near(rgb.getpixel((2, 2)), rgb.getpixel((side - 3, 2))[:3])
            assert not near(rgb.getpixel((middle, 2)), rgb.getpixel((middle, side - 3)))
        text = readable(data, "image/jpeg")
        assert "ana camera" not in text and "lisbon" not in text and "gps" not in text


def test_the_centre_square_is_kept_and_a_small_picture_is_not_enlarged():
    sent = make_image("PNG", size=(300, 100), orientation=0)  # teal left, orange right
    big, small, kind = speaker_photos.squared(sent)
    assert kind == "jpeg"  # an opaque PNG is kept as a JPEG
    with Image.open(io.BytesIO(big)) as image:
        assert image.size == (100, 100)  # the centre 100 of 300 columns, not enlarged
        rgb = image.convert("RGB")
        # columns 100-200 of the original: 100-150 teal, 150-200 orange
        assert near(rgb.getpixel((10, 50)), TEAL) and near(rgb.getpixel((90, 50)), ORANGE)
    with Image.open(io.BytesIO(small)) as image:
        assert image.size == (100, 100)


def test_transparency_is_kept_in_a_png():
    sent = make_image("PNG", size=(600, 600), mode="RGBA", orientation=0)
    big, _small, kind = speaker_photos.squared(sent)
    assert kind == "png"
    with Image.open(io.BytesIO(big)) as image:
        assert image.format == "PNG" and image.mode == "RGBA" and image.size == (512, 512)
        assert image.getpixel((500, 256))[3] < 255 and image.getpixel((10, 256))[3] == 255


def _png_claiming(width: int, height: int) -> bytes:
    """A valid tiny PNG whose header claims another size (as a decompression bomb does)."""
    data = bytearray(make_image("PNG", size=(10, 10), orientation=0))
    ihdr = bytes(data[12:16]) + struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr))
    return bytes(data)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (make_image("JPEG", size=(400, 400))[:600], "me.jpg", "cannot be read as a picture"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "me.png", "cannot be read as a picture"),
        (_png_claiming(20_000, 20_000), "bomb.png", "too large in pixels"),
        (b"GIF89a" + b"\x00" * 40, "me.gif", "not an accepted type"),
        (make_image("PNG"), "me.jpg", "its name says JPEG"),
    ],
)
def test_files_that_are_not_good_pictures_are_refused_on_the_field(data, name, message):
    with pytest.raises(ValidationFailed) as caught:
        speaker_photos.read_photo(stream=io.BytesIO(data), filename=name)
    assert set(caught.value.errors) == {"photo"}
    assert message in caught.value.errors["photo"]


# --- saving the profile ------------------------------------------------------------------------


def test_a_bad_file_leaves_the_saved_photo_and_stores_nothing():
    event, speaker = make_event(), make_user()
    first = save(speaker, event, bio="Hi", photo=photo(make_image("JPEG")), photo_public=True)
    saved = first.photo_id
    assert uploads.sibling(first.photo, uploads.SMALL_SUFFIX).is_file()
    count = db.session.scalar(select(func.count()).select_from(Upload))

    with pytest.raises(ValidationFailed) as caught:
        save(speaker, event, bio="Changed", photo=photo(b"\xff\xd8\xff broken", "me.jpg"))
    assert "photo" in caught.value.errors
    db.session.refresh(first)
    assert first.photo_id == saved and first.bio == "Hi" and first.photo_public
    assert db.session.scalar(select(func.count()).select_from(Upload)) == count


def test_consent_alt_text_and_links_are_saved_and_checked():
    event, speaker = make_event(), make_user(name="Ana Lima")
    profile = save(
        speaker,
        event,
        photo=photo(make_image("JPEG")),
        photo_public=True,
        photo_alt="  Ana at a whiteboard  ",
        links=(
            ("Slides", "https://slides.example.org/ana"),
            ("", ""),  # left empty: dropped
            ("Code", "http://git.example.org/ana?tab=repos"),
        ),
    )
    assert profile.photo_public is True and profile.photo_alt == "Ana at a whiteboard"
    assert profile.links == [
        {"label": "Slides", "url": "https://slides.example.org/ana"},
        {"label": "Code", "url": "http://git.example.org/ana?tab=repos"},
    ]

    with pytest.raises(ValidationFailed) as caught:
        save(
            speaker,
            event,
            photo_alt="x" * 201,
            links=(
                ("Evil", "javascript:alert(1)"),
                ("", "https://no-label.example.org"),
                ("Spaces", "https://a b.example.org"),
                ("Long", "https://example.org/" + "a" * 300),
                ("L" * 61, "https://example.org"),
            ),
        )
    assert set(caught.value.errors) == {
        "photo_alt",
        "link-url-1",
        "link-label-2",
        "link-url-3",
        "link-url-4",
        "link-label-5",
    }
    with pytest.raises(ValidationFailed) as caught:
        save(speaker, event, links=tuple(("L", f"https://e{n}.example.org") for n in range(6)))
    assert "at most 5 links" in caught.value.errors["links"]
    db.session.refresh(profile)
    assert len(profile.links) == 2  # nothing changed

    revoked = save(speaker, event, photo_public=False)
    assert revoked.photo_public is False and revoked.photo_id is not None
    removed = save(speaker, event, remove_photo=True, photo_public=True)
    assert removed.photo_id is None


def test_public_links_shows_only_well_formed_http_links():
    stored = [
        {"label": "Slides", "url": "https://slides.example.org"},
        {"label": "Bad", "url": "javascript:alert(1)"},
        {"label": "", "url": "https://no-label.example.org"},
        {"label": "User", "url": "https://user@evil.example.org"},
        "not a link",
        {"label": "Data", "url": "http://data.example.org/x"},
    ]
    assert public_links(stored) == (
        ("Slides", "https://slides.example.org"),
        ("Data", "http://data.example.org/x"),
    )
    assert public_links(None) == () and public_links({"a": 1}) == ()


# --- the export and account deletion ------------------------------------------------------------


def test_the_export_has_the_consent_description_and_links():
    event, speaker = make_event(), make_user()
    save(
        speaker,
        event,
        photo=photo(make_image("JPEG")),
        photo_public=True,
        photo_alt="Ana",
        links=(("Slides", "https://slides.example.org"),),
    )
    data = json.loads(json.dumps(personal_data.collect(speaker, now=NOW), default=str))
    (entry,) = data["speaker_profiles"]
    assert entry["photo_shown_publicly"] is True and entry["photo_description"] == "Ana"
    assert entry["links"] == [{"label": "Slides", "url": "https://slides.example.org"}]
    assert entry["photo"]  # the file, under files/ in the archive


def test_deleting_the_account_removes_the_photo_and_its_small_square():
    event, speaker = make_event(), make_user()
    profile = save(speaker, event, photo=photo(make_image("JPEG")), photo_public=True)
    paths = [uploads.path_of(profile.photo), uploads.sibling(profile.photo, uploads.SMALL_SUFFIX)]
    assert all(path.is_file() for path in paths)
    _pseudonym, files = account_deletion.delete_account(
        actor=speaker, password=PASSWORD, confirmation=speaker.email, now=NOW
    )
    db.session.commit()
    account_deletion.remove_files(files)
    assert not any(path.exists() for path in paths)


# --- photos sent before photos were processed ---------------------------------------------------


def _legacy_photo(event, speaker, data: bytes, name: str):
    """A photo stored as it was sent, as before issue 16 (no small square, metadata and all)."""
    upload = uploads.store(
        stream=io.BytesIO(data),
        filename=name,
        field="photo",
        allowed=uploads.PHOTO_KINDS,
        max_kb=uploads.PHOTO_MAX_KB,
        owner=speaker,
        event=event,
        now=NOW,
    )
    profile = save(speaker, event, bio="Hi")
    profile.photo = upload
    db.session.flush()
    return profile


def test_consenting_to_show_an_old_photo_processes_it_first():
    event, speaker = make_event(), make_user()
    sent = make_image("JPEG", size=(700, 500), gps=True, artist="Ana Camera")
    profile = _legacy_photo(event, speaker, sent, "old.jpg")
    old = profile.photo
    assert not speaker_photos.is_processed(old)

    profile = save(speaker, event, photo_public=True)

    assert profile.photo_id != old.id and speaker_photos.is_processed(profile.photo)
    data = uploads.path_of(profile.photo).read_bytes()
    assert "ana camera" not in readable(data, "image/jpeg")
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (500, 500) and not image.getexif()


def test_an_old_photo_that_cannot_be_read_is_asked_for_again():
    event, speaker = make_event(), make_user()
    profile = _legacy_photo(event, speaker, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "old.png")
    old_id = profile.photo_id
    with pytest.raises(ValidationFailed) as caught:
        save(speaker, event, photo_public=True)
    assert "cannot be read as a picture" in caught.value.errors["photo"]
    db.session.refresh(profile)
    assert profile.photo_id == old_id and not profile.photo_public
    # without consent it stays as it is, for the organizers
    assert save(speaker, event, bio="Still here").photo_id == old_id
