"""The scenarios of a load run. Each one drives the live stack through HTTP, then checks the
database (read directly, not through the app) and the SMTP sink, and writes its figures and
any broken invariant into the run."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import statistics
import threading
import time
from typing import Any

from tests.load.clients import (
    Person,
    Tally,
    grant_form,
    proposal_form,
    saved,
)
from tests.load.stack import Stack, restart_postgresql

SIGN_IN_AT_ONCE = 32  # sign-ins are set-up, not the measurement: not all at once


@dataclasses.dataclass
class Run:
    stack: Stack
    event: str
    programme: str
    emails: list[str]
    tally: Tally = dataclasses.field(default_factory=Tally)
    figures: dict[str, Any] = dataclasses.field(default_factory=dict)
    failures: list[str] = dataclasses.field(default_factory=list)
    next_person: int = 0

    def check(self, ok: bool, message: str) -> None:
        if not ok:
            self.failures.append(message)

    async def people(self, count: int) -> list[Person]:
        """`count` people not used by an earlier scenario, signed in."""
        emails = self.emails[self.next_person : self.next_person + count]
        assert len(emails) == count, "not enough accounts: raise PEOPLE"
        self.next_person += count
        crowd = [Person(self.stack.base_url, email, self.tally) for email in emails]
        gate = asyncio.Semaphore(SIGN_IN_AT_ONCE)

        async def sign_in(person: Person) -> None:
            async with gate:
                await person.sign_in()

        await asyncio.gather(*(sign_in(p) for p in crowd))
        return crowd

    @property
    def submit_url(self) -> str:
        return f"/{self.event}/cfp/submit"

    @property
    def apply_url(self) -> str:
        return f"/{self.event}/grants/{self.programme}/apply"


# --- reading the database ------------------------------------------------------------------


def proposals_per_person(stack: Stack, emails: list[str]) -> dict[str, int]:
    rows = stack.query(
        'SELECT u.email, count(p.id) FROM "user" u'
        " LEFT JOIN proposal_speaker s ON s.user_id = u.id"
        " LEFT JOIN proposal p ON p.id = s.proposal_id AND p.state::text = 'submitted'"
        " WHERE u.email = ANY(%s) GROUP BY u.email",
        emails,
    )
    return dict(rows)


def applications_per_person(stack: Stack, emails: list[str]) -> dict[str, int]:
    rows = stack.query(
        'SELECT u.email, count(a.id) FROM "user" u'
        " LEFT JOIN grant_application a ON a.applicant_id = u.id"
        " AND a.submitted_at IS NOT NULL"
        " WHERE u.email = ANY(%s) GROUP BY u.email",
        emails,
    )
    return dict(rows)


def one_each(run: Run, counts: dict[str, int], emails: list[str], what: str) -> dict[str, int]:
    missing = [e for e in emails if counts.get(e, 0) == 0]
    doubled = [e for e in emails if counts.get(e, 0) > 1]
    run.check(not missing, f"{what}: {len(missing)} people have none (lost), e.g. {missing[:3]}")
    run.check(not doubled, f"{what}: {len(doubled)} people have several, e.g. {doubled[:3]}")
    return {"people": len(emails), "lost": len(missing), "duplicated": len(doubled)}


def half_written(stack: Stack) -> dict[str, int]:
    """Records a transaction cut in the middle would leave: a proposal without its speaker,
    a submitted proposal or application without its confirmation mail."""
    return {
        "proposals_without_speaker": stack.scalar(
            "SELECT count(*) FROM proposal p WHERE NOT EXISTS"
            " (SELECT 1 FROM proposal_speaker s WHERE s.proposal_id = p.id)"
        ),
        "submitted_without_mail": stack.scalar(
            "SELECT count(*) FROM proposal p JOIN proposal_speaker s ON s.proposal_id = p.id"
            ' JOIN "user" u ON u.id = s.user_id'
            " WHERE p.state::text = 'submitted' AND u.email LIKE '%%@load.example.org'"
            " AND NOT EXISTS (SELECT 1 FROM outbox_message m WHERE m.to_address = u.email)"
        ),
    }


# --- 1. the crowd --------------------------------------------------------------------------


async def crowd(run: Run, speakers: int, applicants: int) -> None:
    """Everyone submits a proposal or applies for a grant at the same moment."""
    proposers = await run.people(speakers)
    grantees = await run.people(applicants)
    first = len(run.tally.answers)

    async def propose(person: Person, n: int) -> bool:
        hidden = await person.form(run.submit_url, "cfp/submit")
        post = proposal_form(hidden, n) if hidden else None
        return bool(post) and saved(await person.post(run.submit_url, "cfp/submit", post))

    async def apply(person: Person, n: int) -> bool:
        hidden = await person.form(run.apply_url, "grants/apply")
        post = grant_form(hidden, n) if hidden else None
        return bool(post) and saved(await person.post(run.apply_url, "grants/apply", post))

    started = time.monotonic()
    with extra_senders(run.stack) as senders:
        done = await asyncio.gather(
            *(propose(p, n) for n, p in enumerate(proposers)),
            *(apply(p, n) for n, p in enumerate(grantees)),
        )
    seconds = time.monotonic() - started
    answers = run.tally.answers[first:]
    errors = [a for a in answers if a.status >= 500 or a.status == 0]
    run.check(not errors, f"crowd: {len(errors)} server errors or dropped connections")
    run.check(all(done), f"crowd: {done.count(False)} people were not told it was saved")
    run.figures["crowd"] = {
        "proposals": one_each(
            run,
            proposals_per_person(run.stack, [p.email for p in proposers]),
            [p.email for p in proposers],
            "crowd proposals",
        ),
        "applications": one_each(
            run,
            applications_per_person(run.stack, [p.email for p in grantees]),
            [p.email for p in grantees],
            "crowd grant applications",
        ),
        "requests": len(answers),
        "server_errors": len(errors),
        "seconds": round(seconds, 1),
        "extra_send_mail_runs": senders.runs,
        "extra_send_mail_refused_lock_held": senders.skipped,
        "statuses": _statuses(answers),
    }
    await _close(proposers + grantees)


class extra_senders:
    """`flask send-mail` run again and again beside the queue workers while the block runs:
    a third sender racing the workers for the same messages."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.stop = threading.Event()
        self.runs = 0
        self.skipped = 0  # a worker's sweep held the lock: the command refused, as it should
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self.stop.is_set():
            if self.stack.flask("send-mail", check=False).returncode == 0:
                self.runs += 1
            else:
                self.skipped += 1

    def __enter__(self) -> extra_senders:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=120)


