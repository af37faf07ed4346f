"""The organizers' print settings page: who may see it, what it saves (in the booklet's order,
audited), what it refuses (nothing typed is lost) and the links to the PDFs."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from organizer.errors import PermissionDenied, ValidationFailed
from organizer.extensions import db
from organizer.models import AuditEntry, PrintSettings
from organizer.services.print import booklet as booklets
from organizer.services.print import settings as print_settings
from tests.factories import NOW, login_as, make_schedule_event, make_user

URL = "/manage/printed/schedule/print"


def saved(event) -> PrintSettings | None:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(PrintSettings).where(PrintSettings.event_id == event.id))


def test_anonymous_visitors_sign_in_first(client, world):
    response = client.get(URL)
    assert response.status_code == 302 and response.location.startswith("/login?next=")


def test_others_are_refused(client, world):
    login_as(client, make_user())
    assert client.get(URL).status_code == 403
    assert client.post(URL, data={"paper": "letter"}).status_code == 403
    other = make_user()
    make_schedule_event(other, slug="elsewhere")
    login_as(client, other)  # an organizer of another event
    assert client.get(URL).status_code == 403
    assert client.get("/manage/no-such-event/schedule/print").status_code == 404


def test_the_page_shows_the_defaults_and_the_links(client, world):
    login_as(client, world[0])
    response = client.get(URL)
    assert response.status_code == 200
    html = response.text
    paper = re.search(r'<input[^>]*value="a4"[^>]*>', html)
    assert paper is not None and "checked" in paper.group(0)
    for label in booklets.SECTIONS.values():
        assert str(label) in html
    assert html.count('name="sections"') == len(booklets.SECTIONS)
    assert "<legend>Sections of the booklet</legend>" in html
    for link in (
        "/printed/programme.pdf",
        "/printed/programme.pdf?edition=large",
        "/printed/signs.pdf",
    ):
        assert f'href="{link}"' in html


def test_saving_keeps_the_booklets_order_and_is_audited(client, world):
    organizer, event = world[0], world[1]
    login_as(client, organizer)
    response = client.post(
        URL, data={"paper": "letter", "sections": ["notes", "sessions"], "notes_pages": "3"}
    )
    assert response.status_code == 302
    row = saved(event)
    assert (row.paper, row.sections, row.notes_pages) == ("letter", ["sessions", "notes"], 3)
    assert booklets.settings_of(event).paper == "letter"
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "print_settings.saved")
    ).one()
    assert entry.details["paper"] == ["a4", "letter"]
    assert entry.actor_id == organizer.id
    page = client.get(URL).text
    assert "The print settings are saved." in page
    letter = re.search(r'<input[^>]*value="letter"[^>]*>', page)
    assert letter is not None and "checked" in letter.group(0)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"paper": "a3", "sections": ["sessions"], "notes_pages": "1"},
            "paper",
            "Choose A4 or US Letter.",
        ),
        ({"paper": "a4", "notes_pages": "1"}, "sections", "Choose at least one section."),
        (
            {"paper": "a4", "sections": ["sessions", "gossip"], "notes_pages": "1"},
            "sections",
            "Choose sections from the list.",
        ),
        (
            {"paper": "a4", "sections": ["sessions"], "notes_pages": "11"},
            "notes_pages",
            "from 0 to 10",
        ),
        (
            {"paper": "a4", "sections": ["sessions"], "notes_pages": "many"},
            "notes_pages",
            "Enter a whole number",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_typed_is_lost(client, world, data, field, message):
    login_as(client, world[0])
    response = client.post(URL, data=data)
    assert response.status_code == 400
    html = response.text
    assert message in html
    assert 'class="error-summary"' in html
    assert f'id="{field}-error"' in html or f'id="{field}"' in html
    if data.get("notes_pages"):
        assert f'value="{data["notes_pages"]}"' in html
    if "sessions" in data.get("sections", []):
        box = re.search(r'<input[^>]*value="sessions"[^>]*>', html)
        assert box is not None and "checked" in box.group(0)
    assert saved(world[1]) is None


def test_the_service_checks_permission(world):
    with pytest.raises(PermissionDenied):
        print_settings.save(
            actor=make_user(),
            event=world[1],
            data=print_settings.PrintInput("a4", ("sessions",), 1),
            now=NOW,
        )
    with pytest.raises(ValidationFailed) as refused:
        print_settings.save(
            actor=world[0], event=world[1], data=print_settings.PrintInput("a4", (), None), now=NOW
        )
    assert set(refused.value.errors) == {"sections", "notes_pages"}
