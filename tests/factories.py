"""Small factory functions: each builds one valid object, flushes it, and takes overrides."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pyotp
from flask.testing import FlaskClient

from organizer.enums import (
    ContainerKind,
    EventRoleName,
    GrantKind,
    GrantState,
    NeedLevel,
    PlenaryKind,
    ProposalState,
    QuestionKind,
    SlotKind,
    SpeakerRole,
)
from organizer.extensions import db
from organizer.models import (
    Cfp,
    Event,
    EventRole,
    GrantApplication,
    GrantCriterion,
    GrantProgramme,
    Proposal,
    ProposalSpeaker,
    Question,
    ReviewCriterion,
    Room,
    ScheduleDay,
    SessionType,
    Slot,
    Track,
    User,
)
from organizer.services import two_factor as two_factor_service
from organizer.services.accounts import create_user, start_session

PASSWORD = "correct horse battery staple"
NOW = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
_counter = itertools.count(1)


def make_user(
    *,
    email: str | None = None,
    name: str | None = None,
    password: str = PASSWORD,
    verified: bool = True,
    site_admin: bool = False,
    two_factor: bool | None = None,
    now: dt.datetime = NOW,
) -> User:
    """Site admins get two-factor sign-in (which they must have) unless two_factor=False;
    `enrol_two_factor` gives the secret when a test needs codes."""
    n = next(_counter)
    user = create_user(
        email=email or f"person{n}@example.org",
        password=password,
        display_name=name or f"Person {n}",
        verified=verified,
        site_admin=site_admin,
        now=now,
    )
    if site_admin if two_factor is None else two_factor:
        enrol_two_factor(user, now=now)
    return user


def enrol_two_factor(user: User, *, now: dt.datetime = NOW) -> str:
    """Switch two-factor sign-in on without the confirmation step; returns the secret."""
    secret = pyotp.random_base32()
    two_factor_service.enable_with_secret(user=user, secret=secret, now=now)
    return secret


def make_event(*, organizer: User | None = None, now: dt.datetime = NOW, **fields) -> Event:
    n = next(_counter)
    values = {
        "slug": f"workshop-{n}",
        "name": f"Workshop {n}",
        "timezone": "Europe/Lisbon",
        "starts_on": dt.date(2027, 3, 27),
        "ends_on": dt.date(2027, 3, 28),
        "venue": "Casa das Ideias, Lisbon",
        "currency": "EUR",
        "description": "A workshop.",
        "code_of_conduct": "Be kind.",
        "contact_email": "team@example.org",
        "is_public": True,
        **fields,
    }
    event = Event(created_at=now, updated_at=now, **values)
    db.session.add(event)
    db.session.flush()
    if organizer is not None:
        grant_role(organizer, event, EventRoleName.ORGANIZER)
    return event


def grant_role(user: User, event: Event, role: EventRoleName, *, now: dt.datetime = NOW) -> None:
    db.session.add(EventRole(event=event, user=user, role=role, created_at=now))
    db.session.flush()
    db.session.refresh(user)  # reload user.event_roles


def login_as(client: FlaskClient, user: User) -> None:
    """Sign in without the form (the form has its own tests)."""
    start_session(user=user, now=dt.datetime.now(dt.UTC))  # the loader checks its age
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


# The call for talks ------------------------------------------------------------------------
CFP_OPENS = dt.datetime(2026, 10, 1, 0, 0, tzinfo=dt.UTC)
CFP_CLOSES = dt.datetime(2026, 12, 15, 23, 59, 59, tzinfo=dt.UTC)


def make_cfp(event: Event, *, now: dt.datetime = NOW, **fields) -> Cfp:
    """An open call (NOW lies between opens and closes) with one talk type, two tracks and one
    criterion, so that proposals and reviews can be made without more set-up."""
    values = {
        "opens_at": CFP_OPENS,
        "closes_at": CFP_CLOSES,
        "text": "Tell us about your work.",
        "anonymous_review": True,
        "reviews_per_proposal": 2,
        **fields,
    }
    cfp = Cfp(event_id=event.id, created_at=now, updated_at=now, **values)
    db.session.add(cfp)
    db.session.add_all(
        [
            SessionType(event_id=event.id, name="Talk", duration_minutes=20, max_speakers=2),
            SessionType(
                event_id=event.id, name="Tutorial", duration_minutes=90, max_speakers=3, position=1
            ),
            Track(event_id=event.id, name="Methods", position=0),
            Track(event_id=event.id, name="Applications", position=1),
            ReviewCriterion(event_id=event.id, name="Relevance", weight=2),
        ]
    )
    db.session.flush()
    return cfp


def session_type(event: Event, name: str = "Talk") -> SessionType:
    return db.session.scalars(
        db.select(SessionType).where(SessionType.event_id == event.id, SessionType.name == name)
    ).one()


def track(event: Event, name: str = "Methods") -> Track:
    return db.session.scalars(
        db.select(Track).where(Track.event_id == event.id, Track.name == name)
    ).one()


def make_question(event: Event, *, kind: QuestionKind = QuestionKind.TEXT, **fields) -> Question:
    question = Question(event_id=event.id, text=fields.pop("text", "Why you?"), kind=kind, **fields)
    db.session.add(question)
    db.session.flush()
    return question


def make_proposal(
    event: Event,
    speaker: User | None = None,
    *,
    state: ProposalState = ProposalState.SUBMITTED,
    co_speakers: tuple[User, ...] = (),
    now: dt.datetime = NOW,
    **fields,
) -> Proposal:
    """A proposal straight in the database (the submission rules have their own tests)."""
    kind = fields.pop("session_type", None) or session_type(event)
    values = {
        "title": f"Proposal {next(_counter)}",
        "abstract": "We study things.",
        "description": "More about it.",
        "track": fields.pop("track", None) or track(event),
        **fields,
    }
    proposal = Proposal(
        event_id=event.id,
        session_type=kind,
        duration_minutes=kind.duration_minutes,
        state=state,
        created_at=now,
        content_changed_at=now,
        submitted_at=None if state == ProposalState.DRAFT else now,
        **values,
    )
    speaker = speaker or make_user()
    proposal.speakers.append(
        ProposalSpeaker(
            user=speaker,
            email=speaker.email,
            role=SpeakerRole.PRIMARY,
            invited_at=now,
            accepted_at=now,
        )
    )
    for co in co_speakers:
        proposal.speakers.append(
            ProposalSpeaker(
                user=co,
                email=co.email,
                role=SpeakerRole.CO_SPEAKER,
                invited_at=now,
                accepted_at=now,
            )
        )
    db.session.add(proposal)
    db.session.flush()
    return proposal


# Grants ------------------------------------------------------------------------------------
GRANTS_OPEN = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
GRANTS_CLOSE = dt.datetime(2027, 1, 15, 23, 59, 59, tzinfo=dt.UTC)


def make_programme(event: Event, *, now: dt.datetime = NOW, **fields) -> GrantProgramme:
    """An open travel-grant programme (NOW lies inside it) with a budget of 5,000.00 in the
    event's currency and two criteria."""
    values = {
        "name": f"Travel grants {next(_counter)}",
        "kind": GrantKind.BOTH,
        "description": "Help to come to the workshop.",
        "eligibility": "Anyone who could not come otherwise.",
        "opens_at": GRANTS_OPEN,
        "closes_at": GRANTS_CLOSE,
        "currency": event.currency,
        "budget": 500_000,
        "registration_fee": 15_000,
        **fields,
    }
    programme = GrantProgramme(event_id=event.id, created_at=now, updated_at=now, **values)
    db.session.add(programme)
    db.session.flush()
    db.session.add_all(
        [
            GrantCriterion(programme_id=programme.id, name="Need", weight=2, position=0),
            GrantCriterion(programme_id=programme.id, name="Contribution", weight=1, position=1),
        ]
    )
    db.session.flush()
    return programme


