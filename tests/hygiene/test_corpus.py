"""Bad input, typed by an applicant into every field they can fill, then read back from every
output: each case is refused with a message next to its field, or stored and escaped, and
nothing answers 500.

Two halves per payload:
- in: the payload goes through the real forms over HTTP (account, proposal with a custom
  question, speaker profile, co-speaker invitation, grant application, message). A field
  either shows its own message, or (once the other fields are fixed) saves the text as typed.
- out: the payload is then written into every one of those fields directly, as a row stored
  before the filter existed would be (a NUL cannot be stored on PostgreSQL, so not there), the
  talk is scheduled and released, and every output is read: HTML pages, iCal, frab XML and
  JSON, the CSV exports, the printed PDFs and the mail sent.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import re
import secrets

import pytest
from sqlalchemy import select

from organizer.enums import EventRoleName, GrantKind, ProposalState, QuestionKind
from organizer.extensions import db
from organizer.models import (
    Answer,
    GrantApplication,
    GrantMessage,
    Proposal,
    SpeakerProfile,
)
from organizer.services import feeds, text
from organizer.services.scheduling import releases
from tests.factories import (
    NOW,
    grant_role,
    lisbon,
    login_as,
    make_cfp,
    make_event,
    make_event_days,
    make_programme,
    make_question,
    make_room,
    make_slot,
    make_user,
    session_type,
    track,
)
from tests.hygiene.checks import check_csv, check_ical, check_json, check_xml, pdf_text

PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "attribute": '"><img src=x onerror=alert(1)>',
    "markdown-link": "[click me](javascript:alert(1))",
    "hyperlink": '=HYPERLINK("http://x","y")',
    "dde": "+cmd|' /C calc'!A0",
    "at-sum": "@SUM(1)",
    "minus": "-1+1",
    "ical-injection": "X\r\nBEGIN:VEVENT\r\nSUMMARY:evil",
    "cdata-end": "]]>",
    "close-tag": "</text>",
    "bidi": "\u202eevil.exe",
    "10000": ("lorem ipsum " * 834)[:10_000],
    "beyond": "x" * 100_001,
    "nul": "Ana\x00Lima",
    "emoji": "Zoë 👩🏽‍🔬👨‍👩‍👧‍👦 🏳️‍🌈 🇵🇹🇯🇵",
    "rtl": "محمد عبد الله · שרה כהן",
}
OUTPUTS = ("html", "ical", "xml", "json", "csv", "pdf", "mail")
ALWAYS_REFUSED = {"bidi", "nul"}


def real_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def field_error(html: str, field: str) -> str | None:
    """The message shown next to a field (the input pointing at it), or None."""
    if not re.search(rf'aria-describedby="[^"]*{re.escape(field)}-error', html):
        return None
    match = re.search(rf'id="{re.escape(field)}-error">\s*<span[^>]*>[^<]*</span>\s*([^<]+)', html)
    return match.group(1).strip() if match else None


@pytest.fixture(autouse=True)
def _fresh_caches():
    feeds.clear_cache()  # ids repeat between tests (each is rolled back): cached feeds too
    yield
    feeds.clear_cache()


@pytest.fixture
def world(client):
    organizer = make_user(name="Olga Organizer")
    event = make_event(organizer=organizer)
    make_cfp(
        event,
        opens_at=real_now() - dt.timedelta(days=1),
        closes_at=real_now() + dt.timedelta(days=10),
    )
    make_event_days(event)
    room = make_room(event, "Aula Magna")
    question = make_question(event, kind=QuestionKind.TEXT, text="Why you?")
    programme = make_programme(
        event,
        opens_at=real_now() - dt.timedelta(days=1),
        closes_at=real_now() + dt.timedelta(days=10),
        kind=GrantKind.BOTH,
        request_cap=150_000,
    )
    reviewer = make_user(name="Rui Reviewer")
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    applicant = make_user(name="Ana Applicant")
    login_as(client, applicant)
    return {
        "event": event,
        "organizer": organizer,
        "reviewer": reviewer,
        "applicant": applicant,
        "room": room,
        "question": question,
        "programme": programme,
    }


def submit_in_two_rounds(client, url, safe, fields, payload, *, multiline, status_ok=(302,)):
    """Round 1: the payload in every field of `fields`. Round 2: the payload only where round
    1 showed no message (the rest safe) must save. Returns {field: "refused" | "saved"}."""
    first = client.post(url, data={**safe, **dict.fromkeys(fields, payload)})
    assert first.status_code != 500, url
    verdict = {}
    for field in fields:
        message = field_error(first.text, field) if first.status_code != 302 else None
        verdict[field] = "refused" if message else "pending"
        if field in multiline and text.problem(payload, multiline=True):
            assert message, (url, field, "should be refused")
        if field not in multiline and text.problem(payload):
            assert message, (url, field, "should be refused")
    if first.status_code in status_ok:
        return {f: "saved" if v == "pending" else v for f, v in verdict.items()}
    pending = [f for f, v in verdict.items() if v == "pending"]
    second = client.post(url, data={**safe, **dict.fromkeys(pending, payload)})
    assert second.status_code in status_ok, (url, pending, second.status_code, second.text[:3000])
    return {f: "saved" if v == "pending" else v for f, v in verdict.items()}


def stored(value: str | None, payload: str, multiline: bool) -> bool:
    expected = text.normalise_lines(payload) if multiline else payload
    return (value or "").strip() == expected.strip()


@pytest.mark.parametrize("name", PAYLOADS)
def test_every_applicant_field_refuses_or_keeps_the_payload(client, world, mailbox, name):
    payload = PAYLOADS[name]
    event, question, programme = world["event"], world["question"], world["programme"]
    applicant = world["applicant"]
    verdicts: dict[str, str] = {}

    # The account.
    account = submit_in_two_rounds(
        client,
        "/account",
        {"display_name": "Ana Applicant", "pronouns": "", "locale": "en"},
        ["display_name", "pronouns"],
        payload,
        multiline=set(),
    )
    db.session.refresh(applicant)
    if account["display_name"] == "saved":
        assert stored(applicant.display_name, payload, False)
    verdicts |= {f"account.{k}": v for k, v in account.items()}

    # A proposal, with the answer to a custom question.
    answer_field = f"question-{question.id}"
    proposal_fields = ["title", "abstract", "description", "notes", answer_field]
    safe = {
        "title": "Graphs for rivers",
        "abstract": "We model rivers as graphs.",
        "description": "More detail.",
        "session_type_id": str(session_type(event).id),
        "track_id": str(track(event).id),
        "language": "en",
        "level": "",
        "notes": "",
        answer_field: "Because.",
        "creation_key": secrets.token_urlsafe(16),
        "submit_proposal": "x",
    }
    first_key = safe["creation_key"]
    url = f"/{event.slug}/cfp/submit"
    first = client.post(url, data={**safe, **dict.fromkeys(proposal_fields, payload)})
    assert first.status_code != 500
    if first.status_code != 302:  # round 2 with a new key
        safe["creation_key"] = secrets.token_urlsafe(16)
    proposal_verdict = {}
    for field in proposal_fields:
        message = field_error(first.text, field) if first.status_code != 302 else None
        proposal_verdict[field] = "refused" if message else "saved"
        single = field == "title"
        if text.problem(payload, multiline=not single):
            assert message, ("proposal", field)
    if first.status_code != 302:
        pending = [f for f, v in proposal_verdict.items() if v == "saved"]
        second = client.post(url, data={**safe, **dict.fromkeys(pending, payload)})
        assert second.status_code == 302, (pending, second.text[:2000])
    proposal = db.session.scalars(select(Proposal).where(Proposal.event_id == event.id)).one()
    assert proposal.creation_key in (first_key, safe["creation_key"])
    for field in ("title", "abstract", "description", "notes"):
        if proposal_verdict[field] == "saved":
            assert stored(getattr(proposal, field), payload, field != "title"), field
    verdicts |= {f"proposal.{k}": v for k, v in proposal_verdict.items()}

    # The speaker profile.
    profile = submit_in_two_rounds(
        client,
        f"/{event.slug}/cfp/profile",
        {"bio": "I study rivers.", "pronouns": "", "affiliation": "", "handle": ""},
        ["bio", "pronouns", "affiliation", "handle"],
        payload,
        multiline={"bio"},
    )
    verdicts |= {f"profile.{k}": v for k, v in profile.items()}

    # A co-speaker invitation: no payload is an email address.
    invite = client.post(
        f"/{event.slug}/cfp/proposals/{proposal.public_id}/speakers", data={"email": payload}
    )
    assert invite.status_code != 500
    assert invite.status_code == 302 or field_error(invite.text, "email") or "email" in invite.text
    verdicts["co_speaker.email"] = "refused"

    # A grant application and a message on it.
    grant_fields = ["motivation", "role", "affiliation", "city", "other_funding"]
    grant = submit_in_two_rounds(
        client,
        f"/{event.slug}/grants/{programme.public_id}/apply",
        {
            "motivation": "I work on speech recognition.",
            "role": "PhD student",
            "affiliation": "",
            "country": "GH",
            "city": "Accra",
            "need": "cannot_attend",
            "amount-travel": "450",
            "own_contribution": "0",
            "other_funding": "",
            "submit_application": "1",
        },
        grant_fields,
        payload,
        multiline={"motivation", "other_funding"},
    )
    verdicts |= {f"grant.{k}": v for k, v in grant.items()}
    application = db.session.scalars(select(GrantApplication)).one()
    message = submit_in_two_rounds(
        client,
        f"/{event.slug}/grants/applications/{application.public_id}/messages",
        {"body": "Thank you."},
        ["body"],
        payload,
        multiline={"body"},
    )
    verdicts |= {f"grant_message.{k}": v for k, v in message.items()}

    if name in ALWAYS_REFUSED:
        assert set(verdicts.values()) == {"refused"}, verdicts
    if name == "ical-injection":  # a line break: refused in one-line fields only
        assert verdicts["proposal.title"] == "refused"
        assert verdicts["proposal.abstract"] == "saved"
    if name in ("script", "hyperlink", "rtl", "emoji", "markdown-link"):
        refused = {k for k, v in verdicts.items() if v == "refused"}
        assert refused <= {"co_speaker.email", "profile.handle"}, refused

    check_outputs(client, world, proposal, application, payload, mailbox)


# --- out ---------------------------------------------------------------------------------


def fit(row, field: str, value: str) -> None:
    """Set a column to `value`, cut to the column's length (the database would refuse more)."""
    length = getattr(type(row).__table__.c[field].type, "length", None)
    setattr(row, field, value[:length] if length else value)


