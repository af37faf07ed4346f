"""The public schedule page, rendered once and shown to many.

At 1,000 sessions a day of the schedule took about 70 ms to build and render, for every
visitor, although it only changes with a release. So a process keeps, for a short while
(`PUBLIC_PAGE_CACHE_SECONDS`, as long as a shared cache may keep the page anyway):

- the programme: the latest release read into a `PublicSchedule`, and its days in each zone
  asked for, per release and language;
- the HTML of the sessions (the grid and the list of one day, for one zone, filter and view).

What is the visitor's own is not in that HTML: the star buttons carry no state but the off
one, name a single form elsewhere on the page (`form="star-form"`, which holds the agenda's
token, the way back and the CSRF token), and `overlay_stars` turns the visitor's starred ones
on. Live rows the page names (a speaker's name, a room's) show within that while, as they do
through a shared cache.

Keys name what cannot repeat: the release's time and digest, not its id alone (see
`services/lru.py`), and the event's `updated_at` (bumped when an account's name leaves a
release).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Hashable
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from organizer.extensions import db
from organizer.models import Event
from organizer.services import public_schedule_pages as pages
from organizer.services.lru import LRU
from organizer.services.public_schedule import PublicSchedule, Stamp, public_schedule_of

_INDENTATION = re.compile(r"\n\s+")
PROGRAMMES = 8  # releases (and languages) kept
FRAGMENTS = 64  # day, zone, filter and view combinations kept


_programmes = LRU(PROGRAMMES)
_fragments = LRU(FRAGMENTS)


def clear_cache() -> None:
    _programmes.clear()
    _fragments.clear()


def _max_age() -> float:
    return float(current_app.config["PUBLIC_PAGE_CACHE_SECONDS"])


@dataclasses.dataclass
class Programme:
    """The latest release as the schedule page reads it, shared by the requests of a while."""

    key: tuple[Hashable, ...]
    schedule: PublicSchedule
    _days: dict[str, list[dt.date]] = dataclasses.field(default_factory=dict)

    def days(self, zone: str) -> list[dt.date]:
        """The days with sessions, as seen in `zone`."""
        if zone not in self._days:
            tz = ZoneInfo(zone)
            self._days[zone] = sorted({pages.local_day(s, tz) for s in self.schedule.sessions})
        return self._days[zone]

    def for_event(self, event: Event) -> PublicSchedule:
        """The schedule with this request's event row (the cached one may be expired)."""
        return dataclasses.replace(self.schedule, event=event)


def programme(event: Event, stamp: Stamp) -> Programme:
    """The programme of the release `stamp` names, kept for a while."""
    key = (
        event.id,
        event.slug,
        event.timezone,
        event.updated_at,
        stamp.release_id,
        stamp.identity,
        str(get_locale() or ""),
    )

    def read() -> Programme:
        schedule = public_schedule_of(event)
        if schedule is None:  # the release was there a moment ago: releases are not deleted
            raise RuntimeError("no release to show")
        # Rows kept beyond this request must not be expired by a commit later in it.
        for row in (schedule.release, *schedule.rooms, *schedule.tracks, *schedule.session_types):
            if row in db.session:
                db.session.expunge(row)
        return Programme(key=key, schedule=schedule)

    found: Programme = _programmes.get(key, read, max_age=_max_age())
    return found


def sessions_html(
    programme: Programme,
    *,
    zone: str,
    filters: pages.Filters,
    day: dt.date | None,
    view: str,
    script_root: str,
    render: Callable[[], str],
) -> str:
    """The HTML of the day's sessions (`render` makes it; its links start with `script_root`),
    every star off, without the templates' indentation (no <pre> or <textarea> in it)."""
    key = (programme.key, script_root, zone, filters, day, view)
    found: str = _fragments.get(key, lambda: _INDENTATION.sub("\n", render()), max_age=_max_age())
    return found


def star_state(code: str, *, on: bool = False) -> Markup:
    """The part of a session's star button (`form="star-form"`) that says whether it is
    starred: its name (the action), value, pressed state and label (the star itself is drawn
    by CSS from aria-pressed). The same markup in both states, so that `overlay_stars` can swap
    one for the other."""
    if on:
        action, pressed, label = "unstar", "true", _("Starred")
    else:
        action, pressed, label = "star", "false", _("Star")
    return Markup(
        'aria-pressed="{pressed}" data-code="{code}" name="{action}" value="{code}">'
        '<span class="star-button__text">{label}</span>'
    ).format(pressed=pressed, code=code, action=action, label=label)


def overlay_stars(html: str, starred: set[str]) -> Markup:
    """The sessions' HTML with the visitor's starred sessions' buttons turned on."""
    for code in sorted(starred):
        html = html.replace(star_state(code), star_state(code, on=True))
    return Markup(html)  # noqa: S704 - rendered by Jinja with autoescape, stars by star_state
