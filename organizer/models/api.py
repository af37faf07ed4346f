"""Tokens for the read API (/api/v1/): a person's own, stored hashed.

The secret (`org_` + 43 URL-safe characters) is shown once when the token is made; only its
SHA-256 digest and a short, non-secret prefix (to tell tokens apart on the account page) are
kept. A token may be limited to one event; `read_only` is stored for when the API writes
(today it only reads, and a read-only token is refused any request but GET).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from organizer.models.accounts import User
from organizer.models.base import Base
from organizer.models.events import Event


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # hex SHA-256 of the secret
    prefix: Mapped[str] = mapped_column(String(16))  # e.g. "org_AbC1", for display only
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), index=True
    )
    read_only: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime]
    last_used_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()
    event: Mapped[Event | None] = relationship()

    def is_usable(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}… of user {self.user_id}>"