def make_application(
    programme: GrantProgramme,
    applicant: User | None = None,
    *,
    requested: dict[str, int] | None = None,
    state: GrantState = GrantState.SUBMITTED,
    now: dt.datetime = NOW,
    **fields,
) -> GrantApplication:
    """An application straight in the database (the rules have their own tests)."""
    requested = {"travel": 40_000, "lodging": 20_000} if requested is None else requested
    values = {
        "motivation": "I study low-resource speech recognition.",
        "country": "GH",
        "city": "Accra",
        "need": NeedLevel.CANNOT_ATTEND,
        **fields,
    }
    application = GrantApplication(
        programme_id=programme.id,
        applicant=applicant or make_user(),
        state=state,
        requested=requested,
        requested_total=sum(requested.values()),
        created_at=now,
        submitted_at=None if state == GrantState.DRAFT else now,
        updated_at=now,
        **values,
    )
    db.session.add(application)
    db.session.flush()
    return application


# The schedule ------------------------------------------------------------------------------

LISBON = ZoneInfo("Europe/Lisbon")


def lisbon(day: int, hour: int, minute: int = 0, month: int = 3, year: int = 2027) -> dt.datetime:
    """A wall-clock time in Lisbon (the factories' event zone) as an aware UTC datetime. The
    default event runs on 27-28 March 2027; Lisbon moves to summer time on the 28th at 01:00."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=LISBON).astimezone(dt.UTC)


def make_room(event: Event, name: str | None = None, *, now: dt.datetime = NOW, **fields) -> Room:
    values = {"capacity": 100, "step_free": True, "position": next(_counter), **fields}
    room = Room(event_id=event.id, name=name or f"Room {next(_counter)}", created_at=now, **values)
    db.session.add(room)
    db.session.flush()
    return room


def make_day(event: Event, day: dt.date, start: int = 9, end: int = 18) -> ScheduleDay:
    """A schedule day open from `start` to `end` o'clock in the event's zone."""
    zone = ZoneInfo(event.timezone)
    row = ScheduleDay(
        event_id=event.id,
        day=day,
        starts_at=dt.datetime.combine(day, dt.time(start), tzinfo=zone).astimezone(dt.UTC),
        ends_at=dt.datetime.combine(day, dt.time(end), tzinfo=zone).astimezone(dt.UTC),
    )
    db.session.add(row)
    db.session.flush()
    return row


def make_event_days(event: Event, start: int = 9, end: int = 18) -> list[ScheduleDay]:
    days = (event.ends_on - event.starts_on).days + 1
    return [
        make_day(event, event.starts_on + dt.timedelta(days=n), start, end) for n in range(days)
    ]


def make_slot(
    event: Event,
    proposal: Proposal | None = None,
    *,
    room: Room | None = None,
    starts_at: dt.datetime | None = None,
    now: dt.datetime = NOW,
    **fields,
) -> Slot:
    """A talk slot for `proposal` (made accepted when none is given), or a plenary item or
    container when `kind` says so. Placed when `room` and `starts_at` are given."""
    kind = fields.pop("kind", SlotKind.TALK)
    if kind is SlotKind.TALK and proposal is None:
        proposal = make_proposal(event, state=ProposalState.CONFIRMED)
    values = {
        "duration_minutes": proposal.duration_minutes if proposal is not None else 30,
        **fields,
    }
    if kind is SlotKind.PLENARY:
        values.setdefault("plenary_kind", PlenaryKind.BREAK)
        values.setdefault("title", "Coffee break")
    if kind is SlotKind.CONTAINER:
        values.setdefault("container_kind", ContainerKind.LIGHTNING)
        values.setdefault("title", "Lightning talks")
    slot = Slot(
        event_id=event.id,
        kind=kind,
        proposal_id=proposal.id if proposal is not None else None,
        room_id=room.id if room is not None else None,
        starts_at=starts_at,
        created_at=now,
        updated_at=now,
        **values,
    )
    db.session.add(slot)
    db.session.flush()
    return slot


# Schedule set-ups --------------------------------------------------------------------------


def make_schedule_event(
    organizer: User | None = None, *, hours: tuple[int, int] | None = (9, 18), **fields
) -> Event:
    """An event (`make_event`, with `fields`) and its call (`make_cfp`: Talk 20 minutes,
    Tutorial 90); unless `hours` is None, both its dates are schedule days open from `hours[0]`
    to `hours[1]` o'clock in Lisbon."""
    event = make_event(organizer=organizer, **fields)
    make_cfp(event)
    if hours is not None:
        make_event_days(event, *hours)
    return event


def make_talk(
    event: Event,
    speaker: User | None = None,
    *,
    title: str | None = None,
    state: ProposalState = ProposalState.CONFIRMED,
    type_name: str = "Talk",
    co_speakers: tuple[User, ...] = (),
    track: Track | None = None,
    room: Room | None = None,
    starts_at: dt.datetime | None = None,
    **slot_fields,
) -> Slot:
    """A proposal (confirmed unless `state` says otherwise; its session type named `type_name`)
    with its talk slot, placed when `room` and `starts_at` are given."""
    proposal = make_proposal(
        event,
        speaker,
        state=state,
        co_speakers=co_speakers,
        session_type=session_type(event, type_name),
        track=track,
        **({"title": title} if title is not None else {}),
    )
    return make_slot(event, proposal, room=room, starts_at=starts_at, **slot_fields)
