"""The printed programme read back with pypdf: every title and speaker, in time order; the
pages the contents and the speaker index claim; bookmarks; metadata; embedded fonts with every
glyph of names in seven scripts; escaping; the large print; a rendered page; the cache; HTTP."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from organizer.extensions import db
from organizer.models import PrintSettings
from organizer.services.print import booklet as booklets
from tests.factories import NOW, lisbon, make_event, make_talk
from tests.printed.conftest import (
    NAMES,
    SCRIPT_TITLE,
    appears,
    cmaps,
    dark_fraction,
    font_descriptors,
    page_texts,
    reader,
    release,
    render_pngs,
    squash,
)

DAYS = {"Saturday 27 March": dt.date(2027, 3, 27), "Sunday 28 March": dt.date(2027, 3, 28)}
ENTRY = re.compile(r"^(?P<label>.+?)[\s.]*\.\s*(?P<page>\d+)$")


def pdf_of(event, edition="standard"):  # type: ignore[no-untyped-def]
    return booklets.render(event, edition=edition, now=NOW)


def raw_pages(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in reader(data).pages]


def bookmarks(data: bytes) -> dict[str, int]:
    """Each bookmark's title and the index of the page it opens."""
    pdf = reader(data)
    found = {}

    def walk(items):  # type: ignore[no-untyped-def]
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                found.setdefault(item.title, pdf.get_destination_page_number(item))

    walk(pdf.outline)
    return found


def sessions_start(data: bytes) -> int:
    """The index of the first page of the sessions section (after the overview)."""
    return bookmarks(data)["Sessions"]


def page_of(title: str, texts: list[str], start: int) -> int:
    """The printed page number (1-based) of the page in the sessions section holding `title`."""
    wanted = squash(title)
    return next(i + 1 for i in range(start, len(texts)) if wanted in texts[i])


def test_every_title_and_speaker_appears_in_time_order(released):
    data = pdf_of(released["event"])
    texts = page_texts(data)
    start = sessions_start(data)
    body = "".join(texts[start:])
    talks = sorted(released["talks"], key=lambda t: t["at"])
    for talk in talks:
        assert squash(talk["title"]) in body, talk["title"]
        assert appears(talk["speaker"], body), talk["speaker"]
    positions = [body.index(squash(t["title"])) for t in talks]
    assert positions == sorted(positions)
    assert "Coffeebreak" in body


def test_the_contents_point_at_the_right_pages(released):
    data = pdf_of(released["event"])
    raw = raw_pages(data)
    texts = page_texts(data)
    claims = {}
    for line in raw[1].splitlines():
        found = ENTRY.match(line.strip())
        if found:
            claims[found["label"].strip(" .")] = int(found["page"])
    assert {"Sessions", "Speaker index", "Rooms and accessibility", *DAYS} <= set(claims)
    marks = bookmarks(data)
    for label in ("Sessions", "Speaker index", "Rooms and accessibility"):
        assert claims[label] == marks[label] + 1, label
        assert squash(label) in texts[claims[label] - 1], label
    start = sessions_start(data)
    for label, day in DAYS.items():
        first = min((t for t in released["talks"] if t["at"].date() == day), key=lambda t: t["at"])
        assert claims[label] == page_of(first["title"], texts, start), label


def test_the_speaker_index_gives_the_page_of_each_session(released):
    data = pdf_of(released["event"])
    raw = raw_pages(data)
    texts = page_texts(data)
    index = bookmarks(data)["Speaker index"]
    start = sessions_start(data)
    lines = raw[index].splitlines()
    for talk in released["talks"]:
        line = next(
            line for line in lines if appears(talk["speaker"], squash(line.rstrip("0123456789, ")))
        )
        tail = re.search(r"[\d,\s]+$", line)
        pages = [int(n) for n in re.findall(r"\d+", tail.group(0) if tail else "")]
        assert page_of(talk["title"], texts, start) in pages, (talk["speaker"], line)


def test_bookmarks_for_each_day_and_section(released):
    pdf = reader(pdf_of(released["event"]))

    def titles(items):  # type: ignore[no-untyped-def]
        for item in items:
            if isinstance(item, list):
                yield from titles(item)
            else:
                yield item.title

    found = set(titles(pdf.outline))
    assert set(DAYS) <= found
    assert {"Contents", "Overview", "Sessions", "Speaker index", "Rooms and accessibility"} <= found


def test_title_language_and_tagging(released):
    pdf = reader(pdf_of(released["event"]))
    assert "Printed Workshop" in pdf.metadata.title
    root = pdf.trailer["/Root"]
    assert str(root["/Lang"]) == "en"
    assert "/StructTreeRoot" in root  # tagged (PDF/UA)


