"""People an import names: unclaimed accounts, the claim mail and the claim page."""

import re

from sqlalchemy import func, select

from organizer.enums import OutboxState
from organizer.errors import ValidationFailed
from organizer.extensions import db
from organizer.models import OutboxMessage, User
from organizer.services import accounts
from organizer.services.imports import people
from tests.factories import NOW, PASSWORD, make_event, make_user


def claim_path(message: OutboxMessage) -> str:
    return re.search(r"https?://[^/\s]+(/account/claim/\S+)", message.body_text).group(1)


def test_an_address_with_an_account_is_that_account():
    existing = make_user(email="Ana@Example.org")
    assert (
        people.person_for_import(display_name="A", email=" ana@EXAMPLE.org ", now=NOW) is existing
    )
    assert not people.is_unclaimed(existing)


def test_a_new_address_is_an_unclaimed_account_no_password_opens():
    person = people.person_for_import(
        display_name="  Ayşe   Yılmaz ",  # noqa: RUF001
        email="ayse@example.org",
        now=NOW,
    )
    assert person.display_name == "Ayşe Yılmaz"  # noqa: RUF001
    assert people.is_unclaimed(person) and not person.email_verified
    for guess in ("", "!unclaimed", "unclaimed", PASSWORD):
        try:
            accounts.authenticate(email="ayse@example.org", password=guess, client="t", now=NOW)
        except ValidationFailed:
            continue
        raise AssertionError(f"{guess!r} opened an unclaimed account")


def test_without_an_address_a_placeholder_that_never_gets_mail():
    event = make_event()
    first = people.person_for_import(display_name="Λεωνίδας", email=None, now=NOW)
    second = people.person_for_import(display_name="Λεωνίδας", email="", now=NOW)
    assert first is not second
    assert first.email.endswith("@unclaimed.invalid")
    assert people.invite_to_claim(user=first, event=event, now=NOW) is False
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_any_mail_to_a_placeholder_is_kept_as_failed_not_sent():
    from organizer.services import notifications

    person = people.person_for_import(display_name="Li Wei", email=None, now=NOW)
    message = notifications.tell(
        person, "password_changed", about=(person, "x"), context={"user": person}, now=NOW
    )
    assert message.state is OutboxState.FAILED and message.last_error == "no address to send to"


def test_the_claim_mail_goes_once_per_person_and_event():
    event, other = make_event(), make_event(slug="other-2027", name="Other")
    person = people.person_for_import(display_name="Ana", email="ana@example.org", now=NOW)
    assert people.invite_to_claim(user=person, event=event, now=NOW)
    assert people.invite_to_claim(user=person, event=event, now=NOW)
    assert people.invite_to_claim(user=person, event=other, now=NOW)
    sent = db.session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == "claim_account"))
    assert len(list(sent)) == 2
    claimed = make_user(email="claimed@example.org")
    assert people.invite_to_claim(user=claimed, event=event, now=NOW) is False


def test_claiming_sets_the_password_verifies_and_works_once(client):
    event = make_event()
    person = people.person_for_import(display_name="Ana Lima", email="ana@example.org", now=NOW)
    people.invite_to_claim(user=person, event=event, now=NOW)
    db.session.commit()
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.purpose == "claim_account")
    )
    assert event.name in message.subject
    path = claim_path(message)

    page = client.get(path)
    assert page.status_code == 200 and "Ana Lima" in page.text
    short = client.post(path, data={"password": "short", "confirm": "short"})
    assert short.status_code == 400 and people.is_unclaimed(db.session.get(User, person.id))

    done = client.post(path, data={"password": PASSWORD, "confirm": PASSWORD})
    assert done.status_code == 302
    claimed = db.session.get(User, person.id)
    assert not people.is_unclaimed(claimed) and claimed.email_verified
    assert "Ana Lima" in client.get("/account").text

    client.post("/logout")
    again = client.get(path, follow_redirects=True)
    assert "already been claimed" in again.text
    assert accounts.authenticate(email="ana@example.org", password=PASSWORD, client="t", now=NOW)


def test_a_tampered_claim_link_is_refused(client):
    response = client.get("/account/claim/not-a-token", follow_redirects=True)
    assert "This link is not valid" in response.text


def test_one_query_finds_the_known_addresses_and_new_ones_are_remembered(queries):
    ana = make_user(email="ana@example.org")
    known = people.accounts_by_email(["ANA@example.org", None, "", "new@example.org"])
    assert known == {"ana@example.org": ana}
    queries.clear()
    assert (
        people.person_for_import(display_name="Ana", email="Ana@Example.org", now=NOW, known=known)
        is ana
    )
    assert queries == []  # found in `known`, not asked again
    first = people.person_for_import(
        display_name="New", email="new@example.org", now=NOW, known=known
    )
    again = people.person_for_import(
        display_name="New", email="NEW@example.org", now=NOW, known=known
    )
    assert again is first and people.is_unclaimed(first)
