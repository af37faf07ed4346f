"""Room signs: one page per room and day of the latest release, each listing that room's
sessions (and the all-rooms items) in time order; cached; served as a conditional PDF."""

from __future__ import annotations

import datetime as dt
import io

import pypdf

from organizer.extensions import db
from organizer.models import PrintSettings
from organizer.services.print import signs
from tests.factories import NOW, lisbon, make_event, make_talk
from tests.printed.conftest import (
    NAMES,
    appears,
    dark_fraction,
    page_texts,
    reader,
    release,
    render_pngs,
    squash,
)


def test_one_page_per_room_and_day_with_that_rooms_sessions(client, released):
    response = client.get("/printed/signs.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    texts = page_texts(response.data)
    rooms = released["rooms"]
    assert len(texts) == len(rooms) * 2  # two days
    # Page order: day, then room (display order).
    index = 0
    for day in (dt.date(2027, 3, 27), dt.date(2027, 3, 28)):
        for room in rooms:
            text = texts[index]
            assert squash(room.name) in text
            assert squash(day.strftime("%A")) in text and squash(day.strftime("%B")) in text
            mine = [
                t
                for t in released["talks"]
                if t["room"] == room.name and t["at"].astimezone(dt.UTC).date() == day
            ]
            others = [t for t in released["talks"] if t not in mine]
            for talk in mine:
                assert squash(talk["title"]) in text, (room.name, day, talk["title"])
                assert appears(talk["speaker"], text), talk["speaker"]
            for talk in others:
                assert squash(talk["title"]) not in text
            positions = [text.index(squash(t["title"])) for t in mine]
            assert positions == sorted(positions)  # time order
            assert ("Coffeebreak" in text) == (day.day == 27)  # all rooms, on the first day
            index += 1


def test_the_all_rooms_item_sits_in_time_order(client, released):
    first = page_texts(client.get("/printed/signs.pdf").data)[0]
    # Aula Magna on Saturday: 09:00 opening, 10:00 escaping talk, 11:00 coffee.
    assert first.index("Openingmethods") < first.index("Escaping") < first.index("Coffeebreak")
    assert "09:00" in first and "11:00" in first


def test_titles_with_markup_print_as_text_and_the_pdf_has_no_javascript(client, released):
    data = client.get("/printed/signs.pdf").data
    first = page_texts(data)[0]
    assert squash("<script>alert(1)</script>") in first
    assert b"/JavaScript" not in data and b"/JS " not in data


def test_names_in_every_script_come_back_out(client, released):
    text = "".join(page_texts(client.get("/printed/signs.pdf").data))
    for key, name in NAMES.items():
        assert appears(name, text), key
    for key in ("latin", "cyrillic", "greek", "chinese", "japanese"):
        assert squash(NAMES[key]) in text, key  # these come back exactly


def test_metadata_and_paper_size(client, released):
    pdf = reader(client.get("/printed/signs.pdf").data)
    assert pdf.metadata.title == "Room signs · Printed Workshop"
    assert str(pdf.trailer["/Root"]["/Lang"]) == "en"
    width, height = float(pdf.pages[0].mediabox.width), float(pdf.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 portrait, in points
    db.session.add(
        PrintSettings(
            event_id=released["event"].id,
            paper="letter",
            sections=["sessions"],
            notes_pages=0,
            updated_at=NOW,
        )
    )
    db.session.flush()
    letter = reader(client.get("/printed/signs.pdf").data)
    page = letter.pages[0].mediabox
    assert (round(float(page.width)), round(float(page.height))) == (612, 792)


def test_fonts_are_embedded(client, released):
    pdf = reader(client.get("/printed/signs.pdf").data)
    fonts = 0
    for page in pdf.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, font["/BaseFont"]
            fonts += 1
    assert fonts


def test_the_first_page_is_not_blank(client, released, tmp_path):
    pngs = render_pngs(client.get("/printed/signs.pdf").data, tmp_path, pages=1)
    assert len(pngs) == 1
    assert 0.005 < dark_fraction(pngs[0]) < 0.6


def test_cached_until_a_new_release_or_a_paper_change(client, released, print_cache):
    client.get("/printed/signs.pdf")
    files = sorted(print_cache.glob("signs-*.pdf"))
    assert len(files) == 1
    stamp = files[0].stat().st_mtime_ns
    response = client.get("/printed/signs.pdf")
    assert response.status_code == 200
    assert sorted(print_cache.glob("signs-*.pdf")) == files
    assert files[0].stat().st_mtime_ns == stamp  # read back, not written again
    event, organizer = released["event"], released["organizer"]
    make_talk(event, title="Late addition", room=released["rooms"][1], starts_at=lisbon(28, 16))
    release(event, organizer, at=NOW + dt.timedelta(hours=1))
    again = client.get("/printed/signs.pdf")
    assert "Lateaddition" in "".join(page_texts(again.data))
    assert len(list(print_cache.glob("signs-*.pdf"))) == 2


def test_not_modified_with_the_etag(client, released):
    first = client.get("/printed/signs.pdf")
    tag = first.headers["ETag"]
    assert first.headers["Cache-Control"]
    again = client.get("/printed/signs.pdf", headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.data == b""


def test_404_before_the_first_release_and_for_a_draft_event(client, world):
    assert client.get("/printed/signs.pdf").status_code == 404
    assert signs.render(world[1]) is None
    draft = make_event(slug="draft-print", is_public=False)
    assert client.get(f"/{draft.slug}/signs.pdf").status_code == 404
    assert client.get("/no-such-event/signs.pdf").status_code == 404


def test_each_sign_of_the_demo_fits_its_page(client):
    """Long titles on a busy day: every room and day still gets exactly one page."""
    from organizer.services.demo import load_demo, read_fixture
    from organizer.services.events import event_by_slug
    from organizer.services.public_schedule import public_schedule_of

    load_demo(data=read_fixture(), now=NOW)
    db.session.commit()
    event = event_by_slug("mangrove-2027")
    schedule = public_schedule_of(event)
    response = client.get(f"/{event.slug}/signs.pdf")
    assert response.status_code == 200
    pages = len(pypdf.PdfReader(io.BytesIO(response.data)).pages)
    assert pages == len(schedule.rooms) * len(schedule.days())