def store_everywhere(world, proposal, application, payload) -> str:
    """The payload in every field, as an old row (before the filter) would hold it."""
    payload = payload[:10_000]  # no column holds more (forms refuse it); and PDFs stay quick
    if "\x00" in payload and db.engine.dialect.name == "postgresql":
        payload = payload.replace("\x00", "")  # PostgreSQL cannot store a NUL at all
    applicant = world["applicant"]
    fit(applicant, "display_name", payload)
    fit(applicant, "pronouns", payload)
    for field in ("title", "abstract", "description", "notes"):
        fit(proposal, field, payload)
    for answer in db.session.scalars(select(Answer).where(Answer.proposal_id == proposal.id)):
        answer.value = payload
    for profile in db.session.scalars(select(SpeakerProfile)):
        for field in ("bio", "pronouns", "affiliation"):
            fit(profile, field, payload)
    for field in ("motivation", "role", "affiliation", "city", "other_funding"):
        fit(application, field, payload)
    db.session.add(
        GrantMessage(
            application_id=application.id,
            author_id=applicant.id,
            body=payload,
            created_at=NOW,
        )
    )
    proposal.state = ProposalState.CONFIRMED
    db.session.flush()
    return payload


def check_html(html: str, payload: str) -> None:
    """Escaped: no tag or `javascript:` link of the payload's survives as markup."""
    if "<" in payload:
        assert payload not in html
    assert "<script>alert" not in html and "<img src=x" not in html
    assert 'href="javascript:' not in html.lower()