# --- 2. double submits ---------------------------------------------------------------------


async def double_submits(run: Run, count: int) -> None:
    """The same form posted twice at once (a double click), then once more after it was
    saved (the back button and submit again): one proposal each."""
    people = await run.people(count)
    first = len(run.tally.answers)

    async def twice_then_back(person: Person, n: int) -> None:
        hidden = await person.form(run.submit_url, "cfp/submit")
        if hidden is None:
            return
        post = proposal_form(hidden, 1000 + n)
        await asyncio.gather(
            person.post(run.submit_url, "cfp/submit (double)", post),
            person.post(run.submit_url, "cfp/submit (double)", post),
        )
        await person.post(run.submit_url, "cfp/submit (back button)", post)

    await asyncio.gather(*(twice_then_back(p, n) for n, p in enumerate(people)))
    answers = run.tally.answers[first:]
    errors = [a for a in answers if a.status >= 500 or a.status == 0]
    run.check(not errors, f"double submits: {len(errors)} server errors or dropped connections")
    emails = [p.email for p in people]
    run.figures["double_submits"] = {
        "proposals": one_each(run, proposals_per_person(run.stack, emails), emails, "double"),
        "server_errors": len(errors),
        "statuses": _statuses(answers),
    }
    await _close(people)


# --- 3. mail -------------------------------------------------------------------------------


def outbox(stack: Stack) -> dict[str, int]:
    return dict(stack.query("SELECT state::text, count(*) FROM outbox_message GROUP BY 1"))


def wait_for_outbox(stack: Stack, timeout: float) -> dict[str, int]:
    """Until nothing waits in the outbox (the workers, or their every-minute sweep)."""
    deadline = time.monotonic() + timeout
    while True:
        states = outbox(stack)
        if not (states.get("queued") or states.get("sending")) or time.monotonic() > deadline:
            return states
        time.sleep(0.5)


