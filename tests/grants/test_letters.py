"""Visa invitation letters: a real PDF with the typed passport name, escaped; only for
grantees and accepted speakers; WeasyPrint fetches nothing but files under static/."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from flask import current_app
from pypdf import PdfReader

from organizer.enums import GrantState, ProposalState
from organizer.errors import PermissionDenied, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import LetterTemplate
from organizer.services.grants.programmes import LETTER_PLACEHOLDERS
from organizer.services.print import letters, static_fetcher
from organizer.services.print import pdf as printing
from tests.factories import (
    NOW,
    make_application,
    make_cfp,
    make_event,
    make_programme,
    make_proposal,
    make_user,
)
from tests.grants.test_reimbursement import award

BODY = (
    "To the consular officer,\n\n"
    "We invite {passport_name} to {event}, held at {venue} on {dates}, "
    "as a {role}.\n\nThe organizers cover: {covered}.\n\n{unknown} stays as typed."
)


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def event():
    event = make_event(name="Speech ML Workshop", venue="Casa das Ideias, Lisbon")
    db.session.add(
        LetterTemplate(
            event_id=event.id,
            body=BODY,
            signer_name="Ama Mensah",
            signer_title="General chair",
            updated_at=NOW,
        )
    )
    db.session.flush()
    return event


def grantee_of(event):
    programme = make_programme(event)
    application = make_application(programme, state=GrantState.ACCEPTED)
    award(application, {"travel": 45_000, "visa": 8_000})
    return application.applicant


def test_a_grantee_gets_a_pdf_with_the_name_event_and_award(event, monkeypatch):
    fetched = []
    original = static_fetcher.StaticFilesOnly.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(static_fetcher.StaticFilesOnly, "fetch", spy)
    pdf = letters.visa_letter_pdf(
        actor=grantee_of(event), event=event, passport_name="Kwame  Nkrumah ", now=NOW
    )
    assert pdf.startswith(b"%PDF-")
    assert [url.rsplit("/static/", 1)[-1] for url in fetched] == ["css/print/letter.css"]
    text = text_of(pdf)
    assert "Kwame Nkrumah" in text
    assert "Speech ML Workshop" in text
    assert "grant recipient" in text
    assert "Travel: €450.00" in text and "Visa: €80.00" in text
    assert "{unknown} stays as typed" in text
    assert "Ama Mensah" in text and "General chair" in text


def test_markup_in_the_passport_name_is_printed_literally(event):
    pdf = letters.visa_letter_pdf(
        actor=grantee_of(event), event=event, passport_name="<b>Ada</b> {event}", now=NOW
    )
    text = text_of(pdf)
    assert "<b>Ada</b>" in text
    assert "{event}" in text  # a typed placeholder is not filled in again


def test_an_accepted_speaker_gets_a_letter(event):
    make_cfp(event)
    proposal = make_proposal(event, state=ProposalState.CONFIRMED)
    speaker = proposal.speakers[0].user
    text = text_of(
        letters.visa_letter_pdf(actor=speaker, event=event, passport_name="S P", now=NOW)
    )
    assert "as a speaker" in text


def test_people_without_an_accepted_award_are_refused(event):
    programme = make_programme(event)
    offered = make_application(programme, state=GrantState.OFFERED)
    for person in (make_user(), offered.applicant):
        with pytest.raises(PermissionDenied):
            letters.visa_letter_pdf(actor=person, event=event, passport_name="X Y", now=NOW)
    make_cfp(event)
    submitted = make_proposal(event, state=ProposalState.SUBMITTED)
    with pytest.raises(PermissionDenied):
        letters.visa_letter_pdf(
            actor=submitted.speakers[0].user, event=event, passport_name="X Y", now=NOW
        )


def test_no_template_is_a_clear_conflict():
    event = make_event()
    with pytest.raises(WrongState, match="not set up invitation letters"):
        letters.visa_letter_pdf(actor=grantee_of(event), event=event, passport_name="A", now=NOW)


@pytest.mark.parametrize("name", ["", "   ", "x" * 151, "Ada\u202eLovelace"])
def test_bad_passport_names_are_refused(event, name):
    with pytest.raises(ValidationFailed) as caught:
        letters.visa_letter_pdf(actor=grantee_of(event), event=event, passport_name=name, now=NOW)
    assert "passport_name" in caught.value.errors


def test_the_fetcher_serves_static_files_only(tmp_path):
    fetcher = printing.fetcher()
    static = current_app.static_folder
    response = fetcher(f"file://{static}/css/print/letter.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"
    secret = tmp_path / "secret.txt"
    secret.write_text("no")
    for url in (
        "http://example.org/logo.png",
        "https://example.org/style.css",
        "ftp://example.org/x",
        "data:text/plain,hello",
        secret.as_uri(),
        f"file://{static}/../organizer/config.py",
        "file:///etc/passwd",
        f"file://evil.example{static}/css/site.css",
    ):
        with pytest.raises(ValueError, match="refused"):
            fetcher(url)


def test_issued_date_and_dates_appear(event):
    pdf = letters.visa_letter_pdf(
        actor=grantee_of(event), event=event, passport_name="A B", now=NOW + dt.timedelta(days=1)
    )
    text = text_of(pdf)
    assert "November 30, 2026" in text
    assert "2027" in text


def test_every_placeholder_organizers_may_use_is_filled(event):
    values = letters.letter_values(
        event=event,
        user=grantee_of(event),
        passport_name="Ada",
        template_signer=("Amara", "Chair"),
        today="2026-11-29",
    )
    assert set(values) == set(LETTER_PLACEHOLDERS)