def test_fonts_are_embedded_and_hold_every_glyph_of_every_name(released):
    data = pdf_of(released["event"])
    pdf = reader(data)
    fonts = font_descriptors(pdf)
    assert fonts
    for name, descriptor in fonts.items():
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, name
        # Only the shipped fonts: a glyph missing from them would come from a system font.
        assert re.search(r"Noto-?Sans|Droid-?Sans", name), name
    ours = set().union(*cmaps())
    for key, person in NAMES.items():
        missing = [ch for ch in person if not ch.isspace() and ord(ch) not in ours]
        assert not missing, (key, missing)
    text = "".join(page_texts(data))
    for key, person in NAMES.items():
        assert appears(person, text), key


def test_markup_in_titles_and_abstracts_prints_as_text(released):
    data = pdf_of(released["event"])
    text = "".join(page_texts(data))
    assert squash(SCRIPT_TITLE) in text
    assert squash("<script>alert('latin')</script><i>markup</i>") in text
    assert squash("</style><style>body{display:none}</style>") in text
    assert b"/JavaScript" not in data and b"/JS " not in data


def _sizes(pdf, needle):  # type: ignore[no-untyped-def]
    sizes = []

    def visit(text, cm, tm, font, size):  # type: ignore[no-untyped-def]
        if needle in text:
            sizes.append(abs(size * tm[3] * cm[3]) or size)

    for page in pdf.pages:
        page.extract_text(visitor_text=visit)
    return sizes


def test_the_large_print_has_the_same_titles_in_bigger_type(released):
    event = released["event"]
    standard, large = pdf_of(event), pdf_of(event, "large")
    text = "".join(page_texts(large))
    for talk in released["talks"]:
        assert squash(talk["title"]) in text
    assert len(reader(large).pages) > len(reader(standard).pages)
    small_sizes = _sizes(reader(standard), "Abstract of latin")
    large_sizes = _sizes(reader(large), "Abstract of latin")
    assert small_sizes and large_sizes
    assert max(large_sizes) > max(small_sizes) * 1.2


def test_the_first_pages_are_not_blank(released, tmp_path):
    pngs = render_pngs(pdf_of(released["event"]), tmp_path, pages=2)
    assert len(pngs) == 2
    for png in pngs:
        assert dark_fraction(png) > 0.002, png.name


def test_cached_until_a_new_release_or_a_settings_change(released, print_cache):
    event = released["event"]
    first = booklets.booklet(event, now=NOW)
    assert not first.cached
    files = sorted(print_cache.glob("*.pdf"))
    stamp = files[0].stat().st_mtime_ns
    again = booklets.booklet(event, now=NOW)
    assert again.cached and again.pdf == first.pdf
    assert files[0].stat().st_mtime_ns == stamp
    db.session.add(
        PrintSettings(
            event_id=event.id, paper="letter", sections=["sessions"], notes_pages=0, updated_at=NOW
        )
    )
    db.session.flush()
    letter = booklets.booklet(event, now=NOW)
    assert not letter.cached and letter.key != first.key
    make_talk(event, title="Late addition", room=released["rooms"][1], starts_at=lisbon(28, 16))
    release(event, released["organizer"], at=NOW + dt.timedelta(hours=1))
    newer = booklets.booklet(event, now=NOW)
    assert not newer.cached and newer.key not in (first.key, letter.key)
    assert "Lateaddition" in "".join(page_texts(newer.pdf))
    assert len(list(print_cache.glob("*.pdf"))) == 3


@pytest.mark.parametrize("query", ["", "?edition=large"])
def test_http_pdf_and_not_modified(client, released, query):
    response = client.get(f"/printed/programme.pdf{query}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    tag = response.headers["ETag"]
    again = client.get(f"/printed/programme.pdf{query}", headers={"If-None-Match": tag})
    assert again.status_code == 304


def test_http_404_before_the_first_release_for_a_draft_and_a_bad_edition(client, world):
    assert client.get("/printed/programme.pdf").status_code == 404
    draft = make_event(slug="draft-booklet", is_public=False)
    assert client.get(f"/{draft.slug}/programme.pdf").status_code == 404
    assert client.get("/no-such-event/programme.pdf").status_code == 404


def test_http_unknown_edition_is_404(client, released):
    assert client.get("/printed/programme.pdf?edition=huge").status_code == 404


def test_the_cache_key_holds_the_releases_time_and_digest(app, world):
    """The print cache on disk outlives a recreated database, whose ids start again: a release
    is named by its time and content digest too."""
    from organizer.services.public_schedule import Stamp

    event = world[1]
    options = booklets.settings_of(event)
    with app.test_request_context():
        keys = {
            booklets.cache_key(event, stamp, options, "standard")
            for stamp in (
                Stamp(1, 1, NOW, "a" * 32),
                Stamp(1, 1, NOW, "b" * 32),
                Stamp(1, 1, NOW + dt.timedelta(seconds=1), "a" * 32),
            )
        }
    assert len(keys) == 3
