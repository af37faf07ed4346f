"""What the queue worker runs: mail delivery after a request, and the routine jobs that cron
or systemd timers used to run. Each periodic task is idempotent (running it twice changes
nothing the first run did not) and holds a lock (organizer.queue.periodic), so several workers
can run side by side. The `flask` commands of the same names run the same functions by hand.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import current_app
from flask_babel import force_locale
from huey import crontab

from organizer import queue
from organizer.extensions import db
from organizer.models import Event
from organizer.queue import periodic, task
from organizer.services import account_deletion, mail, solves
from organizer.services.archive import jobs as archive_jobs
from organizer.services.cfp import confirmation
from organizer.services.grants import offers
from organizer.services.imports import schedule_uploads, spreadsheet_jobs
from organizer.services.print import badges, signs
from organizer.services.print import booklet as booklets
from organizer.services.registration import access as registration_access
from organizer.services.registration import waitlist as registration_waitlist
from organizer.services.representation import report_files, retention

log = logging.getLogger(__name__)

# Failed SMTP attempts are retried by the outbox itself (next_attempt_at, with backoff), which
# the every-minute sweep picks up; the task needs no retries of its own.


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@task(priority=10)
def deliver_mail(ids: list[int]) -> dict[str, int]:
    """Send the mail a request has just committed (the request enqueues this after its
    commit, so the message exists when the worker looks)."""
    log.info("delivering %d messages a request queued", len(ids))
    return mail.deliver(now=_now(), ids=ids)


# A sender killed mid-run leaves its claims and this lock; both are taken over after 10 min.
@periodic(crontab(minute="*"), lock_expires=mail.STALE_CLAIM)
def send_mail() -> dict[str, int]:
    """Every minute: whatever is due in the outbox (retries, and mail whose task was lost)."""
    return mail.deliver(now=_now())


@periodic(crontab(minute="5"))
def send_reminders() -> dict[str, int]:
    """Hourly: remind accepted speakers who have not confirmed, 3 days before their deadline
    (one reminder per speaker and deadline)."""
    now = _now()
    queued = sum(
        confirmation.send_reminders(event=event, now=now)
        for event in confirmation.events_awaiting_confirmation()
    )
    db.session.commit()
    return {"queued": queued, **mail.deliver(now=now)}


@periodic(crontab(minute="10"))
def grant_offers() -> dict[str, int]:
    """Hourly: expire grant offers past their respond-by date (their money goes back to the
    budget and to the waiting list) and remind applicants 3 days before it."""
    now = _now()
    counts = offers.run_daily(now=now)
    db.session.commit()
    return {**counts, **mail.deliver(now=now)}


@periodic(crontab(minute="20"))
def registration_offers() -> dict[str, int]:
    """Hourly: expire seat offers past their respond-by date (offering the seats to the next
    people waiting), remind people a day before theirs, and remind everyone registered a
    week before their event."""
    now = _now()
    counts = registration_waitlist.run_periodic(now=now)
    db.session.commit()
    return {**counts, **mail.deliver(now=now)}


@periodic(crontab(minute="15", hour="3"))
def purge() -> dict[str, int]:
    """Daily: anonymise the answers of surveys past their purge date, delete the access needs
    of events past theirs, and remove the receipts and payouts of deleted accounts whose
    event's accounting period is over."""
    now = _now()
    surveys = retention.purge(now=now)
    access = registration_access.purge(now=now)
    accounting, files = account_deletion.purge_accounting(now=now)
    db.session.commit()
    account_deletion.remove_files(files)
    return {
        **surveys,
        "access_events": access["events"],
        "access_needs": access["access_needs"],
        **accounting,
    }


# Reads only: two renders side by side must not wait for each other's transaction (a
# 1,000-session booklet keeps one open for half a minute, longer than SQLite's busy timeout).
@task(writes=False)
def render_print(kind: str, event_id: int, edition: str, locale: str, marker: str) -> None:
    """Render one printed file (a booklet edition or the room signs) into the print cache,
    in `locale`, then let the next request for it be asked again (print/preparation.py)."""
    try:
        event = db.session.get(Event, event_id)
        if event is None:
            return
        with force_locale(locale):
            if kind == "booklet":
                booklets.booklet(event, edition=edition, now=_now())
            else:
                signs.signs_path(event)
    finally:
        queue.give_back(marker)


