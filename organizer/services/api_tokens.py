"""A person's tokens for the read API: making one (the secret is shown once), listing,
revoking, and finding the person behind an `Authorization: Bearer` header.

Only the SHA-256 digest of a secret is stored; `authenticate_api_header` hashes what it is
given, looks the digest up and compares it again in constant time. A token works while it is
neither revoked nor expired and its owner's account is not deleted. Its last use is written at
most once a minute, so that reading the API does not mean a write per request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from organizer import permissions
from organizer.errors import NotFound, ValidationFailed
from organizer.extensions import db
from organizer.models import ApiToken, Event, User
from organizer.services import audit
from organizer.services.events import events_for_team_member

SECRET_PREFIX = "org_"  # noqa: S105 (a marker, not a secret)
DISPLAY_CHARS = 8  # "org_" and the secret's first four characters: enough to tell tokens apart
NAME_MAX = 100
LAST_USED_EVERY = dt.timedelta(minutes=1)
EXPIRES_MAX = dt.timedelta(days=366)


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown to its owner once, never stored


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def scope_choices(user: User) -> list[Event]:
    """The events a token of `user` may be limited to: those where the person has a role."""
    return list(db.session.scalars(events_for_team_member(user)))


def create_api_token(
    *,
    actor: User,
    name: str,
    event: Event | None,
    expires_at: dt.datetime | None,
    now: dt.datetime,
    read_only: bool = True,
) -> NewToken:
    name = name.strip()
    if not name:
        raise ValidationFailed({"name": _("Give the token a name, so that you recognise it.")})
    if len(name) > NAME_MAX:
        raise ValidationFailed({"name": _("Keep the name under %(n)d characters.", n=NAME_MAX)})
    if event is not None and not permissions.is_team_member(actor, event):
        raise ValidationFailed({"event": _("Choose an event where you have a role.")})
    if expires_at is not None and not now < expires_at <= now + EXPIRES_MAX:
        raise ValidationFailed(
            {"expires_on": _("Choose an expiry date in the future, within a year.")}
        )
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=actor.id,
        name=name,
        token_hash=digest(secret),
        prefix=secret[:DISPLAY_CHARS],
        event_id=event.id if event is not None else None,
        read_only=read_only,
        created_at=now,
        expires_at=expires_at,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        action="api_token.create",
        actor=actor,
        now=now,
        object_type="api_token",
        object_id=token.id,
        event=event,
        details={"name": name, "prefix": token.prefix, "read_only": read_only},
    )
    return NewToken(token=token, secret=secret)


def tokens_of(user: User) -> list[ApiToken]:
    """The person's tokens, newest first, revoked ones included (the list says so)."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .options(joinedload(ApiToken.event))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_api_token(*, actor: User, token_id: int, now: dt.datetime) -> ApiToken:
    """Only the token's owner revokes it; anyone else learns nothing (NotFound)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != actor.id:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = now
        db.session.flush()
        audit.record(
            action="api_token.revoke",
            actor=actor,
            now=now,
            object_type="api_token",
            object_id=token.id,
            event=token.event,
            details={"name": token.name, "prefix": token.prefix},
        )
    return token


def authenticate_api_header(
    header: str | None, *, now: dt.datetime
) -> tuple[User, ApiToken] | None:
    """(owner, token) for a usable `Bearer <secret>` header, else None (the API answers 401)."""
    if not header:
        return None
    scheme, _space, secret = header.strip().partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    wanted = digest(secret)
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == wanted).options(joinedload(ApiToken.user))
    )
    if token is None or not hmac.compare_digest(token.token_hash, wanted):
        return None
    if not token.is_usable(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        token.last_used_at = now
        db.session.flush()
    return token.user, token
