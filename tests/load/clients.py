"""One simulated person: an httpx client with its own cookie jar that signs in and fills the
real forms (their CSRF token and hidden fields parsed from the page), and the tally every
response is counted in."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import html
import re
import time

import httpx

from tests.load.data import PASSWORD

TIMEOUT = httpx.Timeout(120)
APP_503 = "temporarily unavailable"  # the app's own 503 page (templates/errors/server_error.html)
BARE_500 = "Internal Server Error"  # what gunicorn or werkzeug say when the app did not answer
HIDDEN = re.compile(r"<input\b[^>]*\btype=\"hidden\"[^>]*>")
ATTRIBUTE = re.compile(r"\b(name|value)=\"([^\"]*)\"")


@dataclasses.dataclass
class Answer:
    at: float  # time.monotonic() when the answer came
    what: str  # "GET /path" shape, without ids
    status: int  # 0: no answer (connection refused or dropped, timeout)
    kind: str = ""  # for 5xx: "app-503", "plain-503", "bare-500" or "other-5xx"
    note: str = ""  # the start of any other 5xx's body, for the report


@dataclasses.dataclass
class Tally:
    answers: list[Answer] = dataclasses.field(default_factory=list)

    def statuses(self) -> dict[str, int]:
        return dict(sorted(collections.Counter(str(a.status) for a in self.answers).items()))

    def server_errors(self, start: float = 0, end: float = float("inf")) -> list[Answer]:
        return [a for a in self.answers if a.status >= 500 and start <= a.at <= end]


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of the page's forms (csrf_token, creation_key, version); the last
    form's win, which is the main form's on the pages used here (the sign-out form is first)."""
    fields = {}
    for tag in HIDDEN.findall(page):
        attributes = dict(ATTRIBUTE.findall(tag))
        if "name" in attributes:
            fields[attributes["name"]] = html.unescape(attributes.get("value", ""))
    return fields


class Person:
    def __init__(self, base_url: str, email: str, tally: Tally) -> None:
        self.email = email
        self.tally = tally
        self.http = httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT, follow_redirects=False)

    async def close(self) -> None:
        await self.http.aclose()

    async def send(self, method: str, url: str, what: str, **kwargs) -> httpx.Response | None:
        """One request, counted; None when no answer came (the server refused or dropped)."""
        try:
            response = await self.http.request(method, url, **kwargs)
        except httpx.TransportError:
            self.tally.answers.append(Answer(time.monotonic(), what, 0))
            return None
        kind = note = ""
        if response.status_code >= 500:
            if response.status_code == 503 and APP_503 in response.text:
                # The app's own page has its layout; a plain one means rendering it failed.
                kind = "app-503" if "<main" in response.text else "plain-503"
            elif BARE_500 in response.text and "<main" not in response.text:
                kind = "bare-500"
            else:
                kind = "other-5xx"
            if kind != "app-503":
                note = f"{what} -> {response.status_code}: {response.text[:200]!r}"
        self.tally.answers.append(Answer(time.monotonic(), what, response.status_code, kind, note))
        return response

    async def sign_in(self) -> None:
        page = await self.send("GET", "/login", "GET /login")
        assert page is not None and page.status_code == 200, f"sign-in page: {page}"
        form = {**hidden_fields(page.text), "email": self.email, "password": PASSWORD}
        done = await self.send("POST", "/login", "POST /login", data=form)
        assert done is not None and done.status_code == 302, f"{self.email}: sign-in failed"

    async def form(self, url: str, what: str) -> dict[str, str] | None:
        """The hidden fields of a form page, or None when it did not answer 200."""
        page = await self.send("GET", url, f"GET {what}")
        if page is None or page.status_code != 200:
            return None
        return hidden_fields(page.text)

    async def post(self, url: str, what: str, form: dict[str, str]) -> httpx.Response | None:
        return await self.send("POST", url, f"POST {what}", data=form)


def proposal_form(hidden: dict[str, str], n: int) -> dict[str, str]:
    return {
        **hidden,
        "title": f"Load-tested proposal {n}",
        "abstract": "What happens to a small workshop's site when everyone submits at once. " * 3,
        "description": "A longer description of the talk.",
        "session_type_id": "1",
        "track_id": str(1 + n % 4),
        "language": "en",
        "level": "beginner",
        "notes": "",
        "submit_proposal": "Submit proposal",
    }


def grant_form(hidden: dict[str, str], n: int) -> dict[str, str]:
    return {
        **hidden,
        "motivation": "I would learn a lot and share it with my local group. " * 3,
        "role": "PhD student",
        "affiliation": "A university",
        "country": "KE",
        "city": "Nairobi",
        "need": "hardship",
        "amount-registration": "y",
        "amount-travel": str(300 + n),
        "amount-lodging": "120",
        "own_contribution": "0",
        "other_funding": "",
        "submit_application": "Submit application",
    }


def saved(response: httpx.Response | None) -> bool:
    """A new proposal or application answers with a redirect to it (or to the profile)."""
    return response is not None and response.status_code in (302, 303)


async def gather_all(coroutines) -> list:
    return await asyncio.gather(*coroutines)
