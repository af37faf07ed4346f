"""Accounts: registration, verification, sign-in with throttling, password reset, profile.

No message here tells a stranger whether an address has an account: register, sign-in and reset
answer the same way for both, and the mail explains the rest to the address's owner.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from functools import lru_cache
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from organizer.errors import Throttled, ValidationFailed
from organizer.extensions import db
from organizer.models import LoginFailure, User, UserSession
from organizer.models.accounts import new_session_token
from organizer.services import audit, tokens
from organizer.services.mail import external_url
from organizer.services.notifications import tell

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 200


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    """Checked against when the address has no account, so that both paths take as long."""
    return generate_password_hash("organizer-timing-equaliser", method=method)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def normalise_email(email: str) -> str:
    return email.strip().lower()


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def _five_minute_bucket(now: dt.datetime) -> str:
    """Mail keyed by this goes out at most once per account in five minutes, however often
    someone presses the button (or scripts it against a victim's address)."""
    return f"{now:%Y%m%d%H}{now.minute // 5:02d}"


def check_password_rules(password: str, *, email: str = "", field: str = "password") -> None:
    if len(password) < PASSWORD_MIN_LENGTH:
        raise ValidationFailed(
            {
                field: _(
                    "Use at least %(n)d characters. A few words make a good one.",
                    n=PASSWORD_MIN_LENGTH,
                )
            }
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise ValidationFailed({field: _("Use at most %(n)d characters.", n=PASSWORD_MAX_LENGTH)})
    if email and password.strip().lower() == normalise_email(email):
        raise ValidationFailed({field: _("Your password must not be your email address.")})


def new_user(
    *,
    email: str,
    display_name: str,
    now: dt.datetime,
    password: str | None = None,
    password_hash: str | None = None,
    pronouns: str | None = None,
    verified: bool = False,
    site_admin: bool = False,
) -> User:
    """A normalised, unsaved account. Give a password, or a hash already made (bulk loaders
    share one unusable hash, because hashing is deliberately slow)."""
    if (password is None) == (password_hash is None):
        raise ValueError("give exactly one of password and password_hash")
    return User(
        email=normalise_email(email),
        password_hash=password_hash or hash_password(password or ""),
        display_name=display_name.strip(),
        pronouns=(pronouns or "").strip() or None,
        email_verified_at=now if verified else None,
        is_site_admin=site_admin,
        created_at=now,
        password_changed_at=now,
    )


def create_user(**fields: Any) -> User:
    """Add an account without any mail (registration, fixtures and tests build on this).
    Takes the arguments of `new_user`."""
    user = new_user(**fields)
    db.session.add(user)
    db.session.flush()
    return user


def register(
    *,
    email: str,
    password: str,
    display_name: str,
    now: dt.datetime,
    next_url: str | None = None,
) -> User | None:
    """Create an account and mail a verification link. For an address that already has an
    account, mail its owner instead and return None; the caller answers the same either way.

    `next_url` is the same-site page the person came from (an invitation, say; the caller
    checks it is a path on this site): the verification link carries it, signed, so that
    signing in after verifying leads back there, and so does the mail's sign-in link for an
    address that already has an account."""
    check_password_rules(password, email=email)
    existing = user_by_email(email)
    if existing is not None:
        hash_password(password)  # the same work as for a new account, so timing tells nothing
        tell(
            existing,
            "account_exists",
            # at most one such mail an hour per account, however often someone tries
            about=(existing, f"{now:%Y%m%d%H}"),
            context={
                "user": existing,
                "login_url": external_url("auth.login", next=next_url),
                "reset_url": external_url("auth.forgot_password"),
            },
            now=now,
        )
        return None
    user = create_user(email=email, password=password, display_name=display_name, now=now)
    audit.record(
        action="account.register", actor=user, now=now, object_type="user", object_id=user.id
    )
    send_verification(user=user, now=now, next_url=next_url)
    return user


def send_verification(*, user: User, now: dt.datetime, next_url: str | None = None) -> None:
    if user.email_verified:
        return
    payload: dict[str, Any] = {"uid": user.id, "email": user.email}
    if next_url:
        payload["next"] = next_url  # signed with the rest: nobody can swap in another page
    token = tokens.sign("verify", payload)
    tell(
        user,
        "verify_email",
        about=(user, _five_minute_bucket(now)),
        context={"user": user, "verify_url": external_url("auth.verify_email", token=token)},
        now=now,
    )


def _verification_data(token: str) -> Any:
    return tokens.unsign(
        "verify",
        token,
        max_age=current_app.config["VERIFY_TOKEN_MAX_AGE"],
        expired_message=_("This verification link has expired. Sign in to get a new one."),
    )


def verification_next_url(token: str) -> str | None:
    """The page a verification link leads back to after sign-in (see `register`), unchecked:
    the caller keeps only same-site paths."""
    data = _verification_data(token)
    target = data.get("next") if isinstance(data, dict) else None
    return target if isinstance(target, str) else None


def verify_email(*, token: str, now: dt.datetime) -> User:
    data = _verification_data(token)
    user = db.session.get(User, data.get("uid"))
    if user is None or user.email != data.get("email"):
        raise ValidationFailed(_("This verification link is not valid any more."))
    if not user.email_verified:
        user.email_verified_at = now
        audit.record(
            action="account.verify_email",
            actor=user,
            now=now,
            object_type="user",
            object_id=user.id,
        )
        db.session.flush()
    return user


def _key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _throttled(*, email: str, client: str, now: dt.datetime) -> bool:
    config = current_app.config
    since = now - dt.timedelta(seconds=config["LOGIN_THROTTLE_WINDOW_SECONDS"])
    per_account, per_client = db.session.execute(
        select(
            func.count().filter(LoginFailure.account_key == _key(email, client)),
            func.count().filter(LoginFailure.client_key == _key(client)),
        ).where(LoginFailure.occurred_at > since)
    ).one()
    return (
        per_account >= config["LOGIN_THROTTLE_ATTEMPTS"]
        or per_client >= config["LOGIN_THROTTLE_IP_ATTEMPTS"]
    )


def authenticate(*, email: str, password: str, client: str, now: dt.datetime) -> User:
    """The account for these credentials, or ValidationFailed / Throttled.

    Failures are counted per address and client (so that a stranger cannot lock someone else
    out from elsewhere) and per client (so that one client cannot try many addresses)."""
    email = normalise_email(email)
    window = current_app.config["LOGIN_THROTTLE_WINDOW_SECONDS"]
    if _throttled(email=email, client=client, now=now):
        raise Throttled(
            _(
                "Too many failed sign-in attempts. Wait %(minutes)d minutes and try again, "
                "or reset your password.",
                minutes=window // 60,
            )
        )
    user = user_by_email(email)
    # An account without a usable password (deleted, or imported and not yet claimed) is
    # checked against the dummy hash too, so that timing does not tell it exists.
    usable = user is not None and not user.password_hash.startswith("!")
    valid = (
        check_password_hash(
            user.password_hash
            if usable and user
            else _dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]),
            password,
        )
        and usable
    )
    if user is None or not valid:
        db.session.execute(
            delete(LoginFailure).where(
                LoginFailure.occurred_at < now - dt.timedelta(seconds=window)
            )
        )
        db.session.add(
            LoginFailure(
                account_key=_key(email, client),
                client_key=_key(client),
                occurred_at=now,
                user_id=user.id if user else None,
            )
        )
        if user is not None:
            audit.record(
                action="login.failure", actor=None, now=now, object_type="user", object_id=user.id
            )
        db.session.flush()
        raise ValidationFailed(_("That email and password do not match an account."))
    db.session.execute(delete(LoginFailure).where(LoginFailure.account_key == _key(email, client)))
    audit.record(action="login.success", actor=user, now=now, object_type="user", object_id=user.id)
    return user


