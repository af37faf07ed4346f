"""The schedule's organizer pages around the editor, in headless Chromium, on the demo workshop:
the set-up pages (settings, rooms and a room's windows, days, plenary items and blocks,
speakers), the automatic scheduler (asking, a suggestion with a session it could not place),
the releases (the preview, a refused release, a past version) and the public change log.

axe-core scans every page at desktop and phone width, error states included: a room without a
name, a release refused for a conflict that blocks it, a suggestion that leaves a session
unplaced. Then, with the keyboard alone: adding a room, entering a remote speaker's time in her
own zone, asking for a suggestion and accepting it, and releasing the next version, which a
visitor then reads on the public change log.

The demo is loaded once for the module, as test_every_page.py does (loading skips an event that
is already there). A test that changes the schedule either puts it back (the conflict) or leaves
it valid for the others (a new room, a speaker's time, placed sessions, one more release), so
the tests pass in any order."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from organizer.enums import (
    ConflictRule,
    Severity,
    SlotKind,
    SolveKind,
    SolveState,
    SuggestionStatus,
)
from organizer.extensions import db
from organizer.models import (
    Event,
    Proposal,
    ProposalSpeaker,
    Room,
    ScheduleRelease,
    Slot,
    Solve,
    SpeakerAvailability,
    User,
)
from organizer.services import accounts, demo
from organizer.services.events import event_by_slug
from organizer.services.scheduling import day_setup, editor, item_setup, room_setup, suggestions
from organizer.services.scheduling.plan import build_plan
from tests import factories
from tests.e2e.conftest import VIEWPORTS, check_page, tab_to
from tests.e2e.test_accounts_and_events import flash, sign_in

pytestmark = pytest.mark.e2e

DEMO = "mangrove-2027"
BASE = f"/manage/{DEMO}/schedule"
ORGANIZER = ("organizer@example.org", "demo-organizer")
AROHA = "aroha.ngata@example.org"  # remote, from Pacific/Auckland
THANDIWE = "thandiwe.ndlovu@example.org"  # needs step-free access
SADO = "Sala Sado"  # the demo's room without step-free access
# An unscheduled talk of the demo that the seed makes too big for every room while it asks for
# a suggestion, so that the stored suggestion has a session it could not place.
CROWDED = "Datasheets in practice: what 200 dataset"


# --- reading and changing the live database (inside live_server.run) ---------------------------


def _event() -> Event:
    event = event_by_slug(DEMO)
    assert event is not None
    return event


def _organizer() -> User:
    user = accounts.user_by_email(ORGANIZER[0])
    assert user is not None
    return user


def _user_id(email: str) -> int:
    user = accounts.user_by_email(email)
    assert user is not None, email
    return user.id


def _room(name: str) -> Room:
    room = db.session.scalar(select(Room).where(Room.event_id == _event().id, Room.name == name))
    assert room is not None, name
    return room


def _talk_of(email: str) -> Slot:
    """The slot of the demo speaker's one talk."""
    slot = db.session.scalar(
        select(Slot)
        .join(Proposal, Slot.proposal_id == Proposal.id)
        .join(ProposalSpeaker, ProposalSpeaker.proposal_id == Proposal.id)
        .join(User, ProposalSpeaker.user_id == User.id)
        .where(Slot.event_id == _event().id, User.email == email)
    )
    assert slot is not None, email
    return slot


def _local(moment: dt.datetime, zone: str) -> dt.time:
    return moment.astimezone(ZoneInfo(zone)).time()


def _release_numbers() -> list[int]:
    return list(
        db.session.scalars(
            select(ScheduleRelease.number)
            .where(ScheduleRelease.event_id == _event().id)
            .order_by(ScheduleRelease.number)
        )
    )


