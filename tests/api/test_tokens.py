"""API tokens: made with a secret shown once, stored hashed, revoked by their owner only,
refused when revoked, expired or of a deleted account; the account page that manages them."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from sqlalchemy import select

from organizer.errors import NotFound, ValidationFailed
from organizer.extensions import db
from organizer.models import ApiToken, AuditEntry
from organizer.services import api_tokens
from tests.api.conftest import real_now, token_for
from tests.factories import PASSWORD, login_as, make_event, make_user


def test_the_secret_is_shown_once_and_only_its_digest_is_stored():
    person = make_user()
    made = api_tokens.create_api_token(
        actor=person, name="Spreadsheet", event=None, expires_at=None, now=real_now()
    )
    db.session.commit()
    assert made.secret.startswith("org_") and len(made.secret) > 40
    row = db.session.get(ApiToken, made.token.id)
    assert row.token_hash == hashlib.sha256(made.secret.encode()).hexdigest()
    assert row.prefix == made.secret[:8]
    stored = db.session.execute(select(ApiToken.__table__)).mappings().one()
    assert all(made.secret not in str(value) for value in stored.values())
    assert made.secret[8:] not in " ".join(str(v) for v in stored.values())
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "api_token"))
    (entry,) = list(entries)
    assert entry.action == "api_token.create" and made.secret not in str(entry.details)


def test_authenticate_finds_the_owner_and_refuses_everything_else():
    person = make_user()
    secret = token_for(person)
    now = real_now()
    user, token = api_tokens.authenticate_api_header(f"Bearer {secret}", now=now)
    assert user == person and token.last_used_at == now
    assert api_tokens.authenticate_api_header(f"bearer  {secret} ", now=now)[0] == person
    for header in [None, "", secret, f"Basic {secret}", f"Bearer {secret}x", "Bearer org_"]:
        assert api_tokens.authenticate_api_header(header, now=now) is None, header


def test_last_use_is_written_at_most_once_a_minute():
    person = make_user()
    secret = token_for(person)
    start = real_now()
    _user, token = api_tokens.authenticate_api_header(f"Bearer {secret}", now=start)
    api_tokens.authenticate_api_header(f"Bearer {secret}", now=start + dt.timedelta(seconds=30))
    assert token.last_used_at == start
    later = start + dt.timedelta(seconds=61)
    api_tokens.authenticate_api_header(f"Bearer {secret}", now=later)
    assert token.last_used_at == later


def test_revoked_expired_and_deleted_accounts_tokens_do_not_work():
    person = make_user()
    now = real_now()
    revoked = token_for(person)
    token = db.session.scalar(select(ApiToken).where(ApiToken.prefix == revoked[:8]))
    api_tokens.revoke_api_token(actor=person, token_id=token.id, now=now)
    assert api_tokens.authenticate_api_header(f"Bearer {revoked}", now=now) is None
    expiring = token_for(person, expires_at=now + dt.timedelta(days=1))
    assert api_tokens.authenticate_api_header(f"Bearer {expiring}", now=now) is not None
    later = now + dt.timedelta(days=1, seconds=1)
    assert api_tokens.authenticate_api_header(f"Bearer {expiring}", now=later) is None
    other = make_user()
    kept = token_for(other)
    other.deleted_at = now
    db.session.flush()
    assert api_tokens.authenticate_api_header(f"Bearer {kept}", now=now) is None


def test_only_the_owner_revokes_and_it_is_audited():
    owner, intruder = make_user(), make_user()
    token_for(owner)
    token = db.session.scalar(select(ApiToken))
    with pytest.raises(NotFound):
        api_tokens.revoke_api_token(actor=intruder, token_id=token.id, now=real_now())
    assert token.revoked_at is None
    api_tokens.revoke_api_token(actor=owner, token_id=token.id, now=real_now())
    actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["api_token.create", "api_token.revoke"]


def test_a_token_is_limited_only_to_an_event_where_the_person_has_a_role():
    organizer, outsider = make_user(), make_user()
    event = make_event(organizer=organizer)
    now = real_now()
    made = api_tokens.create_api_token(
        actor=organizer, name="One event", event=event, expires_at=None, now=now
    )
    assert made.token.event_id == event.id
    assert api_tokens.scope_choices(organizer) == [event]
    with pytest.raises(ValidationFailed) as refused:
        api_tokens.create_api_token(
            actor=outsider, name="Sneaky", event=event, expires_at=None, now=now
        )
    assert "event" in refused.value.errors
    for name, expires in [(" ", None), ("x" * 101, None), ("ok", now - dt.timedelta(days=1))]:
        with pytest.raises(ValidationFailed):
            api_tokens.create_api_token(
                actor=organizer, name=name, event=None, expires_at=expires, now=now
            )


# The account page ------------------------------------------------------------------------


def test_account_page_creates_shows_once_lists_and_revokes(client):
    person = make_user(name="Tia Tokens")
    event = make_event(organizer=person, name="Token Fest")
    login_as(client, person)
    profile = client.get("/account")
    assert 'href="/account/api-tokens"' in profile.text
    empty = client.get("/account/api-tokens")
    assert empty.status_code == 200
    assert "You have no API tokens yet" in empty.text
    assert '<label for="name"' in empty.text and "Token Fest" in empty.text
    assert re.search(
        r'<input[^>]*checked[^>]*id="read_only"|<input[^>]*id="read_only"[^>]*checked', empty.text
    )
    too_late = client.post(
        "/account/api-tokens",
        data={"name": "Committee sheet", "event": str(event.id), "expires_on": "2099-01-01"},
    )
    assert too_late.status_code == 400 and "within a year" in too_late.text
    expires_on = (real_now() + dt.timedelta(days=30)).date()
    created = client.post(
        "/account/api-tokens",
        data={
            "name": "Committee sheet",
            "event": str(event.id),
            "expires_on": str(expires_on),
            "read_only": "y",
        },
    )
    assert created.status_code == 201
    secret = re.search(r'value="(org_[A-Za-z0-9_-]+)"', created.text).group(1)
    assert "This is the only time it is shown" in created.text
    listed = client.get("/account/api-tokens")
    assert secret not in listed.text and secret[:8] in listed.text
    assert "Committee sheet" in listed.text and "never" in listed.text
    token = db.session.scalar(select(ApiToken))
    assert token.event_id == event.id and token.read_only
    assert token.expires_at == dt.datetime.combine(
        expires_on, dt.time(0), tzinfo=dt.UTC
    ) + dt.timedelta(days=1)
    confirm = client.get(f"/account/api-tokens/{token.id}/revoke")
    assert confirm.status_code == 200 and "cannot be undone" in confirm.text
    done = client.post(f"/account/api-tokens/{token.id}/revoke")
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    assert "revoked" in client.get("/account/api-tokens").text
    unticked = client.post("/account/api-tokens", data={"name": "Future writer", "event": ""})
    assert unticked.status_code == 201
    assert (
        db.session.scalar(select(ApiToken).where(ApiToken.name == "Future writer")).read_only
        is False
    )


def test_the_form_shows_its_errors_and_strangers_cannot_revoke(client):
    owner, stranger = make_user(), make_user()
    token_for(owner)
    token = db.session.scalar(select(ApiToken))
    login_as(client, stranger)
    assert client.get(f"/account/api-tokens/{token.id}/revoke").status_code == 404
    assert client.post(f"/account/api-tokens/{token.id}/revoke").status_code == 404
    refused = client.post("/account/api-tokens", data={"name": "", "event": ""})
    assert refused.status_code == 400
    assert "Give the token a name" in refused.text
    assert db.session.scalar(select(ApiToken).where(ApiToken.user_id == stranger.id)) is None


def test_deleting_the_account_deletes_its_tokens(client):
    from organizer.services import account_deletion

    person = make_user(email="tokens@example.org")
    secret = token_for(person, name="Backup script")
    account_deletion.delete_account(
        actor=person, password=PASSWORD, confirmation=person.email, now=real_now()
    )
    db.session.commit()
    assert db.session.scalar(select(ApiToken)) is None
    assert api_tokens.authenticate_api_header(f"Bearer {secret}", now=real_now()) is None
