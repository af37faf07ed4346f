"""Invitations for people without an account (issue 16): the invitation page offers to create
an account or sign in, and both lead back to it, through registration, the verification mail
and the sign-in after it. Everything goes through HTTP and the real SMTP server."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from organizer.enums import EventRoleName
from organizer.extensions import db
from organizer.models import EventRole, ProposalSpeaker, User
from organizer.services import tokens
from tests.cfp.test_views import open_event, url
from tests.factories import PASSWORD, login_as, make_event, make_proposal, make_user


def next_of(location: str) -> str | None:
    values = parse_qs(urlsplit(location).query).get("next")
    return values[0] if values else None


def href(page: str, label: str) -> str:
    """The target of the link with this text in the page's content (not its header)."""
    content = page.partition("</h1>")[2]
    match = re.search(rf'<a [^>]*href="([^"]+)"[^>]*>\s*{re.escape(label)}\s*</a>', content)
    assert match, f"no link {label!r} on the page"
    return html.unescape(match.group(1))


def invite_co_speaker(client, mailbox, email: str) -> tuple[str, object]:
    """Ana invites `email` to her proposal; the link from the mail, and the proposal. The
    client is signed out afterwards."""
    ana = make_user(name="Ana Applicant")
    event = open_event()
    proposal = make_proposal(event, ana, title="Shared talk")
    login_as(client, ana)
    response = client.post(
        url(event, "proposals", proposal.public_id, "speakers"), data={"email": email}
    )
    assert response.status_code == 302
    client.post("/logout")
    return mailbox.link(mailbox.last(email), f"/{event.slug}/cfp/join/"), proposal


def invite_to_team(client, mailbox, email: str) -> str:
    olga = make_user(name="Olga Organizer")
    make_event(organizer=olga, slug="team-invite", name="Team Workshop")
    login_as(client, olga)
    response = client.post("/manage/team-invite/team", data={"email": email, "role": "reviewer"})
    assert response.status_code == 302
    client.post("/logout")
    return mailbox.link(mailbox.last(email), "/invitations/")


