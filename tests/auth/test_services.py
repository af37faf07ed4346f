import datetime as dt

import pytest
from sqlalchemy import func, select

from organizer.errors import Throttled, ValidationFailed
from organizer.extensions import db
from organizer.models import AuditEntry, LoginFailure, OutboxMessage, User
from organizer.services import accounts, tokens
from tests.factories import NOW, PASSWORD, make_user


def outbox_for(address: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == address))
    )


def test_register_creates_unverified_account_and_queues_verification():
    user = accounts.register(
        email=" Ada@Example.ORG ", password=PASSWORD, display_name="Ada", now=NOW
    )
    assert user is not None
    assert user.email == "ada@example.org"
    assert not user.email_verified
    assert user.password_hash != PASSWORD
    [message] = outbox_for("ada@example.org")
    assert message.purpose == "verify_email"
    assert "/verify/" in message.body_text


def test_register_with_existing_address_mails_the_owner_and_creates_nothing():
    existing = make_user(email="taken@example.org")
    result = accounts.register(
        email="TAKEN@example.org", password=PASSWORD, display_name="Impostor", now=NOW
    )
    assert result is None
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    [message] = outbox_for(existing.email)
    assert message.purpose == "account_exists"
    # a second attempt within the hour does not mail again
    accounts.register(email="taken@example.org", password=PASSWORD, display_name="x", now=NOW)
    assert len(outbox_for(existing.email)) == 1


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "at least 10"),
        ("x" * 201, "at most 200"),
        ("pat@example.org", "not be your email"),
    ],
)
def test_password_rules(password, message):
    with pytest.raises(ValidationFailed, match=message):
        accounts.register(email="pat@example.org", password=password, display_name="Pat", now=NOW)


def test_verify_email_with_token():
    user = make_user(verified=False)
    token = tokens.sign("verify", {"uid": user.id, "email": user.email})
    assert accounts.verify_email(token=token, now=NOW).email_verified


def test_verify_token_for_an_old_address_is_refused():
    user = make_user(verified=False)
    token = tokens.sign("verify", {"uid": user.id, "email": "old@example.org"})
    with pytest.raises(ValidationFailed):
        accounts.verify_email(token=token, now=NOW)


def test_token_of_one_purpose_does_not_work_for_another():
    user = make_user()
    token = tokens.sign("verify", {"uid": user.id, "email": user.email})
    with pytest.raises(ValidationFailed, match="not valid"):
        accounts.user_for_reset_token(token)


def test_authenticate_success_and_failure_are_audited():
    user = make_user(email="sam@example.org")
    assert (
        accounts.authenticate(email="SAM@example.org", password=PASSWORD, client="1.2.3.4", now=NOW)
        == user
    )
    with pytest.raises(ValidationFailed, match="do not match"):
        accounts.authenticate(
            email="sam@example.org", password="wrong-password", client="1.2.3.4", now=NOW
        )
    actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["login.success", "login.failure"]


def test_unknown_address_and_wrong_password_give_the_same_message():
    make_user(email="known@example.org")
    messages = []
    for email in ("known@example.org", "unknown@example.org"):
        with pytest.raises(ValidationFailed) as caught:
            accounts.authenticate(email=email, password="wrong-password", client="c", now=NOW)
        messages.append(caught.value.message)
    assert messages[0] == messages[1]


def test_login_is_throttled_after_repeated_failures_then_released(app):
    make_user(email="lee@example.org")
    limit = app.config["LOGIN_THROTTLE_ATTEMPTS"]
    for attempt in range(limit):
        with pytest.raises(ValidationFailed):
            accounts.authenticate(
                email="lee@example.org",
                password="nope-nope-nope",
                client="10.0.0.1",
                now=NOW + dt.timedelta(seconds=attempt),
            )
    # even the right password is refused while throttled, and the message does not say why
    with pytest.raises(Throttled, match="Too many failed"):
        accounts.authenticate(
            email="lee@example.org",
            password=PASSWORD,
            client="10.0.0.1",
            now=NOW + dt.timedelta(minutes=1),
        )
    # another client is not locked out by this one's failures
    accounts.authenticate(
        email="lee@example.org",
        password=PASSWORD,
        client="10.0.0.2",
        now=NOW + dt.timedelta(minutes=1),
    )
    # after the window the original client may try again
    later = NOW + dt.timedelta(seconds=app.config["LOGIN_THROTTLE_WINDOW_SECONDS"] + 10)
    accounts.authenticate(email="lee@example.org", password=PASSWORD, client="10.0.0.1", now=later)


