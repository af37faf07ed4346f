import datetime as dt

import pyotp
import pytest
from sqlalchemy import func, select

from organizer.enums import EventRoleName
from organizer.errors import PermissionDenied, Throttled, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import AuditEntry, OutboxMessage, RecoveryCode, TwoFactor
from organizer.services import events, two_factor
from tests.factories import NOW, PASSWORD, enrol_two_factor, grant_role, make_event, make_user

CLIENT = "203.0.113.5"


def code_at(secret: str, when: dt.datetime) -> str:
    return pyotp.TOTP(secret).at(when)


def enrolled(user, now=NOW) -> tuple[str, list[str]]:
    """Enrol through the real steps; returns the secret and the recovery codes."""
    secret = two_factor.start_enrolment(user=user, now=now)
    codes = two_factor.confirm_enrolment(
        user=user, code=code_at(secret, now), client=CLIENT, now=now
    )
    return secret, codes


def audit_actions(user) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.object_type == "user", AuditEntry.object_id == str(user.id))
            .order_by(AuditEntry.id)
        )
    )


def test_enrolment_stays_off_until_a_code_confirms_it():
    user = make_user()
    secret = two_factor.start_enrolment(user=user, now=NOW)
    assert two_factor.pending_secret(user) == secret
    assert not two_factor.is_enabled(user)
    with pytest.raises(ValidationFailed) as wrong:
        two_factor.confirm_enrolment(user=user, code="000000", client=CLIENT, now=NOW)
    assert "code" in wrong.value.errors
    assert not two_factor.is_enabled(user)

    codes = two_factor.confirm_enrolment(
        user=user, code=code_at(secret, NOW), client=CLIENT, now=NOW
    )
    assert two_factor.is_enabled(user)
    assert len(codes) == two_factor.RECOVERY_CODE_COUNT == len(set(codes))
    assert all(len(code) == 11 and code[5] == "-" for code in codes)
    assert two_factor.remaining_recovery_codes(user) == 10
    assert "two_factor.enable" in audit_actions(user)
    assert (
        db.session.scalar(
            select(OutboxMessage.purpose).where(OutboxMessage.to_address == user.email)
        )
        == "two_factor_enabled"
    )
    with pytest.raises(WrongState):
        two_factor.start_enrolment(user=user, now=NOW)


def test_secret_and_recovery_codes_are_not_stored_in_clear():
    user = make_user()
    secret, codes = enrolled(user)
    state = db.session.get(TwoFactor, user.id)
    assert secret not in state.secret_encrypted
    assert secret.encode() not in state.secret_encrypted.encode()
    stored = list(db.session.scalars(select(RecoveryCode.code_hash)))
    assert len(stored) == 10
    for code in codes:
        assert all(code.replace("-", "") not in value for value in stored)


def test_a_changed_secret_key_makes_the_secret_unreadable_but_recovery_codes_still_work(app):
    user = make_user()
    secret, codes = enrolled(user)
    original = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "another-secret-key-" + "x" * 40
    try:
        later = NOW + dt.timedelta(minutes=5)
        with pytest.raises(ValidationFailed):
            two_factor.verify(user=user, code=code_at(secret, later), client=CLIENT, now=later)
        assert two_factor.verify(user=user, code=codes[0], client=CLIENT, now=later) == "recovery"
    finally:
        app.config["SECRET_KEY"] = original


@pytest.mark.parametrize("offset", [-30, 0, 30])
def test_one_step_of_clock_drift_is_tolerated(offset):
    user = make_user()
    secret, _ = enrolled(user)
    later = NOW + dt.timedelta(minutes=10)
    code = code_at(secret, later + dt.timedelta(seconds=offset))
    assert two_factor.verify(user=user, code=code, client=CLIENT, now=later) == "totp"


@pytest.mark.parametrize("offset", [-61, 61])
def test_two_steps_of_drift_are_refused(offset):
    user = make_user()
    secret, _ = enrolled(user)
    later = NOW + dt.timedelta(minutes=10)
    code = code_at(secret, later + dt.timedelta(seconds=offset))
    with pytest.raises(ValidationFailed):
        two_factor.verify(user=user, code=code, client=CLIENT, now=later)


def test_a_code_cannot_be_used_twice_nor_an_older_one_after_it():
    user = make_user()
    secret, _ = enrolled(user)
    later = NOW + dt.timedelta(minutes=10)
    code = code_at(secret, later)
    two_factor.verify(user=user, code=code, client=CLIENT, now=later)
    with pytest.raises(ValidationFailed) as reused:
        two_factor.verify(user=user, code=code, client=CLIENT, now=later + dt.timedelta(seconds=5))
    assert "used already" in reused.value.errors["code"]
    older = code_at(secret, later - dt.timedelta(seconds=30))
    with pytest.raises(ValidationFailed):
        two_factor.verify(user=user, code=older, client=CLIENT, now=later)
    # the next step works
    nxt = later + dt.timedelta(seconds=30)
    assert two_factor.verify(user=user, code=code_at(secret, nxt), client=CLIENT, now=nxt)


