"""The half-signed-in state between a correct password and the second step.

The session holds only a marker (the account id, a hash of its session token, when the password
was accepted, and "keep me signed in"). Flask-Login knows nothing of it, so `current_user`
stays anonymous and every page that needs an account refuses it."""

from __future__ import annotations

import hashlib
import hmac

from flask import session

from organizer.blueprints._common import utcnow
from organizer.models import User
from organizer.services import two_factor

PENDING_KEY = "two_factor_pending"


def _token_hash(user: User) -> str:
    # not the session token itself: the cookie is signed, not encrypted
    return hashlib.sha256(user.session_token.encode()).hexdigest()


def start(user: User, *, remember: bool) -> None:
    session.pop("_user_id", None)
    session[PENDING_KEY] = {
        "uid": user.id,
        "token": _token_hash(user),
        "at": utcnow().timestamp(),
        "remember": bool(remember),
    }


def pending() -> tuple[User | None, bool]:
    """The account waiting for its second step (None when there is none or it expired) and
    whether to keep it signed in."""
    marker = session.get(PENDING_KEY)
    if not isinstance(marker, dict):
        return None, False
    user = two_factor.pending_user(
        user_id=marker.get("uid"), started_at=marker.get("at"), now=utcnow()
    )
    if user is None or not hmac.compare_digest(str(marker.get("token")), _token_hash(user)):
        return None, False
    return user, bool(marker.get("remember"))


def clear() -> None:
    session.pop(PENDING_KEY, None)
