"""Download my data: every section, the files byte for byte, nobody else's data, a fixed
number of queries, and who may download."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

from organizer.extensions import db
from organizer.services import personal_data
from tests.account_data.conftest import BO_STRINGS, PDF, PNG, RECEIPT, add_proposal_extras
from tests.factories import NOW, login_as

ROOT = Path(__file__).resolve().parents[2]


def open_zip(data: bytes) -> tuple[dict, zipfile.ZipFile]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return json.loads(archive.read("data.json")), archive


def test_the_archive_holds_every_section_and_the_files_byte_for_byte(world):
    data, archive = open_zip(personal_data.archive(user=world.ana, now=NOW))
    assert tuple(data) == personal_data.SECTIONS
    assert data["account"]["email"] == "ana.lima@example.org"
    assert data["account"]["display_name"] == "Ana Lima"
    for key in personal_data.SECTIONS:
        if isinstance(data[key], list):
            assert data[key], f"section {key} is empty"
    titles = {p["title"] for p in data["proposals"]}
    assert titles == {"Ana's draft", "Ana's submitted proposal", "Ana's confirmed talk"}
    submitted = next(p for p in data["proposals"] if p["title"] == "Ana's submitted proposal")
    assert submitted["notes_to_organizers"] == "Ana's note to organizers"
    assert submitted["answers"][0]["value"] == "Ana's answer"
    assert data["speaker_profiles"][0]["bio"] == "Ana's bio from Porto"
    assert data["reviews"][0]["comment"] == "Ana's review comment"
    assert list(data["reviews"][0]["scores"].values()) == [4]
    assert data["conflicts_declared"][0]["reason"] == "Ana's colleague"
    (application,) = data["grant_applications"]
    assert application["motivation"] == "Ana's motivation"
    assert application["answers"][0]["value"] == "no"
    assert application["award"]["total"] == 40_000
    assert application["receipts"][0]["amount"] == 35_000
    assert application["payouts"][0]["reference"] == "SEPA 1"
    assert [m["body"] for m in application["messages"]] == ["Ana asks about the visa"]
    assert data["agendas"][0]["feed_token"] == "ana-agenda-token"
    assert len(data["agendas"][0]["starred_sessions"]) == 1
    assert "Your proposal" in [m["subject"] for m in data["mail"]]
    entries = {e["action"]: e for e in data["audit_entries"]}
    # published outcomes are listed; which round, who reviews and pencilled decisions are not
    assert entries["decision.publish"]["details"] == {"state": ["submitted", "accepted"]}
    assert not entries["decision.publish"]["by_you"]
    assert data["grant_reviews"][0]["comment"] == "Ana's grant review"
    (survey,) = data["survey_responses"]
    assert survey["event"] == "trust-2027" and survey["answers"][0]["option"]
    assert {(r["event"], r["role"]) for r in data["event_roles"]} == {
        ("trust-2027", "reviewer"),
        ("trust-2027", "grant_reviewer"),
    }
    assert data["team_invitations"][0]["role"] == "organizer"
    assert data["failed_sign_ins"] == [NOW.isoformat()]
    # the files: every one listed, and each the bytes that were uploaded
    names = set(archive.namelist())
    listed = {f["path"]: f for f in data["files"]}
    assert set(listed) == names - {"data.json", "README.txt"}
    contents = sorted(archive.read(path) for path in listed)
    assert contents == sorted([PDF, PNG, RECEIPT])
    draft = next(p for p in data["proposals"] if p["title"] == "Ana's draft")
    assert archive.read(draft["answers"][0]["file"]) == PDF
    assert archive.read(data["speaker_profiles"][0]["photo"]) == PNG
    assert archive.read(application["receipts"][0]["file"]) == RECEIPT


def test_nothing_of_anyone_else_is_in_the_archive(world):
    raw = personal_data.archive(user=world.ana, now=NOW)
    _data, archive = open_zip(raw)
    text = archive.read("data.json").decode()
    for secret in (*BO_STRINGS, "Internal: Ana is great", "Olga Organizer", "Carl Coorganizer"):
        assert secret not in text, secret
    for name in archive.namelist():
        assert b"Bo's private file" not in archive.read(name)
    # and the other way round: Bo's archive holds nothing of Ana's
    other = archive_text(world.bo)
    for secret in ("Ana Lima", "ana.lima@example.org", "Ana's", "ana-agenda-token"):
        assert secret not in other, secret


def archive_text(user) -> str:
    data = personal_data.archive(user=user, now=NOW)
    archive = zipfile.ZipFile(io.BytesIO(data))
    return "".join(archive.read(n).decode("latin-1") for n in archive.namelist())


def test_the_number_of_queries_does_not_grow_with_the_data(world, queries):
    def count() -> int:
        db.session.commit()
        db.session.expire_all()
        queries.clear()
        personal_data.archive(user=world.ana, now=NOW)
        return len(queries)

    add_proposal_extras(world, 1)
    before = count()
    add_proposal_extras(world, 5)
    after = count()
    assert before == after, (before, after)
    print(f"export: {after} SQL statements with 1 and with 6 extra items of each kind")
    assert after < 40


def test_every_section_is_documented():
    text = (ROOT / "docs" / "accounts-and-events.md").read_text()
    section = text.split("### What the download holds", 1)[1].split("\n### ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", section, re.MULTILINE))
    assert documented == set(personal_data.SECTIONS)


def test_the_download_is_a_zip_for_the_signed_in_person_only(client, world):
    response = client.get("/account/data.zip")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login_as(client, world.ana)
    response = client.get("/account/data.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    data, _archive = open_zip(response.data)
    assert data["account"]["email"] == "ana.lima@example.org"


def test_the_account_page_links_to_both(client, world):
    login_as(client, world.ana)
    page = client.get("/account").get_data(as_text=True)
    assert 'href="/account/data.zip"' in page and 'href="/account/delete"' in page
