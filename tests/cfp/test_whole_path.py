"""The whole path over HTTP, each person with their own browser session and mail arriving at
the SMTP test server: submit → co-speaker accepts → anonymous review → ranking → accept →
publish → the speaker confirms by the mailed link."""

from __future__ import annotations

import datetime as dt
import re
import secrets

from sqlalchemy import select

from organizer.enums import EventRoleName, ProposalState
from organizer.extensions import db
from organizer.models import Proposal, ReviewCriterion
from tests.factories import (
    grant_role,
    login_as,
    make_cfp,
    make_event,
    make_user,
    session_type,
    track,
)


def test_from_submission_to_confirmed_talk(app, client, mailbox):
    # `client` makes app.test_client() build TestClients: one request, one app context.
    now = dt.datetime.now(dt.UTC)
    organizer = make_user(name="Olga Organizer")
    event = make_event(organizer=organizer)
    make_cfp(event, opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=9))
    speaker = make_user(name="Sergio Speaker", email="sergio@example.org")
    co_speaker = make_user(name="Celia Cospeaker", email="celia@example.org")
    reviewers = [make_user(name=f"Rita Reviewer {n}") for n in range(2)]
    for reviewer in reviewers:
        grant_role(reviewer, event, EventRoleName.REVIEWER)
    browsers = {}
    for person in (organizer, speaker, co_speaker, *reviewers):
        browsers[person.id] = app.test_client()
        login_as(browsers[person.id], person)
    as_speaker, as_co, as_organizer = (
        browsers[speaker.id],
        browsers[co_speaker.id],
        browsers[organizer.id],
    )
    slug = event.slug

    # 1. The speaker submits; the confirmation arrives by mail.
    response = as_speaker.post(
        f"/{slug}/cfp/submit",
        data={
            "title": "Graphs for rivers",
            "abstract": "We model rivers as graphs.",
            "session_type_id": str(session_type(event).id),
            "track_id": str(track(event).id),
            "language": "en",
            "creation_key": secrets.token_urlsafe(16),
            "submit_proposal": "x",
        },
    )
    assert response.status_code == 302, response.text
    proposal = db.session.scalar(select(Proposal).where(Proposal.event_id == event.id))
    assert proposal.state == ProposalState.SUBMITTED
    assert "Proposal received" in mailbox.last("sergio@example.org")["Subject"]

    # 2. A co-speaker is invited and accepts through the mailed link.
    page = f"/{slug}/cfp/proposals/{proposal.public_id}"
    response = as_speaker.post(f"{page}/speakers", data={"email": "celia@example.org"})
    assert response.status_code == 302
    join = mailbox.link(mailbox.last("celia@example.org"), f"/{slug}/cfp/join/")
    assert as_co.post(join).status_code == 302
    assert as_co.get(page).status_code == 200  # now a speaker: the page opens for her too
    assert as_co.post(join).status_code == 409  # the link works once

    # 3. The organizer assigns reviewers automatically; both review without seeing names.
    response = as_organizer.post(f"/manage/{slug}/cfp/reviewers/assign", data={"per_proposal": "2"})
    assert response.status_code == 302
    criterion = db.session.scalars(
        select(ReviewCriterion).where(ReviewCriterion.event_id == event.id)
    ).one()
    for reviewer, score in zip(reviewers, ("5", "4"), strict=True):
        client = browsers[reviewer.id]
        next_page = client.get(f"/review/{slug}/next")
        assert next_page.status_code == 302
        review_page = client.get(next_page.location)
        assert "Graphs for rivers" in review_page.text
        for secret in ("Sergio", "sergio@example.org", "Celia", "celia@example.org"):
            assert secret not in review_page.text
        response = client.post(
            next_page.location,
            data={f"score-{criterion.id}": score, "comment": "Clear.", "note_to_speaker": "Nice"},
        )
        assert response.status_code == 302, response.text

    # 4. The ranking shows the proposal with both reviews; the organizer accepts it.
    ranking = as_organizer.get(f"/manage/{slug}/cfp/ranking")
    assert "Graphs for rivers" in ranking.text
    response = as_organizer.post(f"/manage/{slug}/cfp/proposals/{proposal.public_id}/decide",
                                 data={"outcome": "accepted"})  # fmt: skip
    assert response.status_code == 302
    db.session.refresh(proposal)
    assert (proposal.state, proposal.pending_decision) == (ProposalState.SUBMITTED, "accepted")
    assert not [m for m in mailbox.to("sergio@example.org") if "Accepted" in m["Subject"]]

    # 5. Publishing the round sends the acceptance to both speakers through SMTP.
    preview = as_organizer.get(f"/manage/{slug}/cfp/decisions/publish")
    assert "Accepted: Graphs for rivers" in preview.text
    respond_by = (now + dt.timedelta(days=14)).astimezone(dt.UTC)
    response = as_organizer.post(
        f"/manage/{slug}/cfp/decisions/publish",
        data={
            "respond_on": f"{respond_by:%Y-%m-%d}",
            "respond_at": "23:59",
            "expected": re.search(r'name="expected" type="hidden" value="(\w+)"', preview.text)[1],
            "submit": "x",
        },
    )
    assert response.status_code == 302, response.text
    acceptance = mailbox.last("sergio@example.org")
    assert acceptance["Subject"] == "Accepted: Graphs for rivers"
    assert "Nice" in mailbox.text(acceptance)  # the reviewers' note to the speaker
    assert mailbox.last("celia@example.org")["Subject"] == "Accepted: Graphs for rivers"

    # 6. The speaker confirms through the link in the mail.
    respond = mailbox.link(acceptance, f"/{slug}/cfp/proposals/")
    assert respond.endswith("/respond")
    assert as_speaker.get(respond).status_code == 200
    assert as_speaker.post(respond, data={"confirm": "x"}).status_code == 302
    db.session.refresh(proposal)
    assert proposal.state == ProposalState.CONFIRMED
    assert mailbox.last("sergio@example.org")["Subject"] == "Confirmed: Graphs for rivers"
    history = as_organizer.get(f"/manage/{slug}/cfp/proposals/{proposal.public_id}")
    for action in ("proposal.submit", "decision.set", "decision.publish", "proposal.confirm"):
        assert f"<code>{action}</code>" in history.text