def mail_check(run: Run, name: str, *, resent: frozenset[str] = frozenset()) -> None:
    """Every message the outbox says it sent reached the sink exactly once (by Message-ID);
    those in `resent` (interrupted sends, sent again by design) at least once."""
    started = time.monotonic()
    states = wait_for_outbox(run.stack, timeout=90)
    sent = {
        row[0]
        for row in run.stack.query("SELECT public_id FROM outbox_message WHERE state = 'sent'")
    }
    received = {mid.strip("<>").split("@")[0]: n for mid, n in run.stack.sink.snapshot().items()}
    missing = sent - received.keys()
    unknown = received.keys() - sent
    twice = {pid for pid, n in received.items() if n > 1}
    run.check(not states.get("queued") and not states.get("sending"), f"{name}: unsent {states}")
    run.check(not states.get("failed"), f"{name}: {states.get('failed')} messages failed")
    run.check(not missing, f"{name}: {len(missing)} messages marked sent never arrived")
    run.check(not unknown, f"{name}: {len(unknown)} messages arrived that are not marked sent")
    run.check(not (twice - resent), f"{name}: {len(twice - resent)} messages arrived twice")
    run.figures[name] = {
        "outbox": states,
        "delivered": len(received),
        "sent_in_outbox": len(sent),
        "arrived_more_than_once": len(twice),
        "of_which_interrupted_sends": len(twice & resent),
        "seconds_to_drain": round(time.monotonic() - started, 1),
    }


# --- 4. faults -----------------------------------------------------------------------------


async def killed_worker(run: Run, count: int) -> frozenset[str]:
    """kill -9 a queue worker while it delivers (the sink is slowed so that delivery takes a
    while), restart it. Returns the messages it had claimed: they stay claimed until the claim
    is stale (10 minutes); the run ages those claims instead of waiting, and the next sweep
    sends them again under the same Message-ID (the documented at-least-once)."""
    people = await run.people(count)
    run.stack.sink.delay = 0.1
    before = sum(run.stack.sink.snapshot().values())

    async def propose(person: Person, n: int) -> None:
        hidden = await person.form(run.submit_url, "cfp/submit")
        if hidden:
            await person.post(run.submit_url, "cfp/submit", proposal_form(hidden, 2000 + n))

    await asyncio.gather(*(propose(p, n) for n, p in enumerate(people)))
    deadline = time.monotonic() + 30
    while sum(run.stack.sink.snapshot().values()) < before + count // 4:
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    killed_at = dt.datetime.now(dt.UTC)
    run.stack.kill_worker(0)
    killed_at_delivered = sum(run.stack.sink.snapshot().values()) - before
    run.stack.workers[0] = run.stack.start_worker(0)
    run.stack.sink.delay = 0
    await asyncio.sleep(1)  # the other worker's sends in flight finish
    aged = json.loads(run.stack.python("tests.load.data", "age", killed_at.isoformat()))
    run.figures["killed_worker"] = {
        "mails_to_send": count,
        "delivered_when_killed": killed_at_delivered,
        "claims_left_by_the_killed_worker": len(aged["claims"]),
        "send_mail_lock_left_by_it": aged["lock"],
    }
    await _close(people)
    return frozenset(aged["claims"])


async def database_restart(run: Run, count: int) -> None:
    """PostgreSQL restarts while people submit: they get the app's 503 page and try again
    (the same form, so the same creation key) until it is saved; one proposal each, nothing
    half-written, and the same gunicorn serves before and after."""
    people = await run.people(count)
    gunicorn_pid = run.stack.gunicorn.pid
    first = len(run.tally.answers)

    async def propose_until_saved(person: Person, n: int) -> bool:
        await asyncio.sleep(n * 0.08)  # spread over the restart
        hidden, deadline = None, time.monotonic() + 90
        while hidden is None and time.monotonic() < deadline:
            hidden = await person.form(run.submit_url, "cfp/submit")
            if hidden is None:
                await asyncio.sleep(0.5)
        post = proposal_form(hidden or {}, 3000 + n)
        while time.monotonic() < deadline:
            response = await person.post(run.submit_url, "cfp/submit", post)
            if saved(response) or (response is not None and response.status_code == 409):
                return True  # 409: an earlier try was saved after all
            await asyncio.sleep(0.5)
        return False

    submitting = asyncio.gather(*(propose_until_saved(p, n) for n, p in enumerate(people)))
    await asyncio.sleep(1.5)
    outage_start = time.monotonic()
    await asyncio.to_thread(restart_postgresql)
    restarted = time.monotonic()
    done = await submitting
    answers = run.tally.answers[first:]
    recovered = min(
        (a.at for a in answers if a.at > restarted and 200 <= a.status < 400), default=None
    )
    outage_end = recovered or float("inf")
    inside = [a for a in answers if outage_start <= a.at <= outage_end and a.status >= 500]
    outside = [a for a in answers if not outage_start <= a.at <= outage_end and a.status >= 500]
    bare = [a for a in answers if a.kind in ("plain-503", "bare-500", "other-5xx")]
    emails = [p.email for p in people]
    run.check(recovered is not None, "database restart: the app did not recover")
    run.check(not outside, f"database restart: {len(outside)} 5xx outside the outage")
    run.check(not bare, f"database restart: {len(bare)} answers were not the app's 503 page")
    run.check(all(done), f"database restart: {done.count(False)} people never got it saved")
    run.check(
        run.stack.gunicorn.pid == gunicorn_pid and run.stack.gunicorn.poll() is None,
        "database restart: gunicorn did not survive",
    )
    broken = half_written(run.stack)
    run.check(not any(broken.values()), f"database restart: half-written records {broken}")
    run.figures["database_restart"] = {
        "proposals": one_each(run, proposals_per_person(run.stack, emails), emails, "restart"),
        "half_written": broken,
        "restart_seconds": round(restarted - outage_start, 1),
        "outage_seconds": round(outage_end - outage_start, 1) if recovered else None,
        "app_503_pages": sum(1 for a in inside if a.kind == "app-503"),
        "no_answer": sum(1 for a in answers if a.status == 0),
        "other_5xx": len(bare),
        "other_5xx_answers": [a.note for a in bare],
        "5xx_outside_outage": len(outside),
        "statuses": _statuses(answers),
    }
    await _close(people)


