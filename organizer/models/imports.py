"""Imports an organizer has started: the file (uploaded, or fetched by the worker from an
address), the preview computed from it, and what became of it. The file is dropped once it
has been imported or refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from organizer.models.base import Base, PublicId, new_public_id
from organizer.models.events import Event


class ScheduleImport(Base):
    __tablename__ = "schedule_import"
    __table_args__ = (
        CheckConstraint("state in ('fetching', 'ready', 'failed', 'applied')", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(String(2000), default="")
    filename: Mapped[str] = mapped_column(String(200), default="")
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    preview: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    applied_at: Mapped[dt.datetime | None]

    event: Mapped[Event] = relationship()
