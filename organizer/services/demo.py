"""The demo workshop: load fixtures/demo.yaml, or generate a synthetic event for benchmarks.

Loading is idempotent: people are matched by email and events by slug, and what exists is left
as it is. Sections of the fixture that belong to features not built yet are kept in the file and
loaded by those features' loaders when they land.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import secrets
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from organizer.enums import EventRoleName
from organizer.extensions import db
from organizer.models import Event, EventRole, User
from organizer.services.accounts import create_user, new_user, user_by_email
from organizer.services.events import EventDetails, validate_details

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "demo.yaml"


@dataclasses.dataclass
class DemoLogin:
    role: str
    email: str
    password: str


@dataclasses.dataclass
class DemoResult:
    created_users: int = 0
    created_events: list[str] = dataclasses.field(default_factory=list)
    logins: list[DemoLogin] = dataclasses.field(default_factory=list)


def read_fixture(path: Path = FIXTURE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_demo(*, data: dict[str, Any], now: dt.datetime) -> DemoResult:
    result = DemoResult()
    # One hash for everyone without a demo password: nobody can sign in as them, and loading
    # stays fast (password hashing is deliberately slow).
    unusable = generate_password_hash(secrets.token_urlsafe(32))
    users: dict[str, User] = {}
    for spec in data["users"]:
        user = user_by_email(spec["email"])
        if user is None:
            user = create_user(
                email=spec["email"],
                display_name=spec["display_name"],
                pronouns=spec.get("pronouns"),
                verified=True,
                site_admin=bool(spec.get("site_admin")),
                now=now,
                # only the demo logins have a password; nobody can sign in as the others
                password=spec.get("password"),
                password_hash=None if spec.get("password") else unusable,
            )
            result.created_users += 1
        users[spec["key"]] = user
        if spec.get("password"):
            result.logins.append(DemoLogin(spec["key"], user.email, spec["password"]))
    for spec in data["events"]:
        if db.session.scalar(select(Event.id).where(Event.slug == spec["slug"])) is not None:
            continue
        event = _create_event(spec, now)
        for member in spec.get("team", []):
            db.session.add(
                EventRole(
                    event=event,
                    user=users[member["user"]],
                    role=EventRoleName(member["role"]),
                    created_at=now,
                )
            )
        result.created_events.append(event.slug)
    db.session.flush()
    return result


def _create_event(spec: dict[str, Any], now: dt.datetime) -> Event:
    details = EventDetails(
        slug=spec["slug"],
        name=spec["name"],
        timezone=spec["timezone"],
        starts_on=spec["starts_on"],
        ends_on=spec["ends_on"],
        venue=spec.get("venue", ""),
        currency=spec.get("currency", "EUR"),
        description=spec.get("description", ""),
        code_of_conduct=spec.get("code_of_conduct", ""),
        contact_email=spec.get("contact_email", ""),
        is_public=bool(spec.get("public")),
    )
    validate_details(details)
    event = Event(created_at=now, updated_at=now, **dataclasses.asdict(details))
    db.session.add(event)
    db.session.flush()
    return event


def generate_synthetic(*, size: int, now: dt.datetime, seed: int = 1) -> Event:
    """A synthetic event sized for benchmarks: `size` speakers and an organizing team.
    Later features add `size` sessions (proposals, reviews, slots) to it."""
    rng = random.Random(seed)  # noqa: S311 - reproducible fake names, not secrets
    slug = f"synthetic-{size}"
    existing = db.session.scalar(select(Event).where(Event.slug == slug))
    if existing is not None:
        return existing
    start = (now + dt.timedelta(days=90)).date()
    event = Event(
        slug=slug,
        name=f"Synthetic workshop ({size} sessions)",
        timezone="Europe/Berlin",
        starts_on=start,
        ends_on=start + dt.timedelta(days=2),
        venue="Benchmark Hall",
        currency="EUR",
        description="Generated for benchmarks.",
        is_public=True,
        created_at=now,
        updated_at=now,
    )
    db.session.add(event)
    unusable = generate_password_hash(secrets.token_urlsafe(32))
    organizer = new_user(
        email=f"organizer@{slug}.example.org",
        display_name="Synthetic Organizer",
        password_hash=unusable,
        verified=True,
        now=now,
    )
    db.session.add(organizer)
    db.session.add(
        EventRole(event=event, user=organizer, role=EventRoleName.ORGANIZER, created_at=now)
    )
    given = ["Ada", "Bongani", "Chen", "Dara", "Eun-ji", "Farah", "Gökhan", "Hana", "Ife", "Jun"]
    family = ["Okoye", "Silva", "Nakamura", "Haddad", "Kowalski", "Mendes", "Ivanova", "Rao"]
    db.session.add_all(
        new_user(
            email=f"speaker{n}@{slug}.example.org",
            password_hash=unusable,
            verified=True,
            display_name=f"{rng.choice(given)} {rng.choice(family)} {n}",
            now=now,
        )
        for n in range(size)
    )
    db.session.flush()
    return event
