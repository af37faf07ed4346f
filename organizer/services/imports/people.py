"""People an import names who may not have an account here yet.

An imported speaker or applicant becomes an *unclaimed* account: it holds their name and
address, but no password works for it (`UNCLAIMED_PASSWORD` is not a werkzeug hash) and the
address is unverified. They claim it from a mailed link by choosing a password, which also
proves the address is theirs. Someone named without an address gets a placeholder address on
the reserved `.invalid` domain (RFC 2606), which the outbox never sends to."""

from __future__ import annotations

import datetime as dt
import hmac
import uuid
from collections.abc import Iterable, MutableMapping

from flask_babel import gettext as _
from sqlalchemy import select

from organizer.errors import ValidationFailed
from organizer.extensions import db
from organizer.models import Event, User
from organizer.services import accounts, audit, notifications, tokens
from organizer.services.mail import external_url, is_deliverable

UNCLAIMED_PASSWORD = "!unclaimed"  # noqa: S105 (matches no password: not a werkzeug hash)
PLACEHOLDER_DOMAIN = "unclaimed.invalid"
CLAIM_TOKEN_MAX_AGE = 60 * 60 * 24 * 30  # a month: imports happen well before an event


def is_unclaimed(user: User) -> bool:
    return user.password_hash == UNCLAIMED_PASSWORD and user.deleted_at is None


def accounts_by_email(emails: Iterable[str | None]) -> dict[str, User]:
    """The accounts these addresses already have, by normalised address: one query per 500
    addresses, for an import that names many people (instead of one query per person)."""
    wanted = sorted({accounts.normalise_email(e) for e in emails if e and e.strip()})
    found: dict[str, User] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found.update(
            (user.email, user)
            for user in db.session.scalars(select(User).where(User.email.in_(chunk)))
        )
    return found


def person_for_import(
    *,
    display_name: str,
    email: str | None,
    now: dt.datetime,
    known: MutableMapping[str, User] | None = None,
) -> User:
    """The account with this address, or a new unclaimed one. Never sends mail. `known`
    (from `accounts_by_email`, for every address of the import) saves a query per person;
    accounts made here are added to it, so the same address later in the import finds them."""
    address = accounts.normalise_email(email or "")
    if address:
        existing = known.get(address) if known is not None else accounts.user_by_email(address)
        if existing is not None:
            return existing
    else:
        address = f"{uuid.uuid4()}@{PLACEHOLDER_DOMAIN}"
    name = " ".join(display_name.split())[:100] or address.split("@")[0][:100]
    person = accounts.create_user(
        email=address, display_name=name, now=now, password_hash=UNCLAIMED_PASSWORD
    )
    if known is not None:
        known[address] = person
    return person


def _claim_fingerprint(user: User) -> str:
    """Changes once the account is claimed (its password hash changes), so a link works once."""
    return hmac.new(user.password_hash.encode(), b"claim", "sha256").hexdigest()[:16]


def invite_to_claim(*, user: User, event: Event, now: dt.datetime) -> bool:
    """Mail the person a link to claim their account, once per person and event. False, and
    no mail, when the address is a placeholder or the account is already claimed."""
    if not is_unclaimed(user) or not is_deliverable(user.email):
        return False
    token = tokens.sign("claim", {"uid": user.id, "fp": _claim_fingerprint(user)})
    notifications.tell(
        user,
        "claim_account",
        about=(user, event),
        event=event,
        context={
            "user": user,
            "claim_url": external_url("auth.claim_account", token=token),
            "valid_days": CLAIM_TOKEN_MAX_AGE // 86400,
        },
        now=now,
    )
    return True


def user_for_claim_token(token: str) -> User:
    data = tokens.unsign(
        "claim",
        token,
        max_age=CLAIM_TOKEN_MAX_AGE,
        expired_message=_(
            "This link has expired. Use “Forgot your password?” with the same address to get "
            "a new one."
        ),
    )
    user = db.session.get(User, data.get("uid"))
    if (
        user is None
        or not is_unclaimed(user)
        or not hmac.compare_digest(str(data.get("fp")), _claim_fingerprint(user))
    ):
        raise ValidationFailed(
            _("This account has already been claimed. Sign in, or reset your password.")
        )
    return user


def claim_account(*, token: str, new_password: str, now: dt.datetime) -> User:
    """The person chooses a password; whoever could read the mail owns the address."""
    user = user_for_claim_token(token)
    accounts.check_password_rules(new_password, email=user.email)
    user.password_hash = accounts.hash_password(new_password)
    user.password_changed_at = now
    user.email_verified_at = user.email_verified_at or now
    audit.record(action="account.claim", actor=user, now=now, object_type="user", object_id=user.id)
    return user  # the caller signs the person in