@pytest.fixture(scope="module")
def schedule_demo(live_server) -> dict[str, Any]:
    """The demo workshop in the live database, plus what its pages should show and the demo
    lacks: windows for Sala Sado (its days' hours, so the schedule's rules do not change) and a
    suggestion that could not place one session. Returns the ids the pages' addresses need."""

    def seed() -> dict[str, Any]:
        now = dt.datetime.now(dt.UTC)
        demo.load_demo(data=demo.read_fixture(), now=now)
        event = _event()
        organizer = _organizer()
        editor.ensure_slots(event=event, now=now)
        days = day_setup.days_of(event)
        sado = _room(SADO)
        if not sado.windows:
            for day in days:
                room_setup.add_window(
                    actor=organizer,
                    event=event,
                    room=sado,
                    day=day.day,
                    starts=_local(day.starts_at, event.timezone),
                    ends=_local(day.ends_at, event.timezone),
                    now=now,
                )
        crowded = db.session.scalar(
            select(Slot)
            .join(Proposal, Slot.proposal_id == Proposal.id)
            .where(Slot.event_id == event.id, Proposal.title.startswith(CROWDED))
        )
        assert crowded is not None and crowded.room_id is None, "the demo changed"
        audience = crowded.expected_audience
        crowded.expected_audience = 5000  # more than any room seats: the solver cannot place it
        db.session.flush()
        unplaced = suggestions.suggest(event=event, actor=organizer, now=now, time_limit=2)
        assert [item["slot_id"] for item in unplaced.unplaced] == [crowded.id], unplaced.stats
        crowded.expected_audience = audience
        items = item_setup.items_of(event)
        return {
            "sado": sado.id,
            "day": days[0].id,
            "plenary": next(s.id for s in items if s.kind is SlotKind.PLENARY),
            "block": next(s.id for s in items if s.kind is SlotKind.CONTAINER),
            "aroha": _user_id(AROHA),
            "thandiwe": _user_id(THANDIWE),
            "suggestion": unplaced.public_id,
        }

    return live_server.run(seed)


def organizer_pages(ids: dict[str, Any]) -> list[str]:
    """The pages to scan. The confirmation pages (delete a room, a day, a block; reset a
    speaker's times; discard a suggestion) are left out to keep the module fast: they are the
    shared macros/confirm_page.html, which test_every_page.py scans on the call's set-up. The
    new room form is scanned below with its errors."""
    setup_base = f"{BASE}/setup"
    return [
        f"{setup_base}/",
        f"{setup_base}/rooms",
        f"{setup_base}/rooms/{ids['sado']}",
        f"{setup_base}/days",
        f"{setup_base}/days/{ids['day']}",
        f"{setup_base}/items",
        f"{setup_base}/items/{ids['plenary']}",
        f"{setup_base}/items/{ids['block']}",
        f"{setup_base}/speakers",
        f"{setup_base}/speakers/{ids['aroha']}",
        f"{setup_base}/speakers/{ids['thandiwe']}",
        f"{BASE}/suggest",
        f"{BASE}/suggestions/{ids['suggestion']}",
        f"{BASE}/releases/",
        f"{BASE}/releases/1",
    ]


# --- 1. axe on every page, with error states ----------------------------------------------------


def _thandiwe_into_sala_sado() -> tuple[int | None, dt.datetime | None]:
    """A conflict that blocks releases: Thandiwe, who needs step-free access, in Sala Sado,
    which has steps (through the editor, as an organizer would). Returns where the talk was."""
    event = _event()
    settings = editor.ensure_settings(event, dt.datetime.now(dt.UTC))
    rule = ConflictRule.STEP_FREE.value
    settings.severities = {**(settings.severities or {}), rule: Severity.BLOCKS_RELEASE.value}
    talk = _talk_of(THANDIWE)
    before = (talk.room_id, talk.starts_at)
    editor.move(
        event=event,
        slot=talk,
        room_id=_room(SADO).id,
        starts_at=factories.lisbon(27, 14),
        version=talk.version,
        actor=_organizer(),
        now=dt.datetime.now(dt.UTC),
    )
    return before


