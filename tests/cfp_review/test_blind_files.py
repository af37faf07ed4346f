"""Blind review holds for files: reviewers get copies without metadata, the redaction check
reads uploaded files, flagged proposals wait for an organizer, and a crawl of everything a
reviewer and a grant reviewer can reach finds no name, address or metadata string."""

from __future__ import annotations

import datetime as dt
import io
import secrets
from collections import Counter, deque
from urllib.parse import urljoin, urlsplit

import pypdf
import pytest
from flask import current_app
from PIL import Image
from sqlalchemy import select

from organizer.enums import EventRoleName, ProposalState, QuestionKind
from organizer.errors import NotFound, PermissionDenied, ValidationFailed
from organizer.extensions import db
from organizer.models import (
    Answer,
    AuditEntry,
    GrantAnswer,
    GrantQuestion,
    Proposal,
    ReviewAssignment,
    SpeakerProfile,
    Upload,
)
from organizer.services import uploads
from organizer.services.cfp import assignment
from organizer.services.grants import review as grant_review
from organizer.services.reviewing import redaction
from tests.documents import make_image, make_pdf, readable
from tests.factories import (
    NOW,
    grant_role,
    login_as,
    make_application,
    make_cfp,
    make_event,
    make_programme,
    make_proposal,
    make_question,
    make_user,
    session_type,
    track,
)
from tests.privacy import leaks

NAME = "Zebulon Quartermaine"
EMAIL = "zq@quartermaine-lab.example"
AUTHOR = "Zebulon Q. Quartermaine"  # as Word writes it
CREATOR = "Microsoft Word for Quartermaine Lab"
PRODUCER = "macOS Quartz PDFContext (zq-laptop)"
XMP_CREATOR = "Z. Quartermaine (XMP)"
ARTIST = "Zebulon Photographer Quartermaine"
METADATA = [AUTHOR, CREATOR, PRODUCER, XMP_CREATOR, ARTIST, "zq-laptop", "Quartz PDFContext"]
APPLICANT = "Philippa Okonkwo-Brandt"
APPLICANT_EMAIL = "pob@brandtworks.example"


# The copy without metadata ------------------------------------------------------------------


def test_a_pdf_loses_its_info_xmp_and_comment_authors_and_keeps_its_text():
    original = make_pdf(
        [f"Slides by {NAME}", "Results on mosses"],
        author=AUTHOR,
        creator=CREATOR,
        producer=PRODUCER,
        xmp_creator=XMP_CREATOR,
        comment_author=AUTHOR,
    )
    before = readable(original, "application/pdf")
    for term in (AUTHOR, CREATOR, PRODUCER, XMP_CREATOR):
        assert term.lower() in before  # the test can fail

    clean = uploads.strip_metadata(original, "application/pdf")

    after = readable(clean, "application/pdf")
    for term in (AUTHOR, CREATOR, PRODUCER, XMP_CREATOR):
        assert term.lower() not in after
    assert b"/Metadata" not in clean and b"/Author" not in clean
    assert "results on mosses" in after and "check this figure" in after  # content stays
    assert uploads.extract_text(clean, "application/pdf").strip().splitlines() == [
        f"Slides by {NAME}",
        "Results on mosses",
    ]


def test_an_earlier_revision_of_a_pdf_goes_with_its_metadata():
    """An incremental update leaves the old Info dictionary in the file's bytes."""
    first = make_pdf(["Draft"], author=AUTHOR)
    writer = pypdf.PdfWriter(io.BytesIO(first), incremental=True)
    writer.add_metadata({"/Author": "Someone else"})
    out = io.BytesIO()
    writer.write(out)
    updated = out.getvalue()
    assert updated.startswith(first) and AUTHOR.encode() in updated  # the test can fail
    clean = uploads.strip_metadata(updated, "application/pdf")
    assert AUTHOR.encode() not in clean and b"Someone else" not in clean


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_an_image_loses_exif_gps_xmp_and_comments_and_is_turned_upright(image_format):
    original = make_image(
        image_format, artist=ARTIST, gps=True, xmp=XMP_CREATOR, comment=f"Taken by {ARTIST}"
    )
    assert ARTIST.lower() in readable(original, f"image/{image_format.lower()}")
    with Image.open(io.BytesIO(original)) as image:
        assert image.getexif().get_ifd(0x8825)  # GPS position

    clean = uploads.strip_metadata(original, f"image/{image_format.lower()}")

    text = readable(clean, f"image/{image_format.lower()}")
    assert ARTIST.lower() not in text and "quartermaine" not in text
    with Image.open(io.BytesIO(clean)) as image:
        assert dict(image.getexif()) == {}
        assert image.format == image_format
        assert image.size == (20, 40)  # orientation 6 applied before the EXIF went
        assert not {"exif", "xmp", "comment", "icc_profile"} & set(image.info)


