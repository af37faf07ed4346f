"""Printed matter is rendered by the queue worker, never in a web request (the booklet of a
1,000-session event takes about 30 s), and so are the organizers' representation report and
the badges. A request that finds no file asks for one here and shows a "being prepared" page;
each file is asked for once however many people wait for it. A release asks for its files as
soon as it is made (ready_after_release).
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import get_locale

from organizer import queue, tasks
from organizer.models import Event
from organizer.services.print import booklet as booklets

# Longer than the largest booklet takes (30 s at 1,000 sessions): a worker that died while
# rendering leaves its marker, and the file is asked for again after this.
RENDERING_EXPIRES = dt.timedelta(minutes=10)


def _locale() -> str:
    return str(get_locale() or current_app.config["DEFAULT_LOCALE"])


def prepare_booklet(event: Event, *, edition: str = "standard") -> None:
    """Have the worker render this edition of the booklet in the current language (once)."""
    _ask("booklet", event, edition)


def prepare_signs(event: Event) -> None:
    _ask("signs", event, "")


def _ask(kind: str, event: Event, edition: str) -> None:
    locale = _locale()
    marker = f"rendering:{kind}:{event.id}:{edition}:{locale}"
    if queue.take(marker, expires=RENDERING_EXPIRES):
        tasks.render_print(kind, event.id, edition, locale, marker)


def prepare_representation_report(event: Event, *, pooled: list[Event], key: str) -> None:
    """Have the worker render the representation report named `key` (report_files.py), pooled
    with `pooled` (the editions the request has checked its viewer may see), in the current
    language (once, however many requests ask meanwhile)."""
    locale = _locale()
    marker = f"rendering:representation:{event.id}:{key}"
    if queue.take(marker, expires=RENDERING_EXPIRES):
        tasks.render_representation_report(event.id, [e.id for e in pooled], locale, marker)


def prepare_badges(event: Event, *, layout: str, selection: str, base_url: str, key: str) -> None:
    """Have the worker render the badges named `key` (print/badges.py) in the current
    language (once, however many requests ask meanwhile)."""
    marker = f"rendering:badges:{event.id}:{key}"
    if queue.take(marker, expires=RENDERING_EXPIRES):
        tasks.render_badges(event.id, layout, selection, base_url, _locale(), marker)


def ready_after_release(event: Event) -> None:
    """A release's printed matter, asked for as it is made: both editions of the booklet and
    the room signs, in the language of whoever made the release."""
    if not current_app.config["PRINT_ON_RELEASE"]:
        return
    for edition in booklets.EDITIONS:
        prepare_booklet(event, edition=edition)
    prepare_signs(event)
