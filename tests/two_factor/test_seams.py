"""Where two-factor sign-in meets the other features of this round: every way to an event's
team data goes through the gate, not only the pages under /manage and /review."""

from __future__ import annotations

import io

import pyotp
from flask import url_for
from sqlalchemy import select

from organizer.enums import EventRoleName, GrantState
from organizer.extensions import db
from organizer.models import OutboxMessage
from organizer.services import two_factor
from organizer.services.grants import reimbursement
from organizer.services.reviewing.questions import FileInput
from tests.factories import (
    NOW,
    PASSWORD,
    enrol_two_factor,
    grant_role,
    login_as,
    make_application,
    make_event,
    make_programme,
    make_user,
)
from tests.grants.test_reimbursement import PDF, SPENT, award


def a_receipt_in(event):
    grantee = make_user(name="Ama Grantee")
    application = make_application(make_programme(event), grantee, state=GrantState.ACCEPTED)
    award(application, {"travel": 30_000})
    return reimbursement.add_receipt(
        actor=grantee,
        application=application,
        file=FileInput(io.BytesIO(PDF), "passport-and-ticket.pdf"),
        category="travel",
        amount=10_000,
        currency="EUR",
        spent_on=SPENT,
        description="",
        now=NOW,
    )


def test_an_unenrolled_organizer_cannot_fetch_the_teams_files_through_the_speakers_address(
    client,
):
    """cfp.file lets organizers read every upload of their event (receipts and file answers
    included); under /<slug>/cfp/files it sat outside the team-page prefixes of the gate."""
    enrolled = make_user()
    enrol_two_factor(enrolled)
    event = make_event(organizer=enrolled, require_two_factor=True)
    receipt = a_receipt_in(event)
    unenrolled = make_user()
    grant_role(unenrolled, event, EventRoleName.ORGANIZER)
    db.session.commit()
    upload_id = receipt.upload.public_id

    login_as(client, unenrolled)
    for path in (
        f"/{event.slug}/cfp/files/{upload_id}",
        f"/{event.slug}/grants/receipts/{receipt.public_id}/file",
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.location.startswith("/account/two-factor?next="), path

    # once enrolled, the same address serves the file
    enrol_two_factor(unenrolled)
    db.session.commit()
    response = client.get(f"/{event.slug}/cfp/files/{upload_id}")
    assert response.status_code == 200 and response.data == PDF
    response.close()


def test_switching_two_factor_on_ends_the_sessions_signed_in_with_the_password_alone(app, client):
    """The gate asks whether the account has two-factor sign-in, not how this browser signed
    in. A session opened with a stolen password before the owner enrolled would pass the gate
    from the owner's enrolment on, never having given a code. Enrolment therefore ends every
    other session of the account (ASVS 3.3.3: sessions end when an authentication factor
    changes); the enrolling browser gets a fresh one."""
    organizer = make_user()
    enrol_two_factor(organizer)
    event = make_event(organizer=organizer, require_two_factor=True)
    member = make_user(email="mo@example.org")
    grant_role(member, event, EventRoleName.REVIEWER)
    db.session.commit()
    team_page = f"/review/{event.slug}/"

    intruder = app.test_client()  # signed in with the password alone
    assert intruder.post("/login", data={"email": member.email, "password": PASSWORD}).location
    assert intruder.get(team_page).location.startswith("/account/two-factor")

    client.post("/login", data={"email": member.email, "password": PASSWORD})
    client.post("/account/two-factor/start")
    secret = two_factor.pending_secret(member)
    done = client.post("/account/two-factor/confirm", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and two_factor.is_enabled(member)

    assert client.get(team_page).status_code == 200  # the owner carries on
    refused = intruder.get(team_page)
    assert refused.status_code == 302 and refused.location.startswith("/login")
    assert intruder.get("/account").location.startswith("/login")


def test_the_enrolling_browser_stays_remembered_if_it_asked_to(client):
    member = make_user(email="rem@example.org")
    db.session.commit()
    client.post("/login", data={"email": member.email, "password": PASSWORD, "remember": "y"})
    client.post("/account/two-factor/start")
    secret = two_factor.pending_secret(member)
    client.post("/account/two-factor/confirm", data={"code": pyotp.TOTP(secret).now()})
    client.delete_cookie("session", domain="organizer.test")  # the browser was closed
    assert client.get("/account").status_code == 200


def outbox(purpose, to):
    return list(
        db.session.scalars(
            select(OutboxMessage.body_text).where(
                OutboxMessage.purpose == purpose, OutboxMessage.to_address == to
            )
        )
    )


def test_a_wrong_code_after_the_right_password_tells_the_owner(client):
    """Only someone who has the password reaches the second step. The throttle lets such a
    person guess 50 codes per 15 minutes from many addresses, about 1 chance in 70 a day, for
    as long as they like; the owner should hear of it and change the password (which voids
    the half-signed-in step). One mail a day at most; a mistyped code on the account's own
    settings, where the person is already signed in, mails nobody."""
    member = make_user(email="wc@example.org")
    enrol_two_factor(member)
    db.session.commit()
    client.post("/login", data={"email": member.email, "password": PASSWORD})
    assert client.post("/login/two-factor", data={"code": "000000"}).status_code == 400
    mails = outbox("two_factor_failure", member.email)
    assert len(mails) == 1
    assert "correct password" in mails[0] and "change your password" in mails[0].lower()
    assert client.post("/login/two-factor", data={"code": "000001"}).status_code == 400
    assert len(outbox("two_factor_failure", member.email)) == 1  # once a day

    owner = make_user(email="own@example.org")
    enrol_two_factor(owner)
    login_as(client, owner)
    mistyped = client.post("/account/two-factor/recovery-codes", data={"code": "000002"})
    assert mistyped.status_code == 400
    assert outbox("two_factor_failure", owner.email) == []


TEAM_RULES = {"organizer", "reviewer", "grant_reviewer", "owner_or_organizer"}


def test_every_route_that_lets_the_team_in_is_behind_the_gate(app, client):
    """Read from the URL map, so that a new team route under any address is covered: for an
    organizer without two-factor sign-in in an event that requires it, every route whose
    access rule admits the team by its role, and every page under /manage/<event>/ and
    /review/<event>/, sends them to enrolment before the view runs (made-up ids suffice)."""
    enrolled = make_user()
    enrol_two_factor(enrolled)
    event = make_event(organizer=enrolled, require_two_factor=True)
    member = make_user()
    grant_role(member, event, EventRoleName.ORGANIZER)
    login_as(client, member)
    checked = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if "event_slug" not in rule.arguments:
            continue
        team = getattr(view, "access_rule", None) in TEAM_RULES or rule.rule.startswith(
            ("/manage/<event_slug>/", "/review/<event_slug>/")
        )
        if not team:
            continue
        values = {
            name: event.slug if name == "event_slug" else 1 if "id" in name else "x"
            for name in rule.arguments
        }
        with app.test_request_context():
            path = url_for(rule.endpoint, **values)
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(path, method=method)
        assert response.status_code == 302, (rule.endpoint, response.status_code)
        assert response.location.startswith("/account/two-factor"), rule.endpoint
        checked.append(rule.endpoint)
    assert {"cfp.file", "grant_money.receipt_file", "schedule.move", "manage.team_page"} <= set(
        checked
    )
