"""The editor's overview of every day at once: each day's sessions in the order they start,
the sessions placed on no day of the schedule, and the sessions still to schedule.

Built from one `EditorView` (see editor_view.build), so it shows the same cards and the same
conflicts as the day grid, in the same constant number of queries. Talks inside a block are
shown with their block, not on their own. Moving a session is the editor's `move`: the
overview only lays out what is there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from organizer.models import Event, User
from organizer.services.scheduling import editor_view
from organizer.services.scheduling.editor_view import Card, EditorView, SessionUrl


@dataclass(frozen=True)
class OverviewDay:
    date: dt.date
    label: str  # "Saturday 27 March"
    hours: str  # "09:00-18:00" (with an en dash), in the event's zone
    cards: tuple[Card, ...]  # placed that day, by start


@dataclass
class Overview:
    view: EditorView
    days: list[OverviewDay]
    elsewhere: list[Card]  # placed, but on none of the schedule's days
    unscheduled: list[Card]

    @property
    def cards(self) -> list[Card]:
        """Every card the overview shows, each once (each gets a "Move to…" form)."""
        placed = [c for day in self.days for c in day.cards]
        return [*placed, *self.elsewhere, *self.unscheduled]


def _order(card: Card) -> tuple[dt.datetime, str, str, int]:
    return (
        card.starts_at or dt.datetime.min.replace(tzinfo=dt.UTC),
        card.room,
        card.title,
        card.id,
    )


def from_view(view: EditorView) -> Overview:
    """Lay out a view already built (no query)."""
    by_day: dict[dt.date, list[Card]] = {day: [] for day in view.grids}
    elsewhere: list[Card] = []
    for card in view.cards.values():
        if card.parent is not None or not card.placed:
            continue
        if card.day in by_day:
            by_day[card.day].append(card)
        else:
            elsewhere.append(card)
    days = [
        OverviewDay(
            date=day,
            label=grid.label,
            hours=f"{grid.start}\N{EN DASH}{grid.end}",
            cards=tuple(sorted(by_day[day], key=_order)),
        )
        for day, grid in view.grids.items()
    ]
    return Overview(
        view=view,
        days=days,
        elsewhere=sorted(elsewhere, key=_order),
        unscheduled=list(view.unscheduled),
    )


def build(event: Event, *, actor: User, session_url: SessionUrl) -> Overview:
    """Every day of the schedule for an organizer (PermissionDenied for anyone else)."""
    return from_view(editor_view.build(event, actor=actor, session_url=session_url))
