"""Bulk mail pages: compose, preview before anything is queued, send once, the list of sent
mails; organizers only; CSRF; the mail that reaches the SMTP server."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from organizer.enums import EventRoleName, ProposalState
from organizer.extensions import db
from organizer.models import MailBatch, OutboxMessage
from organizer.services import bulk_mail
from tests.factories import (
    NOW,
    grant_role,
    login_as,
    make_cfp,
    make_event,
    make_proposal,
    make_user,
)


@pytest.fixture
def desk(client):
    organizer = make_user(name="Olga Organizer")
    event = make_event(organizer=organizer, name="Tides 2027")
    make_cfp(event)
    ana = make_user(name="Ana Lima", email="ana@example.org")
    bo = make_user(name="Bo <b>Chen</b>", email="bo@example.org")
    make_proposal(event, ana, state=ProposalState.ACCEPTED, title="Tidal energy")
    make_proposal(
        event, bo, state=ProposalState.CONFIRMED, title="Sea & <salt>", co_speakers=(ana,)
    )
    make_proposal(event, make_user(), state=ProposalState.REJECTED, title="No")
    login_as(client, organizer)
    return client, event, organizer


BODY = "Hello {name},\n\nAbout {proposal_titles}:\n{proposal_urls}\n"


def compose(client, event, **changes):
    data = {"group": "accepted_speakers", "track": "", "subject": "{event} travel", "body": BODY}
    return client.post(f"/manage/{event.slug}/mail/new", data={**data, **changes})


def outbox_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def test_the_compose_page_explains_groups_and_placeholders(desk):
    client, event, _ = desk
    page = client.get(f"/manage/{event.slug}/mail/new")
    assert page.status_code == 200
    html = page.text
    assert "Speakers of accepted sessions" in html and "whether or not they have confirmed" in html
    assert "Grantees" in html and "The whole team" in html
    for name in ("{name}", "{event}", "{proposal_titles}", "{proposal_urls}", "{home_url}"):
        assert name in html
    assert 'aria-describedby="group-0-help"' in html
    nav = client.get(f"/manage/{event.slug}/").text
    assert f'href="/manage/{event.slug}/mail/"' in nav


def test_an_unknown_placeholder_is_shown_next_to_its_field(desk):
    client, event, _ = desk
    response = compose(client, event, body="Hi {nmae}")
    assert response.status_code == 400
    assert "Unknown placeholder {nmae}" in response.text
    assert 'id="body-error"' in response.text
    assert db.session.scalar(select(func.count()).select_from(MailBatch)) == 0


def test_preview_then_send(desk, mailbox):
    client, event, _ = desk
    response = compose(client, event)
    assert response.status_code == 302
    preview_url = response.location
    assert outbox_count() == 0
    preview = client.get(preview_url)
    html = preview.text
    assert "2 people" in html and "Send to 2 people" in html
    # the first recipient (by name) is shown, escaped
    assert "The mail to Ana Lima" in html
    assert "Tides 2027 travel" in html
    assert "“Sea &amp; &lt;salt&gt;”, “Tidal energy”" in html
    assert "<salt>" not in html and "<b>Chen</b>" not in html
    assert "Bo &lt;b&gt;Chen&lt;/b&gt;" in html
    # any recipient can be previewed
    bo = db.session.scalar(select(OutboxMessage))  # nothing queued by looking
    assert bo is None
    bo_id = re.search(r'<option value="(\d+)">Bo &lt;b&gt;', html).group(1)
    other = client.get(f"{preview_url}?person={bo_id}").text
    assert "Hello Bo &lt;b&gt;Chen&lt;/b&gt;," in other and "Tidal energy" not in other
    assert outbox_count() == 0

    sent = client.post(f"{preview_url}/send", data={"expected": "2"})
    assert sent.status_code == 302 and sent.location.endswith(f"/manage/{event.slug}/mail/")
    assert outbox_count() == 2
    # through the real SMTP server, one text per person
    ana_text = mailbox.text(mailbox.last("ana@example.org"))
    bo_text = mailbox.text(mailbox.last("bo@example.org"))
    assert mailbox.last("ana@example.org")["Subject"] == "Tides 2027 travel"
    assert ana_text.startswith("Hello Ana Lima,")
    assert "“Sea & <salt>”, “Tidal energy”" in ana_text
    assert bo_text.startswith("Hello Bo <b>Chen</b>,") and "Tidal energy" not in bo_text
    proposal_path = mailbox.link(mailbox.last("bo@example.org"), f"/{event.slug}/cfp/proposals/")
    assert proposal_path.startswith(f"/{event.slug}/cfp/proposals/")

    # a second click (or a resubmitted form) sends nothing more
    again = client.post(f"{preview_url}/send", data={"expected": "2"}, follow_redirects=True)
    assert "already been sent" in again.text
    assert outbox_count() == 2 and len(mailbox.messages) == 2

    listing = client.get(f"/manage/{event.slug}/mail/").text
    assert "Tides 2027 travel" not in listing  # the subject as written, not filled in
    assert "{event} travel" in listing and "Olga Organizer" in listing
    assert "Speakers of accepted sessions" in listing
    detail = client.get(preview_url).text
    assert "2 delivered, 0 waiting, 0 failed" in detail
    audit = client.get(f"/manage/{event.slug}/audit").text
    assert "mail_batch.send" in audit and "accepted_speakers" in audit


def test_the_send_count_must_match_the_preview(desk, mailbox):
    client, event, _ = desk
    preview_url = compose(client, event).location
    make_proposal(event, make_user(), state=ProposalState.ACCEPTED)
    response = client.post(f"{preview_url}/send", data={"expected": "2"}, follow_redirects=True)
    assert "now has 3 people" in response.text
    assert outbox_count() == 0 and mailbox.messages == []


def test_a_send_without_its_confirmation_sends_nothing(desk, mailbox):
    client, event, _ = desk
    preview_url = compose(client, event).location
    response = client.post(f"{preview_url}/send", data={}, follow_redirects=True)
    assert "Nothing was sent" in response.text
    assert outbox_count() == 0


def test_csrf_is_required_to_compose_and_to_send(app, desk, mailbox):
    client, event, _ = desk
    preview_url = compose(client, event).location
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert compose(client, event).status_code == 400
        assert client.post(f"{preview_url}/send", data={"expected": "2"}).status_code == 400
        page = client.get(preview_url).text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        sent = client.post(f"{preview_url}/send", data={"expected": "2", "csrf_token": token})
        assert sent.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert outbox_count() == 2


def test_edit_a_draft_before_sending(desk):
    client, event, _ = desk
    preview_url = compose(client, event).location
    batch_id = preview_url.rstrip("/").rsplit("/", 1)[1]
    form = client.get(f"{preview_url}/edit").text
    assert "{event} travel" in form
    changed = compose(client, event, group="rejected_speakers", subject="Sorry")
    assert changed.status_code == 302
    response = client.post(
        f"{preview_url}/edit",
        data={"group": "team", "track": "", "subject": "Team news", "body": "Hi {name}"},
    )
    assert response.location.endswith(batch_id)
    assert "Team news" in client.get(preview_url).text


def test_reviewers_and_other_events_organizers_are_refused(desk, app):
    client, event, _ = desk
    preview_url = compose(client, event).location
    batch_id = preview_url.rsplit("/", 1)[1]
    reviewer = make_user()
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    stranger = make_user()
    theirs = make_event(organizer=stranger)
    urls = ["/mail/", "/mail/new", f"/mail/{batch_id}", f"/mail/{batch_id}/edit"]
    login_as(client, reviewer)
    for url in urls:
        assert client.get(f"/manage/{event.slug}{url}").status_code == 403, url
    assert client.post(f"{preview_url}/send", data={"expected": "2"}).status_code == 403
    login_as(client, stranger)
    for url in urls:
        assert client.get(f"/manage/{event.slug}{url}").status_code == 403, url
        if batch_id in url:  # this event's mail through their own event: not there
            assert client.get(f"/manage/{theirs.slug}{url}").status_code == 404, url
    response = client.post(f"/manage/{theirs.slug}/mail/{batch_id}/send", data={"expected": "2"})
    assert response.status_code == 404
    assert outbox_count() == 0


def test_the_list_of_sent_mails_runs_the_same_queries_however_many(desk, assert_constant_queries):
    _, event, organizer = desk

    def grow():
        for _ in range(3):
            batch = bulk_mail.save_draft(
                actor=organizer,
                event=event,
                group="accepted_speakers",
                subject="Hi",
                body="Hi {name}",
                now=NOW,
            )
            bulk_mail.send_batch(actor=organizer, batch=batch, expected=2, now=NOW)
            helper = make_user()
            grant_role(helper, event, EventRoleName.REVIEWER)  # new senders' names to load
            batch.sender_id = helper.id
        db.session.flush()

    assert_constant_queries([f"/manage/{event.slug}/mail/"], grow)


def test_a_draft_can_be_discarded_and_a_sent_mail_cannot(desk):
    client, event, _ = desk
    preview_url = compose(client, event).location
    assert client.post(f"{preview_url}/discard").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(MailBatch)) == 0
    assert client.get(preview_url).status_code == 404
    preview_url = compose(client, event).location
    client.post(f"{preview_url}/send", data={"expected": "2"})
    kept = client.post(f"{preview_url}/discard", follow_redirects=True)
    assert "already been sent" in kept.text
    assert db.session.scalar(select(func.count()).select_from(MailBatch)) == 1