def _put_thandiwe_back(room_id: int | None, starts_at: dt.datetime | None) -> None:
    event, talk, organizer = _event(), _talk_of(THANDIWE), _organizer()
    now = dt.datetime.now(dt.UTC)
    if room_id is None or starts_at is None:
        editor.unschedule(event=event, slot=talk, version=None, actor=organizer, now=now)
    else:
        editor.move(
            event=event,
            slot=talk,
            room_id=room_id,
            starts_at=starts_at,
            version=None,
            actor=organizer,
            now=now,
        )


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["desktop", "phone"])
def test_every_schedule_page_passes_axe(
    page: Page, axe, live_server, schedule_demo, viewport
) -> None:
    page.set_viewport_size(viewport)
    sign_in(page, *ORGANIZER)
    for path in organizer_pages(schedule_demo):
        page.goto(path)
        check_page(page, axe, viewport)

    # A room's page lists its windows; a block's page its talks, in order.
    page.goto(f"{BASE}/setup/rooms/{schedule_demo['sado']}")
    windows = page.get_by_role("table", name="Times the room is open")
    expect(windows.locator("tbody tr")).to_have_count(2)  # the demo's two days
    page.goto(f"{BASE}/setup/items/{schedule_demo['block']}")
    expect(page.locator("#talks")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Tokenizers tax some languages")

    # A suggestion that could not place a session says which and why.
    page.goto(f"{BASE}/suggestions/{schedule_demo['suggestion']}")
    unplaced = page.get_by_role("region", name="1 session it could not place")
    expect(unplaced.get_by_role("link", name=re.compile(CROWDED))).to_be_visible()
    expect(unplaced.get_by_role("listitem")).to_contain_text(
        "No room holds its expected audience of 5000"
    )

    # A room without a name: the error is next to the field, and what was typed stays.
    page.goto(f"{BASE}/setup/rooms/new")
    page.get_by_label("Capacity (optional)").fill("12")
    page.get_by_role("button", name="Save room").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    name = page.get_by_label("Name", exact=True)
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description(re.compile(r"Enter the room's name"))
    expect(page.get_by_label("Capacity (optional)")).to_have_value("12")
    check_page(page, axe, viewport)

    # Releasing while a conflict blocks it: refused, with what blocks it.
    released = live_server.run(_release_numbers)
    where = live_server.run(_thandiwe_into_sala_sado)
    try:
        page.goto(f"{BASE}/releases/")
        blocking = page.locator("#blocking-title + .conflict-list")
        expect(blocking).to_contain_text("Thandiwe Ndlovu")
        page.get_by_role("button", name=re.compile(r"^Release version")).click()
        refusal = page.get_by_role("alert")
        expect(refusal).to_contain_text("The schedule was not released")
        expect(refusal).to_contain_text(re.compile(r"conflicts? blocks? a release"))
        expect(refusal.get_by_role("link", name="See what blocks the release")).to_be_visible()
        check_page(page, axe, viewport)
        assert live_server.run(_release_numbers) == released
    finally:
        live_server.run(_put_thandiwe_back, *where)

    # The public change log, for a visitor.
    page.context.clear_cookies()
    page.goto(f"/{DEMO}/schedule/changes/")
    expect(page.get_by_role("region", name="Version 1")).to_be_visible()
    check_page(page, axe, viewport)

    # A speaker far away: her times in her zone and in the event's, each column saying which
    # zone it is in (on a phone too, where the page has just said "Times are in
    # Pacific/Auckland" and a row shows two different times).
    sign_in(page, *ORGANIZER)
    page.goto(f"{BASE}/setup/speakers/{schedule_demo['aroha']}")
    times = page.get_by_role("table", name="Times the speaker can speak")
    for zone in ("In Pacific/Auckland", "At the event (Europe/Lisbon)"):
        # The header stays in the accessibility tree at every width ...
        expect(times.get_by_role("columnheader", name=zone)).to_have_count(1)
        # ... and each cell of its column shows it on the screen (as a label on a phone,
        # where the header row itself is moved out of sight and the rows stack).
        cell = times.locator(f'tbody [data-label="{zone}"]').first
        expect(cell).to_be_visible()
        if viewport["width"] < 640:
            label = cell.evaluate("cell => getComputedStyle(cell, '::before').content")
            assert zone in label, f"the cells do not say “{zone}” at {viewport['width']} px"
        else:
            expect(times.get_by_role("columnheader", name=zone)).to_be_visible()


# --- 2. with the keyboard alone ----------------------------------------------------------------


def test_add_a_room_with_the_keyboard(page: Page, live_server, schedule_demo) -> None:
    sign_in(page, *ORGANIZER)
    page.goto(f"{BASE}/setup/rooms")
    tab_to(page, page.get_by_role("link", name="Add a room"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Add a room")).to_be_visible()

    tab_to(page, page.get_by_label("Name", exact=True))
    page.keyboard.type("Sala do Teclado")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Capacity (optional)")).to_be_focused()
    page.keyboard.type("24")
    for label in ("Step-free access", "Live captioning"):
        box = page.get_by_label(label)
        tab_to(page, box)
        page.keyboard.press("Space")
        expect(box).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Save room"))
    page.keyboard.press("Enter")

    expect(flash(page)).to_contain_text("The room “Sala do Teclado” is added.")
    row = page.get_by_role("row", name=re.compile("Sala do Teclado"))
    expect(row).to_contain_text("24 seats")
    expect(row).to_contain_text("step-free, captioning")

    def saved() -> tuple[Any, ...]:
        room = _room("Sala do Teclado")
        return room.capacity, room.step_free, room.hearing_loop, room.captioning

    assert live_server.run(saved) == (24, True, False, True)


def test_remote_speakers_time_in_her_own_zone(page: Page, live_server, schedule_demo) -> None:
    sign_in(page, *ORGANIZER)
    page.goto(f"{BASE}/setup/speakers")
    tab_to(page, page.get_by_role("link", name="Edit Aroha Ngata"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Aroha Ngata")).to_be_visible()

    # Monday 29 March, 01:00 to 03:00 in Auckland (NZDT, UTC+13) is Sunday 28 March, 12:00 to
    # 14:00 UTC: 13:00 to 15:00 in Lisbon, which moved to summer time (UTC+1) that night.
    form = page.locator("form[aria-labelledby=interval-title]")
    day = form.get_by_label("Date")
    tab_to(page, day)
    while day.input_value() != "2027-03-29":
        page.keyboard.press("ArrowDown")
    starts = form.get_by_label("From")
    expect(starts).to_have_accessible_description(re.compile("Pacific/Auckland"))
    # Chromium's time field has a segment per part; on a 12-hour clock, "a" is for am (on a
    # 24-hour one there is no such segment and the "a" is ignored).
    tab_to(page, starts)
    page.keyboard.type("0100a")
    tab_to(page, form.get_by_label("To"))
    page.keyboard.type("0300a")
    expect(starts).to_have_value("01:00")
    expect(form.get_by_label("To")).to_have_value("03:00")
    tab_to(page, form.get_by_role("button", name="Add the time"))
    page.keyboard.press("Enter")

    expect(flash(page)).to_contain_text("The time is added.")
    row = page.get_by_role("row", name=re.compile(r"Mon 29 Mar 01:00–03:00"))  # noqa: RUF001
    expect(row.get_by_role("cell").first).to_have_text("Sun 28 Mar 13:00–15:00")  # noqa: RUF001

    def stored() -> list[tuple[dt.datetime, dt.datetime]]:
        return [
            (row.starts_at, row.ends_at)
            for row in db.session.scalars(
                select(SpeakerAvailability).where(
                    SpeakerAvailability.event_id == _event().id,
                    SpeakerAvailability.user_id == _user_id(AROHA),
                )
            )
        ]

    noon = dt.datetime(2027, 3, 28, 12, 0, tzinfo=dt.UTC)
    assert (noon, noon + dt.timedelta(hours=2)) in live_server.run(stored)


def test_suggest_and_accept_with_the_keyboard(page: Page, live_server, schedule_demo) -> None:
    sign_in(page, *ORGANIZER)
    page.goto(f"{BASE}/suggest")
    expect(page.get_by_label("Suggest for unscheduled sessions")).to_be_checked()
    limit = page.get_by_label("Time limit, in seconds")
    tab_to(page, limit)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("2")
    tab_to(page, page.get_by_role("button", name="Suggest a schedule"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name=re.compile("^Suggestion of"))).to_be_visible()
    expect(flash(page)).to_contain_text("Nothing changes until you accept it.")
    public_id = page.url.rstrip("/").rsplit("/", 1)[-1]

    def moves() -> list[dict[str, Any]]:
        suggestion = suggestions.suggestion_by_public_id(_event(), public_id)
        return list(suggestion.moves or [])

    proposed = live_server.run(moves)
    assert len(proposed) >= 2, "the demo has several unscheduled talks"
    boxes = page.get_by_role("checkbox")
    expect(boxes).to_have_count(len(proposed))

    # Untick the first change, accept the others.
    tab_to(page, boxes.first)
    page.keyboard.press("Space")
    expect(boxes.first).not_to_be_checked()
    tab_to(page, page.get_by_role("button", name="Accept selected"))
    page.keyboard.press("Enter")
    expect(flash(page)).to_contain_text(
        f"{len(proposed) - 1} changes of the suggestion are in the schedule."
    )
    expect(page.get_by_role("heading", level=1, name="Schedule")).to_be_visible()

    def placed() -> tuple[dict[str, tuple[int | None, str | None]], SuggestionStatus]:
        event = _event()
        sessions = build_plan(event).sessions.values()
        status = suggestions.suggestion_by_public_id(event, public_id).status
        return {
            s.public_id: (s.room_id, s.starts_at.isoformat() if s.starts_at else None)
            for s in sessions
        }, status

    now, status = live_server.run(placed)
    assert status is SuggestionStatus.APPLIED
    skipped, *accepted = proposed
    assert now[skipped["public_id"]] == (skipped["from_room_id"], skipped["from_starts_at"])
    for move in accepted:
        assert now[move["public_id"]] == (move["room_id"], move["starts_at"]), move["title"]


def test_release_with_the_keyboard_and_read_the_public_log(
    page: Page, live_server, schedule_demo
) -> None:
    number = len(live_server.run(_release_numbers)) + 1
    comment = "Flood mapping moves to Sala Sado; more talks on the grid."
    sign_in(page, *ORGANIZER)
    page.goto(f"{BASE}/releases/")
    expect(page.get_by_role("heading", level=2, name=f"Version {number}")).to_be_visible()
    tab_to(page, page.get_by_label("Comment (optional)"))
    page.keyboard.type(comment)
    tab_to(page, page.get_by_role("button", name=f"Release version {number}"))
    page.keyboard.press("Enter")
    expect(flash(page)).to_contain_text(f"Version {number} released")
    assert live_server.run(_release_numbers)[-1] == number

    def stored_comment() -> str:
        return db.session.scalar(
            select(ScheduleRelease.comment).where(
                ScheduleRelease.event_id == _event().id, ScheduleRelease.number == number
            )
        )

    assert live_server.run(stored_comment) == comment

    # A visitor (signed out) reads it on the public list of changes, newest first.
    page.context.clear_cookies()
    page.goto(f"/{DEMO}/schedule/changes/")
    expect(page.get_by_role("heading", level=1, name="Schedule changes")).to_be_visible()
    expect(page.get_by_role("heading", level=2).first).to_have_text(f"Version {number}")
    version = page.get_by_role("region", name=f"Version {number}")
    expect(version).to_contain_text(comment)
    flood = version.get_by_role("listitem").filter(has_text="Flood extent mapping")
    expect(flood).to_contain_text("New room")
    expect(flood).to_contain_text("Sala Sado")


def _waiting_solve() -> str:
    """A solve no worker has taken (the live server's queue runs tasks at once, so the record
    is made directly, as the form would before enqueueing)."""
    event, organizer = _event(), _organizer()
    solve = Solve(
        kind=SolveKind.SCHEDULE,
        event_id=event.id,
        mode="suggest",
        requested_by_id=organizer.id,
        time_limit=20,
        created_at=dt.datetime.now(dt.UTC),
    )
    db.session.add(solve)
    db.session.flush()
    return solve.public_id


def _running(public_id: str, progress: str) -> None:
    solve = db.session.scalar(select(Solve).where(Solve.public_id == public_id))
    assert solve is not None
    solve.state, solve.started_at = SolveState.RUNNING, dt.datetime.now(dt.UTC)
    solve.progress, solve.percent = progress, 35


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["desktop", "phone"])
def test_a_solves_progress_page_updates_itself_and_can_be_cancelled(
    page: Page, axe, live_server, schedule_demo, viewport
) -> None:
    page.set_viewport_size(viewport)
    sign_in(page, *ORGANIZER)
    public_id = live_server.run(_waiting_solve)
    page.goto(f"{BASE}/solves/{public_id}")
    status = page.locator('#solve-status[role="status"][aria-live="polite"]')
    expect(status).to_contain_text("Waiting for its turn")
    check_page(page, axe, viewport)
    # The worker takes it: the script shows it without a reload.
    page.evaluate("window.notReloaded = true")
    live_server.run(_running, public_id, "2 schedules found so far")
    expect(status).to_contain_text("2 schedules found so far")
    expect(status).to_contain_text("Running")
    assert page.evaluate("window.notReloaded") is True
    # Cancelling asks first.
    tab_to(page, page.get_by_role("link", name="Cancel the solve…"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Cancel the solve")).to_be_visible()
    check_page(page, axe, viewport)
    page.get_by_role("button", name="Cancel the solve").click()
    expect(flash(page)).to_contain_text("The solve is cancelled.")
    page.goto(f"{BASE}/solves/{public_id}")
    expect(status).to_contain_text("Cancelled")
