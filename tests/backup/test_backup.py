"""`flask backup` and `flask restore` on an install of their own: a SQLite file and a storage
folder in a scratch directory, migrated as in production, whatever database the suite runs on.
The commands are run through Flask's CLI runner, as an operator would run them."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from organizer import create_app
from organizer.extensions import db
from organizer.models import Upload, User
from organizer.services import backup as backups
from organizer.services import uploads
from tests import conftest
from tests.documents import make_pdf
from tests.factories import NOW, make_event, make_user

EMAIL = "keep.me@example.org"


@pytest.fixture
def install(tmp_path: Path, smtp_server) -> Iterator[Flask]:
    settings = conftest.test_settings(
        f"sqlite:///{tmp_path / 'organizer.sqlite3'}", smtp_server[1], tmp_path
    )
    for name in ("UPLOAD_DIR", "PRINT_CACHE_DIR", "MAIL_OUTBOX_DIR"):
        del settings[name]  # they follow the storage folder, as in production
    application = create_app({**settings, "STORAGE_DIR": str(tmp_path / "storage")})
    conftest.migrate_to_head(application)
    try:
        yield application
    finally:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


def run(app: Flask, *args: str) -> tuple[int, str]:
    """Run a command in its own app context of `app` (the suite's app has one open)."""
    with app.app_context():
        result = FlaskCliRunner(app).invoke(args=list(args))
    return result.exit_code, result.output


def fill(app: Flask) -> tuple[str, bytes]:
    """A person, an event and an uploaded PDF, committed; the upload's name and bytes."""
    data = make_pdf(["Slides of a talk"])
    with app.app_context():
        user = make_user(email=EMAIL)
        upload = uploads.store(
            stream=io.BytesIO(data),
            filename="slides.pdf",
            field="f",
            allowed=["pdf"],
            max_kb=100,
            owner=user,
            event=make_event(organizer=user),
            now=NOW,
        )
        public_id = upload.public_id
        db.session.commit()
    return public_id, data


def current_revision(app: Flask, tmp_path: Path) -> str:
    """What `flask --app wsgi db current` prints for this install, run as an operator would
    (a process of its own: Alembic prints to the real standard output)."""
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "ORGANIZER_INSTANCE_PATH": str(tmp_path / "instance"),
        "ORGANIZER_STORAGE_DIR": app.config["STORAGE_DIR"],
    }
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "current"],
        cwd=conftest.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip()


def test_a_backup_restores_the_data_and_the_files_on_a_wiped_install(install, tmp_path):
    public_id, data = fill(install)
    revision = current_revision(install, tmp_path)
    assert "(head)" in revision
    archive = tmp_path / "backups" / "organizer.tar.gz"

    code, output = run(install, "backup", "-o", str(archive))
    assert code == 0, output
    assert "3 uploaded files" in output  # the file, its reviewer copy and its text
    assert archive.stat().st_mode & 0o077 == 0  # personal data: readable by its owner only
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert names[:2] == ["manifest.json", "database.sqlite3"]
    assert f"uploads/{public_id}" in names
    assert manifest["format"] == "organizer-backup"
    assert manifest["format_version"] == 1
    assert manifest["alembic_revision"] in revision
    assert manifest["app_version"]
    assert manifest["created_utc"].endswith("+00:00")

    # Wipe the install: no database file, no uploads.
    with install.app_context():
        db.engine.dispose()
    Path(install.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")).unlink()
    stored = Path(install.config["UPLOAD_DIR"]) / public_id
    shutil.rmtree(stored.parent)

    code, output = run(install, "restore", str(archive))
    assert code == 0, output
    assert "Restored the backup of" in output
    assert stored.read_bytes() == data
    with install.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == EMAIL))
        assert user is not None
        upload = db.session.scalar(sa.select(Upload).where(Upload.public_id == public_id))
        assert uploads.path_of(upload).read_bytes() == data
    assert current_revision(install, tmp_path) == revision