def record_logout(*, user: User, now: dt.datetime) -> None:
    """Sign out: the browser's server-side session ends, then the audit entry."""
    end_session(user=user)
    audit.record(action="logout", actor=user, now=now, object_type="user", object_id=user.id)


def _password_fingerprint(user: User) -> str:
    """Changes whenever the password does, so that a reset link works once."""
    return hmac.new(user.password_hash.encode(), b"reset", hashlib.sha256).hexdigest()[:16]


def request_password_reset(*, email: str, now: dt.datetime) -> None:
    user = user_by_email(email)
    if user is None:
        return  # the caller says "if an account exists, we sent a link" either way
    token = tokens.sign("reset", {"uid": user.id, "fp": _password_fingerprint(user)})
    tell(
        user,
        "reset_password",
        about=(user, _five_minute_bucket(now)),
        context={
            "user": user,
            "reset_url": external_url("auth.reset_password", token=token),
            "valid_minutes": current_app.config["RESET_TOKEN_MAX_AGE"] // 60,
        },
        now=now,
    )


def user_for_reset_token(token: str) -> User:
    data = tokens.unsign(
        "reset",
        token,
        max_age=current_app.config["RESET_TOKEN_MAX_AGE"],
        expired_message=_("This reset link has expired. Ask for a new one below."),
    )
    user = db.session.get(User, data.get("uid"))
    if user is None or not hmac.compare_digest(str(data.get("fp")), _password_fingerprint(user)):
        raise ValidationFailed(_("This reset link has already been used. Ask for a new one below."))
    return user


