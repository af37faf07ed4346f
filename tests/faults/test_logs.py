"""Logging: stderr, with time and level (or JSON lines), and a request id on every request."""

from __future__ import annotations

import ast
import json
import logging
import re
import threading
from pathlib import Path

import pytest
from flask import g

from organizer.config import ConfigError, load_config
from organizer.logs import bound_request_id, current_request_id, install_log_handler

TEXT_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING organizer\.test: hello (?P<rest>.*)$"
)


@pytest.fixture
def json_logs(app):  # type: ignore[no-untyped-def]
    install_log_handler("json", "INFO")
    yield
    install_log_handler(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])


def _log_and_answer() -> str:
    logging.getLogger("organizer.test").warning("hello %s", "there")
    return g.request_id


@pytest.fixture
def probe(unreachable_app):  # type: ignore[no-untyped-def]
    """A client of an app of its own (the suite's app keeps its routes) with one more route,
    which logs a warning and answers with the request id it saw; it needs no database."""
    unreachable_app.add_url_rule("/log-probe", "log_probe", _log_and_answer)
    return unreachable_app.test_client()


def test_text_lines_go_to_stderr_with_time_level_logger_and_request_id(probe, capsys):
    response = probe.get("/log-probe", headers={"X-Request-ID": "proxy-7f3a.1_x"})
    assert response.text == "proxy-7f3a.1_x"
    assert response.headers["X-Request-ID"] == "proxy-7f3a.1_x"
    out, err = capsys.readouterr()
    assert "hello" not in out
    [line] = [line for line in err.splitlines() if "hello" in line]
    match = TEXT_LINE.match(line)
    assert match, line
    assert match["rest"] == "there request_id=proxy-7f3a.1_x"


@pytest.mark.parametrize(
    "incoming", ["", "a" * 65, "two words", "tab\there", "<script>", "id;drop", "é"]
)
def test_an_unsafe_or_missing_request_id_is_replaced_by_a_new_one(probe, incoming):
    response = probe.get("/log-probe", headers={"X-Request-ID": incoming} if incoming else {})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])
    assert response.text == response.headers["X-Request-ID"]


def test_each_request_gets_its_own_id(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert first != second


def test_json_lines_carry_time_level_logger_message_and_request_id(probe, json_logs, capsys):
    response = probe.get("/log-probe", headers={"X-Request-ID": "abc-123"})
    [line] = [line for line in capsys.readouterr().err.splitlines() if "hello" in line]
    entry = json.loads(line)
    assert set(entry) == {"time", "level", "logger", "message", "request_id"}
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "organizer.test"
    assert entry["message"] == "hello there"
    assert entry["request_id"] == "abc-123" == response.headers["X-Request-ID"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00", entry["time"])


def test_json_lines_hold_the_traceback_in_one_line(app, json_logs, capsys):
    try:
        raise ValueError("broken")
    except ValueError:
        logging.getLogger("organizer.test").exception("it failed")
    [line] = [line for line in capsys.readouterr().err.splitlines() if "it failed" in line]
    entry = json.loads(line)
    assert "ValueError: broken" in entry["exception"]


def test_work_outside_a_request_can_carry_the_id_of_the_request_that_caused_it(app, capsys):
    with bound_request_id("from-the-queue"):
        assert current_request_id() == "from-the-queue"
        logging.getLogger("organizer.test").warning("hello from a task")
    assert current_request_id() != "from-the-queue"
    [line] = [line for line in capsys.readouterr().err.splitlines() if "hello" in line]
    assert line.endswith("hello from a task request_id=from-the-queue")


def test_the_app_logs_its_info_lines_and_libraries_only_their_warnings(app, capsys):
    logging.getLogger("organizer.services.test").info("an app info line")
    logging.getLogger("some.library").info("a library info line")
    err = capsys.readouterr().err
    assert "INFO organizer.services.test: an app info line" in err
    assert "a library info line" not in err


def test_one_handler_however_many_apps_were_made(app):
    install_log_handler("text", "INFO")
    install_log_handler("text", "INFO")
    ours = [h for h in logging.getLogger().handlers if getattr(h, "organizer", False)]
    assert len(ours) == 1


def test_outside_any_request_there_is_no_id():
    seen = []
    thread = threading.Thread(target=lambda: seen.append(current_request_id()))
    thread.start()
    thread.join()
    assert seen == [None]


def test_nothing_in_the_app_prints():
    """Messages go through logging (stderr, time, level, request id), never print()."""
    package = Path(__file__).resolve().parents[2] / "organizer"
    found = [
        f"{path.relative_to(package)}:{node.lineno}"
        for path in sorted(package.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path)))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "print"
    ]
    assert found == []


@pytest.mark.parametrize(
    ("env", "value", "expected"),
    [("LOG_FORMAT", "JSON", "json"), ("LOG_LEVEL", "warning", "WARNING")],
)
def test_the_log_settings_come_from_the_environment(monkeypatch, tmp_path, env, value, expected):
    monkeypatch.setenv(f"ORGANIZER_{env}", value)
    assert load_config(tmp_path)[env] == expected


@pytest.mark.parametrize(("env", "value"), [("LOG_FORMAT", "xml"), ("LOG_LEVEL", "LOUD")])
def test_a_mistyped_log_setting_stops_the_app(monkeypatch, tmp_path, env, value):
    monkeypatch.setenv(f"ORGANIZER_{env}", value)
    with pytest.raises(ConfigError, match=f"ORGANIZER_{env}"):
        load_config(tmp_path)
