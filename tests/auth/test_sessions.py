"""Sessions end on the server: sign-out, sign out everywhere, new passwords, session lifetime.

Each browser is its own test client; a "stolen" cookie is copied from one client to another."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from organizer.extensions import db
from organizer.models import AuditEntry, User, UserSession
from organizer.services import accounts
from tests.factories import PASSWORD, login_as, make_user

HOST = "organizer.test"


@pytest.fixture
def new_client(app, client):
    """Another browser: a second test client of the same app."""

    def new():
        return app.test_client()

    return new


def sign_in(client, email="kim@example.org", password=PASSWORD, **extra):
    response = client.post("/login", data={"email": email, "password": password, **extra})
    assert response.status_code == 302, response.text
    return response


def cookie(client, name="session"):
    found = client.get_cookie(name, domain=HOST)
    return found.value if found else None


def copy_cookie(value, into, name="session"):
    into.set_cookie(name, value, domain=HOST)
    return into


def opens_account(client) -> bool:
    response = client.get("/account")
    if response.status_code == 302:
        assert "/login" in response.location
        return False
    assert response.status_code == 200
    return "Your account" in response.text


def test_a_copy_of_the_cookie_opens_nothing_after_sign_out(client, new_client):
    make_user(email="kim@example.org")
    sign_in(client)
    stolen = copy_cookie(cookie(client), new_client())
    assert opens_account(stolen)  # the copy works while the session lasts

    client.post("/logout")
    assert not opens_account(client)
    assert not opens_account(stolen)
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == 0


def test_sign_out_in_one_browser_leaves_the_others_signed_in(client, new_client):
    make_user(email="kim@example.org")
    phone = new_client()
    sign_in(client)
    sign_in(phone)
    client.post("/logout")
    assert not opens_account(client)
    assert opens_account(phone)


def test_sign_in_renews_the_session(client, new_client):
    make_user(email="kim@example.org")
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"  # what a fixated cookie could carry
    before = cookie(client)
    sign_in(client)
    after = cookie(client)
    assert after != before
    with client.session_transaction() as session:
        assert "planted" not in session
    assert not opens_account(copy_cookie(before, new_client()))
    assert opens_account(client)


def test_each_sign_in_gets_its_own_server_side_session(client, new_client):
    user = make_user(email="kim@example.org")
    sign_in(client)
    first = cookie(client)
    client.post("/logout")
    sign_in(client)
    assert cookie(client) != first
    assert not opens_account(copy_cookie(first, new_client()))
    keys = db.session.scalars(select(UserSession.key_hash).where(UserSession.user_id == user.id))
    assert len(list(keys)) == 1


def test_the_remember_me_cookie_ends_with_the_session(client, new_client):
    make_user(email="kim@example.org")
    sign_in(client, remember="y")
    remembered = cookie(client, "remember_token")
    assert remembered
    only_remember = copy_cookie(remembered, new_client(), "remember_token")
    assert opens_account(only_remember)  # a new browser session restored from the cookie

    client.post("/logout")
    assert cookie(client, "remember_token") is None  # the browser is told to delete it
    assert not opens_account(copy_cookie(remembered, new_client(), "remember_token"))


def test_sign_out_everywhere_asks_first(client):
    user = make_user(email="kim@example.org")
    login_as(client, user)
    account = client.get("/account").text
    assert "You are signed in on 1 device or browser." in account
    assert 'href="/account/sign-out-everywhere"' in account
    page = client.get("/account/sign-out-everywhere")
    assert page.status_code == 200
    assert "this one included" in page.text
    assert 'method="post"' in page.text and 'value="Sign out everywhere"' in page.text
    assert opens_account(client)  # looking at the question changes nothing


def test_sign_out_everywhere_ends_every_session_of_the_account(client, new_client):
    kim = make_user(email="kim@example.org")
    other = make_user(email="other@example.org")
    laptop, phone, others_browser = new_client(), new_client(), new_client()
    sign_in(laptop, remember="y")
    remembered = cookie(laptop, "remember_token")
    sign_in(phone)
    sign_in(others_browser, email="other@example.org")
    sign_in(client)
    assert "You are signed in on 3 devices or browsers." in client.get("/account").text

    response = client.post("/account/sign-out-everywhere")
    assert response.status_code == 302 and response.location.endswith("/login")
    assert "signed out on every device" in client.get("/login").text
    for each in (client, laptop, phone, copy_cookie(remembered, new_client(), "remember_token")):
        assert not opens_account(each)
    assert opens_account(others_browser)  # another account is not touched
    assert db.session.scalar(
        select(AuditEntry.action).where(
            AuditEntry.actor_id == kim.id, AuditEntry.action == "logout.everywhere"
        )
    )
    assert other.id != kim.id
    sign_in(phone)  # the password still works
    assert opens_account(phone)


def test_sign_out_everywhere_needs_a_signed_in_account(client):
    response = client.get("/account/sign-out-everywhere")
    assert response.status_code == 302 and "/login" in response.location
    response = client.post("/account/sign-out-everywhere")
    assert response.status_code == 302 and "/login" in response.location


def test_changing_the_password_ends_the_other_sessions(client, new_client):
    make_user(email="kim@example.org")
    phone = new_client()
    sign_in(phone)
    sign_in(client)
    before = cookie(client)
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "a brand new passphrase"},
    )
    assert response.status_code == 302
    assert opens_account(client)  # this browser goes on, with a new session
    assert cookie(client) != before
    assert not opens_account(phone)
    assert not opens_account(copy_cookie(before, new_client()))


def test_resetting_the_password_ends_every_other_session(client, new_client, mailbox):
    make_user(email="kim@example.org")
    phone = new_client()
    sign_in(phone)
    client.post("/forgot-password", data={"email": "kim@example.org"})
    link = mailbox.link(mailbox.last("kim@example.org"), "/reset-password/")
    response = client.post(
        link, data={"password": "a brand new passphrase", "confirm": "a brand new passphrase"}
    )
    assert response.status_code == 302
    assert opens_account(client)
    assert not opens_account(phone)


def test_a_cookie_from_before_server_side_sessions_opens_nothing(client):
    user = make_user(email="kim@example.org")
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.session_token  # the old format: the account's token only
        session["_fresh"] = True
    assert not opens_account(client)


def test_a_session_ends_after_its_lifetime(app):
    user = make_user(email="kim@example.org")
    now = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
    lifetime = dt.timedelta(seconds=app.config["SESSION_LIFETIME_SECONDS"])
    key = accounts.start_session(user=user, now=now)
    session_id = f"{user.session_token}:{key}"
    assert accounts.load_user_for_session(session_id, now=now + lifetime) == user
    assert accounts.load_user_for_session(session_id, now=now + lifetime * 2) is None
    assert accounts.active_session_count(user=user, now=now + lifetime * 2) == 0
    # the next sign-in purges it
    accounts.start_session(user=user, now=now + lifetime * 2)
    assert accounts.active_session_count(user=user, now=now + lifetime * 2) == 1
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == 1


def test_the_loader_refuses_wrong_or_mixed_ids(app):
    kim = make_user(email="kim@example.org")
    lee = make_user(email="lee@example.org")
    now = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
    kim_key = accounts.start_session(user=kim, now=now)
    accounts.start_session(user=lee, now=now)
    assert accounts.load_user_for_session(f"{lee.session_token}:{kim_key}", now=now) is None
    assert accounts.load_user_for_session(kim.session_token, now=now) is None
    assert accounts.load_user_for_session(f"{kim.session_token}:", now=now) is None
    assert accounts.load_user_for_session(f"{kim.session_token}:x{kim_key}", now=now) is None
    stored = db.session.scalars(select(UserSession.key_hash)).all()
    assert kim_key not in stored  # only its hash is kept


def test_user_without_a_session_cannot_be_signed_in_by_accident(app):
    user = db.session.get(User, make_user(email="kim@example.org").id)
    user.session_key = None
    with pytest.raises(RuntimeError):
        user.get_id()


def test_the_remember_me_label_says_the_configured_lifetime(app, client):
    assert "for 30 days" in client.get("/login").get_data(as_text=True)
    before = app.config["SESSION_LIFETIME_SECONDS"]
    app.config["SESSION_LIFETIME_SECONDS"] = 7 * 24 * 3600
    try:
        page = client.get("/login").get_data(as_text=True)
    finally:
        app.config["SESSION_LIFETIME_SECONDS"] = before
    assert "Keep me signed in on this device for 7 days" in page
