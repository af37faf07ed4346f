"""The representation report's PDF, rendered by the queue worker into the print cache, never in
a web request (WeasyPrint takes seconds, and more with many questions and pooled editions).

A request builds the report's HTML (cheap: aggregates and a template) and names the PDF after
a digest of it, with the language: the same numbers, texts and editions give the same name,
and any change to the answers, the targets, the settings or the pooled editions gives a new
one. When that file is not there yet the request asks the worker for it
(print/preparation.py) and says it is being prepared; the worker builds the HTML again from
the same inputs, renders it (print/representation_report.py, the PDF as it was made in the
request before) and files it under the digest of what it rendered. Had the data changed in
between, that is the newer report's name, and the next request asks again.

The files live in the print cache (PRINT_CACHE_DIR), never under static/: they are served
only by the organizers' view, after its permission check and this module's. A pointer per
event, selection of pooled editions and language names the last report rendered, which a
request may offer (clearly as an older version) while the next one is being made.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import get_locale

from organizer import permissions
from organizer.models import Event
from organizer.services.files import write_atomically
from organizer.services.print import pdf, representation_report
from organizer.services.print.booklet import cache_dir
from organizer.services.representation import presenting

FORMAT_VERSION = 1  # bump when the PDF of the same HTML changes (stylesheet, WeasyPrint options)


def _locale() -> str:
    return str(get_locale() or current_app.config["DEFAULT_LOCALE"])


def require_viewer(actor: Any, event: Event, pooled: list[Event]) -> None:
    """Only who may see the representation of the event and of every pooled edition."""
    permissions.require(
        permissions.can_view_representation(actor, event)
        and all(permissions.can_view_representation(actor, other) for other in pooled)
    )


def html_of(event: Event, pooled: list[Event]) -> str:
    """The report as the PDF prints it, in the current language."""
    context = presenting.report_context(event, pooled=pooled)
    return representation_report.render_html(standalone=True, **context)


def key_of(html: str) -> str:
    """Everything the PDF shows is in its HTML: its digest, with the language, names it."""
    raw = json.dumps([FORMAT_VERSION, _locale(), html]).encode()
    return hashlib.sha256(raw).hexdigest()[:32]


def _path(event: Event, key: str) -> Path:
    return cache_dir() / f"{event.id}-representation-{key}.pdf"


def _pointer(event: Event, pooled: list[Event]) -> Path:
    """Names the last report rendered of this event, pooled with these editions (or alone),
    in this language."""
    selection = "-".join(str(other.id) for other in pooled) or "alone"
    digest = hashlib.sha256(selection.encode()).hexdigest()[:16]
    return cache_dir() / f"{event.id}-representation-{digest}-{_locale()}.latest"


@dataclass(frozen=True)
class Wanted:
    """The report a request wants: its name, and its file once the worker has made it."""

    key: str
    path: Path | None


def wanted(*, actor: Any, event: Event, pooled: list[Event]) -> Wanted:
    """The current report's name and, if it has been rendered, its file (never rendering it:
    a web request hands that to the worker)."""
    require_viewer(actor, event, pooled)
    key = key_of(html_of(event, pooled))
    path = _path(event, key)
    return Wanted(key, path if path.is_file() else None)


def ready(event: Event, key: str) -> Path | None:
    path = _path(event, key)
    return path if path.is_file() else None


def previous(*, actor: Any, event: Event, pooled: list[Event]) -> Path | None:
    """The last report rendered of the same selection in this language, if its file is still
    there: older numbers, offered while the current report is being made."""
    require_viewer(actor, event, pooled)
    pointer = _pointer(event, pooled)
    if not pointer.is_file():
        return None
    path = _path(event, pointer.read_text().strip())
    return path if path.is_file() else None


def render(event: Event, pooled: list[Event]) -> str:
    """The worker's part: build the report, render its PDF into the print cache unless it is
    there, point the selection's pointer at it; returns its key."""
    html = html_of(event, pooled)
    key = key_of(html)
    path = _path(event, key)
    if not path.is_file():
        write_atomically(path, pdf.render(html))
    write_atomically(_pointer(event, pooled), key.encode())
    return key
