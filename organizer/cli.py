"""Command-line entry points (`flask --app wsgi <command>`), each a thin shell around a service."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from organizer import queue, tasks
from organizer.errors import DomainError, NotFound, ValidationFailed
from organizer.extensions import db
from organizer.services import accounts, demo, mail
from organizer.services import backup as backups
from organizer.services.archive import cloning
from organizer.services.archive import package as archives
from organizer.services.events import event_by_slug
from organizer.services.imports import fetch, schedule_uploads, spreadsheet
from organizer.services.imports import schedule as schedule_import
from organizer.services.imports.schedule_formats import read_schedule
from organizer.services.print import booklet as booklets


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@click.command("demo")
@with_appcontext
@click.option(
    "--size",
    type=click.IntRange(min=1, max=100_000),
    default=None,
    help="Generate a synthetic event for benchmarks instead of the demo workshop: an "
    "organizer, 40 reviewers, SIZE speakers with a confirmed proposal each and 3 reviews "
    "per proposal, every session placed in a released schedule.",
)
@click.option(
    "--url",
    default="http://127.0.0.1:5000",
    show_default=True,
    help="Where the app will be served, for the sign-in address printed with the logins "
    "(`make run` passes its HOST and PORT).",
)
def demo_command(size: int | None, url: str) -> None:
    """Load the demo workshop from fixtures/ (idempotent), or a synthetic event."""
    if size is not None:
        event = demo.generate_synthetic(size=size, now=_now(), schedule=True)
        db.session.commit()
        click.echo(f"Synthetic event ready: /{event.slug}/")
        return
    result = demo.load_demo(data=demo.read_fixture(), now=_now())
    db.session.commit()
    created = ", ".join(result.created_events) or "none (already loaded)"
    click.echo(f"Demo workshop loaded: {result.created_users} people added; events: {created}.")
    click.echo("")
    click.echo(f"Demo logins ({url.rstrip('/')}/login):")
    for login in result.logins:
        click.echo(f"  {login.role:<15} {login.email:<28} password: {login.password}")
        if login.two_factor_secret:
            click.echo(
                f"  {'':<15} two-factor key for an authenticator app: {login.two_factor_secret}"
            )
    click.echo("")


@click.command("worker")
@with_appcontext
@click.option(
    "--threads",
    type=click.IntRange(min=1, max=64),
    default=2,
    show_default=True,
    help="Tasks run at the same time in this process.",
)
def worker_command(threads: int) -> None:
    """Run the task queue: mail, printed matter, long solves, and the routine jobs on their
    clock (no cron or timers needed). Ctrl-C (SIGINT) or SIGTERM stops it after the running
    tasks finish. Several workers, on one machine or many, can share a queue."""
    if queue.huey.immediate:
        raise click.ClickException(
            "ORGANIZER_QUEUE_BACKEND is 'immediate': tasks run where they are enqueued, "
            "there is nothing for a worker to do."
        )
    consumer = queue.huey.create_consumer(
        workers=threads,
        worker_type="thread",
        periodic=True,
    )
    logging.getLogger("huey").setLevel(logging.INFO)  # which task ran, and what failed
    backend = current_app.config["QUEUE_BACKEND_IN_USE"]
    click.echo(f"queue worker: {threads} threads, tasks in {backend}", err=True)
    queue.this_worker = f"{socket.gethostname()}:{os.getpid()}"  # a solve records who runs it
    with _heartbeat(queue.this_worker):
        consumer.run()


@contextlib.contextmanager
def _heartbeat(worker: str) -> Iterator[None]:
    """Tell the queue's admin page this worker is alive, every HEARTBEAT_SECONDS."""
    stop = threading.Event()

    def beat() -> None:
        while True:
            try:
                queue.heartbeat(worker)
            except Exception:  # the storage is down for a moment: the next beat will tell
                logging.getLogger(__name__).warning("heartbeat failed", exc_info=True)
            if stop.wait(queue.HEARTBEAT_SECONDS):
                return

    thread = threading.Thread(target=beat, name="heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
        queue.stopped(worker)


@click.command("send-mail")
@with_appcontext
def send_mail_command() -> None:
    """Deliver due mail from the outbox now (the worker does this every minute)."""
    counts = _run(tasks.send_mail)
    click.echo(
        f"sent {counts['sent']}, will retry {counts['retry']}, gave up {counts['failed']}, "
        f"skipped {counts['skipped']} (claimed by another sender or not due)."
    )


@click.command("send-reminders")
@with_appcontext
def send_reminders_command() -> None:
    """Remind accepted speakers who have not confirmed, 3 days before their deadline (the
    worker does this hourly; each speaker gets one reminder per deadline)."""
    counts = _run(tasks.send_reminders)
    click.echo(f"{counts['queued']} reminders queued; sent {counts['sent']} mails.")


@click.command("grant-offers")
@with_appcontext
def grant_offers_command() -> None:
    """Expire grant offers past their respond-by date (their money goes back to the
    budget) and remind applicants 3 days before it (the worker does this hourly)."""
    counts = _run(tasks.grant_offers)
    click.echo(
        f"{counts['expired']} offers expired, {counts['reminded']} reminders queued; "
        f"sent {counts['sent']} mails."
    )


@click.command("registration-offers")
@with_appcontext
def registration_offers_command() -> None:
    """Expire seat offers past their respond-by date (the seats go to the next people
    waiting), remind people a day before, and a week before the event (the worker does this
    hourly)."""
    counts = _run(tasks.registration_offers)
    click.echo(
        f"{counts['expired']} offers expired, {counts['offer_reminders']} offer reminders and "
        f"{counts['event_reminders']} event reminders queued; sent {counts['sent']} mails."
    )


@click.command("purge")
@with_appcontext
def purge_command() -> None:
    """Make the answers of surveys past their purge date anonymous: drop the links between
    responses and people and the text of self-descriptions (the counts stay). Remove the
    receipts and payouts of deleted accounts whose event's accounting period is over.

    The worker does this daily at 03:15 UTC; safe to run more often (a survey is purged once)."""
    counts = _run(tasks.purge)
    click.echo(
        f"{counts['events']} surveys purged: {counts['links']} links to people and "
        f"{counts['self_described']} self-descriptions deleted."
    )
    click.echo(
        f"Access needs of {counts['access_events']} events past their purge date: "
        f"{counts['access_needs']} deleted."
    )
    click.echo(
        f"Deleted accounts past their event's accounting period: {counts['receipts']} "
        f"receipts and {counts['payouts']} payouts removed "
        f"({counts['applications']} applications)."
    )


def _run(job: Any) -> dict[str, Any]:
    """Run a periodic task here and now; refuse when a worker is running it."""
    counts = job.call_local()
    if counts == queue.SKIPPED:
        raise click.ClickException("A worker is running this job right now; try again soon.")
    return counts


@click.command("programme")
@with_appcontext
@click.argument("event_slug")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    required=True,
    help="Where to write the PDF.",
)
@click.option("--large", is_flag=True, help="The large-print edition.")
def booklet_command(event_slug: str, output: str, large: bool) -> None:
    """Write the printed programme (PDF booklet) of the event's latest release."""
    event = event_by_slug(event_slug)
    if event is None:
        raise click.ClickException(f"No event {event_slug!r}.")
    started = time.perf_counter()
    try:
        made = booklets.booklet(event, edition="large" if large else "standard", now=_now())
    except NotFound as error:
        raise click.ClickException(str(error)) from error
    seconds = time.perf_counter() - started
    Path(output).write_bytes(made.pdf)
    source = "from the cache" if made.cached else "rendered"
    click.echo(
        f"{output}: {made.pages} pages, {len(made.pdf):,} bytes, {source} in {seconds:.2f} s"
    )


