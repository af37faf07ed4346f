"""Browser tests: headless Chromium (the Debian package, never a downloaded one) driven by
pytest-playwright against a live server, with axe-core scans.

- The live server is a second application on its own database (label "e2e"), served by
  werkzeug in a thread. Unlike the unit tests, nothing is rolled back: requests commit for real,
  and CSRF protection is on, as in production.
- Tests seed and read that database through `live_server.run(...)`, which runs a function inside
  the live application's context and commits.
- `axe.check(page)` fails on any serious or critical WCAG 2.x A/AA violation.
- The page checks several test modules share (`check_page`, `tab_to`, ...) are plain functions
  at the end of this file, imported from `tests.e2e.conftest`.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Locator, Page, expect
from werkzeug.serving import make_server

from organizer.enums import EventRoleName
from organizer.extensions import db
from organizer.models import Event, User
from organizer.services import demo
from organizer.services.accounts import user_by_email
from organizer.services.events import event_by_slug
from tests import factories
from tests.conftest import Mailbox, migrated_app

E2E_DIR = Path(__file__).resolve().parent
CHROMIUM_CANDIDATES = (Path("/usr/lib/chromium/chromium"), Path("/usr/bin/chromium"))
CHROMIUM = next((path for path in CHROMIUM_CANDIDATES if path.exists()), None)
SKIP_REASON = "Chromium not installed: apt-get install chromium (make e2e-deps)"

T = TypeVar("T")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test under tests/e2e as e2e (the root conftest then leaves its database
    alone), and skip them all when the system Chromium is missing."""
    for item in items:
        if E2E_DIR not in Path(str(item.path)).resolve().parents:
            continue
        item.add_marker(pytest.mark.e2e)
        if CHROMIUM is None:
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


# --- the browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    """pytest-playwright's session fixture, pointed at the system Chromium so that Playwright
    never looks for (or tries to download) a browser of its own. The flags keep Chromium from
    phoning home: on a closed network that is a flood of refused connections."""
    assert CHROMIUM is not None, SKIP_REASON
    return {
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    """pytest-playwright passes this to every browser context: page.goto("/login") works."""
    return live_server.url


@pytest.fixture
def page(page: Page) -> Page:
    page.set_default_timeout(10_000)
    return page


# --- the live server -----------------------------------------------------------------------------


class LiveServer:
    def __init__(self, url: str, app: Flask) -> None:
        self.url = url
        self.app = app

    def run(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call function inside the live app's context and commit. Return plain values (ids,
        strings): ORM objects are detached once the context ends."""
        with self.app.app_context():
            try:
                result = function(*args, **kwargs)
                db.session.commit()
            except BaseException:
                db.session.rollback()
                raise
            return result

    # seeding and reading, in terms a test can use without an app context

    def user(self, **fields: Any) -> str:
        """A (by default verified) user; returns the email. Password: factories.PASSWORD."""
        return self.run(lambda: factories.make_user(**fields).email)

    def event(self, *, organizer: str | None = None, **fields: Any) -> str:
        """An event, optionally with an organizer given by email; returns the slug."""

        def make() -> str:
            owner = _user(organizer) if organizer else None
            return factories.make_event(organizer=owner, **fields).slug

        return self.run(make)

    def call(self, slug: str, **fields: Any) -> None:
        """A call for talks (factories.make_cfp: Talk and Tutorial, two tracks) that opened a
        day ago and closes in ten days, by the real clock the live server uses."""
        now = dt.datetime.now(dt.UTC)
        values = {"opens_at": now - dt.timedelta(days=1), "closes_at": now + dt.timedelta(days=10)}

        def make() -> None:
            factories.make_cfp(_event(slug), **{**values, **fields})

        self.run(make)

    def grant_role(self, email: str, slug: str, role: EventRoleName) -> None:
        self.run(lambda: factories.grant_role(_user(email), _event(slug), role))

    def event_values(self, slug: str, *names: str) -> dict[str, Any]:
        return self.run(lambda: {name: getattr(_event(slug), name) for name in names})

    def roles(self, email: str, slug: str) -> set[EventRoleName]:
        def read() -> set[EventRoleName]:
            event = _event(slug)
            return {r.role for r in _user(email).event_roles if r.event_id == event.id}

        return self.run(read)


def _user(email: str) -> User:
    user = user_by_email(email)
    assert user is not None, f"no user {email}"
    return user


def _event(slug: str) -> Event:
    event = event_by_slug(slug)
    assert event is not None, f"no event {slug}"
    return event


@pytest.fixture(scope="session")
def live_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    smtp_server: tuple[Mailbox, int],
) -> Iterator[LiveServer]:
    # CSRF stays on; no SERVER_NAME, because the browser asks for 127.0.0.1:<port>
    with migrated_app(request, tmp_path_factory, smtp_server[1], "e2e", SERVER_NAME=None) as app:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        live = LiveServer(f"http://127.0.0.1:{server.server_port}", app)
        app.config["BASE_URL"] = live.url  # links in mail lead back to this server
        thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
        thread.start()
        try:
            yield live
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


