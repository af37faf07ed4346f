"""Bodies that cannot be read faithfully are refused with a 400 that says why, before any
view runs, and nothing of them is stored (organizer/request_bodies.py)."""

from __future__ import annotations

import pytest
from flask import url_for
from werkzeug.routing import IntegerConverter

from organizer.extensions import db
from tests.factories import login_as, make_user

INVALID_TEXT = "The form contained text that is not valid UTF-8, so nothing was saved."
MALFORMED = "The upload was cut off or malformed; please try again."
BOUNDARY = "----organizer-test-boundary"


def multipart(fields: dict[str, bytes], *, end: bool = True) -> bytes:
    body = b""
    for name, value in fields.items():
        body += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value
            + b"\r\n"
        )
    return body + (f"--{BOUNDARY}--\r\n".encode() if end else b"")


def post_multipart(client, url: str, body: bytes):  # type: ignore[no-untyped-def]
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={BOUNDARY}")


def post_urlencoded(client, url: str, body: bytes):  # type: ignore[no-untyped-def]
    return client.post(url, data=body, content_type="application/x-www-form-urlencoded")


@pytest.fixture
def person(client):  # type: ignore[no-untyped-def]
    user = make_user(name="Before")
    login_as(client, user)
    return user


@pytest.mark.parametrize(
    "body",
    [
        b"display_name=Caf%E9&pronouns=&locale=en",  # a Latin-1 escape
        b"display_name=Caf\xe9&pronouns=&locale=en",  # a raw Latin-1 byte
        b"display_name=ok&pronouns=%ED%A0%80&locale=en",  # an encoded surrogate
    ],
    ids=["escape", "raw-byte", "surrogate"],
)
def test_invalid_utf8_in_a_urlencoded_form_is_refused_and_nothing_saved(client, person, body):
    response = post_urlencoded(client, "/account", body)
    assert response.status_code == 400
    assert INVALID_TEXT in response.text
    db.session.refresh(person)
    assert (person.display_name, person.pronouns) == ("Before", None)


def test_invalid_utf8_in_a_multipart_form_is_refused_and_nothing_saved(client, person):
    body = multipart({"display_name": b"Caf\xe9", "pronouns": b"", "locale": b"en"})
    response = post_multipart(client, "/account", body)
    assert response.status_code == 400
    assert INVALID_TEXT in response.text
    db.session.refresh(person)
    assert person.display_name == "Before"


def test_valid_utf8_is_saved_from_both_kinds_of_form(client, person):
    name = "Zoë Ŝ 山田 👩🏽‍🔬"
    ok = post_multipart(
        client,
        "/account",
        multipart({"display_name": name.encode(), "pronouns": b"", "locale": b"en"}),
    )
    assert ok.status_code == 302
    db.session.refresh(person)
    assert person.display_name == name
    ok = post_urlencoded(client, "/account", b"display_name=Caf%C3%A9&pronouns=&locale=en")
    assert ok.status_code == 302
    db.session.refresh(person)
    assert person.display_name == "Café"


@pytest.mark.parametrize("csrf", [False, True])
def test_a_cut_off_multipart_body_is_a_400_that_says_so_not_an_expired_form(
    app, client, person, monkeypatch, csrf
):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", csrf)
    complete = multipart({"display_name": b"After", "pronouns": b"", "locale": b"en"})
    for body in (complete[: len(complete) // 2], multipart({"locale": b"en"}, end=False)):
        response = post_multipart(client, "/account", body)
        assert response.status_code == 400
        assert MALFORMED in response.text
        assert "expired" not in response.text
    db.session.refresh(person)
    assert person.display_name == "Before"


def test_a_multipart_post_without_a_boundary_is_malformed(client, person):
    response = client.post("/account", data=b"x", content_type="multipart/form-data")
    assert response.status_code == 400
    assert MALFORMED in response.text


def post_routes(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(endpoint, url) of every route that accepts POST, its parameters filled with dummies."""
    found = []
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()):
            continue
        values = {
            name: 1 if isinstance(rule._converters[name], IntegerConverter) else "x"
            for name in rule.arguments
        }
        with app.test_request_context():
            found.append((rule.endpoint, url_for(rule.endpoint, **values)))
    return found


def test_deeply_nested_json_is_a_400_on_every_route(app, client):
    """The schedule editor's endpoints and the agenda's stars read JSON; any route refuses
    JSON nested deeper than Python can parse with a JSON 400, not a RecursionError's 500."""
    routes = post_routes(app)
    endpoints = {endpoint for endpoint, _ in routes}
    assert {"public_schedule.stars", "public_schedule.sync", "schedule.move"} <= endpoints
    for endpoint, url in routes:
        response = client.post(url, data="[" * 100_000, content_type="application/json")
        assert response.status_code == 400, (endpoint, response.status_code)
        assert response.get_json() == {"error": "The data sent is nested too deeply to be read."}


def test_json_as_deep_as_a_real_client_sends_still_reads(app, client):
    response = client.post(
        "/no-such-event/agenda/stars",
        data='{"code": "A1", "extra": ' + "[" * 50 + "]" * 50 + "}",
        content_type="application/json",
    )
    assert response.status_code == 404  # read, then: no such event