@click.command("create-admin")
@with_appcontext
@click.option("--email", prompt=True)
@click.option("--name", prompt="Display name")
@click.password_option()
def create_admin_command(email: str, name: str, password: str) -> None:
    """Create a verified site administrator (the first account of a new install)."""
    if accounts.user_by_email(email) is not None:
        raise click.ClickException("An account with this email address already exists.")
    try:
        accounts.check_password_rules(password, email=email)
    except ValidationFailed as error:
        raise click.ClickException(error.message) from error
    accounts.create_user(
        email=email,
        password=password,
        display_name=name,
        verified=True,
        site_admin=True,
        now=_now(),
    )
    db.session.commit()
    click.echo(f"Site administrator {email} created.")


@click.command("clone-event")
@with_appcontext
@click.argument("source_slug")
@click.argument("new_slug")
@click.option("--name", required=True, help="The new edition's name.")
@click.option(
    "--start",
    "start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    required=True,
    help="The new edition's first day, YYYY-MM-DD.",
)
@click.option(
    "--as", "actor_email", required=True, help="Who clones it: an organizer or a site admin."
)
def clone_event_command(
    source_slug: str, new_slug: str, name: str, start: dt.datetime, actor_email: str
) -> None:
    """Start a new edition from an event's configuration (never its people's data)."""
    source = event_by_slug(source_slug)
    if source is None:
        raise click.ClickException(f"No event {source_slug!r}.")
    actor = accounts.user_by_email(actor_email)
    if actor is None:
        raise click.ClickException(f"No account {actor_email!r}.")
    try:
        event = cloning.clone_event(
            source=source,
            slug=new_slug,
            name=name,
            start_date=start.date(),
            actor=actor,
            now=_now(),
        )
    except ValidationFailed as error:
        db.session.rollback()
        raise click.ClickException(" ".join(error.errors.values()) or error.message) from error
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Created {event.slug} ({event.starts_on} to {event.ends_on}) from {source.slug}.")