def test_the_enrolment_code_itself_cannot_be_replayed():
    user = make_user()
    secret = two_factor.start_enrolment(user=user, now=NOW)
    code = code_at(secret, NOW)
    two_factor.confirm_enrolment(user=user, code=code, client=CLIENT, now=NOW)
    with pytest.raises(ValidationFailed):
        two_factor.verify(user=user, code=code, client=CLIENT, now=NOW)


def test_a_recovery_code_works_once_in_any_spelling():
    user = make_user()
    _, codes = enrolled(user)
    later = NOW + dt.timedelta(minutes=10)
    spelled = " " + codes[3].upper().replace("-", " ") + " "
    assert two_factor.verify(user=user, code=spelled, client=CLIENT, now=later) == "recovery"
    assert two_factor.remaining_recovery_codes(user) == 9
    with pytest.raises(ValidationFailed):
        two_factor.verify(user=user, code=codes[3], client=CLIENT, now=later)
    assert "login.recovery_code_used" in audit_actions(user)
    purposes = set(
        db.session.scalars(
            select(OutboxMessage.purpose).where(OutboxMessage.to_address == user.email)
        )
    )
    assert "recovery_code_used" in purposes
    body = db.session.scalar(
        select(OutboxMessage.body_text).where(OutboxMessage.purpose == "recovery_code_used")
    )
    assert "You have 9 unused recovery codes left." in body


def test_another_persons_recovery_code_does_not_work():
    ada, bo = make_user(), make_user()
    _, ada_codes = enrolled(ada)
    enrolled(bo)
    with pytest.raises(ValidationFailed):
        two_factor.verify(user=bo, code=ada_codes[0], client=CLIENT, now=NOW)


def test_regenerating_recovery_codes_invalidates_the_old_ones():
    user = make_user()
    secret, old = enrolled(user)
    two_factor.verify(user=user, code=old[0], client=CLIENT, now=NOW)
    later = NOW + dt.timedelta(minutes=1)
    with pytest.raises(ValidationFailed):
        two_factor.regenerate_recovery_codes(user=user, code="123456", client=CLIENT, now=later)
    new = two_factor.regenerate_recovery_codes(
        user=user, code=code_at(secret, later), client=CLIENT, now=later
    )
    assert len(new) == 10 and not set(new) & set(old)
    assert two_factor.remaining_recovery_codes(user) == 10
    with pytest.raises(ValidationFailed):
        two_factor.verify(user=user, code=old[1], client=CLIENT, now=later)
    assert two_factor.verify(user=user, code=new[0], client=CLIENT, now=later) == "recovery"


def test_wrong_codes_are_throttled_per_client_and_per_account(app):
    user = make_user()
    secret, codes = enrolled(user)
    attempts = app.config["LOGIN_THROTTLE_ATTEMPTS"]
    for _ in range(attempts):
        with pytest.raises(ValidationFailed):
            two_factor.verify(user=user, code="999999", client=CLIENT, now=NOW)
    later = NOW + dt.timedelta(minutes=1)
    with pytest.raises(Throttled):  # even the right code, while locked
        two_factor.verify(user=user, code=code_at(secret, later), client=CLIENT, now=later)
    # another client still gets its own tries, until the account's cap from anywhere
    assert (
        two_factor.verify(user=user, code=code_at(secret, later), client="198.51.100.7", now=later)
        == "totp"
    )
    app.config["LOGIN_THROTTLE_IP_ATTEMPTS"], cap = (
        attempts + 1,
        app.config["LOGIN_THROTTLE_IP_ATTEMPTS"],
    )
    try:
        with pytest.raises(ValidationFailed):
            two_factor.verify(user=user, code="999999", client="192.0.2.9", now=later)
        with pytest.raises(Throttled):
            two_factor.verify(user=user, code=codes[0], client="192.0.2.10", now=later)
    finally:
        app.config["LOGIN_THROTTLE_IP_ATTEMPTS"] = cap
    # the window passes
    after = NOW + dt.timedelta(seconds=app.config["LOGIN_THROTTLE_WINDOW_SECONDS"] + 60)
    assert two_factor.verify(user=user, code=code_at(secret, after), client=CLIENT, now=after)


