"""Long solves run by the task queue instead of the web request: the automatic scheduler (up to
600 s) and a grant programme's allocation (up to 300 s). Starting one makes a `Solve` record
(queued); the request commits and enqueues `tasks.run_solve`, whose body is `carry_out` here:
it takes the record (running), prepares, lets the solver work with no transaction open (on
SQLite a transaction holds the write lock, and a cancel must get through), and stores the
result (done) or the reason (failed).

- Progress: the solver's watch writes what it has found and how far into the time limit it is
  into the record about twice a second; the progress page reads the record.
- Cancel: sets the record cancelled. The watch sees it at its next look and stops CP-SAT
  (stop_search); a task that has not started yet finds it cancelled and does nothing. The last
  word is a conditional update (running -> done), so a result that arrives after a cancel is
  dropped.
- A worker killed mid-solve (out of memory, a deploy, a crash) never says the last word, so a
  solve can be left running with nobody running it. It is known as stopped (`stopped`) when
  the worker that took it (recorded in the queue's storage) has had no heartbeat for
  queue.WORKER_GONE_AFTER, or when it has run past its time limit and STALLED_MARGIN. The
  progress page then shows it failed at once (reading only), and the periodic task
  `recover_solves` records it failed (and mails whoever started it, as for any failure), so
  that a new solve can be started and the lists of solves under way leave it out.
- Mail when done: the progress page marks the solve seen in the queue's storage each time it is
  shown or polled (no write to the database on a GET); when the solve finishes and nobody has
  looked for LEFT_AFTER, the organizer who started it is mailed a link.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from organizer import permissions, queue
from organizer.enums import SolveKind, SolveState
from organizer.errors import DomainError, NotFound, PermissionDenied, WrongState
from organizer.extensions import db
from organizer.models import Event, GrantProgramme, Solve, User
from organizer.queue import huey
from organizer.services import notifications, solving
from organizer.services.grants import allocation
from organizer.services.mail import external_url
from organizer.services.scheduling import editor, suggestions

if TYPE_CHECKING:  # the solver loads OR-Tools, which a web process needs only to solve
    from organizer.services.scheduling.solver.run import Result, Sofar, Watch

log = logging.getLogger(__name__)

LEFT_AFTER = dt.timedelta(seconds=30)  # not polled for this long: the organizer has left
# Past its time limit by this much a running solve has stopped, whatever its worker says:
# preparing and keeping a result take seconds, and the solver stops at its time limit.
STALLED_MARGIN = dt.timedelta(minutes=5)
MAIL_PURPOSE = "solve_finished"


# Starting, finding, cancelling --------------------------------------------------------------


def start_schedule(
    *, event: Event, actor: User, now: dt.datetime, mode: str, time_limit: int
) -> Solve:
    """A queued run of the automatic scheduler (the caller commits, then enqueues it)."""
    editor.require_manager(actor, event)
    suggestions.check_request(mode, time_limit)
    return _queued(
        kind=SolveKind.SCHEDULE,
        event=event,
        actor=actor,
        now=now,
        time_limit=time_limit,
        mode=mode,
    )


def start_allocation(
    *,
    programme: GrantProgramme,
    actor: User,
    now: dt.datetime,
    time_limit: int,
    basis: str = allocation.BASIS_REQUESTS,
) -> Solve:
    """A queued run of the programme's allocation (the caller commits, then enqueues it).
    `basis` (allocation.BASES: the requests or the reviewers' recommendations) is kept in the
    solve's mode."""
    allocation.prepare(  # checks only
        actor=actor, programme=programme, time_limit=time_limit, basis=basis
    )
    return _queued(
        kind=SolveKind.GRANT_ALLOCATION,
        event=programme.event,
        actor=actor,
        now=now,
        time_limit=time_limit,
        mode=basis,
        programme_id=programme.id,
        programme=programme,
    )


def _queued(
    *,
    kind: SolveKind,
    event: Event,
    actor: User,
    now: dt.datetime,
    time_limit: int,
    **fields: object,
) -> Solve:
    """A new solve waiting for a worker, flushed so that it has its public id."""
    solve = Solve(
        kind=kind,
        event_id=event.id,
        event=event,
        requested_by_id=actor.id,
        state=SolveState.QUEUED,
        time_limit=time_limit,
        created_at=now,
        **fields,
    )
    db.session.add(solve)
    db.session.flush()
    return solve


def _require_follower(actor: User, solve: Solve) -> None:
    if not permissions.can_follow_solve(actor, solve):
        raise PermissionDenied(_("Only this event's organizers can follow its solves."))


def solve_by_public_id(
    *, actor: User, event: Event, public_id: str, programme: GrantProgramme | None = None
) -> Solve:
    """The event's solve (of the programme's allocation, when `programme` is given)."""
    solve = db.session.scalar(
        select(Solve)
        .where(
            Solve.event_id == event.id,
            Solve.public_id == public_id,
            Solve.programme_id == (programme.id if programme is not None else None),
        )
        .options(selectinload(Solve.requested_by))
    )
    if solve is None:
        raise NotFound(_("There is no such solve for this event."))
    _require_follower(actor, solve)
    return solve


def under_way(
    event: Event, *, now: dt.datetime, programme: GrantProgramme | None = None
) -> list[Solve]:
    """The event's solves that wait or run (the scheduler's, or the programme's allocation
    runs), oldest first, with who started them; not those whose worker has stopped."""
    found = list(
        db.session.scalars(
            select(Solve)
            .where(
                Solve.event_id == event.id,
                Solve.programme_id == (programme.id if programme is not None else None),
                Solve.state.in_([SolveState.QUEUED, SolveState.RUNNING]),
            )
            .options(selectinload(Solve.requested_by))
            .order_by(Solve.created_at, Solve.id)
        )
    )
    return [solve for solve in found if not stopped(solve, now=now)]


def cancel(*, actor: User, solve: Solve, now: dt.datetime) -> None:
    """Stop a queued or running solve; its worker stops at its next look (within a second)."""
    _require_follower(actor, solve)
    if solve.state.finished:
        raise WrongState(
            _("This solve has already ended (%(state)s).", state=str(solve.state.label).lower())
        )
    solve.state = SolveState.CANCELLED
    solve.finished_at = now
    solve.progress = _("Cancelled.")
    db.session.flush()


def not_enqueued(solve: Solve, *, now: dt.datetime) -> None:
    """The queue could not be reached after the record was committed: it fails at once
    rather than waiting for a worker that will never hear of it."""
    solve.state = SolveState.FAILED
    solve.finished_at = now
    solve.error = _("The task queue could not be reached, so the solve never started. Try again.")
    db.session.flush()


# What the progress page shows ----------------------------------------------------------------


def _seen_key(solve: Solve) -> str:
    return f"solve-seen:{solve.public_id}"


def seen(solve: Solve, *, now: dt.datetime) -> None:
    """Someone is looking at the solve's progress (kept in the queue's storage, not the
    database: the page and its polls are GETs). A queue that cannot be reached costs a mail
    that was not needed, never the page."""
    try:
        huey.put(_seen_key(solve), now.isoformat())
    except Exception:
        log.warning("could not mark solve %s seen in the queue's storage", solve.public_id)


def locale_of(public_id: str) -> str | None:
    """The language of whoever started the solve: its progress texts and its mail use it."""
    return db.session.scalar(
        select(User.locale)
        .join(Solve, Solve.requested_by_id == User.id)
        .where(Solve.public_id == public_id)
    )


def last_seen(solve: Solve) -> dt.datetime | None:
    value = huey.get(_seen_key(solve), peek=True)
    return dt.datetime.fromisoformat(value) if value else None


@dataclasses.dataclass(frozen=True)
class Status:
    state: SolveState
    elapsed: int  # seconds since it started (or was asked for, while queued)
    time_limit: int
    progress: str
    percent: int
    error: str
    # Once done: the suggestion's public id (the scheduler), or the programme's (an allocation,
    # whose draft run its allocation page shows).
    result_public_id: str | None

    def as_json(self) -> dict[str, object]:
        return {
            "state": self.state.value,
            "label": str(self.state.label),
            "finished": self.state.finished,
            "elapsed": self.elapsed,
            "time_limit": self.time_limit,
            "progress": self.progress,
            "percent": self.percent,
            "error": self.error,
        }


def status(solve: Solve, *, now: dt.datetime) -> Status:
    """The solve's state as of `now`, from its record (one query, however often) and, while it
    runs, whether its worker is still there (the queue's storage): a solve whose worker has
    stopped is shown failed before `recover_solves` records it so."""
    since = solve.started_at or solve.created_at
    until = solve.finished_at or now
    state, error = solve.state, solve.error
    if stopped(solve, now=now):
        state, error = SolveState.FAILED, worker_stopped_text()
    return Status(
        state=state,
        elapsed=max(0, int((until - since).total_seconds())),
        time_limit=solve.time_limit,
        progress=solve.progress,
        percent=100 if state is SolveState.DONE else solve.percent,
        error=error,
        result_public_id=_result_public_id(solve),
    )


# A solve whose worker stopped ------------------------------------------------------------------


def _worker_key(public_id: str) -> str:
    return f"solve-worker:{public_id}"


def worker_stopped_text() -> str:
    return _(
        "The worker running this solve stopped before it finished (it was restarted or "
        "killed). Nothing was changed; start the solve again."
    )


def stopped(solve: Solve, *, now: dt.datetime) -> bool:
    """Whether a running solve has been left by its worker: the worker that took it has no
    heartbeat, or it has run past its time limit and STALLED_MARGIN. A queue that cannot be
    reached tells nothing: the time limit still does."""
    if solve.state is not SolveState.RUNNING or solve.started_at is None:
        return False
    if now - solve.started_at > dt.timedelta(seconds=solve.time_limit) + STALLED_MARGIN:
        return True
    if now - solve.started_at <= queue.WORKER_GONE_AFTER:
        return False  # a worker that has just taken it has surely beaten since
    try:
        worker = huey.get(_worker_key(solve.public_id), peek=True)
        return worker is not None and queue.worker_gone(worker, now=now)
    except Exception:
        log.warning("could not read the worker of solve %s", solve.public_id)
        return False


def recover(*, now: dt.datetime) -> int:
    """Record every solve whose worker has stopped as failed, in the language of whoever
    started it, and mail them as for any failure (the periodic task `recover_solves`);
    commits. Returns how many."""
    candidates = db.session.scalars(
        select(Solve).where(Solve.state == SolveState.RUNNING, Solve.started_at.is_not(None))
    ).all()
    failed = 0
    for solve in candidates:
        if not stopped(solve, now=now):
            continue
        public_id, solve_id = solve.public_id, solve.id
        locale = locale_of(public_id) or current_app.config["DEFAULT_LOCALE"]
        with force_locale(locale):
            moved = _move(
                solve_id,
                SolveState.RUNNING,
                state=SolveState.FAILED,
                error=worker_stopped_text(),
                finished_at=now,
            )
            if moved:
                log.warning("solve %s was left running by a stopped worker: failed", public_id)
                _tell_if_left(solve_id, now)
                failed += 1
        db.session.commit()
        _remember_worker(public_id, None)
    return failed


def _result_public_id(solve: Solve) -> str | None:
    if solve.state is not SolveState.DONE:
        return None
    if solve.kind is SolveKind.GRANT_ALLOCATION:
        return solve.programme.public_id if solve.programme is not None else None
    return solve.suggestion.public_id if solve.suggestion is not None else None


# Running (the task's body) -------------------------------------------------------------------


def _move(solve_id: int, source: SolveState, **values: object) -> bool:
    """Change the record only if it is still in `source` (a cancel may have come first)."""
    changed = db.session.execute(
        update(Solve)
        .where(Solve.id == solve_id, Solve.state == source)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(changed.rowcount)  # type: ignore[attr-defined]


def _describe(sofar: Sofar) -> str:
    if sofar.phase == "start":
        return _("Looking for a first schedule.")
    if sofar.phase == "check":
        return _("Checking whether every session can be placed.")
    if not sofar.solutions:
        return _("Searching for a schedule.")
    return ngettext(
        "%(num)d schedule found so far; the best places %(placed)d of %(total)d sessions.",
        "%(num)d schedules found so far; the best places %(placed)d of %(total)d sessions.",
        sofar.solutions,
        placed=sofar.placed,
        total=sofar.total,
    )


def _describe_allocation(phase: str) -> str:
    if phase == "fund":
        return _("Choosing which applications to fund.")
    return _("Spending what is left on the best-scored applications.")


def _looker(solve_id: int, time_limit: int) -> Callable[[str, float], bool]:
    """Writes what the solver is doing and how far into the time limit it is into the record
    (each look its own short transaction); True (stop) once the record is no longer running."""

    def look(text: str, seconds: float) -> bool:
        percent = min(99, int(seconds * 100 / max(1, time_limit)))
        running = _move(solve_id, SolveState.RUNNING, progress=text[:200], percent=percent)
        db.session.commit()
        return not running

    return look


def _watch(solve_id: int, time_limit: int) -> Watch:
    look = _looker(solve_id, time_limit)
    return lambda sofar: look(_describe(sofar), sofar.seconds)


def _final_text(result: Result) -> str:
    return _(
        "Finished: %(placed)d of %(total)d sessions have a place.",
        placed=len(result.placements),
        total=len(result.to_place),
    )


def carry_out(public_id: str, *, clock: Callable[[], dt.datetime]) -> SolveState | None:
    """Run the solve (the task's body); commits. Returns its state at the end, or None when
    there is no such solve."""
    solve = db.session.scalar(select(Solve).where(Solve.public_id == public_id))
    if solve is None:
        return None
    solve_id = solve.id
    # Who runs it, recorded before it shows as running, so that a kill at any moment after
    # is noticed (`stopped`). None in a web process (the suite's immediate queue).
    worker = queue.this_worker
    if worker is not None:
        _remember_worker(public_id, worker)
    if not _move(solve_id, SolveState.QUEUED, state=SolveState.RUNNING, started_at=clock()):
        db.session.rollback()
        if worker is not None:
            _remember_worker(public_id, None)
        return solve.state  # cancelled before a worker took it: nothing to do
    db.session.commit()
    try:
        return _carry_out(solve, clock)
    finally:
        if worker is not None:
            _remember_worker(public_id, None)


def _remember_worker(public_id: str, worker: str | None) -> None:
    """A queue that cannot be reached costs only the quick notice of a killed worker: the
    time limit still tells."""
    try:
        if worker is None:
            huey.delete(_worker_key(public_id))
        else:
            huey.put(_worker_key(public_id), worker)
    except Exception:
        log.warning("could not record the worker of solve %s", public_id)


def _carry_out(solve: Solve, clock: Callable[[], dt.datetime]) -> SolveState:
    public_id, solve_id = solve.public_id, solve.id
    try:
        if solve.kind is SolveKind.GRANT_ALLOCATION:
            produced, text = _solve_allocation(solve, clock)
        else:
            produced, text = _solve_schedule(solve, clock)
    except solving.Stopped:
        db.session.rollback()
        log.info("solve %s was cancelled while running", public_id)
        return SolveState.CANCELLED
    except DomainError as error:
        db.session.rollback()
        return _fail(solve_id, error.message, clock)
    except Exception:
        db.session.rollback()
        log.exception("solve %s failed", public_id)
        return _fail(
            solve_id,
            _(
                "The solver stopped with an unexpected error. Nothing was changed; try again, "
                "and tell the site's administrators if it happens again."
            ),
            clock,
        )
    done = _move(
        solve_id,
        SolveState.RUNNING,
        state=SolveState.DONE,
        finished_at=clock(),
        **produced,
        progress=text,
        percent=100,
    )
    if not done:  # cancelled as it finished: its result is dropped
        db.session.rollback()
        return SolveState.CANCELLED
    _tell_if_left(solve_id, clock())
    db.session.commit()
    return SolveState.DONE


Produced = tuple[dict[str, int], str]  # the record's reference to the result; the final text


def _requester(solve: Solve) -> User:
    if solve.requested_by is None:
        raise PermissionDenied(_("The account that asked for this solve no longer exists."))
    return solve.requested_by


def _solve_schedule(solve: Solve, clock: Callable[[], dt.datetime]) -> Produced:
    """Prepare (then commit, so that no transaction is open while the solver works), solve,
    keep the suggestion."""
    actor, event = _requester(solve), solve.event
    prepared = suggestions.prepare(
        event=event, actor=actor, now=clock(), mode=solve.mode, time_limit=solve.time_limit
    )
    solve_id, time_limit = solve.id, solve.time_limit
    db.session.commit()
    result = suggestions.run_solver(prepared, watch=_watch(solve_id, time_limit))
    suggestion = suggestions.keep(
        event=event, actor=actor, now=clock(), prepared=prepared, result=result
    )
    return {"suggestion_id": suggestion.id}, _final_text(result)


def _solve_allocation(solve: Solve, clock: Callable[[], dt.datetime]) -> Produced:
    """As _solve_schedule, for the programme's allocation: its draft run."""
    actor, programme = _requester(solve), solve.programme
    if programme is None:
        raise NotFound(_("The grant programme of this allocation no longer exists."))
    prepared = allocation.prepare(
        actor=actor,
        programme=programme,
        time_limit=solve.time_limit,
        basis=solve.mode or allocation.BASIS_REQUESTS,
    )
    look = _looker(solve.id, solve.time_limit)
    db.session.commit()
    result = allocation.run_solver(
        programme,
        prepared,
        watch=lambda phase, seconds: look(_describe_allocation(phase), seconds),
    )
    run = allocation.keep(
        actor=actor, programme=programme, now=clock(), prepared=prepared, result=result
    )
    text = _(
        "Finished: %(funded)d of %(considered)d applications funded.",
        funded=len(result.amounts),
        considered=len(prepared.applications),
    )
    return {"allocation_run_id": run.id}, text


def _fail(solve_id: int, message: str, clock: Callable[[], dt.datetime]) -> SolveState:
    now = clock()
    if _move(solve_id, SolveState.RUNNING, state=SolveState.FAILED, error=message, finished_at=now):
        _tell_if_left(solve_id, now)
        db.session.commit()
        return SolveState.FAILED
    db.session.rollback()
    return SolveState.CANCELLED


def _tell_if_left(solve_id: int, now: dt.datetime) -> None:
    """Mail whoever started it that it ended, unless its progress page was looked at in the
    last LEFT_AFTER (they are still there and see it)."""
    solve = db.session.get(Solve, solve_id, populate_existing=True)
    if solve is None or solve.requested_by is None:
        return
    looked = last_seen(solve)
    if looked is not None and now - looked < LEFT_AFTER:
        return
    endpoint, values = progress_page(solve)
    notifications.tell(
        solve.requested_by,
        MAIL_PURPOSE,
        about=(solve,),
        context={
            "event": solve.event,
            "person": solve.requested_by,
            "solve": solve,
            "failed": solve.state is SolveState.FAILED,
            "what": _what(solve),
            "url": external_url(endpoint, **values),
        },
        now=now,
        event=solve.event,
    )


def _what(solve: Solve) -> str:
    if solve.kind is SolveKind.GRANT_ALLOCATION and solve.programme is not None:
        return _("The allocation of “%(programme)s”", programme=solve.programme.name)
    return _("The automatic scheduler")


def progress_page(solve: Solve) -> tuple[str, dict[str, str]]:
    """The endpoint and arguments of the solve's progress page."""
    if solve.kind is SolveKind.GRANT_ALLOCATION and solve.programme is not None:
        return "grant_decisions.solve", {
            "event_slug": solve.event.slug,
            "programme_public_id": solve.programme.public_id,
            "solve_id": solve.public_id,
        }
    return "scheduler.solve", {"event_slug": solve.event.slug, "solve_id": solve.public_id}
