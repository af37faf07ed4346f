"""Track colours (issue 16): chosen by organizers, checked for WCAG AA contrast against the
cards' text, links and muted text, served as a stylesheet (no inline styles), and used by the
public grid and the schedule editor beside the track's name, never instead of it."""

from __future__ import annotations

import re

import pytest

from organizer.enums import SlotKind
from organizer.errors import ValidationFailed
from organizer.extensions import db
from organizer.services import colours
from organizer.services.cfp import call as call_service
from organizer.services.scheduling import releases
from tests.factories import (
    NOW,
    lisbon,
    login_as,
    make_room,
    make_schedule_event,
    make_slot,
    make_talk,
    make_user,
    track,
)


@pytest.fixture
def world(client):
    person = make_user(name="Olga Organizer")
    event = make_schedule_event(person, slug="setup", name="Setup Workshop")
    login_as(client, person)
    return person, event


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("", ""), ("#DBEAFE", "#dbeafe"), ("fde68a", "#fde68a"), ("  #bbf7d0 ", "#bbf7d0")],
)
def test_light_colours_are_kept(typed, stored):
    assert colours.card_background(typed) == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("#1d4ed8", "too dark"),  # blue-700: white-on-blue, but the text is dark
        ("#c7d2fe", "contrast 4.5:1"),  # readable ink, but the links fall just short
        ("blue", "six hexadecimal digits"),
        ("#abc", "six hexadecimal digits"),
        ("#dbeafe; color: red", "six hexadecimal digits"),
    ],
)
def test_unreadable_or_malformed_colours_are_refused(typed, message):
    with pytest.raises(ValidationFailed) as refused:
        colours.card_background(typed)
    assert message in refused.value.errors["colour"]


def test_the_contrast_is_wcags():
    assert round(colours.contrast("#ffffff", "#000000"), 2) == 21.0
    assert round(colours.contrast("#767676", "#ffffff"), 2) == 4.54  # the classic AA grey


def test_the_track_form_saves_a_colour_and_explains_a_refusal(client, world):
    _, event = world
    saved = client.post("/manage/setup/cfp/tracks", data={"name": "Ethics", "colour": "#FDE68A"})
    assert saved.status_code == 302
    assert track(event, "Ethics").colour == "#fde68a"
    refused = client.post("/manage/setup/cfp/tracks", data={"name": "Policy", "colour": "#1d4ed8"})
    assert refused.status_code == 400
    assert re.search(r'id="colour-error">.*too dark', refused.text, re.S)
    assert 'value="Policy"' in refused.text  # nothing typed is lost


def colour_methods(organizer, event, methods) -> None:
    call_service.save_track(
        actor=organizer,
        event=event,
        track=methods,
        name="Methods",
        description="",
        colour="#dbeafe",
        now=NOW,
    )


def test_the_stylesheet_and_the_cards(client, world):
    organizer, event = world
    methods = track(event, "Methods")
    colour_methods(organizer, event, methods)
    talk = make_talk(
        event,
        title="Coloured",
        track=methods,
        room=make_room(event, "Aula"),
        starts_at=lisbon(27, 10),
    )
    releases.release(event=event, actor=organizer, now=NOW)
    db.session.commit()

    css = client.get("/setup/schedule/tracks.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert f".track-colour-{methods.id} {{ background-color: #dbeafe; }}" in css.text
    assert (
        client.get(
            "/setup/schedule/tracks.css", headers={"If-None-Match": css.headers["ETag"]}
        ).status_code
        == 304
    )

    page = client.get("/setup/schedule/?day=2027-03-27").text
    assert "/setup/schedule/tracks.css" in page
    card = re.search(r'<div class="session session--talk track-colour-(\d+)">', page)
    assert card and int(card.group(1)) == methods.id
    assert "Methods" in page  # the name is always there, not the colour alone
    editor = client.get("/manage/setup/schedule/").text
    assert "/setup/schedule/tracks.css" in editor
    assert re.search(rf'class="card card--talk[^"]* track-colour-{methods.id}"', editor), talk.id


def test_talks_inside_a_lightning_block_wear_their_tracks_colour(client, world):
    """A block's talks are listed inside its cell in the grid and its card in the editor; each
    keeps its own track's colour there, beside its track's name."""
    organizer, event = world
    methods = track(event, "Methods")
    colour_methods(organizer, event, methods)
    block = make_slot(
        event,
        kind=SlotKind.CONTAINER,
        title="Lightning talks",
        room=make_room(event, "Aula"),
        starts_at=lisbon(27, 15),
        duration_minutes=30,
    )
    make_talk(event, title="Tiny coloured", track=methods, parent_id=block.id)
    releases.release(event=event, actor=organizer, now=NOW)
    db.session.commit()

    page = client.get("/setup/schedule/?day=2027-03-27&view=grid").text
    talks = re.search(r'<ol class="block-talks">(.*?)</ol>', page, re.S)
    assert talks and f'class="track-colour-{methods.id}"' in talks.group(1)
    editor = client.get("/manage/setup/schedule/").text
    children = re.search(r'<ul class="card__children">(.*?)</ul>', editor, re.S)
    assert children and f'class="track-colour-{methods.id}"' in children.group(1)