def check_outputs(client, world, proposal, application, payload, mailbox) -> None:
    event, room, organizer = world["event"], world["room"], world["organizer"]
    payload = store_everywhere(world, proposal, application, payload)
    slot = make_slot(event, proposal, room=room, starts_at=lisbon(27, 10))
    releases.release(event=event, actor=organizer, now=real_now(), comment=payload[:500])
    db.session.commit()
    code = slot.code
    speaker_code = db.session.scalars(select(SpeakerProfile.code)).first()
    seen = set()

    # HTML: the public pages, the applicant's own, the committee's.
    pages = [
        f"/{event.slug}/schedule/",
        f"/{event.slug}/talk/{code}/",
        f"/{event.slug}/speakers/",
        f"/{event.slug}/speakers/{speaker_code}/",
        f"/{event.slug}/cfp/proposals/{proposal.public_id}",
        f"/{event.slug}/grants/applications/{application.public_id}",
        "/account",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        check_html(response.text, payload)
        if path.endswith(f"/talk/{code}/") and payload.startswith("<script>"):
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text  # shown, as text
    login_as(client, organizer)
    for path in (
        f"/manage/{event.slug}/cfp/proposals",
        f"/manage/{event.slug}/cfp/proposals/{proposal.public_id}",
        f"/manage/{event.slug}/grants/{world['programme'].public_id}/applications",
    ):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        check_html(response.text, payload)
    seen.add("html")

    # iCal: the event's feed and the talk's.
    for path in (f"/{event.slug}/schedule.ics", f"/{event.slug}/talk/{code}.ics"):
        response = client.get(path)
        assert response.status_code == 200, path
        check_ical(response.data, events=1)
    seen.add("ical")

    check_xml(client.get(f"/{event.slug}/schedule.xml").data)
    seen.add("xml")
    check_json(client.get(f"/{event.slug}/schedule.json").data)
    seen.add("json")

    for path in (
        f"/manage/{event.slug}/cfp/proposals.csv",
        f"/manage/{event.slug}/grants/{world['programme'].public_id}/money/export.csv"
        "?include_need=1",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        check_csv(response.get_data(as_text=True))
    seen.add("csv")

    for path in (f"/{event.slug}/signs.pdf", f"/{event.slug}/programme.pdf"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Aula Magna" in pdf_text(response.data)
    seen.add("pdf")

    assert mailbox.messages, "submitting sends mail"
    for message in mailbox.messages:
        raw = message.as_bytes(policy=email.policy.SMTP)
        head = raw.split(b"\r\n\r\n", 1)[0]
        assert b"BEGIN:VEVENT" not in head and b"\x00" not in head
        for line in head.split(b"\r\n"):
            assert line.startswith((b" ", b"\t")) or b":" in line, line  # no injected line
        for part in message.walk():
            if part.get_content_type() == "text/html":
                check_html(part.get_content(), payload)
    seen.add("mail")
    assert seen == set(OUTPUTS)
