"""Backup and restore of an install on SQLite: one .tar.gz with the database and the uploads.

The archive holds, in this order:

- `manifest.json`: the format and its version, the app's version, when it was made (UTC), the
  Alembic revision of the database, the database file's size and SHA-256, the number of files;
- `database.sqlite3`: a consistent copy made with SQLite's online backup API, so the app may
  keep running (and writing) while it is taken;
- `uploads/<name>`: every file of UPLOAD_DIR. The print cache and the outbox are left out: the
  one is made again on demand, the other is only the development mail backend's output.

A restore reads and checks the whole archive before it changes anything: the manifest, a
revision this code knows, the database's checksum and integrity, and every entry's name (only
the three kinds above, no absolute path, no `..`, no links or devices: files are written to
paths built here, never where the archive says). It then copies the database in with the same
backup API and swaps the uploads folder for the archive's in one rename.

PostgreSQL is refused both ways: pg_dump and pg_restore do that job (docs/operator.md).
The secret key is left out on purpose: it encrypts the two-factor secrets in the database, so
a backup alone does not give them away.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import importlib.metadata
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path, PurePosixPath
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from organizer.errors import DomainError
from organizer.extensions import db

FORMAT = "organizer-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE = "database.sqlite3"
UPLOADS = "uploads"
CHUNK = 1024 * 1024


class BackupRefused(DomainError):
    """The backup or restore cannot be done as asked; the message says why and what to do."""


@dataclasses.dataclass(frozen=True)
class Summary:
    revision: str
    files: int
    database_bytes: int
    created_utc: str = ""
    upgrade_needed: bool = False  # restored a database older than the code: run db upgrade


# --- the database ----------------------------------------------------------------------------


def database_file() -> Path:
    """The SQLite file of this install; any other database is refused with what to use."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise BackupRefused(
            _(
                "The database is %(kind)s, not SQLite: back it up with pg_dump -Fc and restore "
                "it with pg_restore, and copy the storage folder's uploads/ (%(uploads)s) at the "
                "same time (see docs/operator.md, Backups).",
                kind=url.get_backend_name(),
                uploads=upload_dir(),
            )
        )
    if not url.database or url.database == ":memory:":
        raise BackupRefused(_("The database lives in memory only: there is nothing to back up."))
    return Path(url.database).resolve()


def upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def _copy_database(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy even while other connections write.
    (`closing`: a sqlite3 connection's own context manager commits but does not close.)"""
    with (
        closing(sqlite3.connect(source)) as src,
        closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)


def _revision_of(path: Path) -> str | None:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
        try:
            row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError:
            return None
    return row[0] if row else None


def _has_data(path: Path) -> bool:
    """Whether any table but Alembic's holds a row (a freshly migrated database is empty)."""
    if not path.exists():
        return False
    try:
        return _any_row(path)
    except sqlite3.DatabaseError:
        return True  # not a database we can read: replace it only when told to


def _any_row(path: Path) -> bool:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
        tables = [
            name
            for (name,) in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version'"
            )
        ]
        return any(
            con.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone()  # noqa: S608
            for name in tables
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _known_revisions() -> tuple[set[str], str]:
    """Every revision of this code's migrations, and the head."""
    from alembic.script import ScriptDirectory  # with Flask-Migrate: not in web processes

    config = current_app.extensions["migrate"].migrate.get_config()
    script = ScriptDirectory.from_config(config)
    return {rev.revision for rev in script.walk_revisions()}, script.get_current_head() or ""


def app_version() -> str:
    try:
        return importlib.metadata.version("organizer")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


# --- backup ----------------------------------------------------------------------------------


def _upload_files(folder: Path) -> Iterator[tuple[Path, str]]:
    """(path, name in the archive) of every regular file under `folder`, in a stable order;
    symbolic links and the hidden temporary files of writes in progress are left out."""
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_symlink() or not path.is_file() or relative.name.startswith(".tmp-"):
            continue
        yield path, f"{UPLOADS}/{relative.as_posix()}"


def create(*, output: Path, now: dt.datetime) -> Summary:
    """Write the archive to `output` (mode 600: it holds everyone's personal data). The file
    appears whole or not at all: it is written beside its place and renamed."""
    source = database_file()
    if not source.exists():
        raise BackupRefused(_("There is no database at %(path)s yet.", path=source))
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="organizer-backup-") as scratch:
        copy = Path(scratch) / DATABASE
        _copy_database(source, copy)
        revision = _revision_of(copy)
        if revision is None:
            raise BackupRefused(
                _("The database has no Alembic revision: run flask --app wsgi db upgrade first.")
            )
        files = list(_upload_files(upload_dir()))
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "app_version": app_version(),
            "created_utc": now.astimezone(dt.UTC).isoformat(timespec="seconds"),
            "alembic_revision": revision,
            "database": {"size": copy.stat().st_size, "sha256": _sha256(copy)},
            "files": len(files),
        }
        handle, temporary = tempfile.mkstemp(dir=output.parent, prefix=".tmp-", suffix=".tar.gz")
        try:
            with os.fdopen(handle, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                data = json.dumps(manifest, indent=2).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(data), int(now.timestamp()), 0o600
                tar.addfile(info, io.BytesIO(data))
                tar.add(copy, arcname=DATABASE, recursive=False)
                for path, name in files:
                    tar.add(path, arcname=name, recursive=False)
            os.chmod(temporary, 0o600)
            os.replace(temporary, output)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return Summary(
        revision=revision,
        files=len(files),
        database_bytes=manifest["database"]["size"],
        created_utc=manifest["created_utc"],
    )


# --- restore ---------------------------------------------------------------------------------


def _safe_name(name: str) -> PurePosixPath:
    """The entry's name as a relative path of plain parts; anything else is refused."""
    path = PurePosixPath(name)
    if (
        not name
        or "\\" in name
        or path.is_absolute()
        or any(part in {"", ".", ".."} for part in name.split("/"))
    ):
        raise BackupRefused(
            _(
                "The archive holds an entry with an unsafe path (%(name)s): it was not made by "
                "flask backup. Nothing was restored.",
                name=name,
            )
        )
    return path


def _check_members(tar: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    """Every entry, by name, once it is known to be one of ours: a regular file named
    manifest.json, database.sqlite3 or uploads/<path>."""
    members: dict[str, tarfile.TarInfo] = {}
    for member in tar.getmembers():
        path = _safe_name(member.name)
        if member.isdir() and path.parts[0] == UPLOADS:
            continue
        known = member.name in {MANIFEST, DATABASE} or (
            path.parts[0] == UPLOADS and len(path.parts) > 1
        )
        if not member.isfile() or not known or member.name in members:
            raise BackupRefused(
                _(
                    "The archive holds an unexpected entry (%(name)s): it was not made by "
                    "flask backup. Nothing was restored.",
                    name=member.name,
                )
            )
        members[member.name] = member
    return members


def _not_ours(reason: str) -> BackupRefused:
    return BackupRefused(
        _(
            "This is not a backup made by flask backup, or it is damaged (%(reason)s). "
            "Nothing was restored.",
            reason=reason,
        )
    )


def _read_manifest(tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo]) -> dict[str, Any]:
    if MANIFEST not in members or DATABASE not in members:
        raise _not_ours(_("no manifest.json or no database.sqlite3"))
    handle = tar.extractfile(members[MANIFEST])
    assert handle is not None  # a regular file, checked above
    try:
        manifest = json.loads(handle.read(64 * 1024))
    except ValueError as error:
        raise _not_ours(_("manifest.json is not JSON")) from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _not_ours(_("manifest.json does not name the format %(format)s", format=FORMAT))
    version = manifest.get("format_version")
    if not isinstance(version, int) or not 1 <= version <= FORMAT_VERSION:
        raise BackupRefused(
            _(
                "The archive is in backup format %(version)s, which this version of organizer "
                "does not read (it reads format %(ours)s). Nothing was restored.",
                version=version,
                ours=FORMAT_VERSION,
            )
        )
    database = manifest.get("database")
    if not isinstance(database, dict) or not isinstance(database.get("sha256"), str):
        raise _not_ours(_("manifest.json has no checksum of the database"))
    return manifest


def _check_revision(manifest: dict[str, Any]) -> bool:
    """Refuse a database from a newer version of the code; True when it needs an upgrade."""
    known, head = _known_revisions()
    revision = manifest.get("alembic_revision")
    if revision not in known:
        raise BackupRefused(
            _(
                "The backup's database is at revision %(revision)s, which this version of "
                "organizer does not know: it was made by a newer version. Install that version "
                "(or a later one) first. Nothing was restored.",
                revision=revision,
            )
        )
    return revision != head


def _unpack_database(
    tar: tarfile.TarFile, member: tarfile.TarInfo, manifest: dict[str, Any], target: Path
) -> None:
    """Write the archive's database to `target` and prove it is the one the manifest names."""
    _extract(tar, member, target)
    if _sha256(target) != manifest["database"]["sha256"]:
        raise _not_ours(_("the database does not match its checksum"))
    try:
        with closing(sqlite3.connect(f"file:{target}?mode=ro", uri=True)) as con:
            (result,) = con.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.DatabaseError as error:
        raise _not_ours(_("the database cannot be read")) from error
    if result != "ok" or _revision_of(target) != manifest.get("alembic_revision"):
        raise _not_ours(_("the database is damaged or not at the manifest's revision"))


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> None:
    """Copy one entry's bytes to a path chosen here (never one taken from the archive)."""
    source = tar.extractfile(member)
    assert source is not None
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        shutil.copyfileobj(source, out, CHUNK)


def _is_in_use(target: Path, uploads: Path) -> bool:
    return _has_data(target) or any(_upload_files(uploads))


def restore(*, archive: Path, force: bool) -> Summary:
    """Replace the database and the uploads with the archive's. Refused, with nothing changed,
    when the archive is not a sound backup of ours, or when the database or the uploads folder
    already hold data and `force` is not set. Stop the app before restoring."""
    target = database_file()
    uploads = upload_dir()
    with (
        _open(archive) as tar,
        tempfile.TemporaryDirectory(prefix=".restore-", dir=_scratch_parent(uploads)) as tmp,
    ):
        scratch = Path(tmp)
        try:
            members = _check_members(tar)
            manifest = _read_manifest(tar, members)
            upgrade_needed = _check_revision(manifest)
            _unpack_database(tar, members[DATABASE], manifest, scratch / DATABASE)
            files = _unpack_uploads(tar, members, scratch / UPLOADS)
        except (tarfile.TarError, EOFError, zlib.error) as error:
            raise _not_ours(_("the archive is truncated or damaged")) from error
        if not force and _is_in_use(target, uploads):
            raise BackupRefused(
                _(
                    "The database or the uploads folder already holds data. Restoring "
                    "would replace it: add --force to do so. Nothing was restored."
                )
            )
        _replace_database(scratch / DATABASE, target)
        _replace_folder(scratch / UPLOADS, uploads, scratch / "replaced")
    return Summary(
        revision=manifest["alembic_revision"],
        files=files,
        database_bytes=manifest["database"].get("size", 0),
        created_utc=str(manifest.get("created_utc", "")),
        upgrade_needed=upgrade_needed,
    )


def _open(archive: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(archive, mode="r:gz")
    except FileNotFoundError as error:
        raise BackupRefused(_("There is no file %(path)s.", path=archive)) from error
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise _not_ours(_("it cannot be read as a .tar.gz archive")) from error


def _unpack_uploads(tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo], staged: Path) -> int:
    staged.mkdir()
    files = 0
    for name, member in members.items():
        if name.startswith(f"{UPLOADS}/"):
            _extract(tar, member, staged.joinpath(*PurePosixPath(name).parts[1:]))
            files += 1
    return files


def _scratch_parent(uploads: Path) -> Path:
    """The staging folder sits beside the uploads folder, so that the swap is one rename on
    one file system."""
    uploads.parent.mkdir(parents=True, exist_ok=True)
    return uploads.parent


def _replace_database(source: Path, target: Path) -> None:
    """Copy `source` over the live database with the backup API, which takes SQLite's locks
    (a copy of the file would ignore them and any -wal file)."""
    db.session.remove()
    db.engine.dispose()
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        _copy_database(source, target)
    except sqlite3.DatabaseError:
        # Not a database at all (refused earlier unless forced): start from no file.
        for path in (target, *(target.with_name(target.name + s) for s in ("-journal", "-wal"))):
            path.unlink(missing_ok=True)
        _copy_database(source, target)


def _replace_folder(staged: Path, folder: Path, aside: Path) -> None:
    """Put `staged` where `folder` is: the old folder is moved aside (then deleted with the
    scratch folder), the new one renamed into place."""
    if folder.exists():
        folder.rename(aside)
    staged.rename(folder)
