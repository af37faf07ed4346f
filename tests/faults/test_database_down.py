"""With the database gone, people get the app's own page (503, or 500 for other failures),
rendered without touching the database, never a bare "Internal Server Error"."""

from __future__ import annotations

import pytest
from flask import Flask

UNAVAILABLE = "Your last saved change is kept"


def signed_in_client(app: Flask):  # type: ignore[no-untyped-def]
    """A browser holding a session cookie: loading its person needs the database."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "a-session-token:a-session-key"  # the shape the loader looks up
        session["_fresh"] = True
    return client


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_page_without_the_database_is_a_503_that_says_the_change_is_kept(
    unreachable_app, signed_in, capsys
):
    client = signed_in_client(unreachable_app) if signed_in else unreachable_app.test_client()
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "text/html"
    assert "<h1>Temporarily unavailable</h1>" in html
    assert UNAVAILABLE in html
    assert '<main id="main"' in html and '<html lang="en">' in html
    assert "Traceback" not in html and "OperationalError" not in html
    assert "Sign out" not in html  # the layout that would load the person is not used
    log = capsys.readouterr().err
    assert "WARNING organizer: database unavailable (OperationalError)" in log


def test_the_503_page_speaks_the_browsers_language_without_loading_the_person(unreachable_app):
    response = signed_in_client(unreachable_app).get("/", headers={"Accept-Language": "de"})
    assert response.status_code == 503
    assert '<html lang="de">' in response.get_data(as_text=True)


def test_a_json_request_without_the_database_gets_json(unreachable_app):
    response = unreachable_app.test_client().post(
        "/some-event/agenda/stars", json={"code": "A1", "action": "star"}
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert UNAVAILABLE in response.get_json()["error"]


def test_any_other_failure_without_the_database_is_the_apps_500_page(unreachable_app, capsys):
    @unreachable_app.route("/broken")
    def broken():  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug")

    # Anonymous: a signed-in browser's request stops earlier, at loading its person (a 503).
    response = unreachable_app.test_client().get("/broken")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in html
    assert "Something went wrong on our side. It has been logged" in html
    assert "Traceback" not in html and "Internal Server Error" not in html
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Request-ID"]
    log = capsys.readouterr().err
    assert "ERROR organizer: Exception on /broken [GET]" in log
    assert f"request_id={response.headers['X-Request-ID']}" in log
    assert "RuntimeError: a bug" in log


def test_healthz_answers_and_readyz_fails_without_the_database(unreachable_app):
    client = signed_in_client(unreachable_app)
    alive = client.get("/healthz")
    assert alive.status_code == 200
    assert alive.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in alive.headers
    ready = client.get("/readyz")
    assert ready.status_code == 503
    body = ready.get_json()
    assert body["status"] == "fail"
    assert body["checks"]["database"] == "cannot query the database (OperationalError)"
    assert body["checks"]["storage"] == "ok"
