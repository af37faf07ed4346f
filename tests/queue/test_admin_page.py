"""The site admin's queue page: waiting tasks, workers, the routine jobs' last runs, and
failed tasks that can be retried or forgotten (in the suite's immediate-mode queue)."""

from __future__ import annotations

import re

import pytest

from organizer import queue, tasks
from tests.factories import login_as, make_schedule_event, make_user


@pytest.fixture
def admin(client):
    queue.huey.flush()  # the shared app's in-memory queue keeps other tests' records
    user = make_user(site_admin=True)
    login_as(client, user)
    return user


def failed_ids(page: str) -> list[str]:
    return re.findall(r"/manage/queue/failed/([0-9a-f-]+)/retry", page)


def test_an_empty_queue_says_so_and_how_to_start_a_worker(client, admin):
    page = client.get("/manage/queue/").get_data(as_text=True)
    assert "No worker has been seen" in page
    assert "No task has failed." in page
    for job in ("send_mail", "send_reminders", "grant_offers", "purge", "recover_solves"):
        assert job in page


def test_the_page_shows_workers_and_the_last_run_of_a_routine_job(client, admin):
    queue.heartbeat("box:4242")
    tasks.send_mail.call_local()
    page = client.get("/manage/queue/").get_data(as_text=True)
    assert "box:4242" in page and "running" in page
    assert "sent: 0" in page


def test_a_failed_task_is_listed_and_can_be_retried_or_forgotten(client, admin):
    unreleased = make_schedule_event(make_user())  # no release: rendering its booklet fails
    tasks.render_print("booklet", unreleased.id, "standard", "en", "rendering:test")
    page = client.get("/manage/queue/").get_data(as_text=True)
    assert "render_print" in page and "NotFound" in page
    [first] = failed_ids(page)

    retried = client.post(f"/manage/queue/failed/{first}/retry", follow_redirects=True)
    assert "The task is queued again." in retried.get_data(as_text=True)
    [second] = failed_ids(retried.get_data(as_text=True))  # it ran, and failed again
    assert second != first

    confirm = client.get(f"/manage/queue/failed/{second}/forget")
    assert "It will not run again" in confirm.get_data(as_text=True)
    forgotten = client.post(f"/manage/queue/failed/{second}/forget", follow_redirects=True)
    assert "No task has failed." in forgotten.get_data(as_text=True)
    assert client.get(f"/manage/queue/failed/{second}/forget").status_code == 404


def test_only_site_admins_see_the_queue(client):
    login_as(client, make_user())
    assert client.get("/manage/queue/").status_code == 403
