import datetime as dt
import re

import pyotp
from sqlalchemy import select

from organizer.enums import EventRoleName
from organizer.extensions import db
from organizer.models import AuditEntry, Event, TwoFactor
from organizer.services import two_factor
from tests.factories import (
    PASSWORD,
    enrol_two_factor,
    grant_role,
    login_as,
    make_event,
    make_user,
)


def sign_in_with_password(client, user, next_url=None):
    query = f"?next={next_url}" if next_url else ""
    return client.post(f"/login{query}", data={"email": user.email, "password": PASSWORD})


def current_code(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def test_sign_in_asks_for_a_code_after_the_password_and_keeps_next(client):
    user = make_user()
    secret = enrol_two_factor(user)
    response = sign_in_with_password(client, user, next_url="/account")
    assert response.status_code == 302
    assert response.location == "/login/two-factor?next=/account"
    page = client.get(response.location)
    assert page.status_code == 200
    assert 'autocomplete="one-time-code"' in page.text

    wrong = client.post("/login/two-factor?next=/account", data={"code": "000000"})
    assert wrong.status_code == 400
    assert 'id="code-error"' in wrong.text and "not right" in wrong.text

    done = client.post("/login/two-factor?next=/account", data={"code": current_code(secret)})
    assert done.status_code == 302 and done.location == "/account"
    assert user.display_name in client.get("/account").text
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"login.second_factor", "login.second_factor_failure"} <= actions


