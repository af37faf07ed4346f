"""Text that reaches the app without a form (path, query string, JSON body), mail headers and
the helpers of `services.text`."""

from __future__ import annotations

import datetime as dt

import pytest

from organizer.errors import ValidationFailed
from organizer.extensions import db
from organizer.models import OutboxMessage
from organizer.services import mail, text
from organizer.services.agendas import TOKEN
from organizer.services.exports.cells import safe_cell
from tests.factories import NOW, login_as, make_event, make_user


@pytest.mark.parametrize(
    "path",
    [
        "/%00/schedule/",  # a NUL slug used to reach PostgreSQL (a 500 there)
        "/workshop/talk/%E2%80%AE/",
        "/workshop/schedule/?day=%00",
        "/workshop/schedule/?q=%E2%80%AEevil",
        "/login?next=/account%0D%0ALocation:%20http://evil",
    ],
)
def test_paths_and_query_strings_with_control_characters_are_a_400_with_the_reason(client, path):
    make_event(slug="workshop")
    response = client.get(path)
    assert response.status_code == 400, response.status_code
    assert "U+" in response.text or "single line" in response.text


def test_a_json_body_with_a_lone_surrogate_is_a_json_400(client):
    event = make_event(slug="workshop")
    login_as(client, make_user())
    response = client.post(
        f"/{event.slug}/agenda/stars",
        data='{"code": "\\ud800", "action": "star"}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "U+D800" in response.get_json()["error"]


def test_json_line_breaks_are_left_to_the_forms_behind(client):
    event = make_event(slug="workshop")
    response = client.post(
        f"/{event.slug}/agenda/stars",
        json={"code": "a\nb", "action": "star"},
    )
    assert response.status_code == 404  # no such session: the service answered, not the guard


def test_a_next_address_with_a_line_break_is_ignored(app):
    from organizer.blueprints._common import safe_next_url

    assert safe_next_url("/account") == "/account"
    assert safe_next_url("/account\r\nSet-Cookie: x=1") is None
    assert safe_next_url("/a\x00") is None


def test_mail_subjects_and_attachment_names_hold_one_harmless_line(app):
    message = mail.queue_text(
        to="ana@example.org",
        purpose="test",
        subject="Hello\r\nBcc: evil@example.org\x00\u202e",
        body="Body",
        now=NOW,
    )
    assert message.subject == "Hello Bcc: evil@example.org"
    message.subject = "Edited\r\nBcc: evil@example.org"  # even if a row says otherwise
    message.attachments = [
        {"content_type": "text/calendar", "filename": "a\r\nb.ics", "content": "x"}
    ]
    built = mail.build_email(message, "Workshop <noreply@organizer.test>")
    assert built["Subject"] == "Edited Bcc: evil@example.org"
    assert "Bcc" not in built
    assert "\r" not in bytes(built).split(b"\r\n\r\n")[0].decode().replace("\r\n", "")
    db.session.rollback()
    assert db.session.query(OutboxMessage).count() == 0


def test_check_raises_keyed_by_field_and_normalises(app):
    assert text.check("a\r\nb", field="body", multiline=True) == "a\nb"
    with pytest.raises(ValidationFailed) as caught:
        text.check("a\x00", field="title")
    assert "U+0000 NUL" in caught.value.errors["title"]


def test_printable_drops_what_the_filter_refuses_and_keeps_the_rest():
    assert text.printable("a\x00b\u202ec\r\nd\u200f") == "abc\nd\u200f"
    assert text.printable_all({"k\x01": ["x\x02", ("y",)]}) == {"k": ["x", ("y",)]}


def test_agenda_tokens_are_matched_by_shape_first():
    assert TOKEN.fullmatch("A" * 32)
    assert not TOKEN.fullmatch("A" * 31 + "\x00")


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("  =1+1", "'  =1+1"),
        ("\uff1dSUM(1)", "'\uff1dSUM(1)"),
        ("\nfoo", "'\nfoo"),
        ("-1+1", "'-1+1"),
        (-1, "-1"),
        ("plain", "plain"),
        (dt.date(2027, 1, 1), "2027-01-01"),
    ],
)
def test_safe_cell(value, cell):
    assert safe_cell(value) == cell


def test_every_csv_export_writes_through_the_guarded_cells():
    """`csv.writer` is used in one place, `exports/cells.py`, whose `write_rows` guards cells."""
    from pathlib import Path

    package = Path(text.__file__).resolve().parents[1]
    users = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "csv.writer" in path.read_text() or "DictWriter" in path.read_text()
    ]
    assert users == ["services/exports/cells.py"], users
