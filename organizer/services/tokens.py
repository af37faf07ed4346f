"""Signed, expiring tokens for links in mail (itsdangerous). Each purpose has its own salt so
that a token for one purpose never works for another."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from organizer.errors import ValidationFailed


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"organizer.{purpose}")


def sign(purpose: str, payload: Any) -> str:
    return _serializer(purpose).dumps(payload)


def unsign(purpose: str, token: str, *, max_age: int, expired_message: str) -> Any:
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise ValidationFailed(expired_message) from error
    except BadSignature as error:
        raise ValidationFailed(
            _("This link is not valid. Check that you copied all of it.")
        ) from error
