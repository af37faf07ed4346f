"""The spreadsheet import pages: upload, columns, check, import; organizers only; CSRF; the
paginated list of problems runs the same queries however many rows it lists."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from organizer.enums import EventRoleName
from organizer.extensions import db
from organizer.models import Proposal, SpreadsheetImport
from tests.factories import grant_role, login_as, make_user
from tests.spreadsheet_import.helpers import (
    GOOGLE_HEADERS,
    csv_bytes,
    organizer_and_event,
    proposal_row,
    proposals_file,
)


@pytest.fixture
def desk(client):
    organizer, event = organizer_and_event()
    login_as(client, organizer)
    return client, event


def upload(client, event, data, *, name="form.csv", kind="proposals"):
    return client.post(
        f"/manage/{event.slug}/import/{kind}",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def proposal_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Proposal))


def columns_data(page: str) -> dict[str, str]:
    """The mapping form as the page suggests it (each select's selected option)."""
    data = {}
    for name, body in re.findall(
        r'<select[^>]*name="(column-\d+)"[^>]*>(.*?)</select>', page, re.S
    ):
        chosen = re.search(r'<option selected value="([^"]*)"', body) or re.search(
            r'<option value="([^"]*)" selected', body
        )
        data[name] = chosen.group(1) if chosen else ""
    return data


def test_upload_columns_check_and_import(desk):
    client, event = desk
    page = client.get(f"/manage/{event.slug}/import/proposals")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    assert '<label for="file">' in page.text
    sent = upload(client, event, proposals_file(3, delimiter=";"))
    assert sent.status_code == 302
    columns_url = sent.headers["Location"]
    page = client.get(columns_url).text
    assert "Columns are separated by semicolons." in page
    assert "3 rows of answers" in page
    assert 'aria-describedby="column-3-hint"' in page
    assert "First answers: “Talk number 1”, “Talk number 2”, “Talk number 3”" in page
    chosen = columns_data(page)
    assert chosen["column-1"] == "email" and chosen["column-3"] == "title"
    checked = client.post(columns_url, data=chosen)
    assert checked.status_code == 302
    page = client.get(checked.headers["Location"]).text
    assert "Every row is right." in page
    imported = client.post(
        checked.headers["Location"].replace("/check", "/import"), data={"expected": "3"}
    )
    assert imported.status_code == 302
    assert proposal_count() == 3
    done = client.get(imported.headers["Location"], follow_redirects=True).text
    assert "3 rows" in done


def test_an_unreadable_file_is_an_error_on_the_file_field(desk):
    client, event = desk
    response = upload(client, event, b"\xd0\xcf\x11\xe0 old", name="old.xls")
    assert response.status_code == 400
    assert 'id="file-error"' in response.text
    assert "not an XLSX file" in response.text
    assert db.session.scalar(select(func.count()).select_from(SpreadsheetImport)) == 0


def test_a_mapping_without_required_fields_is_refused(desk):
    client, event = desk
    sent = upload(client, event, proposals_file(1))
    response = client.post(
        sent.headers["Location"], data={"column-1": "email", "column-2": "email"}
    )
    assert response.status_code == 400
    assert 'id="column-2-error"' in response.text
    assert "already comes from column 2" in response.text
    assert "Choose a column for each required field" in response.text


def _bad_file(count: int) -> bytes:
    rows = [GOOGLE_HEADERS] + [proposal_row(n, Track="Nowhere") for n in range(count)]
    return csv_bytes(rows)


def _checked(client, event, data) -> str:
    sent = upload(client, event, data)
    page = client.get(sent.headers["Location"]).text
    checked = client.post(sent.headers["Location"], data=columns_data(page))
    return checked.headers["Location"]


def test_problems_are_listed_by_row_and_nothing_is_imported_unless_skipped(desk):
    client, event = desk
    rows = [GOOGLE_HEADERS, proposal_row(1), proposal_row(2, Track="Nowhere"), [""] * 7]
    check_url = _checked(client, event, csv_bytes(rows))
    page = client.get(check_url).text
    assert "<td>3</td><td>Track</td><td>Unknown track “Nowhere”" in page.replace("\n", "")
    assert 'tabindex="0" role="region"' in page
    import_url = check_url.replace("/check", "/import")
    # The page's form knows the rows with problems: refused at once, next to the box.
    at_once = client.post(import_url, data={"expected": "1", "bad_rows": "1"})
    assert at_once.status_code == 400
    assert 'id="skip_listed-error"' in at_once.text
    assert "Nothing was imported: 1 rows have problems" in at_once.text
    assert 'value="1"' in at_once.text and "Import 1 row" in at_once.text
    # Without it (an old page, a script), the worker refuses, and the check page says why.
    refused = client.post(import_url, data={"expected": "1"})
    assert refused.status_code == 302
    assert proposal_count() == 0
    page = client.get(check_url).text
    assert 'role="alert"' in page and "Nothing was imported: 1 rows have problems" in page
    assert "<td>3</td><td>Track</td>" in page.replace("\n", "")  # the rows, checked again
    done = client.post(import_url, data={"expected": "1", "skip_listed": "y"})
    assert done.status_code == 302
    assert proposal_count() == 1
    page = client.get(check_url).text
    assert "The import is done." in page and "1 row with problems was skipped." in page


def test_the_problem_list_is_paginated_with_constant_queries(desk, queries):
    client, event = desk
    counts = []
    for size in (5, 120):
        url = _checked(client, event, _bad_file(size))
        db.session.commit()
        queries.clear()
        response = client.get(url + "?page=2")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert 'rel="next"' in response.text  # 120 problems do not fit on one page


def test_csrf_is_required(app, desk):
    client, event = desk
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = upload(client, event, proposals_file(1))
        assert refused.status_code == 400
        page = client.get(f"/manage/{event.slug}/import/proposals").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        sent = client.post(
            f"/manage/{event.slug}/import/proposals",
            data={"file": (io.BytesIO(proposals_file(1)), "f.csv"), "csrf_token": token},
            content_type="multipart/form-data",
        )
        assert sent.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


@pytest.mark.parametrize("role", [None, EventRoleName.REVIEWER])
def test_only_organizers_see_the_pages(client, role):
    organizer, event = organizer_and_event()
    login_as(client, organizer)
    check_url = _checked(client, event, proposals_file(1))
    someone = make_user()
    if role is not None:
        grant_role(someone, event, role)
    login_as(client, someone)
    for url in (
        f"/manage/{event.slug}/import/proposals",
        f"/manage/{event.slug}/import/grant-applications",
        check_url,
    ):
        assert client.get(url).status_code in (403, 404), url
    assert client.post(check_url.replace("/check", "/import")).status_code in (403, 404)
    assert proposal_count() == 0


def test_the_dashboard_links_to_the_import(desk):
    client, event = desk
    page = client.get(f"/manage/{event.slug}/").text
    assert f"/manage/{event.slug}/import/proposals" in page
    upload_page = client.get(f"/manage/{event.slug}/import/proposals").text
    assert f"/manage/{event.slug}/import/grant-applications" in upload_page


def test_grant_applications_from_an_xlsx_upload(desk):
    from organizer.models import GrantApplication
    from tests.factories import make_programme
    from tests.spreadsheet_import.helpers import xlsx_bytes

    client, event = desk
    make_programme(event, name="Travel grants")
    db.session.commit()
    data = xlsx_bytes(
        [
            ["Timestamp", "Email", "Name", "Why do you apply?", "Travel"],
            ["2026-11-02 10:00", "ana@example.org", "Ana", "I teach.", 300],
        ]
    )
    check_url = _checked_kind(client, event, data, "grant-applications", "g.xlsx")
    assert "Every row is right." in client.get(check_url).text
    done = client.post(check_url.replace("/check", "/import"), data={"expected": "1"})
    assert done.status_code == 302
    application = db.session.scalars(select(GrantApplication)).one()
    assert application.requested == {"travel": 30000}
    assert application.motivation == "I teach."


def _checked_kind(client, event, data, kind, name) -> str:
    sent = upload(client, event, data, name=name, kind=kind)
    assert sent.status_code == 302, sent.text
    page = client.get(sent.headers["Location"]).text
    checked = client.post(sent.headers["Location"], data=columns_data(page))
    assert checked.status_code == 302, checked.text
    return checked.headers["Location"]


def test_while_the_worker_writes_the_check_page_reloads_itself(desk, monkeypatch):
    from organizer import tasks
    from organizer.services.imports import spreadsheet_jobs

    client, event = desk
    check_url = _checked(client, event, proposals_file(2))
    waiting: list[str] = []
    monkeypatch.setattr(tasks, "import_spreadsheet", waiting.append)  # a worker not yet there
    sent = client.post(check_url.replace("/check", "/import"), data={"expected": "2"})
    assert sent.status_code == 302 and sent.headers["Location"].endswith(check_url)
    assert len(waiting) == 1
    page = client.get(check_url)
    assert page.status_code == 202 and page.headers["Retry-After"]
    assert "The import of form.csv is being prepared" in page.text
    assert 'http-equiv="refresh"' in page.text and "preparing.js" in page.text
    # A second click neither queues nor imports it again; the columns are closed meanwhile.
    again = client.post(check_url.replace("/check", "/import"), data={"expected": "2"})
    assert again.status_code == 302 and len(waiting) == 1
    columns = client.get(check_url.replace("/check", "/columns"))
    assert columns.status_code == 302
    spreadsheet_jobs.write_queued_spreadsheet(public_id=waiting[0], now=utcnow_for_tests)
    done = client.get(check_url)
    assert done.status_code == 200
    assert "The import is done." in done.text and "form.csv was imported: 2 rows." in done.text
    assert f'<a href="/manage/{event.slug}/cfp/proposals">Work through proposals' in done.text
    assert proposal_count() == 2


def utcnow_for_tests():
    import datetime as dt

    return dt.datetime.now(dt.UTC)


def test_a_queue_that_cannot_be_reached_is_said_on_the_page(desk, monkeypatch):
    from organizer import tasks

    client, event = desk
    check_url = _checked(client, event, proposals_file(1))

    def unreachable(public_id):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks, "import_spreadsheet", unreachable)
    sent = client.post(check_url.replace("/check", "/import"), data={"expected": "1"})
    assert sent.status_code == 302
    page = client.get(check_url)
    assert page.status_code == 200
    assert "could not be handed to the worker" in page.text
    assert proposal_count() == 0
    assert db.session.scalars(select(SpreadsheetImport)).one().state == "failed"