def test_one_client_trying_many_addresses_is_throttled(app):
    app.config["LOGIN_THROTTLE_IP_ATTEMPTS"], saved = 3, app.config["LOGIN_THROTTLE_IP_ATTEMPTS"]
    try:
        for n in range(3):
            with pytest.raises(ValidationFailed):
                accounts.authenticate(
                    email=f"guess{n}@example.org", password="x" * 10, client="6.6.6.6", now=NOW
                )
        with pytest.raises(Throttled):
            accounts.authenticate(
                email="guess9@example.org", password="x" * 10, client="6.6.6.6", now=NOW
            )
    finally:
        app.config["LOGIN_THROTTLE_IP_ATTEMPTS"] = saved


def test_failures_store_hashes_not_addresses():
    with pytest.raises(ValidationFailed):
        accounts.authenticate(
            email="secret@example.org", password="x" * 10, client="9.9.9.9", now=NOW
        )
    failure = db.session.scalar(select(LoginFailure))
    assert "secret" not in failure.account_key and "9.9.9.9" not in failure.client_key


def test_password_reset_works_once_and_signs_out_other_sessions():
    user = make_user()
    old_session = user.session_token
    accounts.request_password_reset(email=user.email, now=NOW)
    [message] = outbox_for(user.email)
    token = message.body_text.split("/reset-password/")[1].split()[0]
    accounts.reset_password(token=token, new_password="a brand new password", now=NOW)
    assert user.session_token != old_session
    assert (
        accounts.authenticate(
            email=user.email, password="a brand new password", client="c", now=NOW
        )
        == user
    )
    with pytest.raises(ValidationFailed, match="already been used"):
        accounts.reset_password(token=token, new_password="yet another password", now=NOW)


def test_reset_for_unknown_address_sends_nothing():
    accounts.request_password_reset(email="nobody@example.org", now=NOW)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_change_password_requires_the_current_one():
    user = make_user()
    with pytest.raises(ValidationFailed) as caught:
        accounts.change_password(
            user=user, current_password="wrong", new_password="x" * 12, now=NOW
        )
    assert "current_password" in caught.value.errors
    accounts.change_password(
        user=user, current_password=PASSWORD, new_password="another long password", now=NOW
    )
    assert [m.purpose for m in outbox_for(user.email)] == ["password_changed"]


def test_update_profile_records_changes():
    user = make_user(name="Old Name")
    accounts.update_profile(
        user=user, display_name="New Name", pronouns=" they/them ", locale="en", now=NOW
    )
    assert (user.display_name, user.pronouns) == ("New Name", "they/them")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.update"))
    assert entry.details["display_name"] == ["Old Name", "New Name"]
    with pytest.raises(ValidationFailed):
        accounts.update_profile(user=user, display_name="x", pronouns=None, locale="tlh", now=NOW)


def test_reset_mail_goes_out_at_most_once_per_account_in_five_minutes():
    user = make_user()
    start = dt.datetime(2026, 11, 29, 12, 0, 30, tzinfo=dt.UTC)
    for seconds in (0, 10, 60, 240):
        accounts.request_password_reset(email=user.email, now=start + dt.timedelta(seconds=seconds))
    assert len(outbox_for(user.email)) == 1
    accounts.request_password_reset(email=user.email, now=start + dt.timedelta(minutes=5))
    assert len(outbox_for(user.email)) == 2
