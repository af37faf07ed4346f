"""A spreadsheet of proposals or grant applications on its way in (services/imports/
spreadsheet.py): the file as uploaded, which column feeds which field, and whether it has
been imported. It lives between the upload, the column mapping and the confirmation, and then
while the worker writes the rows: `state` is "open" (being mapped and checked), "queued" (the
organizer confirmed; the worker has yet to write it), "done" or "failed" (with `error`, fit for a
person; the organizer may confirm again). "importing" is only ever seen inside the transaction
that writes the rows: it is the conditional claim that keeps a file from being imported twice."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, CheckConstraint, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from organizer.models.accounts import User
from organizer.models.base import Base, PublicId, new_public_id
from organizer.models.events import Event


class SpreadsheetImport(Base):
    __tablename__ = "spreadsheet_import"
    __table_args__ = (
        CheckConstraint("kind in ('proposals', 'grant_applications')", name="kind"),
        CheckConstraint("state in ('open', 'queued', 'importing', 'done', 'failed')", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    # Field key -> column index (0-based), as suggested and then adjusted by the organizer.
    mapping: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    mapping_confirmed: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime]
    state: Mapped[str] = mapped_column(String(20), default="open")
    # What the organizer chose when confirming, for the worker: skip the rows with problems or
    # not, and how many good rows they were shown (a different count refuses the import).
    skip_listed: Mapped[bool] = mapped_column(default=False)
    expected_count: Mapped[int | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    queued_at: Mapped[dt.datetime | None]
    error: Mapped[str | None] = mapped_column(String(1000))
    imported_at: Mapped[dt.datetime | None]
    imported_count: Mapped[int] = mapped_column(default=0)
    skipped_count: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])
