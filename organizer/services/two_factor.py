"""Two-factor sign-in: time-based one-time codes (RFC 6238, pyotp) and one-time recovery codes.

How the secrets are kept: the authenticator secret must be readable by the server (it computes
the expected code), so it cannot be hashed. It is encrypted with Fernet (AES-128-CBC with an
HMAC-SHA256, from the `cryptography` package) under a key derived from SECRET_KEY with HKDF.
A copy of the database alone therefore does not give anyone the secrets. Changing SECRET_KEY
makes the stored secrets unreadable: people then sign in with a recovery code (those are
hashed, not encrypted, so they survive) and set up their app again. Recovery codes carry about
49 bits of randomness each, so one SHA-256 (salted with the account id) is enough to store them.

A code is accepted for the current 30-second step and one step either side (clock drift), and
only for a step later than the last one accepted, so a code seen over someone's shoulder cannot
be used again. Wrong codes are throttled like wrong passwords (LOGIN_THROTTLE_*): per account
and client, and per account from anywhere, because whoever reaches this step knows the password.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from functools import lru_cache

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, exists, func, select
from werkzeug.security import check_password_hash

from organizer.errors import PermissionDenied, Throttled, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    AuditEntry,
    Event,
    EventRole,
    RecoveryCode,
    TwoFactor,
    TwoFactorFailure,
    User,
)
from organizer.services import accounts, audit, notifications
from organizer.services.mail import external_url

RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to copy by hand
RECOVERY_CODE_LENGTH = 10
DRIFT_STEPS = 1  # accept the code of the previous and of the next 30-second step too
PENDING_SIGN_IN_SECONDS = 600  # how long the second step waits after a correct password


# Secrets at rest ------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _fernet_for(secret_key: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"organizer two-factor secret v1"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _fernet() -> Fernet:
    return _fernet_for(current_app.config["SECRET_KEY"])


def _encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def _decrypt(token: str) -> str | None:
    """None when SECRET_KEY changed since the secret was stored."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def _recovery_hash(user: User, code: str) -> str:
    return hashlib.sha256(f"{user.id}:{code}".encode()).hexdigest()


def _client_key(client: str) -> str:
    return hashlib.sha256(client.encode()).hexdigest()


def _normalise(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


# State -------------------------------------------------------------------------------------


def state_of(user: User) -> TwoFactor | None:
    return db.session.get(TwoFactor, user.id)


def is_enabled(user: User) -> bool:
    state = state_of(user)
    return state is not None and state.enabled_at is not None


def required_for(user: User) -> bool:
    """Site admins must use two-factor sign-in, and so must the team of an event requiring it."""
    if user.is_site_admin:
        return True
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    EventRole.user_id == user.id,
                    EventRole.event_id == Event.id,
                    Event.require_two_factor.is_(True),
                )
            )
        )
    )


def key_readable(user: User) -> bool:
    """False when SECRET_KEY changed since the key was stored: the person then signs in with a
    recovery code and sets up their app again (`start_enrolment` allows it)."""
    state = state_of(user)
    return state is not None and _decrypt(state.secret_encrypted) is not None


def enrolled_user_ids(user_ids: list[int]) -> set[int]:
    """Which of these people have two-factor sign-in switched on (for the team page)."""
    if not user_ids:
        return set()
    return set(
        db.session.scalars(
            select(TwoFactor.user_id).where(
                TwoFactor.user_id.in_(user_ids), TwoFactor.enabled_at.is_not(None)
            )
        )
    )


def remaining_recovery_codes(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


# Enrolment ---------------------------------------------------------------------------------


def start_enrolment(*, user: User, now: dt.datetime) -> str:
    """A new secret, not yet in force: sign-in asks for codes only after `confirm_enrolment`.
    Starting again replaces a secret that was never confirmed."""
    state = state_of(user)
    if state is not None and state.enabled_at is not None and key_readable(user):
        raise WrongState(_("Two-factor sign-in is already on for your account."))
    secret = pyotp.random_base32()
    if state is None:
        state = TwoFactor(user_id=user.id, created_at=now)
        db.session.add(state)
    state.secret_encrypted = _encrypt(secret)
    state.created_at = now
    state.enabled_at = None  # a key SECRET_KEY can no longer read is replaced the same way
    state.last_used_step = None
    db.session.flush()
    return secret


def enable_with_secret(*, user: User, secret: str, now: dt.datetime) -> None:
    """Switch two-factor sign-in on with a known secret, without the confirmation step and
    without recovery codes: only for the demo data (whose secret is published with its
    passwords) and for tests."""
    pyotp.TOTP(secret).now()  # refuses a secret that is not base32
    state = state_of(user) or TwoFactor(user_id=user.id, created_at=now)
    state.secret_encrypted = _encrypt(secret)
    state.enabled_at = now
    db.session.add(state)
    db.session.flush()


def pending_secret(user: User) -> str | None:
    """The secret shown while enrolment waits for its first code."""
    state = state_of(user)
    if state is None or state.enabled_at is not None:
        return None
    return _decrypt(state.secret_encrypted)


def provisioning_uri(*, user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.email, issuer_name=current_app.config["SITE_NAME"]
    )


def qr_code_data_uri(uri: str) -> str:
    """An SVG image as a data: URI (the Content-Security-Policy allows data: images)."""
    import segno  # QR codes, 1 MiB resident: loaded where one is drawn

    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4, dark="#000", light="#fff")


