"""The pages shown when the database is gone (503) or something else broke (500) stand alone
(no person, no event loaded): they must still be accessible."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from tests.faults import outage


@pytest.fixture
def down_server(request, tmp_path, live_server):  # type: ignore[no-untyped-def]
    option = request.config.getoption("--database-url")
    with outage.unreachable_app(option, tmp_path, restore=live_server.app) as app:
        app.config["SERVER_NAME"] = None  # the browser asks for 127.0.0.1:<port>

        @app.route("/broken")
        def broken():  # type: ignore[no-untyped-def]
            raise RuntimeError("a bug")

        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


@pytest.mark.parametrize(
    ("path", "status", "heading"),
    [("/", 503, "Temporarily unavailable"), ("/broken", 500, "Something went wrong")],
)
def test_the_pages_without_the_database_pass_axe(
    page: Page, axe, down_server, path, status, heading
):
    response = page.goto(down_server + path)
    assert response is not None and response.status == status
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("link", name="Go to the home page")).to_be_visible()
    axe.check(page)