def _set_password(user: User, password: str, now: dt.datetime) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    end_all_sessions(user=user)  # the caller starts a new one for the browser in use


def reset_password(*, token: str, new_password: str, now: dt.datetime) -> User:
    user = user_for_reset_token(token)
    check_password_rules(new_password, email=user.email)
    _set_password(user, new_password, now)
    # Whoever could read the mail owns the address.
    user.email_verified_at = user.email_verified_at or now
    audit.record(
        action="password.reset", actor=user, now=now, object_type="user", object_id=user.id
    )
    return user


def change_password(
    *, user: User, current_password: str, new_password: str, now: dt.datetime
) -> None:
    if not check_password_hash(user.password_hash, current_password):
        raise ValidationFailed({"current_password": _("That is not your current password.")})
    check_password_rules(new_password, email=user.email, field="new_password")
    _set_password(user, new_password, now)
    audit.record(
        action="password.change", actor=user, now=now, object_type="user", object_id=user.id
    )
    # one mail per change, however close together (the moment to the microsecond)
    tell(user, "password_changed", about=(user, now.isoformat()), context={"user": user}, now=now)


def update_profile(
    *, user: User, display_name: str, pronouns: str | None, locale: str, now: dt.datetime
) -> None:
    if locale not in current_app.config["LOCALES"]:
        raise ValidationFailed({"locale": _("Choose one of the languages in the list.")})
    if not display_name.strip():
        raise ValidationFailed({"display_name": _("Enter the name you want others to see.")})
    before = {"display_name": user.display_name, "pronouns": user.pronouns, "locale": user.locale}
    user.display_name = display_name.strip()
    user.pronouns = (pronouns or "").strip() or None
    user.locale = locale
    after = {"display_name": user.display_name, "pronouns": user.pronouns, "locale": user.locale}
    audit.record_changes(
        before=before,
        after=after,
        action="account.update",
        actor=user,
        now=now,
        object_type="user",
        object_id=user.id,
    )
    db.session.flush()


# Sessions ----------------------------------------------------------------------------------
# A signed-in browser holds "<account generation>:<session key>" (User.get_id) in its session
# cookie, and in the remember-me cookie when it asked for one. Both parts are checked on every
# request: deleting the UserSession row ends one browser's session (sign-out), rotating
# User.session_token ends them all (sign out everywhere, a new password). Rows older than the
# session lifetime open nothing and are purged when the account next signs in.


def _session_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _session_lifetime() -> dt.timedelta:
    return dt.timedelta(seconds=current_app.config["SESSION_LIFETIME_SECONDS"])


def start_session(*, user: User, now: dt.datetime) -> str:
    """A new server-side session for one browser; returns its key and sets user.session_key,
    so that Flask-Login's login_user stores it. A fresh key at every sign-in: no fixation."""
    db.session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id, UserSession.created_at < now - _session_lifetime()
        )
    )
    key = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, key_hash=_session_key_hash(key), created_at=now))
    db.session.flush()
    user.session_key = key
    return key


def end_session(*, user: User) -> None:
    """Sign this browser out on the server: its cookie, or any copy of it, opens nothing."""
    if user.session_key:
        db.session.execute(
            delete(UserSession).where(UserSession.key_hash == _session_key_hash(user.session_key))
        )
        user.session_key = None
    db.session.flush()


def end_all_sessions(*, user: User) -> None:
    """Every browser signed in to this account is signed out, this one included."""
    user.session_token = new_session_token()
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    user.session_key = None
    db.session.flush()


def sign_out_everywhere(*, user: User, now: dt.datetime) -> None:
    end_all_sessions(user=user)
    audit.record(
        action="logout.everywhere", actor=user, now=now, object_type="user", object_id=user.id
    )


def active_session_count(*, user: User, now: dt.datetime) -> int:
    return db.session.scalar(
        select(func.count()).where(
            UserSession.user_id == user.id, UserSession.created_at >= now - _session_lifetime()
        )
    )


def load_user_for_session(session_id: str, *, now: dt.datetime) -> User | None:
    """Flask-Login's user loader: the account whose generation and live session match."""
    token, _sep, key = session_id.partition(":")
    if not token or not key:
        return None  # a cookie from before sessions were kept on the server
    user = db.session.scalar(
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            User.session_token == token,
            UserSession.key_hash == _session_key_hash(key),
            UserSession.created_at >= now - _session_lifetime(),
        )
    )
    if user is not None:
        user.session_key = key
    return user
