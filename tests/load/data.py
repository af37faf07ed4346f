"""What a load run does in the app's own context, in the run's environment:

- `python -m tests.load.data populate SLUG N`: the grant programme and N accounts, after
  `flask demo --size` made the event, its open call and its released schedule; prints what the
  clients need as JSON;
- `python -m tests.load.data age WHEN`: make the claims and the `send_mail` lock that a
  worker killed at WHEN left behind look as old as they will be 10 minutes later (when the
  next sweep takes them over), instead of waiting; prints the aged claims as JSON."""

from __future__ import annotations

import datetime as dt
import json
import sys

from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from organizer import create_app
from organizer.enums import GrantKind, OutboxState
from organizer.extensions import db
from organizer.models import Event, OutboxMessage, User
from organizer.queue import huey
from organizer.services import mail
from organizer.services.accounts import new_user
from organizer.services.grants.programmes import ProgrammeSettings, save_programme

PASSWORD = "load-test-password"
# A cheap hash: the run measures the app, not scrypt (sign-in checks whatever method it finds).
FAST_HASH = "pbkdf2:sha256:1000"
LOCK = "lock:send_mail"  # organizer.queue.periodic's lock of the every-minute sweep


def populate(slug: str, people: int) -> None:
    now = dt.datetime.now(dt.UTC)
    with create_app().app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        assert event is not None, f"no event {slug}: run `flask demo --size` first"
        organizer = db.session.scalar(
            select(User).where(User.email == f"organizer@{slug}.example.org")
        )
        programme = save_programme(
            actor=organizer,
            event=event,
            programme=None,
            settings=ProgrammeSettings(
                name="Travel grants",
                kind=GrantKind.BOTH,
                opens_at=now - dt.timedelta(days=1),
                closes_at=now + dt.timedelta(days=30),
                budget=5_000_000,
                registration_fee=15_000,
            ),
            now=now,
        )
        password_hash = generate_password_hash(PASSWORD, method=FAST_HASH)
        emails = [f"load{n}@load.example.org" for n in range(people)]
        db.session.add_all(
            new_user(
                email=email,
                display_name=f"Load Person {n}",
                password_hash=password_hash,
                verified=True,
                now=now,
            )
            for n, email in enumerate(emails)
        )
        db.session.commit()
        json.dump({"event": slug, "programme": programme.public_id, "emails": emails}, sys.stdout)


def age(killed_at: dt.datetime) -> None:
    past = killed_at - mail.STALE_CLAIM - dt.timedelta(minutes=1)
    with create_app().app_context():
        claims = db.session.scalars(
            update(OutboxMessage)
            .where(
                OutboxMessage.state == OutboxState.SENDING, OutboxMessage.claimed_at <= killed_at
            )
            .values(claimed_at=past)
            .returning(OutboxMessage.public_id)
        ).all()
        db.session.commit()
        held_since = huey.get(LOCK, peek=True)
        if held_since is not None and dt.datetime.fromisoformat(held_since) <= killed_at:
            huey.put(LOCK, past.isoformat())
        json.dump({"claims": claims, "lock": held_since is not None}, sys.stdout)


if __name__ == "__main__":
    if sys.argv[1] == "populate":
        populate(sys.argv[2], int(sys.argv[3]))
    else:
        age(dt.datetime.fromisoformat(sys.argv[2]))