def test_a_damaged_file_gets_no_copy_and_no_text():
    assert uploads.strip_metadata(b"%PDF-1.7\n" + b"0" * 64, "application/pdf") is None
    assert uploads.strip_metadata(b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png") is None
    assert uploads.extract_text(b"%PDF-1.7\n" + b"0" * 64, "application/pdf") is None


def test_the_copy_is_made_at_upload_and_lazily_for_files_stored_before(app):
    event = make_event()
    user = make_user()
    upload = uploads.store(
        stream=io.BytesIO(make_pdf([f"By {NAME}"], author=AUTHOR)),
        filename="x.pdf",
        field="f",
        allowed=["pdf"],
        max_kb=100,
        owner=user,
        event=event,
        now=NOW,
    )
    copy = uploads.reviewer_copy(upload)
    assert copy is not None and copy.name == f"{upload.public_id}.reviewer"
    assert uploads.text_of(upload).strip() == f"By {NAME}"
    assert AUTHOR.encode() in uploads.path_of(upload).read_bytes()  # the original is kept
    # A file stored before this existed: no copy, no text; both are made on first use.
    copy.unlink()
    uploads.path_of(upload).with_name(f"{upload.public_id}.text").unlink()
    assert uploads.text_of(upload).strip() == f"By {NAME}"
    assert AUTHOR.encode() not in uploads.reviewer_copy(upload).read_bytes()


# Upload, flag, hold, resolve, download ----------------------------------------------------------


def open_event():
    organizer = make_user(name="Olga Organizer")
    event = make_event(organizer=organizer)
    now = dt.datetime.now(dt.UTC)
    make_cfp(event, opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=10))
    return event, organizer