# --- backup and restore (SQLite installs; PostgreSQL uses pg_dump) ----------------------------


@click.command("backup")
@with_appcontext
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the archive (.tar.gz).",
)
def backup_command(output: Path) -> None:
    """Write one archive with a consistent copy of the SQLite database and the uploaded
    files. Safe while the app runs."""
    try:
        made = backups.create(output=output, now=_now())
    except backups.BackupRefused as error:
        raise click.ClickException(error.message) from error
    click.echo(
        f"{output}: database at revision {made.revision} ({made.database_bytes:,} bytes) "
        f"and {made.files} uploaded files."
    )


@click.command("restore")
@with_appcontext
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database or uploads folder that holds data.")
def restore_command(archive: Path, force: bool) -> None:
    """Restore the database and the uploaded files from an archive made by `backup`.
    Stop the app first."""
    try:
        done = backups.restore(archive=archive, force=force)
    except backups.BackupRefused as error:
        raise click.ClickException(error.message) from error
    click.echo(
        f"Restored the backup of {done.created_utc}: database at revision {done.revision} "
        f"and {done.files} uploaded files."
    )
    if done.upgrade_needed:
        click.echo("The database is older than this code: run flask --app wsgi db upgrade.")


# --- event archives (services/archive) -------------------------------------------------------


@click.command("export-event")
@with_appcontext
@click.argument("event_slug")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
def export_event_command(event_slug: str, output: Path) -> None:
    """Write the whole event as an archive (zip of JSON documents and files) to OUTPUT."""
    event = event_by_slug(event_slug)
    if event is None:
        raise click.ClickException(f"No event {event_slug!r}.")
    started = time.perf_counter()
    data = archives.archive_of(event, now=_now())
    output.write_bytes(data)
    seconds = time.perf_counter() - started
    click.echo(f"{output}: {len(data):,} bytes in {seconds:.2f} s")


