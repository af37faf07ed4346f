"""Checks shared by the anonymity tests of the call's and the grants' review pages."""

from __future__ import annotations

from werkzeug.test import TestResponse


def leaks(response: TestResponse, terms: list[str]) -> list[str]:
    """The terms (lower-case) that appear in the page or in its headers. The session cookie
    is random text in which a short term such as "pob" turns up now and then, so cookies are
    left out (they never carry page content)."""
    text = response.get_data(as_text=True).lower()
    headers = str(
        [(name, value) for name, value in response.headers.items() if name.lower() != "set-cookie"]
    ).lower()
    return [term for term in terms if term in text or term in headers]
