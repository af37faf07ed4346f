import re

from sqlalchemy import select

from organizer.extensions import db
from organizer.models import User
from tests.factories import PASSWORD, login_as, make_user


def register(client, email="new@example.org", name="New Person", password=PASSWORD):
    return client.post(
        "/register", data={"display_name": name, "email": email, "password": password}
    )


def test_register_verify_and_sign_in_through_real_smtp(client, mailbox):
    response = register(client)
    assert response.status_code == 302 and response.location.endswith("/register/check-inbox")
    message = mailbox.last("new@example.org")
    assert message["Subject"].startswith("Verify your email address")
    assert message["Message-ID"].endswith("@organizer.test>")
    assert "Verify my email address" in mailbox.html(message)
    verify_path = mailbox.link(message, "/verify/")

    response = client.get(verify_path, follow_redirects=True)
    assert "your email address is verified" in response.text
    user = db.session.scalar(select(User).where(User.email == "new@example.org"))
    assert user.email_verified

    response = client.post("/login", data={"email": "new@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert "New Person" in client.get("/account").text


def test_register_answers_the_same_for_a_taken_address(client, mailbox):
    make_user(email="taken@example.org")
    fresh = register(client, email="fresh@example.org")
    taken = register(client, email="taken@example.org")
    assert (fresh.status_code, fresh.location) == (taken.status_code, taken.location)
    assert "already have an account" in mailbox.text(mailbox.last("taken@example.org"))


def test_register_shows_errors_next_to_fields(client):
    response = register(client, email="not-an-email", name="x" * 101, password="short")
    assert response.status_code == 400
    html = response.text
    for field in ("email", "display_name", "password"):
        assert f'id="{field}-error"' in html
        assert re.search(rf'aria-describedby="[^"]*{field}-error[^"]*"', html)
    assert "Enter an email address like name@example.org." in html
    assert 'value="not-an-email"' in html  # what was typed stays in the form


def test_login_error_is_generic_and_keeps_the_address(client):
    make_user(email="kim@example.org")
    wrong_password = client.post(
        "/login", data={"email": "kim@example.org", "password": "nopenope"}
    )
    unknown = client.post("/login", data={"email": "who@example.org", "password": "nopenope"})
    assert wrong_password.status_code == unknown.status_code == 400
    assert "do not match an account" in wrong_password.text
    assert "do not match an account" in unknown.text
    assert 'value="kim@example.org"' in wrong_password.text


def test_login_throttling_over_http(client, app):
    make_user(email="max@example.org")
    for _ in range(app.config["LOGIN_THROTTLE_ATTEMPTS"]):
        client.post("/login", data={"email": "max@example.org", "password": "wrong-password"})
    response = client.post("/login", data={"email": "max@example.org", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.text
    assert client.get("/account").status_code == 302  # still signed out


def test_login_ignores_offsite_next(client):
    make_user(email="nat@example.org")
    response = client.post(
        "/login?next=https://evil.example/x",
        data={"email": "nat@example.org", "password": PASSWORD},
    )
    assert response.location == "/home/"
    client.post("/logout")
    response = client.post(
        "/login?next=/account", data={"email": "nat@example.org", "password": PASSWORD}
    )
    assert response.location == "/account"


def test_forgot_and_reset_password_through_smtp(client, mailbox):
    make_user(email="ria@example.org")
    known = client.post(
        "/forgot-password", data={"email": "ria@example.org"}, follow_redirects=True
    )
    unknown = client.post(
        "/forgot-password", data={"email": "nobody@example.org"}, follow_redirects=True
    )
    assert "If an account exists" in known.text and "If an account exists" in unknown.text
    assert mailbox.to("nobody@example.org") == []
    reset_path = mailbox.link(mailbox.last("ria@example.org"), "/reset-password/")

    mismatch = client.post(
        reset_path, data={"password": "new password one", "confirm": "new password two"}
    )
    assert mismatch.status_code == 400 and "The two passwords are different." in mismatch.text
    done = client.post(
        reset_path, data={"password": "new password one", "confirm": "new password one"}
    )
    assert done.status_code == 302
    client.post("/logout")
    assert (
        client.post(
            "/login", data={"email": "ria@example.org", "password": "new password one"}
        ).status_code
        == 302
    )
    # the link works once
    again = client.get(reset_path, follow_redirects=True)
    assert "already been used" in again.text


def test_tampered_reset_link_is_refused(client):
    response = client.get("/reset-password/not-a-real-token", follow_redirects=True)
    assert "This link is not valid" in response.text


def test_change_password_signs_out_other_sessions(app, client):
    user = make_user()
    other_device = app.test_client()
    login_as(client, user)
    login_as(other_device, user)
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "a fresh long password"},
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert other_device.get("/account").status_code == 302  # sent to sign in


def test_profile_offers_the_configured_languages(client):
    login_as(client, make_user())
    assert '<option selected value="en">English</option>' in client.get("/account").text


def test_profile_edit_and_validation(client):
    user = make_user(name="Before")
    login_as(client, user)
    bad = client.post("/account", data={"display_name": "", "pronouns": "p" * 41, "locale": "en"})
    assert bad.status_code == 400
    assert 'id="display_name-error"' in bad.text and 'id="pronouns-error"' in bad.text
    db.session.refresh(user)
    assert user.display_name == "Before"  # nothing saved
    ok = client.post(
        "/account", data={"display_name": "After", "pronouns": "ze/zir", "locale": "en"}
    )
    assert ok.status_code == 302
    db.session.refresh(user)
    assert (user.display_name, user.pronouns) == ("After", "ze/zir")


def test_resend_verification(client, mailbox):
    user = make_user(verified=False, email="late@example.org")
    login_as(client, user)
    assert "not verified yet" in client.get("/account").text
    client.post("/verify/resend")
    assert mailbox.link(mailbox.last("late@example.org"), "/verify/")


def test_logout_requires_post(client):
    user = make_user()
    login_as(client, user)
    client.get("/logout")  # a link or prefetch must not sign anyone out
    assert client.get("/account").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/account").status_code == 302