# --- 5. throughput and latency ------------------------------------------------------------


async def throughput(run: Run, *, clients: int, seconds: float) -> dict[str, Any]:
    """`clients` clients ask for each page for `seconds`, one after the other; answers per
    second and latency percentiles of the 200s."""
    readers = await run.people(clients)  # signed in: the proposal form needs it
    pages = {
        "schedule page": f"/{run.event}/schedule/",
        "iCal feed": f"/{run.event}/schedule.ics",
        "proposal form (GET)": run.submit_url,
    }
    figures = {}
    for name, url in pages.items():
        latencies, failed = await _read_for(readers, url, f"GET {name}", seconds)
        figures[name] = _latency(latencies, failed, seconds)
        run.check(not failed, f"throughput {name} at {clients}: {failed} answers were not 200")
    await _close(readers)
    return figures


async def _read_for(
    readers: list[Person], url: str, what: str, seconds: float
) -> tuple[list[float], int]:
    """Each reader asks for `url` again and again for `seconds`: the 200s' latencies, and
    how many answers were anything else."""
    latencies: list[float] = []
    failed = 0
    stop = time.monotonic() + seconds

    async def read(person: Person) -> None:
        nonlocal failed
        while time.monotonic() < stop:
            began = time.perf_counter()
            response = await person.send("GET", url, what)
            if response is not None and response.status_code == 200:
                latencies.append(time.perf_counter() - began)
            else:
                failed += 1

    await asyncio.gather(*(read(p) for p in readers))
    return latencies, failed


def _latency(latencies: list[float], failed: int, seconds: float) -> dict[str, Any]:
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "requests": len(latencies),
        "not_200": failed,
        "per_second": round(len(latencies) / seconds, 1),
        "p50_ms": round(cuts[49] * 1000),
        "p95_ms": round(cuts[94] * 1000),
        "p99_ms": round(cuts[98] * 1000),
    }


def _statuses(answers: list) -> dict[str, int]:
    counts: dict[str, int] = {}
    for answer in answers:
        key = f"{answer.status} {answer.kind}".strip()
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


async def _close(people: list[Person]) -> None:
    await asyncio.gather(*(p.close() for p in people))


def server_logs(run: Run) -> None:
    """What the servers logged as errors: a request gunicorn answered itself (an exception
    escaped the app) and the app's own ERROR lines (the 503s' warnings are expected)."""
    gunicorn = (run.stack.run_dir / "gunicorn.log").read_text(errors="replace")
    escaped = gunicorn.count("Error handling request")
    errors = sum(1 for line in gunicorn.splitlines() if " ERROR organizer" in line)
    run.check(not escaped, f"gunicorn answered {escaped} requests itself (see its log)")
    run.figures["server_logs"] = {"requests_gunicorn_answered": escaped, "app_errors": errors}


def populate(stack: Stack, people: int, size: int) -> tuple[str, str, list[str]]:
    """The event (`flask demo --size`: an open call and a released schedule), then the grant
    programme and the accounts (tests/load/data.py)."""
    stack.flask("demo", "--size", str(size))
    data = json.loads(stack.python("tests.load.data", "populate", f"synthetic-{size}", str(people)))
    return data["event"], data["programme"], data["emails"]
