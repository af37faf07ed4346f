"""The "Slides and recordings" section of the speaker's proposal page and of the organizers'
session page: adding, the errors next to their fields, removing after a confirmation, and who
is refused."""

from __future__ import annotations

import io
import re

from organizer.enums import ProposalState
from organizer.extensions import db
from organizer.models import SessionMaterial
from organizer.services import materials, uploads
from tests.factories import NOW, login_as, make_proposal, make_user
from tests.materials.conftest import PDF, link


def proposal_url(world, proposal=None):
    return f"/lisbon/cfp/proposals/{(proposal or world['proposal']).public_id}"


def session_url(world):
    return f"/manage/lisbon/schedule/sessions/{world['talk'].public_id}"


def form(**values):
    return {f"material-{key}": value for key, value in values.items()}


def test_the_speaker_sees_an_empty_section_with_help_and_adds_a_link(client, talk_world):
    login_as(client, talk_world["speaker"])
    page = client.get(proposal_url(talk_world))
    assert page.status_code == 200
    assert "Slides and recordings" in page.text and "No slides or recordings yet" in page.text
    sent = client.post(
        proposal_url(talk_world) + "/materials",
        data=form(kind="recording", title="Video of the talk", url="https://v.example.org/1"),
    )
    assert sent.status_code == 302 and sent.location.endswith("#materials-title")
    page = client.get(proposal_url(talk_world))
    assert "“Video of the talk” is added." in page.text
    assert 'href="https://v.example.org/1"' in page.text


def test_the_speaker_uploads_a_pdf_and_can_download_it(client, talk_world):
    login_as(client, talk_world["co"])
    sent = client.post(
        proposal_url(talk_world) + "/materials",
        data=form(kind="slides", title="Slides", file=(io.BytesIO(PDF), "my slides.pdf")),
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302
    (material,) = materials.materials_of(talk_world["proposal"])
    assert material.upload.filename == "my-slides.pdf"
    with client.get(f"/lisbon/cfp/files/{material.upload.public_id}") as download:
        assert download.status_code == 200 and download.data == PDF
    login_as(client, talk_world["speaker"])  # a co-speaker's file is the speaker's to read too
    with client.get(f"/lisbon/cfp/files/{material.upload.public_id}") as download:
        assert download.status_code == 200


def test_errors_are_shown_next_to_their_fields(client, talk_world):
    login_as(client, talk_world["speaker"])
    page = client.post(
        proposal_url(talk_world) + "/materials",
        data=form(kind="slides", title="", url="javascript:alert(1)"),
    )
    assert page.status_code == 400
    assert 'id="material-title-error"' in page.text and "Enter a title" in page.text
    assert 'id="material-url-error"' in page.text and "https://" in page.text
    assert re.search(r'aria-describedby="[^"]*material-url-error', page.text)
    assert 'value="javascript:alert(1)"' in page.text  # kept to be corrected, not linked
    assert 'href="javascript:' not in page.text
    page = client.post(
        proposal_url(talk_world) + "/materials",
        data=form(kind="slides", title="Slides", file=(io.BytesIO(b"GIF89a..."), "s.pdf")),
        content_type="multipart/form-data",
    )
    assert page.status_code == 400 and "Accepted: PDF" in page.text
    assert db.session.query(SessionMaterial).count() == 0


def test_no_section_before_acceptance(client, talk_world):
    submitted = make_proposal(
        talk_world["event"], talk_world["speaker"], state=ProposalState.SUBMITTED
    )
    db.session.commit()
    login_as(client, talk_world["speaker"])
    assert "Slides and recordings" not in client.get(proposal_url(talk_world, submitted)).text
    refused = client.post(
        proposal_url(talk_world, submitted) + "/materials",
        data=form(kind="slides", title="S", url="https://e.org/s"),
    )
    assert refused.status_code == 403


def test_another_applicant_and_a_reviewer_cannot_add(client, talk_world):
    for person in (talk_world["other"].proposal.speakers[0].user, talk_world["reviewer"]):
        login_as(client, person)
        refused = client.post(
            proposal_url(talk_world) + "/materials",
            data=form(kind="slides", title="S", url="https://e.org/s"),
        )
        assert refused.status_code == 404
    login_as(client, talk_world["reviewer"])
    assert client.post(session_url(talk_world) + "/materials", data={}).status_code == 403
    assert db.session.query(SessionMaterial).count() == 0


def test_removing_asks_first_then_removes_the_file(client, talk_world):
    login_as(client, talk_world["speaker"])
    client.post(
        proposal_url(talk_world) + "/materials",
        data=form(kind="slides", title="Slides", file=(io.BytesIO(PDF), "s.pdf")),
        content_type="multipart/form-data",
    )
    (material,) = materials.materials_of(talk_world["proposal"])
    path = uploads.path_of(material.upload)
    url = f"{proposal_url(talk_world)}/materials/{material.public_id}/remove"
    page = client.get(url)
    assert page.status_code == 200 and "Remove “Slides”?" in page.text
    assert "Cancel" in page.text
    assert client.post(url, data={}).status_code == 400  # a bare POST removes nothing
    assert path.exists()
    done = client.post(url, data={"material": material.public_id})
    assert done.status_code == 302
    db.session.expire_all()
    assert materials.materials_of(talk_world["proposal"]) == [] and not path.exists()
    assert "“Slides” is removed." in client.get(proposal_url(talk_world)).text


def test_organizers_edit_from_the_session_page(client, talk_world):
    login_as(client, talk_world["organizer"])
    page = client.get(session_url(talk_world))
    assert page.status_code == 200 and "No slides or recordings yet" in page.text
    sent = client.post(
        session_url(talk_world) + "/materials",
        data=form(kind="recording", title="Recording", url="https://v.example.org/2"),
    )
    assert sent.status_code == 302
    (material,) = materials.materials_of(talk_world["proposal"])
    assert material.added_by_id == talk_world["organizer"].id
    failed = client.post(session_url(talk_world) + "/materials", data=form(kind="slides"))
    assert failed.status_code == 400 and 'id="material-title-error"' in failed.text
    url = f"{session_url(talk_world)}/materials/{material.public_id}/remove"
    assert client.get(url).status_code == 200
    assert client.post(url, data={"material": material.public_id}).status_code == 302
    assert materials.materials_of(talk_world["proposal"]) == []


def test_another_events_organizer_cannot_remove(client, talk_world):
    mine = materials.add_material(
        actor=talk_world["speaker"], proposal=talk_world["proposal"], data=link(), now=NOW
    )
    db.session.commit()
    other = make_user()
    login_as(client, other)
    url = f"{session_url(talk_world)}/materials/{mine.public_id}/remove"
    assert client.post(url, data={"material": mine.public_id}).status_code == 403
    assert len(materials.materials_of(talk_world["proposal"])) == 1