def register_from(client, mailbox, invitation_page: str, email: str, name: str) -> str:
    """From the invitation page, as a visitor: create an account, open the verification link
    from the mail and sign in; where the sign-in leads."""
    register_url = href(invitation_page, "Create an account")
    assert client.get(register_url).status_code == 200
    response = client.post(
        register_url, data={"display_name": name, "email": email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/register/check-inbox"
    check_inbox = client.get(response.location)
    sign_in_later = href(check_inbox.text, "Go to sign in")  # the person may sign in from here
    message = mailbox.last(email)
    assert message["Subject"].startswith("Verify your email address")
    verified = client.get(mailbox.link(message, "/verify/"))
    assert verified.status_code == 302
    assert next_of(verified.location) == next_of(sign_in_later) == next_of(register_url)
    signed_in = client.post(verified.location, data={"email": email, "password": PASSWORD})
    assert signed_in.status_code == 302
    return signed_in.location


def sign_in_from(client, invitation_page: str, user: User) -> str:
    sign_in_url = href(invitation_page, "Sign in")
    assert client.get(sign_in_url).status_code == 200
    response = client.post(sign_in_url, data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response.location


def speaker_of(proposal, email: str) -> ProposalSpeaker:
    return db.session.scalar(
        select(ProposalSpeaker).where(
            ProposalSpeaker.proposal_id == proposal.id, ProposalSpeaker.email == email
        )
    )


# Co-speakers ------------------------------------------------------------------------------


def test_co_speaker_registers_from_the_invitation_and_accepts(client, mailbox):
    link, proposal = invite_co_speaker(client, mailbox, "cora@example.org")

    page = client.get(link)
    assert page.status_code == 200
    assert "Ana Applicant invites you" in page.text and "Shared talk" in page.text
    assert "sent to cora@example.org" in page.text
    assert next_of(href(page.text, "Sign in")) == link

    landed = register_from(client, mailbox, page.text, "cora@example.org", "Cora Co")
    assert landed == link
    invitation = client.get(landed)
    assert "signed in as cora@example.org" in invitation.text
    response = client.post(link)
    assert response.status_code == 302
    cora = db.session.scalar(select(User).where(User.email == "cora@example.org"))
    db.session.refresh(proposal)
    assert speaker_of(proposal, "cora@example.org").user_id == cora.id
    assert cora.email_verified


def test_co_speaker_signs_in_from_the_invitation_and_accepts(client, mailbox):
    link, proposal = invite_co_speaker(client, mailbox, "cora@example.org")
    cora = make_user(email="cora@example.org", name="Cora Co")

    assert sign_in_from(client, client.get(link).text, cora) == link
    assert client.post(link).status_code == 302
    db.session.refresh(proposal)
    assert speaker_of(proposal, "cora@example.org").user_id == cora.id


def test_an_account_for_another_address_still_cannot_accept(client, mailbox):
    link, proposal = invite_co_speaker(client, mailbox, "cora@example.org")

    landed = register_from(client, mailbox, client.get(link).text, "eve@example.org", "Eve")
    assert landed == link  # back on the page, which refuses her
    response = client.post(link)
    assert response.status_code == 409 and "sent to cora@example.org" in response.text
    db.session.refresh(proposal)
    assert speaker_of(proposal, "cora@example.org").user_id is None


def test_a_visitor_sees_the_invitation_but_cannot_accept_it(client, mailbox):
    link, proposal = invite_co_speaker(client, mailbox, "cora@example.org")
    response = client.post(link)
    assert response.status_code == 200 and "Create an account" in response.text
    db.session.refresh(proposal)
    assert speaker_of(proposal, "cora@example.org").user_id is None


def test_registering_with_a_taken_address_mails_a_sign_in_link_back(client, mailbox):
    link, _proposal = invite_co_speaker(client, mailbox, "cora@example.org")
    make_user(email="cora@example.org")
    register_url = href(client.get(link).text, "Create an account")
    client.post(
        register_url,
        data={"display_name": "Cora", "email": "cora@example.org", "password": PASSWORD},
    )
    message = mailbox.last("cora@example.org")
    assert "already have an account" in mailbox.text(message)
    assert next_of(mailbox.link(message, "/login")) == link


# Team invitations ---------------------------------------------------------------------------


def test_team_invitee_registers_from_the_invitation_and_accepts(client, mailbox):
    link = invite_to_team(client, mailbox, "rita@example.org")

    page = client.get(link)
    assert page.status_code == 200
    assert "Olga Organizer invites you to help run Team Workshop as reviewer" in page.text

    landed = register_from(client, mailbox, page.text, "rita@example.org", "Rita Reviewer")
    assert landed == link
    assert "Accept and join the team" in client.get(landed).text
    assert client.post(link).status_code == 302
    rita = db.session.scalar(select(User).where(User.email == "rita@example.org"))
    assert (
        db.session.scalar(select(EventRole.role).where(EventRole.user_id == rita.id))
        == EventRoleName.REVIEWER
    )


def test_team_invitee_signs_in_from_the_invitation_and_accepts(client, mailbox):
    link = invite_to_team(client, mailbox, "rita@example.org")
    rita = make_user(email="rita@example.org")

    assert sign_in_from(client, client.get(link).text, rita) == link
    assert client.post(link).status_code == 302
    assert db.session.scalar(select(EventRole.role).where(EventRole.user_id == rita.id)) == (
        EventRoleName.REVIEWER
    )


# No open redirect ---------------------------------------------------------------------------


def test_only_a_next_on_this_site_rides_through_registration(client, mailbox):
    for n, (target, kept) in enumerate(
        (("/account", "/account"), ("https://evil.example/x", None))
    ):
        address = f"pat{n}@example.org"
        response = client.post(
            f"/register?next={target}",
            data={"display_name": "Pat", "email": address, "password": PASSWORD},
        )
        assert next_of(response.location) == kept
        verified = client.get(mailbox.link(mailbox.last(address), "/verify/"))
        assert urlsplit(verified.location).path == "/login"
        assert next_of(verified.location) == kept, target


def test_a_verification_link_leads_only_to_pages_of_this_site(client):
    user = make_user(verified=False)
    for target, kept in (
        ("/account", "/account"),
        ("//evil.example/x", None),
        ("https://evil.example/x", None),
    ):
        token = tokens.sign("verify", {"uid": user.id, "email": user.email, "next": target})
        location = client.get(f"/verify/{token}").location
        assert urlsplit(location).path == "/login" and next_of(location) == kept, target
