"""The organizers' print settings of an event: the paper, which sections the booklet holds (in
print order) and how many notes pages it ends with. Saving is checked and audited; the booklet
and the signs are cached per setting, so a change makes new files on the next download."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from organizer import permissions
from organizer.errors import PermissionDenied, ValidationFailed
from organizer.extensions import db
from organizer.models import Event, PrintSettings, User
from organizer.services import audit
from organizer.services.print import booklet

PAPERS = ("a4", "letter")
NOTES_PAGES = (0, 10)


@dataclass(frozen=True)
class PrintInput:
    paper: str
    sections: tuple[str, ...]
    notes_pages: int | None


def sections() -> dict[str, str]:
    """Section key -> label, in the booklet's default order (from the booklet's renderer)."""
    return {key: str(label) for key, label in booklet.SECTIONS.items()}


def default_sections() -> tuple[str, ...]:
    return tuple(booklet.DEFAULT_SECTIONS)


def row_of(event: Event) -> PrintSettings | None:
    return db.session.scalar(select(PrintSettings).where(PrintSettings.event_id == event.id))


def current(event: Event) -> PrintInput:
    """The saved settings, or the defaults when none are saved yet."""
    row = row_of(event)
    if row is None:
        return PrintInput(paper="a4", sections=default_sections(), notes_pages=1)
    known = sections()
    return PrintInput(
        paper=row.paper if row.paper in PAPERS else "a4",
        sections=tuple(key for key in row.sections or () if key in known),
        notes_pages=row.notes_pages,
    )


def save(*, actor: User, event: Event, data: PrintInput, now: dt.datetime) -> PrintSettings:
    """Check and save the settings; the chosen sections keep the booklet's order."""
    if not permissions.can_manage_schedule(actor, event):
        raise PermissionDenied(_("Only the event's organizers can change the printed programme."))
    known = sections()
    errors: dict[str, str] = {}
    if data.paper not in PAPERS:
        errors["paper"] = _("Choose A4 or US Letter.")
    chosen = [key for key in known if key in data.sections]
    if any(key not in known for key in data.sections):
        errors["sections"] = _("Choose sections from the list.")
    elif not chosen:
        errors["sections"] = _("Choose at least one section.")
    low, high = NOTES_PAGES
    if data.notes_pages is None or not low <= data.notes_pages <= high:
        errors["notes_pages"] = _(
            "Enter a number of notes pages from %(low)d to %(high)d.", low=low, high=high
        )
    if errors:
        raise ValidationFailed(errors)
    assert data.notes_pages is not None
    row = row_of(event)
    if row is None:
        row = PrintSettings(
            event_id=event.id, paper="a4", sections=list(default_sections()), notes_pages=1
        )
        row.updated_at = now
        db.session.add(row)
    before = {
        "paper": row.paper,
        "sections": list(row.sections or []),
        "notes_pages": row.notes_pages,
    }
    after = {"paper": data.paper, "sections": chosen, "notes_pages": data.notes_pages}
    row.paper = data.paper
    row.sections = chosen
    row.notes_pages = data.notes_pages
    row.updated_at = now
    db.session.flush()
    audit.record_changes(
        before=before,
        after=after,
        action="print_settings.saved",
        actor=actor,
        now=now,
        object_type="print_settings",
        object_id=row.id,
        event=event,
    )
    return row
