"""The rules of a talk's slides and recordings: who may add and remove them, for which talks,
what a link and a file must be, and that the public schedule shows them without a release."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from organizer.enums import MaterialKind, ProposalState
from organizer.errors import NotFound, PermissionDenied, ValidationFailed
from organizer.extensions import db
from organizer.models import ScheduleRelease, SessionMaterial, Upload
from organizer.services import account_deletion, materials, personal_data, uploads
from organizer.services.public_schedule import public_schedule_of, session_schedule
from tests.factories import NOW, PASSWORD, make_proposal, make_user
from tests.materials.conftest import link, pdf, release


def add(world, who, data, proposal=None):
    return materials.add_material(
        actor=world[who] if isinstance(who, str) else who,
        proposal=proposal or world["proposal"],
        data=data,
        now=NOW,
    )


def test_speakers_and_organizers_add_links_and_pdfs(talk_world):
    video = add(talk_world, "speaker", link())
    slides = add(talk_world, "co", pdf())
    notes = add(talk_world, "organizer", link("Notes", "http://example.org/notes", "other"))
    assert [m.title for m in materials.materials_of(talk_world["proposal"])] == [
        "Video",
        "Slides",
        "Notes",
    ]
    assert video.kind is MaterialKind.RECORDING and video.upload is None
    assert slides.url == "" and slides.upload.content_type == "application/pdf"
    assert slides.upload.owner_id == talk_world["co"].id
    assert uploads.path_of(slides.upload).read_bytes().startswith(b"%PDF-")
    assert notes.added_by_id == talk_world["organizer"].id


@pytest.mark.parametrize("who", ["reviewer", "stranger", "other_speaker"])
def test_nobody_else_adds_to_a_talk(talk_world, who):
    person = {
        "reviewer": talk_world["reviewer"],
        "stranger": make_user(),
        "other_speaker": talk_world["other"].proposal.speakers[0].user,  # another applicant
    }[who]
    with pytest.raises(PermissionDenied):
        add(talk_world, person, link())
    assert materials.materials_of(talk_world["proposal"]) == []


@pytest.mark.parametrize(
    "state", [ProposalState.SUBMITTED, ProposalState.REJECTED, ProposalState.WITHDRAWN]
)
def test_only_accepted_and_confirmed_talks_take_materials(talk_world, state):
    proposal = make_proposal(talk_world["event"], talk_world["speaker"], state=state)
    for who in ("speaker", "organizer"):
        with pytest.raises(PermissionDenied):
            add(talk_world, who, link(), proposal=proposal)
    accepted = make_proposal(
        talk_world["event"], talk_world["speaker"], state=ProposalState.ACCEPTED
    )
    assert add(talk_world, "speaker", link(), proposal=accepted).id


def test_an_open_invitation_is_not_enough(talk_world):
    invited = make_user(email="invited@example.org")
    proposal = talk_world["proposal"]
    co_row = next(s for s in proposal.speakers if s.user_id == talk_world["co"].id)
    co_row.user_id, co_row.user, co_row.email = None, None, invited.email
    db.session.flush()
    with pytest.raises(PermissionDenied):
        add(talk_world, invited, link())


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (link(title="  "), "title", "Enter a title"),
        (link(title="x" * 201), "title", "too long"),
        (link(url="javascript:alert(1)"), "url", "https://"),
        (link(url="ftp://example.org/a"), "url", "https://"),
        (link(url="https://"), "url", "https://"),
        (link(url="https://example.org/a b"), "url", "https://"),
        (link(url="https://example.org/" + "a" * 500), "url", "too long"),
        (link(url=""), "url", "Give a link"),
        (materials.MaterialInput(kind="poster", title="x", url="https://e.org"), "kind", "Choose"),
        (pdf(data=b"\x89PNG\r\n\x1a\n" + b"0" * 40, name="a.png"), "file", "PDF"),
        (pdf(data=b"<html>not a pdf</html>", name="a.pdf"), "file", "not an accepted type"),
        (pdf(data=b""), "file", "empty"),
    ],
)
def test_what_is_refused_says_why(talk_world, data, field, words):
    with pytest.raises(ValidationFailed) as caught:
        add(talk_world, "speaker", data)
    assert field in caught.value.errors
    assert words in caught.value.errors[field]
    assert db.session.query(SessionMaterial).count() == 0


def test_a_link_and_a_file_together_and_a_recording_file_are_refused(talk_world):
    both = materials.MaterialInput(
        kind="slides",
        title="Slides",
        url="https://example.org/s",
        file=materials.FileInput(io.BytesIO(b"%PDF-1.4"), "s.pdf"),
    )
    with pytest.raises(ValidationFailed) as caught:
        add(talk_world, "speaker", both)
    assert "not both" in caught.value.errors["url"]
    recording = materials.MaterialInput(
        kind="recording", title="Video", file=materials.FileInput(io.BytesIO(b"%PDF-1.4"), "v.pdf")
    )
    with pytest.raises(ValidationFailed) as caught:
        add(talk_world, "speaker", recording)
    assert "link" in caught.value.errors["file"]


def test_a_file_over_the_limit_is_refused(talk_world, monkeypatch):
    monkeypatch.setattr(materials, "MATERIAL_MAX_KB", 1)
    with pytest.raises(ValidationFailed) as caught:
        add(talk_world, "speaker", pdf(data=b"%PDF-1.4\n" + b"0" * 2048))
    assert "larger than" in caught.value.errors["file"]


def test_removing_takes_the_file_too_and_is_refused_to_others(talk_world):
    slides = add(talk_world, "speaker", pdf())
    upload_id = slides.upload_id
    with pytest.raises(PermissionDenied):
        materials.remove_material(actor=talk_world["reviewer"], material=slides, now=NOW)
    paths = materials.remove_material(actor=talk_world["co"], material=slides, now=NOW)
    assert paths and paths[0].is_file()  # removed from the disk by the caller, after commit
    assert db.session.get(Upload, upload_id) is None
    assert materials.materials_of(talk_world["proposal"]) == []


def test_material_of_another_talk_is_not_found(talk_world):
    mine = add(talk_world, "speaker", link())
    with pytest.raises(NotFound):
        materials.material_of(talk_world["other"].proposal, mine.public_id)


def test_the_public_schedule_shows_them_without_a_release(talk_world):
    first = release(talk_world)
    code = talk_world["talk"].code
    public_id = talk_world["proposal"].public_id
    assert session_schedule(talk_world["event"], code).materials == {}
    before = talk_world["event"].updated_at
    add(talk_world, "speaker", link())
    add(talk_world, "speaker", pdf())
    db.session.commit()
    shown = session_schedule(talk_world["event"], code).materials[public_id]
    assert [(m.title, m.is_file) for m in shown] == [("Video", False), ("Slides", True)]
    assert shown[1].filename == "slides.pdf" and shown[1].url == ""
    assert public_schedule_of(talk_world["event"]).materials[public_id] == shown
    # no new release; the caches' keys move, and the stored frab exports are written again
    assert db.session.query(ScheduleRelease).count() == 1
    assert talk_world["event"].updated_at > before
    db.session.refresh(first)
    assert first.frab_xml == "" and first.frab_json == ""


def test_a_cancelled_talk_shows_no_materials(talk_world):
    release(talk_world)
    add(talk_world, "speaker", link())
    talk_world["proposal"].state = ProposalState.CANCELLED
    db.session.commit()
    schedule = session_schedule(talk_world["event"], talk_world["talk"].code)
    assert schedule.materials == {}


def test_public_file_only_for_a_released_talk(talk_world):
    slides = add(talk_world, "speaker", pdf())
    db.session.commit()
    code = talk_world["talk"].code
    with pytest.raises(NotFound):  # no release yet
        materials.public_file(talk_world["event"], code, slides.public_id)
    release(talk_world)
    assert materials.public_file(talk_world["event"], code, slides.public_id).id == slides.upload_id
    with pytest.raises(NotFound):  # another talk's address
        materials.public_file(talk_world["event"], talk_world["other"].code, slides.public_id)


def test_deleting_an_account_removes_the_materials_the_person_added(talk_world):
    kept = add(talk_world, "organizer", link("Recording"))
    slides = add(talk_world, "co", pdf())
    add(talk_world, "co", link())
    db.session.commit()
    path, upload_id = uploads.path_of(slides.upload), slides.upload_id
    co = talk_world["co"]
    _pseudonym, files = account_deletion.delete_account(
        actor=co, password=PASSWORD, confirmation=co.email, now=NOW + dt.timedelta(hours=1)
    )
    db.session.commit()
    account_deletion.remove_files(files)
    assert [m.id for m in materials.materials_of(talk_world["proposal"])] == [kept.id]
    assert db.session.get(Upload, upload_id) is None and not path.exists()


def test_the_personal_data_archive_lists_the_talks_materials(talk_world):
    add(talk_world, "speaker", pdf())
    add(talk_world, "organizer", link())
    db.session.commit()
    data = personal_data.collect(talk_world["speaker"], now=NOW)
    (proposal,) = [p for p in data["proposals"] if p["title"] == "Maps and nets"]
    slides, video = proposal["materials"]
    assert slides["kind"] == "slides" and slides["file"].endswith("/slides.pdf")
    assert slides["added_by_you"] is True and slides["url"] is None
    assert video["url"] == "https://media.example.org/v/1" and video["added_by_you"] is False
    assert slides["file"] in {f["path"] for f in data["files"]}
