"""The applicants' pages over HTTP: the call, submitting, editing, co-speakers, the profile,
confirmations and downloads. Views use the real clock, so calls here open and close relative
to it."""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets

import pytest
from sqlalchemy import func, select

from organizer.enums import EventRoleName, ProposalState, QuestionKind
from organizer.extensions import db
from organizer.models import CfpExtension, Proposal, SpeakerProfile, Upload
from organizer.services import uploads
from organizer.services.cfp.call import call_of
from tests.documents import make_image
from tests.factories import (
    grant_role,
    login_as,
    make_cfp,
    make_event,
    make_proposal,
    make_question,
    make_user,
    session_type,
    track,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


def real_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def open_event(**cfp_fields):
    """A public event whose call opened yesterday and closes in ten days (real time)."""
    event = make_event()
    values = {"opens_at": real_now() - dt.timedelta(days=1)}
    values["closes_at"] = real_now() + dt.timedelta(days=10)
    make_cfp(event, **{**values, **cfp_fields})
    return event


def closed_event():
    return open_event(
        opens_at=real_now() - dt.timedelta(days=30), closes_at=real_now() - dt.timedelta(hours=1)
    )


def give_profile(event, user) -> None:
    db.session.add(SpeakerProfile(event_id=event.id, user_id=user.id, updated_at=real_now()))
    db.session.flush()


def form(event, *, draft: bool = False, **changes) -> dict[str, object]:
    values: dict[str, object] = {
        "title": "Graphs for rivers",
        "abstract": "We model rivers as graphs.",
        "description": "More **detail**.",
        "session_type_id": str(session_type(event).id),
        "track_id": str(track(event).id),
        "language": "en",
        "level": "",
        "notes": "",
        "creation_key": secrets.token_urlsafe(16),
    }
    values["save_draft" if draft else "submit_proposal"] = "x"
    return {**values, **changes}


def edit_form(event, proposal, **changes) -> dict[str, object]:
    values = form(event, draft=True, title=proposal.title, abstract=proposal.abstract)
    values.pop("creation_key")
    values["version"] = str(proposal.version)
    return {**values, **changes}


def field_error(html: str, field: str) -> str:
    """The message shown next to a field, checking that the input points at it."""
    assert re.search(rf'aria-describedby="[^"]*{re.escape(field)}-error', html), field
    match = re.search(rf'id="{re.escape(field)}-error">\s*<span[^>]*>[^<]*</span>\s*([^<]+)', html)
    assert match, f"no error shown for {field}"
    return match.group(1).strip()


def fetch(client, path: str):
    """GET a download and close it (the file handle of send_file stays open until then)."""
    response = client.get(path)
    response.get_data()  # read it before the file closes
    response.close()
    return response


def proposals_of(event) -> list[Proposal]:
    return list(db.session.scalars(select(Proposal).where(Proposal.event_id == event.id)))


def url(event, *parts: str) -> str:
    return "/".join([f"/{event.slug}/cfp", *parts])


@pytest.fixture
def applicant(client):
    user = make_user(name="Ana Applicant")
    login_as(client, user)
    return user


# The call page ------------------------------------------------------------------------------


def test_the_call_page_is_public(client):
    event = open_event(text="We want **methods**.")
    page = client.get(url(event))
    assert page.status_code == 200
    text = page.text
    assert "<strong>methods</strong>" in text
    assert "Talk" in text and "20 minutes" in text and "up to 3" in text  # Tutorial: 3 speakers
    assert "Methods" in text and "Applications" in text
    assert "Be kind." in text  # the code of conduct
    assert "Europe/Lisbon" in text
    # the deadline as machine-readable UTC, for the script that adds the visitor's time
    closes = call_of(event).closes_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f'<time datetime="{closes}" data-local-time data-zone="Europe/Lisbon"' in text
    assert '<script src="/static/js/local-time.js" defer>' in text
    assert f'href="/{event.slug}/cfp/submit"' in text and "Submit a proposal" in text


def test_the_call_page_says_when_it_opens_or_closed(client):
    later = open_event(
        opens_at=real_now() + dt.timedelta(days=2), closes_at=real_now() + dt.timedelta(days=9)
    )
    page = client.get(url(later))
    assert "The call opens on" in page.text and "/cfp/submit" not in page.text
    page = client.get(url(closed_event()))
    assert "The call closed on" in page.text and "/cfp/submit" not in page.text


def test_no_call_or_a_draft_event_is_not_found(client):
    assert client.get(url(make_event())).status_code == 404
    hidden = open_event()
    hidden.is_public = False
    assert client.get(url(hidden)).status_code == 404
    login_as(client, make_user())
    assert client.get(url(hidden, "submit")).status_code == 404


# Submitting ---------------------------------------------------------------------------------


def test_the_form_shows_the_limits_and_custom_questions(client, applicant):
    event = open_event(abstract_max_length=400)
    make_question(event, kind=QuestionKind.MULTIPLE_CHOICE, text="Topics", choices=["a", "b"])
    make_question(event, kind=QuestionKind.FILE, text="Slides", file_kinds=["pdf"], max_file_kb=512)
    make_question(event, kind=QuestionKind.BOOLEAN, text="First time?", required=True)
    page = client.get(url(event, "submit"))
    assert page.status_code == 200
    text = page.text
    assert 'enctype="multipart/form-data"' in text
    assert 'maxlength="400"' in text and "up to 400 characters" in text
    assert "Talk: 20 minutes, up to 2 speakers" in text
    assert "<legend>Topics (optional)</legend>" in text and 'type="checkbox"' in text
    assert "Accepted: PDF, up to 512 KB." in text and 'type="file"' in text
    assert "<legend>First time?</legend>" in text
    assert 'name="creation_key" type="hidden" value="' in text
    assert "Save draft" in text and "Submit proposal" in text


def test_save_a_draft_then_submit_it(client, applicant, mailbox):
    event = open_event()
    response = client.post(url(event, "submit"), data=form(event, draft=True, abstract=""))
    (proposal,) = proposals_of(event)
    assert proposal.state == ProposalState.DRAFT
    # no speaker profile yet: asked for it, then back to the proposal
    proposal_url = url(event, "proposals", proposal.public_id)
    assert response.location.startswith(url(event, "profile") + "?next=")
    assert proposal.public_id in response.location
    assert "speaker profile" in client.get(response.location).text
    assert mailbox.to(applicant.email) == []

    page = client.get(proposal_url)
    assert page.status_code == 200 and "This is a draft" in page.text
    response = client.post(proposal_url, data=edit_form(event, proposal, submit_proposal="x"))
    # the abstract is required to submit
    assert response.status_code == 400
    assert "Write an abstract" in field_error(response.text, "abstract")

    data = edit_form(event, proposal, abstract="Rivers, as graphs.")
    del data["save_draft"]
    response = client.post(proposal_url, data={**data, "submit_proposal": "x"})
    assert response.status_code == 302 and response.location == proposal_url
    db.session.refresh(proposal)
    assert proposal.state == ProposalState.SUBMITTED
    message = mailbox.last(applicant.email)
    assert message["Subject"] == "Proposal received: Graphs for rivers"
    assert mailbox.link(message, proposal_url) == proposal_url


def test_submit_straight_away_with_a_profile(client, applicant, mailbox):
    event = open_event()
    give_profile(event, applicant)
    response = client.post(url(event, "submit"), data=form(event))
    (proposal,) = proposals_of(event)
    assert response.location == url(event, "proposals", proposal.public_id)
    assert proposal.state == ProposalState.SUBMITTED
    assert "Proposal received" in mailbox.last(applicant.email)["Subject"]
    assert "is submitted" in client.get(response.location).text


def test_errors_keep_what_was_typed(client, applicant):
    event = open_event(abstract_max_length=100)
    response = client.post(
        url(event, "submit"),
        data=form(event, abstract="x" * 130, session_type_id="", description="Keep me"),
    )
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert (
        field_error(response.text, "abstract")
        == "The abstract has 130 characters; the limit is 100. Shorten it by 30 characters."
    )
    assert "Choose a session type." in response.text
    assert "Keep me</textarea>" in response.text
    assert 'value="Graphs for rivers"' in response.text
    assert proposals_of(event) == []


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("slides.pdf", PNG, "not an accepted type. Accepted: PDF."),
        ("notes.txt", b"just some text\n", "not an accepted type. Accepted: PDF."),
        ("big.pdf", PDF + b"0" * 2048, "larger than 1 KB"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_lost(client, applicant, filename, content, message):
    event = open_event()
    question = make_question(
        event, kind=QuestionKind.FILE, text="Slides", file_kinds=["pdf"], max_file_kb=1
    )
    proposal = make_proposal(event, applicant, state=ProposalState.DRAFT, title="Saved title")
    page_url = url(event, "proposals", proposal.public_id)
    data = edit_form(event, proposal, title="Changed title", abstract="Changed abstract")
    data[f"question-{question.id}"] = (io.BytesIO(content), filename)
    response = client.post(page_url, data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert message in field_error(response.text, f"question-{question.id}")
    assert 'value="Changed title"' in response.text  # what was typed is still in the form
    db.session.refresh(proposal)
    assert (proposal.title, proposal.abstract) == ("Saved title", "We study things.")
    assert db.session.scalar(select(func.count(Upload.id)).where(Upload.event_id == event.id)) == 0


def test_a_good_file_is_kept_and_downloadable_by_the_speaker_only(client, applicant):
    event = open_event()
    question = make_question(event, kind=QuestionKind.FILE, text="Slides", file_kinds=["pdf"])
    proposal = make_proposal(event, applicant, state=ProposalState.DRAFT)
    page_url = url(event, "proposals", proposal.public_id)
    data = edit_form(event, proposal)
    data[f"question-{question.id}"] = (io.BytesIO(PDF), "my slides.pdf")
    assert client.post(page_url, data=data, content_type="multipart/form-data").status_code == 302
    upload = db.session.scalar(select(Upload).where(Upload.event_id == event.id))
    file_url = url(event, "files", upload.public_id)
    page = client.get(page_url)
    assert file_url in page.text and "my-slides.pdf" in page.text
    download = fetch(client, file_url)
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Security-Policy"] == "sandbox"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download.headers["Content-Disposition"]

    login_as(client, make_user())
    assert fetch(client, file_url).status_code == 404
    organizer = make_user()
    grant_role(organizer, event, EventRoleName.ORGANIZER)
    login_as(client, organizer)
    assert fetch(client, file_url).status_code == 200


def test_late_submission_is_refused(client, applicant):
    event = closed_event()
    page = client.get(url(event, "submit"))
    assert "The call closed on" in page.text and "Submit proposal" not in page.text
    response = client.post(url(event, "submit"), data=form(event))
    assert response.status_code == 409
    assert "The deadline has passed" in response.text
    assert proposals_of(event) == []


def test_a_personal_extension_lets_that_person_submit(client, applicant):
    event = closed_event()
    db.session.add(
        CfpExtension(
            event_id=event.id,
            user_id=applicant.id,
            until=real_now() + dt.timedelta(days=2),
            created_at=real_now(),
        )
    )
    give_profile(event, applicant)
    assert "Your personal deadline" in client.get(url(event)).text
    assert "Submit proposal" in client.get(url(event, "submit")).text
    response = client.post(url(event, "submit"), data=form(event))
    assert response.status_code == 302
    assert len(proposals_of(event)) == 1

    login_as(client, make_user())  # everyone else: still closed
    assert client.post(url(event, "submit"), data=form(event)).status_code == 409
    assert len(proposals_of(event)) == 1


def test_the_same_form_sent_twice_makes_one_proposal(client, applicant):
    event = open_event()
    give_profile(event, applicant)
    data = form(event)
    assert client.post(url(event, "submit"), data=data).status_code == 302
    again = client.post(url(event, "submit"), data=data)
    assert again.status_code == 409 and "already saved" in again.text
    assert len(proposals_of(event)) == 1


def test_a_stale_version_is_refused_and_the_text_kept(client, applicant):
    event = open_event()
    proposal = make_proposal(event, applicant, state=ProposalState.DRAFT, title="First")
    page_url = url(event, "proposals", proposal.public_id)
    stale = edit_form(event, proposal, title="From the old tab")
    assert client.post(page_url, data=edit_form(event, proposal, title="Newer")).status_code == 302
    response = client.post(page_url, data=stale)
    assert response.status_code == 409
    assert "changed in another tab" in response.text
    assert 'value="From the old tab"' in response.text
    db.session.refresh(proposal)
    assert proposal.title == "Newer"


def test_withdraw_asks_for_confirmation(client, applicant, mailbox):
    event = open_event()
    proposal = make_proposal(event, applicant, title="To withdraw")
    page_url = url(event, "proposals", proposal.public_id)
    assert f"{page_url}/withdraw" in client.get(page_url).text
    confirm = client.get(f"{page_url}/withdraw")
    assert confirm.status_code == 200 and "To withdraw" in confirm.text
    db.session.refresh(proposal)
    assert proposal.state == ProposalState.SUBMITTED  # GET changes nothing
    response = client.post(f"{page_url}/withdraw")
    assert response.location == page_url
    db.session.refresh(proposal)
    assert proposal.state == ProposalState.WITHDRAWN
    page = client.get(page_url)
    assert "withdrawn" in page.text and "can no longer be changed" in page.text


# Co-speakers --------------------------------------------------------------------------------


def test_co_speaker_invited_accepts_once(client, applicant, mailbox):
    event = open_event()
    proposal = make_proposal(event, applicant, title="Shared talk")
    page_url = url(event, "proposals", proposal.public_id)
    response = client.post(f"{page_url}/speakers", data={"email": "Cora@Example.org"})
    assert response.status_code == 302
    page = client.get(page_url)
    assert "cora@example.org" in page.text and "invitation pending" in page.text
    message = mailbox.last("cora@example.org")
    assert "Shared talk" in message["Subject"]
    link = mailbox.link(message, f"/{event.slug}/cfp/join/")

    client.post("/logout")
    assert "Create an account" in client.get(link).text  # offered, not sent to sign in
    cora = make_user(email="cora@example.org", name="Cora Co")
    login_as(client, cora)
    invitation = client.get(link)
    assert "Ana Applicant invites you" in invitation.text and "Shared talk" in invitation.text
    response = client.post(link)
    assert response.location.startswith(url(event, "profile") + "?next=")
    assert client.get(page_url).status_code == 200  # now a speaker

    again = client.post(link)
    assert again.status_code == 409
    assert "You have already accepted this invitation." in again.text

    login_as(client, make_user())  # someone else with the forwarded link
    other = client.post(link)
    assert other.status_code == 409 and "already been accepted" in other.text


def test_the_wrong_account_cannot_accept(client, applicant, mailbox):
    event = open_event()
    proposal = make_proposal(event, applicant)
    client.post(url(event, "proposals", proposal.public_id, "speakers"), data={"email": "a@x.org"})
    link = mailbox.link(mailbox.last("a@x.org"), f"/{event.slug}/cfp/join/")
    login_as(client, make_user(email="b@x.org"))
    response = client.post(link)
    assert response.status_code == 409 and "sent to a@x.org" in response.text
    assert client.get(url(event, "join", "not-a-token")).status_code == 404


def test_the_speaker_limit_is_shown_next_to_the_field(client, applicant):
    event = open_event()
    proposal = make_proposal(event, applicant, co_speakers=(make_user(),))  # Talk: 2 speakers
    response = client.post(
        url(event, "proposals", proposal.public_id, "speakers"), data={"email": "c@x.org"}
    )
    assert response.status_code == 400
    assert "at most 2 speakers" in field_error(response.text, "email")
    db.session.refresh(proposal)
    assert len(proposal.speakers) == 2


def test_remove_a_co_speaker_after_confirmation(client, applicant):
    event = open_event()
    co = make_user(name="Leaving Lee")
    proposal = make_proposal(event, applicant, co_speakers=(co,))
    speaker_id = proposal.speakers[1].id
    remove_url = url(event, "proposals", proposal.public_id, "speakers", str(speaker_id), "remove")
    assert remove_url in client.get(url(event, "proposals", proposal.public_id)).text
    assert "Leaving Lee" in client.get(remove_url).text
    assert client.post(remove_url).status_code == 302
    db.session.refresh(proposal)
    assert [s.user_id for s in proposal.speakers] == [applicant.id]
    # a co-speaker may not remove anyone
    other = make_proposal(event, make_user(), co_speakers=(applicant,))
    login_as(client, applicant)
    primary_id = other.speakers[0].id
    forbidden = url(event, "proposals", other.public_id, "speakers", str(primary_id), "remove")
    assert client.get(forbidden).status_code == 403


# Privacy ------------------------------------------------------------------------------------


def test_another_applicant_finds_nothing(client, applicant):
    event = open_event()
    question = make_question(event, kind=QuestionKind.FILE, text="Slides", file_kinds=["pdf"])
    proposal = make_proposal(event, applicant, state=ProposalState.DRAFT, title="Mine only")
    data = edit_form(event, proposal)
    data[f"question-{question.id}"] = (io.BytesIO(PDF), "s.pdf")
    page_url = url(event, "proposals", proposal.public_id)
    client.post(page_url, data=data, content_type="multipart/form-data")
    upload = db.session.scalar(select(Upload).where(Upload.event_id == event.id))
    photo = uploads.store(
        stream=io.BytesIO(PNG),
        filename="me.png",
        field="photo",
        allowed=uploads.PHOTO_KINDS,
        max_kb=100,
        owner=applicant,
        event=event,
        now=real_now(),
    )

    login_as(client, make_user())
    for path in (
        page_url,
        f"{page_url}/withdraw",
        f"{page_url}/respond",
        url(event, "proposals", "00000000-0000-4000-8000-000000000000"),
        url(event, "files", upload.public_id),
        url(event, "files", photo.public_id),
        url(event, "files", "00000000-0000-4000-8000-000000000000"),
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Mine only" not in response.text
    assert client.post(page_url, data=edit_form(event, proposal, title="Hijack")).status_code == 404
    assert client.post(f"{page_url}/withdraw").status_code == 404
    assert client.post(f"{page_url}/speakers", data={"email": "z@x.org"}).status_code == 404
    db.session.refresh(proposal)
    assert proposal.title == "Mine only" and proposal.state == ProposalState.DRAFT


def test_co_speakers_see_each_others_photo(client, applicant):
    event = open_event()
    co = make_user()
    make_proposal(event, applicant, co_speakers=(co,))
    photo = uploads.store(
        stream=io.BytesIO(PNG),
        filename="me.png",
        field="photo",
        allowed=uploads.PHOTO_KINDS,
        max_kb=100,
        owner=applicant,
        event=event,
        now=real_now(),
    )
    db.session.add(
        SpeakerProfile(event_id=event.id, user_id=applicant.id, photo=photo, updated_at=real_now())
    )
    login_as(client, co)
    assert fetch(client, url(event, "files", photo.public_id)).status_code == 200


# The speaker profile ------------------------------------------------------------------------


def test_profile_with_photo_and_availability(client, applicant):
    event = open_event()  # 27-28 March 2027, Lisbon
    applicant.pronouns = "she/her"
    page = client.get(url(event, "profile"))
    assert page.status_code == 200
    assert 'value="she/her"' in page.text  # from the account
    assert "Morning (08:00 to 13:00)" in page.text and "Europe/Lisbon" in page.text
    assert "Saturday, March 27, 2027" in page.text
    assert "Remove my current photo" not in page.text
    data = {
        "bio": "Ana studies rivers.",
        "pronouns": "she/her",
        "website": "https://ana.example.org",
        "availability-2027-03-27": "morning",
        "availability-2027-03-28": "none",
        "photo": (io.BytesIO(make_image("PNG")), "me.png"),
    }
    next_url = url(event, "mine")
    response = client.post(
        url(event, "profile") + f"?next={next_url}", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 302 and response.location == next_url
    profile = db.session.scalar(
        select(SpeakerProfile).where(SpeakerProfile.user_id == applicant.id)
    )
    assert profile.availability == {"2027-03-27": "morning", "2027-03-28": "none"}
    assert profile.photo is not None and profile.photo.content_type == "image/jpeg"
    page = client.get(url(event, "profile"))
    assert "Remove my current photo" in page.text and "Ana studies rivers." in page.text

    bad = client.post(
        url(event, "profile") + "?next=https://evil.example",
        data={"bio": "x", "website": "ftp://nope", "photo": (io.BytesIO(b"GIF89a"), "a.gif")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400
    assert "https://" in field_error(bad.text, "website")
    ok = client.post(
        url(event, "profile") + "?next=https://evil.example", data={"bio": "x", "remove_photo": "y"}
    )
    assert ok.location == url(event, "mine")  # an outside address is ignored
    db.session.refresh(profile)
    assert profile.photo_id is None


# Confirming ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("button", "state"), [("confirm", "confirmed"), ("decline", "declined")])
def test_confirm_or_decline_after_acceptance(client, applicant, mailbox, button, state):
    event = open_event()
    proposal = make_proposal(
        event,
        applicant,
        state=ProposalState.ACCEPTED,
        respond_by=real_now() + dt.timedelta(days=5),
    )
    page_url = url(event, "proposals", proposal.public_id)
    assert f"{page_url}/respond" in client.get(page_url).text
    page = client.get(f"{page_url}/respond")
    assert "Please answer before" in page.text and "Europe/Lisbon" in page.text
    response = client.post(f"{page_url}/respond", data={button: "x"})
    assert response.location == page_url
    db.session.refresh(proposal)
    assert proposal.state.value == state
    assert mailbox.to(applicant.email)
    again = client.post(f"{page_url}/respond", data={"confirm": "x"})
    assert again.status_code == 409 and "nothing to confirm" in again.text


def test_too_late_to_confirm(client, applicant):
    event = open_event()
    proposal = make_proposal(
        event, applicant, state=ProposalState.ACCEPTED, respond_by=real_now() - dt.timedelta(1)
    )
    respond_url = url(event, "proposals", proposal.public_id, "respond")
    assert "deadline to answer has passed" in client.get(respond_url).text
    assert client.post(respond_url, data={"confirm": "x"}).status_code == 409
    db.session.refresh(proposal)
    assert proposal.state == ProposalState.ACCEPTED


# My proposals -------------------------------------------------------------------------------


def test_my_proposals_lists_mine_with_roles(client, applicant):
    event = open_event()
    assert "You have no proposals" in client.get(url(event, "mine")).text
    make_proposal(event, applicant, title="My own", state=ProposalState.DRAFT)
    make_proposal(event, make_user(), title="Theirs with me", co_speakers=(applicant,))
    make_proposal(event, make_user(), title="Not mine")
    page = client.get(url(event, "mine")).text
    assert "My own" in page and "Theirs with me" in page and "Not mine" not in page
    assert "Submitter" in page and "Co-speaker" in page and "draft" in page


def test_my_proposals_query_count_is_constant(client, applicant, assert_constant_queries):
    event = open_event()

    def grow() -> None:
        for _ in range(3):
            make_proposal(event, applicant, co_speakers=(make_user(),))
            other_track = track(event, "Applications")
            make_proposal(event, make_user(), co_speakers=(applicant,), track=other_track)

    assert_constant_queries([url(event, "mine")], grow)