def test_a_backup_is_consistent_while_the_app_writes(install, tmp_path):
    """The online backup API copies a database that another connection is writing to: the
    copy holds what was committed, not half a transaction."""
    fill(install)
    archive = tmp_path / "b.tar.gz"
    with install.app_context():
        make_user(email="uncommitted@example.org")
        db.session.flush()  # an open write transaction while the backup runs
        code, output = run(install, "backup", "-o", str(archive))
        db.session.rollback()
    assert code == 0, output
    with install.app_context():
        make_user(email="after@example.org")  # will be gone
        db.session.commit()
    assert run(install, "restore", "--force", str(archive))[0] == 0
    with install.app_context():
        emails = set(db.session.scalars(sa.select(User.email)))
    assert EMAIL in emails
    assert "uncommitted@example.org" not in emails
    assert "after@example.org" not in emails


def test_restore_refuses_to_overwrite_data_unless_forced(install, tmp_path):
    public_id, data = fill(install)
    archive = tmp_path / "b.tar.gz"
    assert run(install, "backup", "-o", str(archive))[0] == 0
    with install.app_context():
        make_user(email="later@example.org")
        db.session.commit()
    (Path(install.config["UPLOAD_DIR"]) / "added-later").write_bytes(b"x")

    code, output = run(install, "restore", str(archive))
    assert code == 1
    assert "already holds data" in output
    assert "--force" in output
    with install.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "later@example.org"))

    code, output = run(install, "restore", "--force", str(archive))
    assert code == 0, output
    with install.app_context():
        assert not db.session.scalar(sa.select(User).where(User.email == "later@example.org"))
    folder = Path(install.config["UPLOAD_DIR"])
    assert not (folder / "added-later").exists()  # the uploads are the backup's, exactly
    assert (folder / public_id).read_bytes() == data


def test_an_empty_migrated_install_is_restored_without_force(install, tmp_path):
    fill(install)
    archive = tmp_path / "b.tar.gz"
    assert run(install, "backup", "-o", str(archive))[0] == 0
    with install.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
    for path in Path(install.config["UPLOAD_DIR"]).iterdir():
        path.unlink()
    code, output = run(install, "restore", str(archive))
    assert code == 0, output


def rewrite(archive: Path, target: Path, change) -> Path:  # type: ignore[no-untyped-def]
    """A copy of `archive` whose entries pass through change(name, bytes) -> [(name, bytes)]."""
    with tarfile.open(archive) as tar, tarfile.open(target, "w:gz") as out:
        for member in tar.getmembers():
            for name, data in change(member.name, tar.extractfile(member).read()):
                info = tarfile.TarInfo(name)
                info.size = len(data)
                out.addfile(info, io.BytesIO(data))
    return target


@pytest.fixture
def archive(install, tmp_path) -> Path:
    fill(install)
    made = tmp_path / "good.tar.gz"
    assert run(install, "backup", "-o", str(made))[0] == 0
    return made


def assert_refused(app: Flask, archive: Path, *words: str) -> None:
    """Refused with a clear message, and with --force too: nothing was changed."""
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    for args in ((), ("--force",)):
        code, output = run(app, "restore", *args, str(archive))
        assert code == 1, output
        assert "Traceback" not in output
        for word in words:
            assert word in output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == before


def test_a_file_that_is_not_an_archive_is_refused(install, tmp_path):
    fill(install)
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"this is not gzip at all" * 100)
    assert_refused(install, junk, "not a backup made by flask backup", "Nothing was restored")
    assert_refused(install, tmp_path / "missing.tar.gz", "There is no file")


def test_a_truncated_archive_is_refused(install, archive, tmp_path):
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    assert_refused(install, cut, "damaged", "Nothing was restored")


def test_a_foreign_archive_is_refused(install, tmp_path):
    fill(install)
    foreign = tmp_path / "foreign.tar.gz"
    with tarfile.open(foreign, "w:gz") as tar:
        info = tarfile.TarInfo("README")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    assert_refused(install, foreign, "unexpected entry (README)")


def test_an_archive_without_our_manifest_is_refused(install, archive, tmp_path):
    other = rewrite(
        archive,
        tmp_path / "other.tar.gz",
        lambda name, data: [
            (name, b'{"format": "something-else"}' if name == "manifest.json" else data)
        ],
    )
    assert_refused(install, other, "does not name the format organizer-backup")