@task(writes=False)
def render_representation_report(
    event_id: int, pooled_ids: list[int], locale: str, marker: str
) -> None:
    """Render an event's representation report (pooled with the editions of `pooled_ids`,
    which the request that asked checked its organizer may see) into the print cache, in
    `locale`, then let the next request for it be asked again."""
    try:
        event = db.session.get(Event, event_id)
        pooled = [db.session.get(Event, other) for other in pooled_ids]
        if event is None or None in pooled:
            return
        with force_locale(locale):
            report_files.render(event, [other for other in pooled if other is not None])
    finally:
        queue.give_back(marker)


@task(writes=False)
def render_badges(
    event_id: int, layout: str, selection: str, base_url: str, locale: str, marker: str
) -> str | None:
    """Render the badges of an event's confirmed registrations in `selection` on `layout`'s
    sheets into the print cache (services/print/badges.py), in `locale`, with check-in links
    under `base_url`; then let the next request for them be asked again."""
    try:
        event = db.session.get(Event, event_id)
        if event is None:
            return None
        with force_locale(locale):
            return badges.render_file(
                event=event, layout=layout, selection=selection, base_url=base_url
            )
    finally:
        queue.give_back(marker)


# Reads only, like the renders above: a large event's export must not hold a write transaction.
@task(writes=False)
def export_event_archive(event_id: int, marker: str) -> str | None:
    """Make an event's archive (services/archive) into the print cache for its organizers."""
    try:
        path = archive_jobs.write_archive_export(event_id, now=_now())
        return path.name if path else None
    finally:
        queue.give_back(marker)


@task()
def import_event_archive(token: str, slug: str, actor_id: int) -> str:
    """Import an uploaded event archive into a new event; the upload page shows how it went."""
    return archive_jobs.run_archive_import(token, slug, actor_id, now=_now())


@task()
def run_solve(public_id: str) -> str | None:
    """A long solve (services/solves.py): the automatic scheduler or a grant allocation, its
    progress in the record (in the language of whoever started it), stopped when someone
    cancels it; then the mail saying it ended, if one was queued."""
    locale = solves.locale_of(public_id) or current_app.config["DEFAULT_LOCALE"]
    with force_locale(locale):
        state = solves.carry_out(public_id, clock=_now)
    queued = mail.take_queued_ids()
    if queued and current_app.config["MAIL_DELIVER_ON_COMMIT"]:
        mail.deliver(now=_now(), ids=queued)
    return state.value if state is not None else None


@task()
def fetch_schedule_import(public_id: str) -> str | None:
    """Fetch the address an organizer gave for a schedule import (only public http(s)
    addresses, with a size limit: services/imports/fetch.py), read it and keep its preview
    for the organizer to confirm; or record why it failed."""
    return schedule_uploads.fetch_and_preview(public_id=public_id, now=_now)


@task()
def import_spreadsheet(public_id: str) -> str | None:
    """Write the rows of a spreadsheet of proposals or grant applications an organizer
    confirmed (services/imports/spreadsheet_jobs.py), in the language of whoever confirmed,
    then hand the claim invitations it queued to the mail task."""
    locale = spreadsheet_jobs.locale_of(public_id) or current_app.config["DEFAULT_LOCALE"]
    with force_locale(locale):
        state = spreadsheet_jobs.write_queued_spreadsheet(public_id=public_id, now=_now)
    queued = mail.take_queued_ids()
    if queued and current_app.config["MAIL_DELIVER_ON_COMMIT"]:
        deliver_mail(queued)
    return state


# Light (one query for the running solves, usually none); its lock expires well before the
# next turns would all be skipped.
@periodic(crontab(minute="*/5"), lock_expires=dt.timedelta(minutes=10))
def recover_solves() -> dict[str, int]:
    """Every 5 minutes: record as failed the solves whose worker stopped (killed, restarted)
    while running them, so that a new one can be started, and tell whoever started them."""
    now = _now()
    stopped = solves.recover(now=now)
    return {"stopped": stopped, **mail.deliver(now=now)}


PERIODIC_TASKS = (
    send_mail,
    send_reminders,
    grant_offers,
    registration_offers,
    purge,
    recover_solves,
)