def submit_with_file(event, speaker, question, content: bytes, filename: str) -> Proposal:
    """The speaker submits through the form, the file with it, in their own browser."""
    client = current_app.test_client()
    db.session.add(
        SpeakerProfile(event_id=event.id, user_id=speaker.id, updated_at=dt.datetime.now(dt.UTC))
    )
    login_as(client, speaker)
    data = {
        "title": "Counting mosses with few labels",
        "abstract": "Semi-supervised counting for field surveys.",
        "description": "We compare three estimators.",
        "session_type_id": str(session_type(event).id),
        "track_id": str(track(event).id),
        "language": "en",
        "level": "",
        "notes": "",
        "creation_key": secrets.token_urlsafe(16),
        "submit_proposal": "x",
        f"question-{question.id}": (io.BytesIO(content), filename),
    }
    response = client.post(
        f"/{event.slug}/cfp/submit", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 302, response.text
    proposal = db.session.scalars(select(Proposal).where(Proposal.event_id == event.id)).one()
    assert proposal.state == ProposalState.SUBMITTED
    return proposal


def download(client, url):
    response = client.get(url)
    data = response.get_data()
    response.close()
    return response, data


def test_a_pdf_naming_its_speaker_goes_through_upload_flag_hold_redaction_and_download(client):
    event, organizer = open_event()
    reviewer = make_user(name="Rita Reviewer")
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    speaker = make_user(name=NAME, email=EMAIL)
    slides = make_question(event, text="Slides", kind=QuestionKind.FILE, file_kinds=["pdf"])
    original = make_pdf(
        [f"Results from the {NAME} moss survey"],
        author=AUTHOR,
        creator=CREATOR,
        xmp_creator=XMP_CREATOR,
    )
    proposal = submit_with_file(event, speaker, slides, original, "zq-slides.pdf")
    base = f"/manage/{event.slug}/cfp/proposals/{proposal.public_id}"
    review_url = f"/review/{event.slug}/proposals/{proposal.public_id}"
    file_url = f"{review_url}/files/{slides.id}"

    # Flagged: the file's text names the speaker; its metadata is not what reviewers see.
    assert redaction.redaction_flags(event) == {
        proposal.id: ["zebulon quartermaine", "zebulon", "quartermaine"]
    }
    login_as(client, organizer)
    page = client.get(base).text
    assert "in the file answering “Slides”:" in page and "no reviewer is assigned" in page
    assert "terms may name a speaker" in client.get(f"/manage/{event.slug}/cfp/ranking").text

    # Held back: neither automatic nor manual assignment gives it to a reviewer.
    report = assignment.assign_automatically(actor=organizer, event=event, now=NOW)
    assert report.created == 0 and report.held == [proposal.id]
    response = client.post(f"/manage/{event.slug}/cfp/reviewers/assign", data={"per_proposal": "1"})
    assert "1 proposal was not assigned" in client.get(response.location).text
    response = client.post(f"{base}/assign", data={"reviewer": reviewer.id})
    assert response.status_code == 409 and "may name its speaker" in response.text
    assert db.session.scalars(select(ReviewAssignment)).all() == []

    # A reviewer who opens it anyway is told, and does not get the file.
    login_as(client, reviewer)
    page = client.get(review_url).text
    assert "may identify its speaker" in page and "The organizers are checking this file" in page
    assert f'href="{file_url}"' not in page
    response, _data = download(client, file_url)
    assert response.status_code == 302
    assert "organizers are checking it" in client.get(response.location).text

    # The organizer uploads a redacted version: it is checked, and the hold lifts.
    login_as(client, organizer)
    redacted = make_pdf(["Results from the [redacted] moss survey"], author=AUTHOR)
    response = client.post(
        f"{base}/files/{slides.id}/redacted",
        data={f"q{slides.id}-file": (io.BytesIO(redacted), "redacted.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert "Reviewers now get your redacted version" in client.get(response.location).text
    assert redaction.redaction_flags(event) == {}
    response = client.post(f"{base}/assign", data={"reviewer": reviewer.id})
    assert response.status_code == 302
    # What organizers can open: the speaker's original, and exactly the reviewers' copy.
    speaker_file = db.session.get(Upload, proposal.answers[0].upload_id)
    response, data = download(client, f"/{event.slug}/cfp/files/{speaker_file.public_id}")
    assert data == original and AUTHOR.lower() in readable(data, "application/pdf")
    response, data = download(client, f"{base}/files/{slides.id}/reviewer-copy")
    assert "[redacted]" in readable(data, "application/pdf")
    assert AUTHOR.lower() not in readable(data, "application/pdf")

    # The reviewer downloads the redacted version, without metadata, under a neutral name.
    login_as(client, reviewer)
    assert "may identify its speaker" not in client.get(review_url).text
    response, data = download(client, file_url)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f"attachment; filename=answer-{slides.id}.pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    text = readable(data, "application/pdf")
    assert "[redacted] moss survey" in text
    for term in (NAME, EMAIL, AUTHOR, CREATOR, XMP_CREATOR, "zq-slides"):
        assert term.lower() not in text
    # Not the original, not to someone who is no reviewer.
    assert (
        download(client, f"/{event.slug}/cfp/files/{speaker_file.public_id}")[0].status_code == 404
    )
    login_as(client, make_user())
    assert download(client, file_url)[0].status_code == 403


def test_dismissing_the_flag_lets_it_be_assigned_and_reviewers_are_told(client):
    event, organizer = open_event()
    reviewer = make_user(name="Rita Reviewer")
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    speaker = make_user(name=NAME, email=EMAIL)
    paper = make_question(event, text="Paper", kind=QuestionKind.FILE, file_kinds=["pdf"])
    proposal = submit_with_file(
        event,
        speaker,
        paper,
        make_pdf(["We build on Quartermaine (2019)."], author=AUTHOR),
        "paper.pdf",
    )
    base = f"/manage/{event.slug}/cfp/proposals/{proposal.public_id}"
    login_as(client, organizer)
    response = client.post(f"{base}/redaction-flags", data={"action": "dismiss"})
    assert "1 flag dismissed" in client.get(response.location).text
    assert redaction.redaction_flags(event) == {}
    assert client.post(f"{base}/assign", data={"reviewer": reviewer.id}).status_code == 302
    assert proposal.redaction_dismissed == [
        f"file:{proposal.answers[0].upload.public_id}|quartermaine"
    ]
    # Reviewers get the file (their copy) and a notice that never says what was found.
    login_as(client, reviewer)
    page = client.get(f"/review/{event.slug}/proposals/{proposal.public_id}").text
    assert "may identify its speaker" in page and "quartermaine" not in page.lower()
    response, data = download(
        client, f"/review/{event.slug}/proposals/{proposal.public_id}/files/{paper.id}"
    )
    assert response.status_code == 200 and AUTHOR.lower() not in readable(data, "application/pdf")
    # Flag again: held back once more. A new file is a new finding.
    login_as(client, organizer)
    client.post(f"{base}/redaction-flags", data={"action": "restore"})
    assert proposal.id in redaction.held_back(event)
    history = client.get(base).text
    assert "review.redaction_dismiss" in history and "review.redaction_restore" in history


def test_under_open_review_nothing_is_held_but_metadata_still_goes(client):
    event, organizer = open_event()
    event_cfp = db.session.scalars(select(Proposal)).all()
    assert event_cfp == []
    from organizer.models import Cfp

    db.session.scalars(select(Cfp).where(Cfp.event_id == event.id)).one().anonymous_review = False
    reviewer = make_user()
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    slides = make_question(event, text="Slides", kind=QuestionKind.FILE, file_kinds=["pdf"])
    proposal = submit_with_file(
        event,
        make_user(name=NAME),
        slides,
        make_pdf([f"By {NAME}"], author=AUTHOR),
        "zq-slides.pdf",
    )
    assert redaction.held_back(event) == set()
    assignment.assign(actor=organizer, proposal=proposal, reviewer=reviewer, now=NOW)
    login_as(client, reviewer)
    response, data = download(
        client, f"/review/{event.slug}/proposals/{proposal.public_id}/files/{slides.id}"
    )
    assert "zq-slides.pdf" in response.headers["Content-Disposition"]  # names are shown anyway
    assert AUTHOR.lower() not in readable(data, "application/pdf")


def test_an_image_with_exif_reaches_reviewers_without_it(client):
    event, organizer = open_event()
    reviewer = make_user()
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    poster = make_question(event, text="Poster", kind=QuestionKind.FILE, file_kinds=["jpeg"])
    original = make_image("JPEG", artist=ARTIST, gps=True, comment=f"By {ARTIST}")
    proposal = submit_with_file(event, make_user(name=NAME), poster, original, "poster.jpg")
    assert redaction.held_back(event) == set()  # no text is read from pictures
    assignment.assign(actor=organizer, proposal=proposal, reviewer=reviewer, now=NOW)
    login_as(client, reviewer)
    response, data = download(
        client, f"/review/{event.slug}/proposals/{proposal.public_id}/files/{poster.id}"
    )
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert ARTIST.lower() not in readable(data, "image/jpeg")
    with Image.open(io.BytesIO(data)) as image:
        assert dict(image.getexif()) == {}
    login_as(client, organizer)
    upload = proposal.answers[0].upload
    response, data = download(client, f"/{event.slug}/cfp/files/{upload.public_id}")
    assert data == original  # organizers keep the original
    with Image.open(io.BytesIO(data)) as image:
        assert image.getexif()[0x013B] == ARTIST


def test_an_unreadable_file_is_not_given_to_reviewers(client):
    event, organizer = open_event()
    reviewer = make_user()
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    slides = make_question(event, text="Slides", kind=QuestionKind.FILE, file_kinds=["pdf"])
    proposal = make_proposal(event)
    upload = uploads.store(
        stream=io.BytesIO(b"%PDF-1.7\n" + b"0" * 64),
        filename="broken.pdf",
        field="f",
        allowed=["pdf"],
        max_kb=10,
        owner=proposal.speakers[0].user,
        event=event,
        now=NOW,
    )
    db.session.add(Answer(proposal=proposal, question=slides, upload=upload))
    login_as(client, reviewer)
    url = f"/review/{event.slug}/proposals/{proposal.public_id}"
    assert "could not be read" in client.get(url).text
    response, data = download(client, f"{url}/files/{slides.id}")
    assert response.status_code == 302 and b"0000" not in data
    login_as(client, organizer)
    page = client.get(f"/manage/{event.slug}/cfp/proposals/{proposal.public_id}").text
    assert "reviewers cannot download it" in page


# Grant reviewers -------------------------------------------------------------------------------


def grant_world():
    organizer = make_user(name="Olga Organizer")
    event = make_event(organizer=organizer)
    make_cfp(event)
    programme = make_programme(event, anonymous_review=True, budget=100_000, category_caps={})
    letter = GrantQuestion(
        programme_id=programme.id, text="Letter", kind=QuestionKind.FILE, file_kinds=["pdf", "jpeg"]
    )
    hidden = GrantQuestion(
        programme_id=programme.id,
        text="Passport scan",
        kind=QuestionKind.FILE,
        file_kinds=["jpeg"],
        visible_to_reviewers=False,
        position=1,
    )
    db.session.add_all([letter, hidden])
    db.session.flush()
    applicant = make_user(name=APPLICANT, email=APPLICANT_EMAIL)
    application = make_application(programme, applicant, requested={"travel": 40_000})

    def store(data, name):
        return uploads.store(
            stream=io.BytesIO(data),
            filename=name,
            field="f",
            allowed=["pdf", "jpeg"],
            max_kb=200,
            owner=applicant,
            event=event,
            now=NOW,
        )

    letter_file = store(
        make_pdf(["I study tides."], author=APPLICANT, creator=APPLICANT_EMAIL),
        "okonkwo-brandt-letter.pdf",
    )
    passport = store(make_image("JPEG", artist=APPLICANT), "passport.jpg")
    db.session.add_all(
        [
            GrantAnswer(application=application, question=letter, upload=letter_file),
            GrantAnswer(application=application, question=hidden, upload=passport),
        ]
    )
    committee = make_user(name="Gina Granter")
    grant_role(committee, event, EventRoleName.GRANT_REVIEWER)
    db.session.flush()
    return event, organizer, application, letter, hidden, committee


def test_grant_reviewers_get_an_anonymous_copy_and_the_service_checks_who(client):
    event, _organizer, application, letter, hidden, committee = grant_world()
    letter_upload = application.answers[0].upload
    passport_upload = application.answers[1].upload
    # The service: the committee may read the reviewer copy, not the original.
    assert uploads.can_download(committee, letter_upload, copy="reviewer")
    assert not uploads.can_download(committee, letter_upload)
    assert not uploads.can_download(committee, passport_upload, copy="reviewer")  # hidden
    outsider = make_user()
    grant_role(outsider, make_event(), EventRoleName.GRANT_REVIEWER)
    call_reviewer = make_user()
    grant_role(call_reviewer, event, EventRoleName.REVIEWER)  # reviews talks, not grants
    for person in (outsider, call_reviewer, None):
        assert not uploads.can_download(person, letter_upload, copy="reviewer")

    url = f"/review/{event.slug}/grants/applications/{application.public_id}"
    login_as(client, committee)
    page = client.get(url).text
    assert f'href="{url}/files/{letter.id}"' in page and f"{url}/files/{hidden.id}" not in page
    response, data = download(client, f"{url}/files/{letter.id}")
    assert response.status_code == 200
    reference = grant_review.reference(application)
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=application-{reference}-answer-{letter.id}.pdf"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"
    text = readable(data, "application/pdf")
    assert "i study tides" in text
    assert not [t for t in (APPLICANT.lower(), APPLICANT_EMAIL, "okonkwo") if t in text]
    assert download(client, f"{url}/files/{hidden.id}")[0].status_code == 404

    # A declared conflict closes the file too, in the service and the view.
    grant_review.declare_interest(actor=committee, application=application, reason="", now=NOW)
    assert not uploads.can_download(committee, letter_upload, copy="reviewer")
    login_as(client, committee)
    assert download(client, f"{url}/files/{letter.id}")[0].status_code == 404
    assert "You declared a conflict of interest, so you do not open it" in client.get(url).text


def test_a_grant_file_naming_the_applicant_shows_a_notice(client):
    event, _organizer, application, letter, _hidden, committee = grant_world()
    upload = uploads.store(
        stream=io.BytesIO(make_pdf([f"Signed, {APPLICANT}"])),
        filename="l.pdf",
        field="f",
        allowed=["pdf"],
        max_kb=50,
        owner=application.applicant,
        event=event,
        now=NOW,
    )
    application.answers[0].upload = upload
    db.session.flush()
    assert grant_review.reviewer_files(application)[letter.id].may_identify
    login_as(client, committee)
    page = client.get(f"/review/{event.slug}/grants/applications/{application.public_id}").text
    assert "This file may name the applicant" in page


# The crawl --------------------------------------------------------------------------------------


def crawl(client, start: list[str], allowed_prefixes: tuple[str, ...]) -> dict[str, object]:
    """Every page and file reachable by GET from `start` through links under the prefixes:
    url -> response (its body read)."""
    import re

    seen: dict[str, object] = {}
    queue = deque(start)
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        response.get_data()
        response.close()
        seen[url] = response
        if response.mimetype != "text/html":
            continue
        for href in re.findall(r'href="([^"#]+)', response.get_data(as_text=True)):
            target = urljoin(url, href.replace("&amp;", "&"))
            parts = urlsplit(target)
            if parts.netloc not in ("", "localhost"):
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path.startswith(allowed_prefixes) and path not in seen:
                queue.append(path)
    return seen


def test_crawl_of_everything_reviewers_and_grant_reviewers_reach_finds_no_name_or_metadata(
    client, capsys
):
    event, organizer = open_event()
    reviewer = make_user(name="Rita Reviewer", email="rita@example.org")
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    committee = make_user(name="Gina Granter", email="gina@example.org")
    grant_role(committee, event, EventRoleName.GRANT_REVIEWER)
    speaker = make_user(name=NAME, email=EMAIL)
    slides = make_question(event, text="Slides", kind=QuestionKind.FILE, file_kinds=["pdf"])
    poster = make_question(event, text="Poster", kind=QuestionKind.FILE, file_kinds=["jpeg", "png"])
    # One proposal whose slides name the speaker in their text (held, then redacted) ...
    held = submit_with_file(
        event,
        speaker,
        slides,
        make_pdf([f"The {NAME} survey"], author=AUTHOR, creator=CREATOR, xmp_creator=XMP_CREATOR),
        "zebulon-quartermaine-slides.pdf",
    )
    # ... and others whose files carry the name only in metadata.
    others = []
    for n, (data, name) in enumerate(
        [
            (make_pdf(["Neutral slides"], author=AUTHOR, producer=PRODUCER), "a.pdf"),
            (make_image("JPEG", artist=ARTIST, gps=True, comment=ARTIST), "b.jpg"),
            (make_image("PNG", artist=ARTIST, comment=ARTIST, xmp=XMP_CREATOR), "c.png"),
        ]
    ):
        proposal = make_proposal(event, speaker, title=f"Neutral proposal {n}")
        question = slides if name.endswith(".pdf") else poster
        upload = uploads.store(
            stream=io.BytesIO(data),
            filename=f"{NAME}-{name}",
            field="f",
            allowed=["pdf", "jpeg", "png"],
            max_kb=200,
            owner=speaker,
            event=event,
            now=NOW,
        )
        db.session.add(Answer(proposal=proposal, question=question, upload=upload))
        others.append(proposal)
    db.session.flush()
    assert redaction.held_back(event) == {held.id}
    assignment.assign_automatically(actor=organizer, event=event, per_proposal=1, now=NOW)
    # The grants side: a blind programme with a letter whose metadata names the applicant.
    programme = make_programme(event, anonymous_review=True, budget=100_000, category_caps={})
    letter = GrantQuestion(
        programme_id=programme.id, text="Letter", kind=QuestionKind.FILE, file_kinds=["pdf"]
    )
    db.session.add(letter)
    db.session.flush()
    for person, address in ((APPLICANT, APPLICANT_EMAIL), (NAME, EMAIL)):
        applicant = make_user(name=person, email=address) if person != NAME else speaker
        application = make_application(programme, applicant, requested={"travel": 40_000})
        upload = uploads.store(
            stream=io.BytesIO(make_pdf(["Need: travel."], author=person, creator=address)),
            filename=f"{person}-letter.pdf",
            field="f",
            allowed=["pdf"],
            max_kb=200,
            owner=applicant,
            event=event,
            now=NOW,
        )
        db.session.add(GrantAnswer(application=application, question=letter, upload=upload))
    db.session.flush()
    terms = sorted(
        {
            t.lower()
            for t in [
                NAME,
                *NAME.split(),
                EMAIL,
                "quartermaine-lab",
                APPLICANT,
                "Okonkwo",
                APPLICANT_EMAIL,
                "brandtworks",
                *METADATA,
            ]
        }
    )

    def walk(user, start):
        login_as(client, user)
        seen = crawl(client, start, (f"/review/{event.slug}",))
        for url, response in seen.items():
            assert response.status_code in (200, 302, 404), (url, response.status_code)
            assert not leaks(response, terms), (url, leaks(response, terms))
        return seen

    # While the flag is open: the held file is not served.
    first = walk(reviewer, [f"/review/{event.slug}/", f"/review/{event.slug}/proposals"])
    held_file = f"/review/{event.slug}/proposals/{held.public_id}/files/{slides.id}"
    assert held_file not in first
    # The organizer redacts the file; the reviewer's whole world is walked again.
    redaction.set_redacted_file(
        actor=organizer,
        proposal=held,
        question_id=slides.id,
        stream=io.BytesIO(make_pdf(["The [redacted] survey"], author=AUTHOR)),
        filename="redacted.pdf",
        now=NOW,
    )
    assignment.assign_automatically(actor=organizer, event=event, per_proposal=1, now=NOW)
    second = walk(reviewer, [f"/review/{event.slug}/", f"/review/{event.slug}/proposals"])
    assert held_file in second and second[held_file].status_code == 200
    grants = walk(committee, [f"/review/{event.slug}/grants"])

    files = Counter(
        r.mimetype
        for r in [*first.values(), *second.values(), *grants.values()]
        if r.status_code == 200 and r.mimetype != "text/html"
    )
    pages = sum(
        1
        for r in [*first.values(), *second.values(), *grants.values()]
        if r.mimetype == "text/html"
    )
    assert files["application/pdf"] >= 1 + 2 + 2  # first walk 1, second 2, grants 2
    assert files["image/jpeg"] >= 2 and files["image/png"] >= 2
    assert pages >= 20
    with capsys.disabled():
        print(f"\ncrawl: {pages} pages, files {dict(files)}, {len(terms)} terms")
    assert db.session.scalar(select(Proposal).where(Proposal.id == held.id)) is held


def test_only_organizers_resolve_flags_and_the_audit_never_holds_the_words():
    event, organizer = open_event()
    reviewer = make_user()
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    speaker = make_user(name=NAME)
    proposal = make_proposal(event, speaker, abstract=f"By {NAME}.")
    slides = make_question(event, text="Slides", kind=QuestionKind.FILE, file_kinds=["pdf"])
    upload = uploads.store(
        stream=io.BytesIO(make_pdf(["Neutral"])),
        filename="s.pdf",
        field="f",
        allowed=["pdf"],
        max_kb=50,
        owner=speaker,
        event=event,
        now=NOW,
    )
    db.session.add(Answer(proposal=proposal, question=slides, upload=upload))
    db.session.flush()
    for person in (reviewer, speaker):
        with pytest.raises(PermissionDenied):
            redaction.dismiss_flags(actor=person, proposal=proposal, now=NOW)
        with pytest.raises(PermissionDenied):
            redaction.restore_flags(actor=person, proposal=proposal, now=NOW)
        with pytest.raises(PermissionDenied):
            redaction.set_redacted_file(
                actor=person,
                proposal=proposal,
                question_id=slides.id,
                stream=io.BytesIO(make_pdf(["x"])),
                filename="x.pdf",
                now=NOW,
            )
    with pytest.raises(NotFound):
        redaction.clear_redacted_file(
            actor=organizer, proposal=proposal, question_id=slides.id + 99, now=NOW
        )
    # A bad redacted file is refused with the upload's own message, and nothing changes.
    with pytest.raises(ValidationFailed, match="not an accepted type"):
        redaction.set_redacted_file(
            actor=organizer,
            proposal=proposal,
            question_id=slides.id,
            stream=io.BytesIO(make_image("PNG")),
            filename="x.png",
            now=NOW,
        )
    assert proposal.answers[0].redacted_upload_id is None
    assert redaction.dismiss_flags(actor=organizer, proposal=proposal, now=NOW) == 3
    assert redaction.dismiss_flags(actor=organizer, proposal=proposal, now=NOW) == 0
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "review.redaction_dismiss")
    ).one()
    assert entry.details == {"dismissed": 3, "in_files": 0}
    assert "quartermaine" not in str(entry.details).lower()
