"""A released event whose speakers write their names in many scripts and whose titles and
abstracts carry markup, and helpers to read the PDFs back (pypdf, fontTools, pdftoppm)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from organizer.enums import SlotKind
from organizer.extensions import db
from organizer.services.scheduling import releases
from tests.factories import (
    NOW,
    lisbon,
    make_room,
    make_schedule_event,
    make_slot,
    make_talk,
    make_user,
)

FONTS = Path(__file__).resolve().parents[2] / "static" / "fonts"

NAMES = {
    "latin": "Ana Lima",
    "cyrillic": "Ольга Петрова",
    "greek": "Ελένη Παπαδοπούλου",
    "arabic": "ليلى حداد",
    "devanagari": "अनन्या शर्मा",
    "chinese": "王芳",
    "japanese": "さくら",
}
SCRIPT_TITLE = "Escaping <script>alert(1)</script> & <b>bold</b>"
CSS_TITLE = "Styles </style><style>body{display:none}</style> survive"


@pytest.fixture(autouse=True)
def print_cache(app, tmp_path, monkeypatch):
    """Each test renders into its own cache folder (ids repeat across rolled-back tests)."""
    monkeypatch.setitem(app.config, "PRINT_CACHE_DIR", str(tmp_path / "print"))
    return tmp_path / "print"


@pytest.fixture
def world():
    organizer = make_user(name="Olga Organizer", email="olga.print@example.org")
    event = make_schedule_event(organizer, slug="printed", name="Printed Workshop", venue="ISCTE")
    aula = make_room(event, "Aula Magna", position=0, step_free=True, accessibility_notes="Lift B")
    sala = make_room(event, "Sala 2", position=1, hearing_loop=True)
    return organizer, event, aula, sala


def release(event, organizer, at=NOW):
    releases.release(event=event, actor=organizer, now=at, comment="")
    db.session.flush()


@pytest.fixture
def released(world):
    """Seven talks over two days and two rooms, one speaker per script, plus an all-rooms
    coffee break; returns the titles in time order with their speakers."""
    organizer, event, aula, sala = world
    people = {key: make_user(name=name) for key, name in NAMES.items()}
    plan = [
        ("latin", "Opening methods", aula, lisbon(27, 9)),
        ("cyrillic", "Сети и графы", sala, lisbon(27, 9, 30)),
        ("greek", SCRIPT_TITLE, aula, lisbon(27, 10)),
        ("arabic", "تعلم الآلة", sala, lisbon(27, 14)),
        ("devanagari", CSS_TITLE, aula, lisbon(28, 9)),
        ("chinese", "数据可视化", sala, lisbon(28, 10)),
        ("japanese", "地図とデータ", aula, lisbon(28, 15)),
    ]
    talks = []
    for key, title, room, at in plan:
        slot = make_talk(event, people[key], title=title, room=room, starts_at=at)
        slot.proposal.abstract = (
            f"Abstract of {key}: <script>alert('{key}')</script> <i>markup</i> "
            "@import url(http://example.org/x.css);"
        )
        talks.append({"title": title, "speaker": NAMES[key], "room": room.name, "at": at})
    make_slot(
        event,
        kind=SlotKind.PLENARY,
        title="Coffee break",
        all_rooms=True,
        room=aula,
        starts_at=lisbon(27, 11),
        duration_minutes=30,
    )
    db.session.flush()
    release(event, organizer)
    return {"event": event, "organizer": organizer, "talks": talks, "rooms": [aula, sala]}


# --- reading PDFs ------------------------------------------------------------------------------


def reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def squash(text: str) -> str:
    """Text without whitespace (pypdf breaks lines and words where the layout did)."""
    return re.sub(r"\s+", "", text)


COMPLEX = ("\u0600", "\u0fff")  # Arabic to Tibetan: shaped scripts, reordered glyphs


def appears(name: str, text: str) -> bool:
    """Whether a name comes back out of a PDF's text. Arabic and Devanagari are shaped: the
    PDF holds glyphs in visual order, and pypdf maps a ligature back to its characters in
    its own order, so for them every character (and each word's length) must be there."""
    name = squash(name)
    if name in text:
        return True
    if any(COMPLEX[0] <= ch <= COMPLEX[1] for ch in name):
        return all(ch in text for ch in name)
    return False


def page_texts(data: bytes) -> list[str]:
    return [squash(page.extract_text() or "") for page in reader(data).pages]


def cmaps() -> list[set[int]]:
    from fontTools.ttLib import TTFont

    return [set(TTFont(path).getBestCmap()) for path in sorted(FONTS.glob("*.ttf"))]


def render_pngs(data: bytes, tmp_path: Path, pages: int = 2) -> list[Path]:
    """The first `pages` pages as greyscale PNGs at 40 dpi (pdftoppm, from poppler-utils)."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    source = tmp_path / "input.pdf"
    source.write_bytes(data)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-gray",
            "-r",
            "40",
            "-f",
            "1",
            "-l",
            str(pages),
            source,
            tmp_path / "p",
        ],
        check=True,
        timeout=120,
    )
    return sorted(tmp_path.glob("p-*.png"))


def dark_fraction(png: Path) -> float:
    from PIL import Image

    with Image.open(png) as image:
        grey = image.convert("L")
        histogram = grey.histogram()  # 256 counts of each grey level
    return sum(histogram[:128]) / (grey.width * grey.height)


def font_descriptors(pdf: PdfReader) -> dict[str, dict]:  # type: ignore[type-arg]
    """Every font of every page: its base name and descriptor (a Type 0 font's descendant's)."""
    found = {}
    for page in pdf.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            found[str(font["/BaseFont"])] = target["/FontDescriptor"].get_object()
    return found
