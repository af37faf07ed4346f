"""Checks shared by the anonymity tests of the call's and the grants' review pages."""

from __future__ import annotations

from werkzeug.test import TestResponse

from tests.documents import readable


def leaks(response: TestResponse, terms: list[str]) -> list[str]:
    """The terms (lower-case) that appear in the page or in its headers; for a file (a PDF, a
    picture), in everything a person could read out of it (`documents.readable`: the text,
    the metadata). The session cookie is random text in which a short term such as "pob"
    turns up now and then, so cookies are left out (they never carry page content)."""
    data = response.get_data()
    content_type = response.mimetype or ""
    if content_type == "application/pdf" or content_type.startswith("image/"):
        text = readable(data, content_type)
    else:
        text = data.decode("utf-8", errors="replace").lower()
    headers = str(
        [(name, value) for name, value in response.headers.items() if name.lower() != "set-cookie"]
    ).lower()
    return [term for term in terms if term in text or term in headers]
