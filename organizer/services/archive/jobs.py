"""Archive export and import as worker jobs: the request asks, the worker makes the zip (or the
new event), the page shows where it stands.

The export of an event lives in the print cache as `<event id>-archive.zip` (one per event, the
latest replaces the one before; it holds people's data, so it is only ever sent to the event's
organizers). An upload to import waits there as `import-<token>.zip` until the worker reads it;
`import-<token>.json` then says how it went (the new event's slug, or why it was refused) to the
person who uploaded it, and nobody else.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from organizer import permissions, queue
from organizer.errors import NotFound, PermissionDenied
from organizer.extensions import db
from organizer.models import Event, User
from organizer.services.archive import package
from organizer.services.files import write_atomically
from organizer.services.print.booklet import cache_dir

JOB_EXPIRES = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class ExportState:
    path: Path | None  # the latest archive, once made
    made_at: dt.datetime | None
    size: int
    working: bool  # the worker is making a new one


def _export_path(event: Event) -> Path:
    return cache_dir() / f"{event.id}-archive.zip"


def _export_marker(event: Event) -> str:
    return f"archive:export:{event.id}"


def export_state(*, event: Event, actor: Any) -> ExportState:
    permissions.require(permissions.can_export_event(actor, event))
    path = _export_path(event)
    working = queue.huey.get(_export_marker(event), peek=True) is not None
    if not path.is_file():
        return ExportState(None, None, 0, working)
    stat = path.stat()
    made = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC)
    return ExportState(path, made, stat.st_size, working)


def claim_archive_export(*, event: Event, actor: Any) -> str | None:
    """Mark that a new archive of the event is wanted; the marker the request then hands to
    `tasks.export_event_archive` (which gives it back), or None when one is being made."""
    permissions.require(permissions.can_export_event(actor, event))
    marker = _export_marker(event)
    return marker if queue.take(marker, expires=JOB_EXPIRES) else None


def write_archive_export(event_id: int, *, now: dt.datetime) -> Path | None:
    """The worker's part: the archive of the event as it is now, into the print cache."""
    event = db.session.get(Event, event_id)
    if event is None:
        return None
    path = _export_path(event)
    write_atomically(path, package.archive_of(event, now=now))
    return path


# --- import ------------------------------------------------------------------------------


def _import_paths(token: str) -> tuple[Path, Path]:
    if not token.replace("-", "").replace("_", "").isalnum() or len(token) > 64:
        raise NotFound()
    return cache_dir() / f"import-{token}.zip", cache_dir() / f"import-{token}.json"


def keep_archive_for_import(*, data: bytes, actor: User) -> str:
    """Keep the uploaded archive for the worker; returns the job's token. The request then
    commits and hands the token to `tasks.import_event_archive`."""
    if not permissions.can_import_event(actor):
        raise PermissionDenied(_("Only site administrators can import an event."))
    if len(data) > package.MAX_ARCHIVE_BYTES:
        raise package.ArchiveRefused(_("The archive is larger than this instance accepts."))
    token = secrets.token_urlsafe(18)
    archive, status = _import_paths(token)
    write_atomically(archive, data)
    write_atomically(status, json.dumps({"actor": actor.id, "state": "waiting"}).encode())
    return token


def run_archive_import(token: str, slug: str, actor_id: int, *, now: dt.datetime) -> str:
    """The worker's part: import the kept archive, then say how it went; returns the state."""
    archive, status = _import_paths(token)
    actor = db.session.get(User, actor_id)
    result: dict[str, Any] = {"actor": actor_id}
    try:
        if actor is None or not archive.is_file():
            raise package.ArchiveRefused(_("The uploaded archive is no longer there."))
        event = package.import_event(
            archive=archive.read_bytes(), slug=slug or None, actor=actor, now=now
        )
        db.session.commit()
        result.update(state="done", slug=event.slug, name=event.name)
    except (package.ArchiveRefused, PermissionDenied) as error:
        db.session.rollback()
        result.update(state="refused", message=error.message)
    except Exception:
        # Say so on the page rather than leave it waiting for ever; the queue keeps the error.
        db.session.rollback()
        result.update(
            state="refused",
            message=_("The import failed unexpectedly; the site's log has the details."),
        )
        write_atomically(status, json.dumps(result).encode())
        raise
    finally:
        archive.unlink(missing_ok=True)
    write_atomically(status, json.dumps(result).encode())
    return str(result["state"])


def import_state(*, token: str, actor: Any) -> dict[str, Any]:
    """How the import of `token` went, for the person who asked (else NotFound)."""
    _, status = _import_paths(token)
    if not status.is_file():
        raise NotFound()
    state = json.loads(status.read_text(encoding="utf-8"))
    if getattr(actor, "id", None) != state.get("actor"):
        raise NotFound()
    return state
