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
from organizer.models import Event, EventRole, LetterTemplate, User
from organizer.services import two_factor
from organizer.services.accounts import create_user, user_by_email
from organizer.services.demo.call import load_call
from organizer.services.demo.fixture import FIXTURE
from organizer.services.demo.grants import load_grants
from organizer.services.demo.registration import load_registration
from organizer.services.demo.survey import load_survey
from organizer.services.demo.synthetic import synthetic_call, synthetic_people
from organizer.services.events import EventDetails, validate_details
from organizer.services.representation import retention
from organizer.services.scheduling import demo_schedule


@dataclasses.dataclass
class DemoLogin:
    role: str
    email: str
    password: str
    two_factor_secret: str | None = None  # site admins must use two-factor sign-in


@dataclasses.dataclass
class DemoResult:
    created_users: int = 0
    created_events: list[str] = dataclasses.field(default_factory=list)
    logins: list[DemoLogin] = dataclasses.field(default_factory=list)


def read_fixture(path: Path = FIXTURE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_demo(*, data: dict[str, Any], now: dt.datetime) -> DemoResult:
    """The fixture's people, then each event not loaded yet with everything in it."""
    result = DemoResult()
    users = _load_people(data["users"], result, now)
    for spec in data["events"]:
        if db.session.scalar(select(Event.id).where(Event.slug == spec["slug"])) is not None:
            continue
        event = _load_event(spec, users, now)
        result.created_events.append(event.slug)
    db.session.flush()
    retention.purge(now=now)  # last year's links and free text are past their date
    return result


def _load_people(
    specs: list[dict[str, Any]], result: DemoResult, now: dt.datetime
) -> dict[str, User]:
    """Accounts by the fixture's keys; only the demo logins can sign in."""
    # One hash for everyone without a demo password: nobody can sign in as them, and loading
    # stays fast (password hashing is deliberately slow).
    unusable = generate_password_hash(secrets.token_urlsafe(32))
    users: dict[str, User] = {}
    for spec in specs:
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
            if spec.get("two_factor_secret"):
                two_factor.enable_with_secret(user=user, secret=spec["two_factor_secret"], now=now)
        users[spec["key"]] = user
        if spec.get("password"):
            result.logins.append(
                DemoLogin(spec["key"], user.email, spec["password"], spec.get("two_factor_secret"))
            )
    return users


def _load_event(spec: dict[str, Any], users: dict[str, User], now: dt.datetime) -> Event:
    """One event: its team, call, grant programmes, survey, schedule, registration and visa
    letter."""
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
    if spec.get("cfp"):
        load_call(event, spec, users, now)
    for programme in spec.get("grant_programmes", []):
        load_grants(event, {**programme, "_team": spec.get("team", [])}, users, now)
    if spec.get("survey"):
        load_survey(event, spec, users, now)
    if spec.get("rooms") or spec.get("schedule"):
        organizer = next(users[m["user"]] for m in spec.get("team", []) if m["role"] == "organizer")
        db.session.flush()
        demo_schedule.load_schedule(event, spec, users, organizer, now)
    if spec.get("registration"):
        db.session.flush()
        load_registration(event, spec, now)
    if spec.get("visa_letter"):
        letter = spec["visa_letter"]
        db.session.add(
            LetterTemplate(
                event_id=event.id,
                body=letter["body"].strip(),
                signer_name=letter["signer_name"],
                signer_title=letter.get("signer_title", ""),
                updated_at=now,
            )
        )
    return event


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


def generate_synthetic(
    *, size: int, now: dt.datetime, seed: int = 1, schedule: bool = False
) -> Event:
    """A synthetic event sized for benchmarks: `size` speakers with one submitted proposal
    each, 40 reviewers, and 3 complete reviews per proposal.

    With `schedule` (what `flask demo --size` makes), every proposal is confirmed and placed
    in a released schedule (`demo_schedule.synthetic_release`: rooms scaled to the size,
    plenary items, a lightning block), for the public pages' and feeds' benchmarks. Without
    it the proposals stay submitted, as the call for talks' benchmarks expect."""
    rng = random.Random(seed)  # noqa: S311 - reproducible fake names, not secrets
    slug = f"synthetic-{size}"
    existing = db.session.scalar(select(Event).where(Event.slug == slug))
    if existing is not None:
        if schedule:
            demo_schedule.synthetic_release(existing, now=now, seed=seed)
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
    speakers, reviewers = synthetic_people(event, size=size, rng=rng, now=now)
    synthetic_call(event, speakers, reviewers, rng, now)
    db.session.flush()
    if schedule:
        demo_schedule.synthetic_release(event, now=now, seed=seed)
    return event
