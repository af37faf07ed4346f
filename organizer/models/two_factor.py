"""Two-factor sign-in: a person's authenticator secret and their one-time recovery codes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from organizer.models.base import Base


class TwoFactor(Base):
    """One row per person who started enrolment. `enabled_at` is empty until they confirmed a
    code from their app; only then does sign-in ask for one."""

    __tablename__ = "two_factor"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    # The TOTP secret, encrypted with a key derived from SECRET_KEY (services/two_factor.py).
    secret_encrypted: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime]
    enabled_at: Mapped[dt.datetime | None]
    # The 30-second time step of the last code accepted: a code is good once, never again.
    last_used_step: Mapped[int | None] = mapped_column(BigInteger)


class RecoveryCode(Base):
    """A one-time code for when the authenticator is lost. Only a hash is stored."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


class TwoFactorFailure(Base):
    """A wrong code at the second sign-in step (or when changing two-factor settings), kept for
    the throttle window like LoginFailure."""

    __tablename__ = "two_factor_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    client_key: Mapped[str] = mapped_column(String(64), index=True)  # sha256(client address)
    occurred_at: Mapped[dt.datetime] = mapped_column(index=True)
