"""A long solve (the automatic scheduler, a grant allocation) run by the task queue: who asked
for it, its state, its progress while it runs, and what it produced. See services/solves.py."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from organizer.enums import SolveKind, SolveState
from organizer.models.base import Base, PublicId, new_public_id, str_enum

if TYPE_CHECKING:
    from organizer.models.accounts import User
    from organizer.models.events import Event
    from organizer.models.grants import GrantProgramme
    from organizer.models.schedule import ScheduleSuggestion


class Solve(Base):
    __tablename__ = "solve"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    kind: Mapped[SolveKind] = mapped_column(str_enum(SolveKind, "solve_kind"))
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    programme_id: Mapped[int | None] = mapped_column(  # a grant allocation's programme
        ForeignKey("grant_programme.id", ondelete="CASCADE")
    )
    mode: Mapped[str] = mapped_column(String(10), default="")  # the scheduler's suggest/repair
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    state: Mapped[SolveState] = mapped_column(
        str_enum(SolveState, "solve_state"), default=SolveState.QUEUED
    )
    time_limit: Mapped[int]  # seconds, passed to the solver
    # What the solver last reported while running ("3 solutions, 40 of 42 placed"), and how far
    # into its time limit it is (0-100); the final figures once it is done.
    progress: Mapped[str] = mapped_column(String(200), default="")
    percent: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    # What it produced: the scheduler's suggestion, or the allocation's draft run.
    suggestion_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedule_suggestion.id", ondelete="SET NULL")
    )
    allocation_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("allocation_run.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime]
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]

    event: Mapped[Event] = relationship()
    requested_by: Mapped[User | None] = relationship()
    suggestion: Mapped[ScheduleSuggestion | None] = relationship()
    programme: Mapped[GrantProgramme | None] = relationship()