def test_disable_needs_password_and_code():
    user = make_user()
    secret, _ = enrolled(user)
    later = NOW + dt.timedelta(minutes=1)
    with pytest.raises(ValidationFailed) as no_password:
        two_factor.disable(
            user=user,
            password="wrong password",
            code=code_at(secret, later),
            client=CLIENT,
            now=later,
        )
    assert "password" in no_password.value.errors
    with pytest.raises(ValidationFailed) as no_code:
        two_factor.disable(user=user, password=PASSWORD, code="000000", client=CLIENT, now=later)
    assert "code" in no_code.value.errors
    assert two_factor.is_enabled(user)
    two_factor.disable(
        user=user, password=PASSWORD, code=code_at(secret, later), client=CLIENT, now=later
    )
    assert not two_factor.is_enabled(user)
    assert two_factor.remaining_recovery_codes(user) == 0
    assert "two_factor.disable" in audit_actions(user)


def test_disable_is_refused_where_two_factor_is_required():
    admin = make_user(site_admin=True, two_factor=False)
    secret, _ = enrolled(admin)
    member = make_user()
    member_secret, _ = enrolled(member)
    event = make_event(require_two_factor=True)
    grant_role(member, event, EventRoleName.GRANT_REVIEWER)
    later = NOW + dt.timedelta(minutes=1)
    for user, key in ((admin, secret), (member, member_secret)):
        assert two_factor.required_for(user)
        with pytest.raises(PermissionDenied):
            two_factor.disable(
                user=user, password=PASSWORD, code=code_at(key, later), client=CLIENT, now=later
            )
        assert two_factor.is_enabled(user)
    assert not two_factor.required_for(make_user())


def test_pending_sign_in_expires_and_needs_two_factor_on():
    user = make_user()
    assert two_factor.pending_user(user_id=user.id, started_at=NOW.timestamp(), now=NOW) is None
    enrolled(user)
    assert two_factor.pending_user(user_id=user.id, started_at=NOW.timestamp(), now=NOW) is user
    late = NOW + dt.timedelta(seconds=two_factor.PENDING_SIGN_IN_SECONDS + 1)
    assert two_factor.pending_user(user_id=user.id, started_at=NOW.timestamp(), now=late) is None
    assert (
        two_factor.pending_user(user_id=str(user.id), started_at=NOW.timestamp(), now=NOW) is None
    )


def test_requiring_two_factor_of_the_team_needs_it_yourself():
    organizer = make_user()
    event = make_event(organizer=organizer)
    details = events.details_of(event)
    switched_on = events.EventDetails(**{**details.__dict__, "require_two_factor": True})
    with pytest.raises(ValidationFailed) as refused:
        events.update_event(actor=organizer, event=event, details=switched_on, now=NOW)
    assert "require_two_factor" in refused.value.errors
    assert not event.require_two_factor
    enrolled(organizer)
    assert events.update_event(actor=organizer, event=event, details=switched_on, now=NOW)
    assert event.require_two_factor
    # another organizer without it may still save other settings of the event
    other = make_user()
    grant_role(other, event, EventRoleName.ORGANIZER)
    renamed = events.EventDetails(**{**switched_on.__dict__, "name": "Renamed"})
    assert events.update_event(actor=other, event=event, details=renamed, now=NOW)


def test_enrolled_user_ids_lists_only_confirmed_enrolments():
    on, pending_only, off = make_user(), make_user(), make_user()
    enrol_two_factor(on)
    two_factor.start_enrolment(user=pending_only, now=NOW)
    assert two_factor.enrolled_user_ids([on.id, pending_only.id, off.id]) == {on.id}
    assert db.session.scalar(select(func.count()).select_from(TwoFactor)) == 2


def test_the_qr_code_is_an_svg_data_uri_of_the_provisioning_uri():
    user = make_user(email="ada@example.org")
    secret = two_factor.start_enrolment(user=user, now=NOW)
    uri = two_factor.provisioning_uri(user=user, secret=secret)
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    assert "ada%40example.org" in uri
    assert two_factor.qr_code_data_uri(uri).startswith("data:image/svg+xml")


def test_after_a_secret_key_change_a_recovery_code_lets_them_set_up_again(app):
    user = make_user()
    enrolled(user)
    original = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "another-secret-key-" + "y" * 40
    try:
        assert not two_factor.key_readable(user)
        secret = two_factor.start_enrolment(user=user, now=NOW)
        assert not two_factor.is_enabled(user)
        later = NOW + dt.timedelta(minutes=1)
        codes = two_factor.confirm_enrolment(
            user=user, code=code_at(secret, later), client=CLIENT, now=later
        )
        assert two_factor.key_readable(user) and len(codes) == 10
    finally:
        app.config["SECRET_KEY"] = original
