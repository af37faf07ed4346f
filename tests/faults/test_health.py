"""`/healthz` and `/readyz`: no sign-in, no session cookie, and the checks' verdicts."""

from __future__ import annotations

import pytest

from organizer import create_app
from organizer.services import health
from organizer.services.events import RESERVED_SLUGS
from tests.factories import login_as, make_user


def test_healthz_says_the_process_is_alive(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_readyz_reports_each_check(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "checks": {"database": "ok", "storage": "ok", "queue": "ok"},
    }
    assert "Set-Cookie" not in response.headers


def test_the_probes_set_no_cookie_for_a_signed_in_browser_either(client):
    login_as(client, make_user())
    for url in ("/healthz", "/readyz"):
        response = client.get(url)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("setting", ["UPLOAD_DIR", "PRINT_CACHE_DIR"])
def test_readyz_fails_when_a_folder_cannot_be_written(app, client, monkeypatch, tmp_path, setting):
    blocker = tmp_path / "a-file-not-a-folder"
    blocker.write_text("")
    monkeypatch.setitem(app.config, setting, str(blocker / "sub"))
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "fail"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["storage"].startswith(f"{setting} is not writable (")


def test_readyz_makes_a_missing_folder_as_the_app_would(app, client, monkeypatch, tmp_path):
    folder = tmp_path / "not-yet" / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(folder))
    assert client.get("/readyz").status_code == 200
    assert folder.is_dir()
    assert list(folder.iterdir()) == []  # the probe's file is gone


def test_a_check_is_one_entry_in_the_table(app, monkeypatch):
    monkeypatch.setitem(health.CHECKS, "workers", lambda: "no worker seen for 5 minutes")
    ready, checks = health.readiness()
    assert not ready
    assert checks == {
        "database": "ok",
        "storage": "ok",
        "queue": "ok",
        "workers": "no worker seen for 5 minutes",
    }


def test_readyz_fails_when_the_queue_cannot_be_reached(tmp_path):
    unreachable = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "test-secret-key-not-for-production-0123456789",
            "QUEUE_BACKEND": "redis",
            "REDIS_URL": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    )
    with unreachable.app_context():
        assert health.task_queue() == "cannot reach the task queue (ConnectionError)"


def test_no_event_address_can_take_a_first_path_segment_of_the_site(app):
    """/healthz and /readyz, like every other fixed first segment, are reserved slugs."""
    firsts = {
        rule.rule.split("/")[1]
        for rule in app.url_map.iter_rules()
        if not rule.rule.startswith("/<") and rule.rule != "/"
    }
    assert {"healthz", "readyz"} <= firsts
    assert firsts <= RESERVED_SLUGS