@pytest.fixture
def wait_for_mail(mailbox: Mailbox) -> Callable[..., Any]:
    """The newest message to an address, waiting up to `timeout` seconds for it. Mail goes out
    right after the request commits, so it is normally there already."""

    def wait(address: str, *, count: int = 1, timeout: float = 5.0):  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while len(mailbox.to(address)) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return mailbox.last(address)

    return wait


# --- axe-core ------------------------------------------------------------------------------------

AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
    }
}
BLOCKING_IMPACTS = ("serious", "critical")


class AxeChecker:
    def __init__(self) -> None:
        self._axe = Axe()

    def serious_violations(self, page: Page) -> tuple[list[dict[str, Any]], str]:
        """Violations of impact serious or critical, and axe's readable report of all."""
        results = self._axe.run(page, options=AXE_OPTIONS)
        violations = [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
        return violations, results.generate_report()

    def check(self, page: Page) -> None:
        violations, report = self.serious_violations(page)
        ids = ", ".join(sorted({v["id"] for v in violations}))
        assert not violations, f"axe on {page.url}: {ids}\n{report}"


@pytest.fixture(scope="session")
def axe() -> AxeChecker:
    return AxeChecker()


# --- page checks shared by the test modules ------------------------------------------------------

VIEWPORTS = [{"width": 1280, "height": 900}, {"width": 390, "height": 844}]
PHONE_WIDTH = 390


def assert_fits_the_screen(page: Page) -> None:
    """Nothing wider than the screen: no sideways scrolling on a phone (WCAG 1.4.10)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, (page.url, overflow)


def check_page(page: Page, axe: AxeChecker, viewport: dict[str, int]) -> None:
    """A heading, no serious axe violation, and on a phone nothing wider than the screen.
    Waits for the page's load event first: a page scanned before its stylesheet arrives shows
    unstyled (too small) targets to axe."""
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe.check(page)
    if viewport["width"] <= PHONE_WIDTH:
        assert_fits_the_screen(page)


def check_at_phone_width(page: Page, axe: AxeChecker) -> None:
    """check_page at phone width, then back to the desktop width: for the pages of a journey
    most likely to overflow a phone (tables, long values), without walking it twice."""
    size = page.viewport_size
    page.set_viewport_size(VIEWPORTS[1])
    try:
        check_page(page, axe, VIEWPORTS[1])
    finally:
        if size is not None:
            page.set_viewport_size(size)


def assert_names_nobody(page: Page, hidden: list[str]) -> None:
    """The page names none of `hidden` (people an anonymous review must not show): not in its
    text, hidden text included, nor in an attribute (aria-label, title, alt ...)."""
    text = page.content()
    named = [name for name in hidden if name in text]
    assert not named, f"{page.url} names {named}"


def is_focused(locator: Locator) -> bool:
    return bool(locator.evaluate("element => element === document.activeElement"))


def tab_to(page: Page, target: Locator, *, limit: int = 150) -> None:
    """Press Tab until the target has the focus, as a keyboard user would."""
    for _ in range(limit):
        if is_focused(target):
            return
        page.keyboard.press("Tab")
    assert is_focused(target), f"Tab never reached {target}"


# --- two-factor sign-in ----------------------------------------------------------------------

# Known authenticator secrets by email: the demo's site admin, and any a test enrols.
TWO_FACTOR_SECRETS: dict[str, str] = {
    user["email"]: user["two_factor_secret"]
    for user in demo.read_fixture()["users"]
    if user.get("two_factor_secret")
}
_last_step: dict[str, int] = {}


def totp_code(secret: str) -> str:
    """A code the server accepts now and has not seen. The server takes the previous, the
    current and the next 30-second step, each once and in increasing order. The previous step
    is never used: the clock may move to a new step between here and the server's check, and
    the previous step would then be refused. So sign-ins in quick succession use the current
    step and then the next one, and wait for a new step only when both are used."""
    totp = pyotp.TOTP(secret)
    while True:
        current = totp.timecode(dt.datetime.now(dt.UTC))
        step = max(current, _last_step.get(secret, current - 1) + 1)
        if step <= current + 1:
            _last_step[secret] = step
            return totp.generate_otp(step)
        time.sleep(1)


def pass_second_step(page: Page, email: str) -> None:
    """After the password: enter a code when the account uses two-factor sign-in."""
    page.wait_for_load_state()
    if "/login/two-factor" in page.url:
        page.get_by_label("Code", exact=True).fill(totp_code(TWO_FACTOR_SECRETS[email]))
        page.get_by_role("button", name="Continue").click()