def test_a_newer_format_or_an_unknown_revision_is_refused(install, archive, tmp_path):
    def manifest_with(**fields):  # type: ignore[no-untyped-def]
        def change(name, data):  # type: ignore[no-untyped-def]
            if name == "manifest.json":
                data = json.dumps({**json.loads(data), **fields}).encode()
            return [(name, data)]

        return change

    newer = rewrite(archive, tmp_path / "n.tar.gz", manifest_with(format_version=2))
    assert_refused(install, newer, "backup format 2")
    future = rewrite(archive, tmp_path / "f.tar.gz", manifest_with(alembic_revision="9999_future"))
    assert_refused(install, future, "9999_future", "newer version")


def test_a_changed_database_is_refused(install, archive, tmp_path):
    def flip(name, data):  # type: ignore[no-untyped-def]
        if name == "database.sqlite3":
            data = data[:-10] + b"\x00" * 10 if data[-10:] != b"\x00" * 10 else data + b"x"
        return [(name, data)]

    assert_refused(install, rewrite(archive, tmp_path / "x.tar.gz", flip), "checksum")


@pytest.mark.parametrize(
    "name", ["../x", "uploads/../../x", "/etc/x", "uploads/./x", "uploads\\..\\x"]
)
def test_path_traversal_in_the_archive_is_refused(install, archive, tmp_path, name):
    def add_escape(entry, data):  # type: ignore[no-untyped-def]
        return [(entry, data), (name, b"owned")] if entry == "database.sqlite3" else [(entry, data)]

    evil = rewrite(archive, tmp_path / "evil.tar.gz", add_escape)
    assert_refused(install, evil, "unsafe path", "Nothing was restored")
    assert not (tmp_path / "x").exists()
    assert not list(tmp_path.parent.glob("x"))


def test_links_in_the_archive_are_refused(install, archive, tmp_path):
    evil = tmp_path / "link.tar.gz"
    with tarfile.open(archive) as tar, tarfile.open(evil, "w:gz") as out:
        for member in tar.getmembers():
            out.addfile(member, tar.extractfile(member))
        link = tarfile.TarInfo("uploads/passwd")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        out.addfile(link)
    assert_refused(install, evil, "unexpected entry (uploads/passwd)")


def test_backup_on_postgresql_points_at_pg_dump(tmp_path):
    """The refusal comes before any connection, so it is shown on any install whose
    DATABASE_URL names PostgreSQL."""
    postgres = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://organizer@127.0.0.1:1/organizer",
            "SECRET_KEY": "k" * 40,
            "STORAGE_DIR": str(tmp_path / "storage"),
        }
    )
    code, output = run(postgres, "backup", "-o", str(tmp_path / "b.tar.gz"))
    assert code == 1
    assert "pg_dump -Fc" in output
    assert str(tmp_path / "storage" / "uploads") in output
    assert not (tmp_path / "b.tar.gz").exists()
    code, output = run(postgres, "restore", str(tmp_path / "b.tar.gz"))
    assert code == 1
    assert "pg_restore" in output


def test_the_service_reports_what_it_wrote(install, tmp_path):
    fill(install)
    with install.app_context():
        made = backups.create(output=tmp_path / "s.tar.gz", now=NOW)
    assert made.files == 3  # the file, its reviewer copy and its text
    assert made.created_utc == "2026-11-29T12:00:00+00:00"
    assert made.database_bytes > 0


def test_a_database_file_that_cannot_be_read_is_replaced_only_when_forced(install, archive):
    with install.app_context():
        db.engine.dispose()
    Path(install.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")).write_bytes(
        b"not a database" * 1000
    )
    shutil.rmtree(install.config["UPLOAD_DIR"])
    code, output = run(install, "restore", str(archive))
    assert code == 1
    assert "already holds data" in output
    code, output = run(install, "restore", "--force", str(archive))
    assert code == 0, output
    with install.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == EMAIL))
