"""The outbox: mail is a row written in the same transaction as the change it reports,
and delivered after that transaction commits (transactional outbox)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from organizer.enums import OutboxState
from organizer.models.base import Base, PublicId, new_public_id, str_enum


class OutboxMessage(Base):
    __tablename__ = "outbox_message"
    __table_args__ = (CheckConstraint("attempts >= 0", name="attempts_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable Message-ID, so that a retry after a crash is recognisable as the same mail.
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    # Queuing the same logical mail twice (a double-clicked button) is a no-op.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("event.id", ondelete="SET NULL"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(60))  # the template name, e.g. "verify_email"
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # Small text attachments such as an .ics: [{"filename", "content_type", "content"}].
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    state: Mapped[OutboxState] = mapped_column(
        str_enum(OutboxState, "state"), default=OutboxState.QUEUED, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    next_attempt_at: Mapped[dt.datetime] = mapped_column(index=True)
    claimed_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