@click.command("import-event")
@with_appcontext
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--slug", help="The new event's address (default: the archive's).")
@click.option("--organizer", "organizer_email", help="An account to make its organizer.")
def import_event_command(archive: Path, slug: str | None, organizer_email: str | None) -> None:
    """Create a new event from an archive made by export-event (here or on another instance)."""
    organizer = None
    if organizer_email:
        organizer = accounts.user_by_email(organizer_email)
        if organizer is None:
            raise click.ClickException(f"No account {organizer_email!r}.")
    try:
        event = archives.load_archive(
            archive=archive.read_bytes(), slug=slug, organizer=organizer, now=_now()
        )
    except archives.ArchiveRefused as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Imported {event.slug!r}: {event.name}")


# --- imports ---------------------------------------------------------------------------------


@click.command("import-schedule")
@with_appcontext
@click.argument("source")
@click.option("--event", "event_slug", required=True, help="The event to import into.")
@click.option("--as", "actor_email", required=True, help="Address of the organizer importing.")
@click.option("--create", is_flag=True, help="Create the event (as a site admin) from the file.")
@click.option("--timezone", default="", help="The new event's zone if the file names none.")
@click.option("--release/--draft", default=False, help="Release the imported schedule.")
@click.option("--dry-run", is_flag=True, help="Print what would happen; write nothing.")
def import_schedule_command(
    source: str,
    event_slug: str,
    actor_email: str,
    create: bool,
    timezone: str,
    release: bool,
    dry_run: bool,
) -> None:
    """Import a published schedule (frab schedule.xml or schedule.json) from a file or an
    http(s) address into an event; importing the same file again updates it."""
    actor = accounts.user_by_email(actor_email)
    if actor is None:
        raise click.ClickException(f"No account with the address {actor_email!r}.")
    try:
        if source.startswith(("http://", "https://")):
            data = fetch.fetch_limited(source, max_bytes=schedule_uploads.MAX_BYTES)
        else:
            data = Path(source).read_bytes()
        parsed = read_schedule(data)
        event = event_by_slug(event_slug)
        if create and event is None:
            event = schedule_import.new_event_from_schedule(
                parsed=parsed, slug=event_slug, actor=actor, now=_now(), timezone=timezone
            )
        if event is None:
            raise click.ClickException(f"No event {event_slug!r} (use --create to make it).")
        preview = schedule_import.preview_schedule(parsed=parsed, event=event, actor=actor)
        _echo_preview(preview)
        if dry_run:
            db.session.rollback()
            click.echo("Dry run: nothing was written.")
            return
        result = schedule_import.import_schedule(
            parsed=parsed, event=event, actor=actor, now=_now(), release=release
        )
    except (OSError, DomainError) as error:
        db.session.rollback()
        raise click.ClickException(getattr(error, "message", None) or str(error)) from error
    db.session.commit()
    # The invitations wait in the outbox; the worker's every-minute sweep sends them.
    mail.forget_queued_ids()
    click.echo(f"Imported into {event.slug}; {result.invited} speakers invited to claim accounts.")
    if result.released is not None:
        click.echo(f"Released as version {result.released}.")
    elif release:
        click.echo(f"Not released: {result.not_released}")


def _echo_preview(preview: schedule_import.Preview) -> None:
    for kind, counts in preview.summary.items():
        click.echo(
            f"{kind + 's':10} {counts['create']:5} new {counts['update']:5} updated "
            f"{counts['keep']:5} unchanged"
        )
    for note in preview.notes:
        click.echo(f"note: {note}")
    for item in preview.skipped:
        click.echo(f"skipped {item['what']}: {item['where']}: {item['reason']}")


