"""services.notifications: the one door every mail goes through, and its keys."""

from __future__ import annotations

import datetime as dt

from organizer.extensions import db
from organizer.models import OutboxMessage
from organizer.services import notifications
from tests.factories import make_event, make_user

NOW = dt.datetime(2027, 3, 1, 9, 30, 12, tzinfo=dt.UTC)


def test_mail_key_names_objects_by_id_and_times_by_utc_minute(app):
    user = make_user()
    event = make_event()
    lisbon = NOW.astimezone(dt.timezone(dt.timedelta(hours=1)))
    assert notifications.mail_key("invite", event, user, 3, "x", lisbon) == (
        f"invite:{event.id}:{user.id}:3:x:20270301T0930"
    )


def test_tell_queues_once_per_key_in_the_recipients_language(app):
    user = make_user()
    user.locale = "pt"
    event = make_event()
    first = notifications.tell(
        user,
        "account_deleted",
        about=[user],
        context={"name": user.display_name, "pseudonym": "Former member 1"},
        now=NOW,
        event=event,
    )
    again = notifications.tell(
        user,
        "account_deleted",
        about=[user],
        context={"name": user.display_name, "pseudonym": "Former member 1"},
        now=NOW,
        event=event,
    )
    assert first.id == again.id
    assert first.idempotency_key == f"account_deleted:{user.id}"
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 1


def test_organizers_words_go_out_as_plain_text_with_a_one_line_subject(app):
    event = make_event()
    message = notifications.tell_in_organizers_words(
        "speaker@example.org",
        "decision",
        subject="Your talk\nBcc: everyone@example.org",
        body="Accepted.",
        about=[event, "speaker@example.org"],
        now=NOW,
        event=event,
    )
    assert "\n" not in message.subject
    assert message.body_html is None
