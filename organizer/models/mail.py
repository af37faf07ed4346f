"""The outbox: mail is a row written in the same transaction as the change it reports,
and delivered after that transaction commits (transactional outbox)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from organizer.enums import OutboxState
from organizer.models.accounts import User
from organizer.models.base import Base, PublicId, new_public_id, str_enum
from organizer.models.cfp import Track
from organizer.models.events import Event


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


class MailBatch(Base):
    """A mail organizers write to a group of people (services/bulk_mail.py): a draft while they
    preview it, then sent once (`sent_at`), one outbox message per person."""

    __tablename__ = "mail_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    group: Mapped[str] = mapped_column(String(40))  # a key of bulk_mail.GROUPS
    track_id: Mapped[int | None] = mapped_column(ForeignKey("track.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]
    recipient_count: Mapped[int] = mapped_column(default=0)  # set when sent
    skipped_count: Mapped[int] = mapped_column(default=0)  # unverified or deleted accounts

    event: Mapped[Event] = relationship()
    sender: Mapped[User | None] = relationship()
    track: Mapped[Track | None] = relationship()


class MailBatchRecipient(Base):
    """Who a sent batch went to, and the outbox message that carries it (its delivery state)."""

    __tablename__ = "mail_batch_recipient"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("mail_batch.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="SET NULL"), index=True
    )

    user: Mapped[User | None] = relationship()
    message: Mapped[OutboxMessage | None] = relationship()