def confirm_enrolment(*, user: User, code: str, client: str, now: dt.datetime) -> list[str]:
    """Switch two-factor sign-in on once the app shows a correct code; returns the recovery
    codes (new ones), which are shown once and never again. Every session of the account
    ends, this browser's too (the caller starts a new one)."""
    state = state_of(user)
    if state is None or state.enabled_at is not None:
        raise WrongState(_("There is no set-up waiting for a code. Start again."))
    _check_throttle(user=user, client=client, now=now)
    secret = _decrypt(state.secret_encrypted)
    step = _matching_step(secret, _normalise(code), now) if secret else None
    if step is None:
        _record_failure(user=user, client=client, now=now)
        raise ValidationFailed(
            {
                "code": _(
                    "That code is not right. Check that the time on your phone is correct and "
                    "enter the 6 digits your app shows now."
                )
            }
        )
    state.enabled_at = now
    state.last_used_step = step
    # A session opened with the password alone (perhaps a stolen one) would otherwise pass
    # every two-factor gate from now on without ever giving a code: end them all, as a new
    # password does. The caller signs the enrolling browser in again.
    accounts.end_all_sessions(user=user)
    codes = _new_recovery_codes(user=user, now=now)
    change = audit.record(
        action="two_factor.enable", actor=user, now=now, object_type="user", object_id=user.id
    )
    _notify(user, "two_factor_enabled", now, change=change)
    db.session.flush()
    return codes


def _new_recovery_codes(*, user: User, now: dt.datetime) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=_recovery_hash(user, code), created_at=now)
        for code in codes
    )
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def regenerate_recovery_codes(*, user: User, code: str, client: str, now: dt.datetime) -> list[str]:
    """New recovery codes; the old ones stop working. Asks for a current code first."""
    if not is_enabled(user):
        raise WrongState(_("Two-factor sign-in is not on for your account."))
    verify(user=user, code=code, client=client, now=now)
    codes = _new_recovery_codes(user=user, now=now)
    audit.record(
        action="two_factor.recovery_codes",
        actor=user,
        now=now,
        object_type="user",
        object_id=user.id,
    )
    db.session.flush()
    return codes


def disable(*, user: User, password: str, code: str, client: str, now: dt.datetime) -> None:
    """Switch two-factor sign-in off: needs the password and a code, and is refused to site
    admins and to the team of an event that requires it."""
    if not is_enabled(user):
        raise WrongState(_("Two-factor sign-in is not on for your account."))
    if required_for(user):
        raise PermissionDenied(
            _(
                "Two-factor sign-in is required for your account (site administrators, and the "
                "teams of events that ask for it), so it cannot be switched off."
            )
        )
    if not check_password_hash(user.password_hash, password):
        raise ValidationFailed({"password": _("That is not your current password.")})
    verify(user=user, code=code, client=client, now=now)
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.delete(state_of(user))
    change = audit.record(
        action="two_factor.disable", actor=user, now=now, object_type="user", object_id=user.id
    )
    _notify(user, "two_factor_disabled", now, change=change)
    db.session.flush()


# Verification ------------------------------------------------------------------------------


def _matching_step(secret: str, code: str, now: dt.datetime) -> int | None:
    """The time step whose code this is, within the drift allowed; None when none matches."""
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code) and found is None:
            found = step
    return found


def _check_throttle(*, user: User, client: str, now: dt.datetime) -> None:
    config = current_app.config
    window = config["LOGIN_THROTTLE_WINDOW_SECONDS"]
    since = now - dt.timedelta(seconds=window)
    from_client, everywhere = db.session.execute(
        select(
            func.count().filter(TwoFactorFailure.client_key == _client_key(client)),
            func.count(),
        ).where(TwoFactorFailure.user_id == user.id, TwoFactorFailure.occurred_at > since)
    ).one()
    if (
        from_client >= config["LOGIN_THROTTLE_ATTEMPTS"]
        or everywhere >= config["LOGIN_THROTTLE_IP_ATTEMPTS"]
    ):
        raise Throttled(
            _(
                "Too many wrong codes. Wait %(minutes)d minutes and try again.",
                minutes=window // 60,
            )
        )


