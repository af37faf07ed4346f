"""Attendees: a talk's slides and recordings on its public page, as soon as they are added (no
new release), and its files, public only while the talk is in the released schedule."""

from __future__ import annotations

import datetime as dt
from itertools import count

from organizer.enums import ProposalState
from organizer.extensions import db
from organizer.services import materials
from tests.factories import NOW, lisbon, make_talk, make_user
from tests.materials.conftest import PDF, link, pdf, release


def add(world, data, who="speaker"):
    made = materials.add_material(
        actor=world[who], proposal=world["proposal"], data=data, now=NOW + dt.timedelta(hours=1)
    )
    db.session.commit()
    return made


def talk_page(client, world):
    return client.get(f"/lisbon/talk/{world['talk'].code}/")


def test_materials_show_on_the_talk_page_without_a_release(client, talk_world):
    release(talk_world)
    page = talk_page(client, talk_world)
    assert page.status_code == 200 and "Slides and recordings" not in page.text
    add(talk_world, link("Video of the talk", "https://media.example.org/v/1"))
    slides = add(talk_world, pdf("Slides (PDF)"), who="co")
    page = talk_page(client, talk_world)
    assert 'id="materials-title">Slides and recordings' in page.text
    assert '<a href="https://media.example.org/v/1" rel="nofollow noopener">Video' in page.text
    file_url = f"/lisbon/talk/{talk_world['talk'].code}/materials/{slides.public_id}/slides.pdf"
    assert f'href="{file_url}" download>Slides (PDF)</a>' in page.text
    assert f"(Slides, PDF, {-(-len(PDF) // 1024)} KB)" in page.text
    with client.get(file_url) as served:
        assert served.status_code == 200 and served.data == PDF
        assert served.headers["Content-Disposition"].startswith("attachment")
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.headers["Content-Security-Policy"] == "sandbox"
        assert served.mimetype == "application/pdf"


def test_the_file_is_not_public_before_the_release(client, talk_world):
    slides = add(talk_world, pdf())
    url = f"/lisbon/talk/{talk_world['talk'].code}/materials/{slides.public_id}/slides.pdf"
    assert client.get(url).status_code == 404
    release(talk_world)
    with client.get(url) as served:
        assert served.status_code == 200
    assert client.get(url.replace("slides.pdf", "other.pdf")).status_code == 404
    other = f"/lisbon/talk/{talk_world['other'].code}/materials/{slides.public_id}/slides.pdf"
    assert client.get(other).status_code == 404


def test_a_cancelled_talks_files_and_a_removed_file_are_gone(client, talk_world):
    release(talk_world)
    slides = add(talk_world, pdf())
    url = f"/lisbon/talk/{talk_world['talk'].code}/materials/{slides.public_id}/slides.pdf"
    talk_world["proposal"].state = ProposalState.CANCELLED
    db.session.commit()
    assert client.get(url).status_code == 404
    assert "Slides and recordings" not in talk_page(client, talk_world).text
    talk_world["proposal"].state = ProposalState.CONFIRMED
    db.session.commit()
    with client.get(url) as served:
        assert served.status_code == 200
    materials.remove_material(actor=talk_world["organizer"], material=slides, now=NOW)
    db.session.commit()
    assert client.get(url).status_code == 404


def test_public_pages_run_the_same_queries_whatever_the_materials(
    client, talk_world, assert_constant_queries
):
    release(talk_world)
    hours = iter(range(12, 18))
    stamps = (NOW + dt.timedelta(hours=n) for n in count(1))
    code = talk_world["talk"].code

    def grow():
        at = next(hours)
        new = make_talk(
            talk_world["event"],
            make_user(),
            title=f"Talk at {at}",
            room=talk_world["room"],
            starts_at=lisbon(27, at),
        )
        for proposal in (new.proposal, talk_world["proposal"]):
            for data in (link(), pdf()):
                materials.add_material(
                    actor=talk_world["organizer"], proposal=proposal, data=data, now=NOW
                )
        release(talk_world, next(stamps))

    assert_constant_queries(
        ["/lisbon/schedule/", "/lisbon/schedule/?view=list", f"/lisbon/talk/{code}/"], grow
    )
