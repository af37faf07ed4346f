"""The home page over HTTP: its sections, the wording of next steps in each event's time zone,
the empty state, privacy, the landing after sign-in and a constant number of queries. Views
use the real clock, so calls and programmes here close in 2030."""

from __future__ import annotations

import datetime as dt
import re

import pyotp

from organizer.enums import EventRoleName, GrantState, ProposalState
from organizer.extensions import db
from organizer.models import GrantAward, ReviewAssignment
from tests.factories import (
    PASSWORD,
    enrol_two_factor,
    grant_role,
    login_as,
    make_application,
    make_cfp,
    make_event,
    make_programme,
    make_proposal,
    make_user,
)

CLOSES = dt.datetime(2030, 6, 15, 10, 0, tzinfo=dt.UTC)  # 11:00 in Lisbon, 19:00 in Tokyo
RESPOND_BY = dt.datetime(2030, 6, 20, 16, 30, tzinfo=dt.UTC)


def open_event(**fields):
    event = make_event(**fields)
    make_cfp(event, opens_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), closes_at=CLOSES)
    return event


def open_programme(event):
    return make_programme(event, opens_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), closes_at=CLOSES)


def text(html: str) -> str:
    """The page's words, tags and runs of white space collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_home_needs_sign_in(client):
    response = client.get("/home/")
    assert response.status_code == 302 and response.location.startswith("/login?next=")


def test_the_empty_home_says_what_one_can_do(client):
    login_as(client, make_user())
    page = client.get("/home/").text
    assert "Nothing here yet" in page
    assert 'href="/"' in page and "Browse events" in page
    for heading in ("My proposals", "My grant applications", "Reviews to do", "Events I organize"):
        assert heading not in page


def test_my_proposals_with_their_next_step_in_the_events_time_zone(client):
    speaker = make_user()
    lisbon = open_event(name="Lisbon Workshop")
    tokyo = open_event(name="Tokyo Workshop", timezone="Asia/Tokyo")
    draft = make_proposal(lisbon, speaker, state=ProposalState.DRAFT, title="A draft of mine")
    submitted = make_proposal(tokyo, speaker, title="Sent to Tokyo")
    accepted = make_proposal(
        lisbon, speaker, state=ProposalState.ACCEPTED, respond_by=RESPOND_BY, title="Accepted one"
    )
    make_proposal(lisbon, speaker, state=ProposalState.WAITLISTED, title="Waiting one")
    make_proposal(lisbon, speaker, state=ProposalState.REJECTED, title="Not this time")
    login_as(client, speaker)
    page = client.get("/home/").text
    words = text(page)
    assert "My proposals" in page
    assert f'href="/{lisbon.slug}/cfp/proposals/{draft.public_id}"' in page
    assert f'href="/{tokyo.slug}/cfp/proposals/{submitted.public_id}"' in page
    assert "Submit it before Saturday 15 June 2030, 11:00 (Europe/Lisbon)" in words
    assert "You can edit it until Saturday 15 June 2030, 19:00 (Asia/Tokyo)" in words
    assert f'href="/{lisbon.slug}/cfp/proposals/{accepted.public_id}/respond"' in page
    assert "Confirm by Thursday 20 June 2030, 17:30 (Europe/Lisbon)" in words
    assert "On the waiting list" in words
    assert "Not accepted this time" in words
    assert "Tokyo Workshop" in words and "Lisbon Workshop" in words
    assert "Nothing here yet" not in page


def test_my_grant_applications_with_their_next_step(client):
    applicant = make_user()
    event = open_event()
    draft = make_application(open_programme(event), applicant, state=GrantState.DRAFT)
    offered = make_application(open_programme(event), applicant, state=GrantState.OFFERED)
    offered.award = GrantAward(
        amounts={"travel": 10_000}, total=10_000, respond_by=RESPOND_BY, offered_at=CLOSES
    )
    accepted = make_application(open_programme(event), applicant, state=GrantState.ACCEPTED)
    accepted.award = GrantAward(
        amounts={"travel": 10_000}, total=10_000, respond_by=RESPOND_BY, offered_at=CLOSES
    )
    db.session.flush()
    login_as(client, applicant)
    page = client.get("/home/").text
    words = text(page)
    assert "My grant applications" in page
    assert f'href="/{event.slug}/grants/applications/{draft.public_id}"' in page
    assert "Submit it before Saturday 15 June 2030, 11:00" in words
    assert f'href="/{event.slug}/grants/mine"' in page
    assert "Accept or decline the offer by Thursday 20 June 2030, 17:30" in words
    assert f'href="/{event.slug}/grants/applications/{accepted.public_id}/receipts"' in page
    assert "Send your receipts" in words


def test_reviews_to_do_with_plural_wording(client):
    reviewer = make_user()
    one, three = open_event(name="One Review"), open_event(name="Three Reviews")
    grant_role(reviewer, one, EventRoleName.REVIEWER)
    grant_role(reviewer, three, EventRoleName.REVIEWER)
    grant_role(reviewer, three, EventRoleName.GRANT_REVIEWER)
    for event, count in ((one, 1), (three, 3)):
        for _ in range(count):
            db.session.add(
                ReviewAssignment(
                    proposal=make_proposal(event), reviewer=reviewer, created_at=CLOSES
                )
            )
    make_application(open_programme(three))
    db.session.flush()
    login_as(client, reviewer)
    page = client.get("/home/").text
    words = text(page)
    assert "One Review: 1 proposal waits for your review" in words
    assert "Three Reviews: 3 proposals wait for your review" in words
    assert "Three Reviews: 1 grant application waits for your review" in words
    assert f'href="/review/{one.slug}/"' in page
    assert f'href="/review/{three.slug}/grants"' in page
    assert "Events I organize" not in page


def test_events_i_organize_link_to_their_dashboards(client):
    organizer = make_user()
    event = make_event(organizer=organizer, name="Run By Me")
    login_as(client, organizer)
    page = client.get("/home/").text
    assert "Events I organize" in page
    assert f'href="/manage/{event.slug}/"' in page
    assert "My events" in page  # the header keeps the team's list of events


def test_another_persons_items_are_never_shown(client):
    me, co, stranger = make_user(), make_user(), make_user()
    event = open_event()
    programme = open_programme(event)
    shared = make_proposal(event, co, co_speakers=(me,), title="Our shared talk")
    make_proposal(event, co, title="Co-speaker solo talk")
    make_proposal(event, stranger, title="A stranger talk")
    make_application(programme, co)
    other_event = make_event(organizer=stranger, name="Stranger Event")
    login_as(client, me)
    page = client.get("/home/").text
    assert "Our shared talk" in page and shared.public_id in page
    assert "Co-speaker solo talk" not in page
    assert "A stranger talk" not in page
    assert "My grant applications" not in page
    assert "Stranger Event" not in page and other_event.slug not in page


def test_the_header_links_home_for_signed_in_people_only(client):
    assert 'href="/home/"' not in client.get("/").text
    person = make_user()
    login_as(client, person)
    page = client.get("/").text
    assert 'href="/home/"' in page
    assert 'href="/manage/"' not in page  # no team role: no "My events"


def test_sign_in_lands_on_home_and_keeps_next(client):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.location == "/home/"
    assert client.get("/login").location == "/home/"  # already signed in
    client.post("/logout")
    response = client.post("/login?next=/account", data={"email": user.email, "password": PASSWORD})
    assert response.location == "/account"


def test_two_factor_sign_in_lands_on_home(client):
    user = make_user()
    secret = enrol_two_factor(user)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.location.startswith("/login/two-factor")
    done = client.post("/login/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302 and done.location == "/home/"


def test_verifying_while_signed_in_lands_on_home(client, mailbox):
    user = make_user(verified=False, email="late-home@example.org")
    login_as(client, user)
    client.post("/verify/resend")
    link = mailbox.link(mailbox.last("late-home@example.org"), "/verify/")
    response = client.get(link)
    assert response.status_code == 302 and response.location == "/home/"


def test_home_runs_a_constant_number_of_queries(client, assert_constant_queries):
    person = make_user()
    login_as(client, person)

    def grow() -> None:
        event = open_event()
        grant_role(person, event, EventRoleName.ORGANIZER)
        grant_role(person, event, EventRoleName.REVIEWER)
        grant_role(person, event, EventRoleName.GRANT_REVIEWER)
        # proposals and applications in an event where the person has no role, too
        for speaking in (event, open_event()):
            for state in (ProposalState.DRAFT, ProposalState.SUBMITTED, ProposalState.CONFIRMED):
                make_proposal(speaking, person, state=state, co_speakers=(make_user(),))
            make_application(open_programme(speaking), person)
        db.session.add(
            ReviewAssignment(proposal=make_proposal(event), reviewer=person, created_at=CLOSES)
        )
        programme = open_programme(event)
        make_application(programme, person, state=GrantState.ACCEPTED).award = GrantAward(
            amounts={"travel": 1_000}, total=1_000, respond_by=RESPOND_BY, offered_at=CLOSES
        )
        make_application(programme)
        db.session.flush()

    assert_constant_queries(["/home/"], grow)