def _record_failure(*, user: User, client: str, now: dt.datetime, at_sign_in: bool = False) -> None:
    """Kept even though the caller raises: the view commits before showing the error.

    At sign-in (`at_sign_in`) a wrong code came from someone who had the right password. The
    throttle slows them but never stops them (50 guesses per 15 minutes from anywhere, about
    1 chance in 70 a day), so the owner is told, at most once a day, to change the password,
    which voids the half-signed-in step."""
    window = current_app.config["LOGIN_THROTTLE_WINDOW_SECONDS"]
    db.session.execute(
        delete(TwoFactorFailure).where(
            TwoFactorFailure.occurred_at < now - dt.timedelta(seconds=window)
        )
    )
    db.session.add(
        TwoFactorFailure(user_id=user.id, client_key=_client_key(client), occurred_at=now)
    )
    audit.record(
        action="login.second_factor_failure",
        actor=None,
        now=now,
        object_type="user",
        object_id=user.id,
    )
    if at_sign_in:
        notifications.tell(
            user,
            "two_factor_failure",
            about=[user, f"{now:%Y%m%d}"],  # at most one a day
            context={"user": user, "reset_url": external_url("auth.forgot_password")},
            now=now,
        )
    db.session.flush()


def verify(
    *, user: User, code: str, client: str, now: dt.datetime, at_sign_in: bool = False
) -> str:
    """Check a code from the app, or a recovery code (used up by this). Returns "totp" or
    "recovery"; raises ValidationFailed (on the field `code`) or Throttled. `at_sign_in`: the
    second sign-in step, where a wrong code tells the owner (see `_record_failure`).

    After a ValidationFailed the caller commits, so that the failure counts."""
    state = state_of(user)
    if state is None or state.enabled_at is None:
        raise WrongState(_("Two-factor sign-in is not on for your account."))
    _check_throttle(user=user, client=client, now=now)
    typed = _normalise(code)
    if len(typed) == 6 and typed.isdigit():
        secret = _decrypt(state.secret_encrypted)
        step = _matching_step(secret, typed, now) if secret else None
        if step is not None and (state.last_used_step is None or step > state.last_used_step):
            state.last_used_step = step
            db.session.execute(
                delete(TwoFactorFailure).where(
                    TwoFactorFailure.user_id == user.id,
                    TwoFactorFailure.client_key == _client_key(client),
                )
            )
            db.session.flush()
            return "totp"
        _record_failure(user=user, client=client, now=now, at_sign_in=at_sign_in)
        if step is not None:
            raise ValidationFailed(
                {"code": _("This code was used already. Wait for your app to show the next one.")}
            )
        raise ValidationFailed(
            {
                "code": _(
                    "That code is not right. Enter the 6 digits your app shows now, "
                    "or one of your recovery codes."
                )
            }
        )
    recovery = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_hash(user, typed),
            RecoveryCode.used_at.is_(None),
        )
    )
    if recovery is None:
        _record_failure(user=user, client=client, now=now, at_sign_in=at_sign_in)
        raise ValidationFailed(
            {
                "code": _(
                    "That is neither a current code nor an unused recovery code. "
                    "Each recovery code works once."
                )
            }
        )
    recovery.used_at = now
    db.session.flush()
    change = audit.record(
        action="login.recovery_code_used",
        actor=user,
        now=now,
        object_type="user",
        object_id=user.id,
    )
    _notify(user, "recovery_code_used", now, change=change, left=remaining_recovery_codes(user))
    db.session.flush()
    return "recovery"


def complete_sign_in(*, user: User, method: str, now: dt.datetime) -> None:
    audit.record(
        action="login.second_factor",
        actor=user,
        now=now,
        object_type="user",
        object_id=user.id,
        details={"method": method},
    )


# The half-signed-in state -------------------------------------------------------------------


def pending_user(*, user_id: object, started_at: object, now: dt.datetime) -> User | None:
    """The account waiting for its second sign-in step, if the marker the view keeps is still
    good: not older than PENDING_SIGN_IN_SECONDS, and two-factor sign-in still on. (The view
    also checks that the password has not changed since.)"""
    if not isinstance(user_id, int) or not isinstance(started_at, int | float):
        return None
    age = now.timestamp() - started_at
    if age < 0 or age > PENDING_SIGN_IN_SECONDS:
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and is_enabled(user) else None


def _notify(
    user: User, purpose: str, now: dt.datetime, *, change: AuditEntry, **context: object
) -> None:
    """Tell the owner of a change to their two-factor sign-in; one mail per change (the
    audit entry that records it)."""
    notifications.tell(
        user,
        purpose,
        about=[user, change],
        context={"user": user, "account_url": external_url("auth.two_factor"), **context},
        now=now,
    )