@click.command("import-spreadsheet")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--event", "event_slug", required=True, help="The event to import into.")
@click.option(
    "--kind",
    type=click.Choice(["proposals", "grant-applications"]),
    required=True,
    help="What each row is.",
)
@click.option("--as", "actor_email", required=True, help="Address of the organizer importing.")
@click.option(
    "--map",
    "choices",
    multiple=True,
    metavar="HEADER=FIELD",
    help="Feed FIELD from the column HEADER (FIELD empty: do not import it); over the "
    "suggested columns. Repeatable.",
)
@click.option("--skip-listed", is_flag=True, help="Skip the rows with problems.")
@click.option("--dry-run", is_flag=True, help="Check and print the rows; write nothing.")
def import_spreadsheet_command(
    file: Path,
    event_slug: str,
    kind: str,
    actor_email: str,
    choices: tuple[str, ...],
    skip_listed: bool,
    dry_run: bool,
) -> None:
    """Import proposals or grant applications from a CSV or XLSX file (as Google Forms and
    Microsoft Forms export them), checked row by row as on the import page: nothing is
    written while a row has a problem, unless --skip-listed. Each person is invited once."""
    actor = accounts.user_by_email(actor_email)
    if actor is None:
        raise click.ClickException(f"No account with the address {actor_email!r}.")
    event = event_by_slug(event_slug)
    if event is None:
        raise click.ClickException(f"No event {event_slug!r}.")
    overrides = {}
    for choice in choices:
        header, sep, key = choice.partition("=")
        if not sep:
            raise click.BadParameter(f"{choice!r} is not HEADER=FIELD.", param_hint="--map")
        overrides[header.strip()] = key.strip()
    try:
        result, sheet_import = _checked_spreadsheet(
            event, kind.replace("-", "_"), actor, file, overrides
        )
        if dry_run:
            db.session.rollback()
            click.echo("Dry run: nothing was written.")
            return
        written = spreadsheet.import_spreadsheet_rows(
            actor=actor, sheet_import=sheet_import, skip_listed=skip_listed, now=_now()
        )
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(_messages(error)) from error
    db.session.commit()
    # The invitations wait in the outbox; the worker's every-minute sweep sends them.
    mail.forget_queued_ids()
    click.echo(f"Imported {written} rows into {event.slug}; {len(result.bad_rows)} skipped.")


def _checked_spreadsheet(event, kind, actor, file, overrides):  # type: ignore[no-untyped-def]
    """Upload, columns (suggested, with --map over them) and check, printed as the pages
    show them."""
    now = _now()
    sheet_import = spreadsheet.start_spreadsheet_import(
        actor=actor, event=event, kind=kind, filename=file.name, data=file.read_bytes(), now=now
    )
    fields = spreadsheet.lookups_for(event, kind).fields
    spreadsheet.save_column_mapping(
        actor=actor,
        sheet_import=sheet_import,
        columns=spreadsheet.columns_with_choices(sheet_import, overrides, fields),
        fields=fields,
        now=now,
    )
    sheet = spreadsheet.sheet_of(sheet_import)
    for note in sheet.notes:
        click.echo(f"note: {note}")
    labels = {f.key: f.label for f in fields}
    for key, index in sorted(sheet_import.mapping.items(), key=lambda item: item[1]):
        click.echo(f"column {index + 1} “{sheet.headers[index]}” -> {labels[key]} ({key})")
    result = spreadsheet.check_spreadsheet(actor=actor, sheet_import=sheet_import, now=now)
    for problem in sorted(result.problems):
        click.echo(f"row {problem.row}, {problem.column}: {problem.message}")
    click.echo(
        f"{len(result.planned)} rows ready, {len(result.bad_rows)} rows with problems, "
        f"{result.empty_rows} empty rows left out."
    )
    return result, sheet_import


def _messages(error: DomainError) -> str:
    errors = getattr(error, "errors", None) or {}
    return " ".join(str(message) for message in errors.values()) or error.message


COMMANDS = (
    demo_command,
    worker_command,
    send_mail_command,
    send_reminders_command,
    grant_offers_command,
    registration_offers_command,
    purge_command,
    booklet_command,
    create_admin_command,
    clone_event_command,
    backup_command,
    restore_command,
    export_event_command,
    import_event_command,
    import_schedule_command,
    import_spreadsheet_command,
)


def register_commands(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)