def test_the_half_signed_in_state_opens_nothing(client):
    organizer = make_user()
    enrol_two_factor(organizer)
    event = make_event(organizer=organizer)
    sign_in_with_password(client, organizer)
    for path in (
        "/account",
        "/manage/",
        f"/manage/{event.slug}/",
        f"/manage/{event.slug}/team",
        "/account/two-factor",
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.location.startswith("/login?next="), (path, response.location)
    refused = client.post("/account/two-factor/start")
    assert refused.status_code == 302 and refused.location.startswith("/login")
    with client.session_transaction() as session:
        assert "_user_id" not in session
        assert session["two_factor_pending"]["uid"] == organizer.id


def test_the_second_step_without_a_password_goes_back_to_sign_in(client):
    response = client.get("/login/two-factor?next=/account")
    assert response.status_code == 302
    assert response.location == "/login?next=/account"
    forged = make_user()
    enrol_two_factor(forged)
    with client.session_transaction() as session:
        session["two_factor_pending"] = {"uid": forged.id, "token": "guess", "at": 9e9}
    assert client.get("/login/two-factor").status_code == 302


def test_a_password_change_voids_a_pending_second_step(client):
    user = make_user()
    secret = enrol_two_factor(user)
    sign_in_with_password(client, user)
    user.session_token = "rotated-by-a-password-change"
    response = client.post("/login/two-factor", data={"code": current_code(secret)})
    assert response.status_code == 302 and response.location.startswith("/login")
    assert client.get("/account").status_code == 302


def test_a_recovery_code_signs_in_once(client):
    user = make_user()
    now = dt.datetime.now(dt.UTC)
    secret = two_factor.start_enrolment(user=user, now=now)
    codes = two_factor.confirm_enrolment(user=user, code=current_code(secret), client="x", now=now)
    sign_in_with_password(client, user)
    done = client.post("/login/two-factor", data={"code": codes[0]}, follow_redirects=True)
    assert "You signed in with a recovery code" in done.text
    client.post("/logout")
    sign_in_with_password(client, user)
    again = client.post("/login/two-factor", data={"code": codes[0]})
    assert again.status_code == 400


def test_wrong_codes_lock_the_second_step(app, client):
    user = make_user()
    secret = enrol_two_factor(user)
    sign_in_with_password(client, user)
    for _ in range(app.config["LOGIN_THROTTLE_ATTEMPTS"]):
        assert client.post("/login/two-factor", data={"code": "000000"}).status_code == 400
    locked = client.post("/login/two-factor", data={"code": current_code(secret)})
    assert locked.status_code == 429
    assert "Too many wrong codes" in locked.text
    assert client.get("/account").status_code == 302


def test_enrolment_from_the_account_page(client):
    user = make_user()
    login_as(client, user)
    account = client.get("/account")
    assert "Set up two-factor sign-in" in account.text
    start = client.post("/account/two-factor/start")
    assert start.status_code == 302
    page = client.get("/account/two-factor")
    secret = two_factor.pending_secret(user)
    assert 'src="data:image/svg+xml' in page.text
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    assert grouped in page.text  # the key, written out for people who cannot scan
    assert not two_factor.is_enabled(user)

    wrong = client.post("/account/two-factor/confirm", data={"code": "123456"})
    assert wrong.status_code == 400 and 'id="code-error"' in wrong.text
    assert not two_factor.is_enabled(user)

    done = client.post("/account/two-factor/confirm", data={"code": current_code(secret)})
    assert done.status_code == 200
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", done.text)
    assert len(codes) == 10
    assert 'download="recovery-codes.txt"' in done.text
    assert "data:text/plain;charset=utf-8," in done.text
    assert two_factor.is_enabled(user)
    # shown once: the settings page does not show them again
    settings = client.get("/account/two-factor")
    assert codes[0] not in settings.text and "Unused recovery codes" in settings.text


def test_regenerate_and_switch_off(client):
    user = make_user()
    secret = enrol_two_factor(user)
    login_as(client, user)
    wrong = client.post("/account/two-factor/recovery-codes", data={"code": "12"})
    assert wrong.status_code == 400
    fresh = client.post("/account/two-factor/recovery-codes", data={"code": current_code(secret)})
    assert fresh.status_code == 200
    assert len(re.findall(r"<code>[a-z2-9]{5}-[a-z2-9]{5}</code>", fresh.text)) == 10

    no_password = client.post(
        "/account/two-factor/disable", data={"password": "nope nope nope", "code": "000000"}
    )
    assert no_password.status_code == 400 and 'id="password-error"' in no_password.text
    assert two_factor.is_enabled(user)
    code = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", fresh.text)[0]  # a recovery code
    off = client.post("/account/two-factor/disable", data={"password": PASSWORD, "code": code})
    assert off.status_code == 302
    assert not two_factor.is_enabled(user)
    assert db.session.get(TwoFactor, user.id) is None


def test_a_site_admin_without_two_factor_is_sent_to_enrolment_and_reaches_nothing_else(client):
    admin = make_user(site_admin=True, two_factor=False)
    event = make_event(organizer=admin)
    response = sign_in_with_password(client, admin, next_url="/manage/audit")
    assert response.status_code == 302 and response.location == "/manage/audit"
    for path in ("/manage/audit", "/manage/", "/account", f"/manage/{event.slug}/", "/"):
        blocked = client.get(path)
        assert blocked.status_code == 302, path
        assert blocked.location.startswith("/account/two-factor?next="), path
    assert client.post("/manage/events/new", data={}).location == "/account/two-factor"
    page = client.get("/account/two-factor?next=/manage/audit")
    assert "needs two-factor sign-in" in page.text
    client.post("/account/two-factor/start?next=/manage/audit")
    secret = two_factor.pending_secret(admin)
    done = client.post(
        "/account/two-factor/confirm?next=/manage/audit", data={"code": current_code(secret)}
    )
    assert done.status_code == 200
    assert 'href="/manage/audit"' in done.text  # "continue" goes where they were going
    assert client.get("/manage/audit").status_code == 200
    disabled = client.get("/account/two-factor")
    assert "must keep two-factor sign-in" in disabled.text


def test_an_event_requiring_two_factor_sends_its_team_to_enrolment(client):
    organizer = make_user()
    enrol_two_factor(organizer)
    event = make_event(organizer=organizer, require_two_factor=True)
    other_event = make_event()
    reviewer = make_user(name="Rey Viewer")
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    grant_role(reviewer, other_event, EventRoleName.ORGANIZER)
    grant_reviewer = make_user()
    grant_role(grant_reviewer, event, EventRoleName.GRANT_REVIEWER)

    login_as(client, reviewer)
    for path in (f"/review/{event.slug}/", f"/manage/{event.slug}/"):
        blocked = client.get(path)
        assert blocked.status_code == 302, path
        assert blocked.location == f"/account/two-factor?next={path}"
    # other events and their own pages stay open
    assert client.get(f"/manage/{other_event.slug}/").status_code == 200
    assert client.get("/account").status_code == 200
    assert client.get(f"/{event.slug}/").status_code == 200

    login_as(client, grant_reviewer)
    assert client.get(f"/review/{event.slug}/grants").location.startswith("/account/two-factor")

    # the team page says who has not enrolled yet
    login_as(client, organizer)
    team = client.get(f"/manage/{event.slug}/team")
    assert team.status_code == 200
    assert "2 team members have not set it up yet" in team.text
    row = re.search(r"Rey Viewer.*?</tr>", team.text, re.S).group(0)
    assert "not set up" in row

    enrol_two_factor(reviewer)
    login_as(client, reviewer)
    assert client.get(f"/manage/{event.slug}/").status_code == 403  # a reviewer, not organizer
    assert client.get(f"/review/{event.slug}/").status_code != 302


def test_switching_on_the_requirement_needs_two_factor_yourself(client):
    organizer = make_user()
    event = make_event(organizer=organizer)
    login_as(client, organizer)
    form = client.get(f"/manage/{event.slug}/settings")
    assert "Require two-factor sign-in of everyone on the team" in form.text
    data = {
        "name": event.name,
        "slug": event.slug,
        "timezone": event.timezone,
        "starts_on": event.starts_on.isoformat(),
        "ends_on": event.ends_on.isoformat(),
        "currency": event.currency,
        "require_two_factor": "y",
    }
    refused = client.post(f"/manage/{event.slug}/settings", data=data)
    assert refused.status_code == 400
    assert 'id="require_two_factor-error"' in refused.text
    assert not db.session.get(Event, event.id).require_two_factor
    enrol_two_factor(organizer)
    saved = client.post(f"/manage/{event.slug}/settings", data=data)
    assert saved.status_code == 302
    assert db.session.get(Event, event.id).require_two_factor


def test_a_password_reset_still_asks_for_the_second_step(client, mailbox):
    user = make_user(email="tova@example.org")
    secret = enrol_two_factor(user)
    db.session.commit()
    client.post("/forgot-password", data={"email": "tova@example.org"})
    reset_path = mailbox.link(mailbox.last("tova@example.org"), "/reset-password/")
    done = client.post(
        reset_path, data={"password": "a brand new password", "confirm": "a brand new password"}
    )
    assert done.status_code == 302 and done.location == "/login/two-factor"
    assert client.get("/account").status_code == 302  # the reset link alone signs nobody in
    signed_in = client.post("/login/two-factor", data={"code": current_code(secret)})
    assert signed_in.status_code == 302
    assert client.get("/account").status_code == 200
