"""People: one account per person across all events."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from organizer.models.base import Base

if TYPE_CHECKING:
    from organizer.models.events import EventRole


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(Base):
    __tablename__ = "user"
    __table_args__ = (
        # Emails are stored lower-cased, so the unique constraint is case-insensitive everywhere.
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint("length(display_name) > 0", name="display_name_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(100))
    pronouns: Mapped[str | None] = mapped_column(String(40))
    locale: Mapped[str] = mapped_column(String(10), default="en")
    email_verified_at: Mapped[dt.datetime | None]
    is_site_admin: Mapped[bool] = mapped_column(default=False)
    # The account's session generation: rotating it signs the person out everywhere.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    created_at: Mapped[dt.datetime]
    password_changed_at: Mapped[dt.datetime]
    # Set when the person deleted their account: the row stays as a pseudonymous stand-in
    # (services/account_deletion.py) so that reviews, counts and accounting keep working.
    deleted_at: Mapped[dt.datetime | None]

    event_roles: Mapped[list[EventRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # Flask-Login protocol
    is_anonymous = False
    is_authenticated = True

    @property
    def is_active(self) -> bool:
        """A deleted account's stand-in can never sign in (login_user refuses it)."""
        return self.deleted_at is None

    # The browser session this object was loaded for or signed in with (see UserSession);
    # not a column. Set by services.accounts.start_session and load_user_for_session.
    session_key = None  # str | None; unannotated, so that the ORM does not map it

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember-me cookie: the account's
        generation and this browser's session key, both checked on every request."""
        if not self.session_key:
            raise RuntimeError("Sign in through services.accounts.start_session first.")
        return f"{self.session_token}:{self.session_key}"

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class LoginFailure(Base):
    """One failed login, kept for the throttle window. The key is a hash, never the address."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_key: Mapped[str] = mapped_column(String(64), index=True)  # sha256(email + client)
    client_key: Mapped[str] = mapped_column(String(64), index=True)  # sha256(client address)
    occurred_at: Mapped[dt.datetime] = mapped_column(index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))


class UserSession(Base):
    """One signed-in browser. Signing out deletes its row, so that a copy of the cookie opens
    nothing afterwards; the cookie holds the key, the table only its hash."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the key
    created_at: Mapped[dt.datetime]
