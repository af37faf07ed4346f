"""Deny by default, proven: every route of the URL map (every endpoint x every method it
accepts, but `static`), requested as every kind of person, gives the outcome that the route's
`@access(...)` declaration says (organizer/blueprints/_common.py, ACCESS_RULES).

One event holds data for every URL parameter, so that each route is asked about a real object:
the applicant's own proposal, file, grant application and receipt, a published schedule, tokens
of every kind. POSTs go with an empty body (CSRF is off in the unit app): a refused person must
be refused before anything is validated. Each request runs in a SAVEPOINT that is rolled back
afterwards, so that a POST a person is allowed (a withdrawal, a deletion, signing out) changes
nothing for the requests after it.

- anonymous visitors of a route that needs sign-in are sent to /login;
- signed-in people the rule leaves out get the rule's `denied` status (403, or 404 where the
  object's existence is not to be revealed);
- people the rule lets in get anything but 401, 403, 404, a redirect to sign in or a 5xx.

A route without a declaration fails `test_every_route_declares_who_may_reach_it`; a route with
a parameter the matrix cannot fill fails the matrix; `test_the_matrix_finds_a_wrong_declaration`
shows that a view declared for organizers but open to all is reported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from flask import Blueprint, Flask
from sqlalchemy import Connection, select

from organizer import create_app
from organizer.blueprints._common import ACCESS_RULES, access
from organizer.enums import (
    EventRoleName,
    GrantState,
    ProposalState,
    QuestionKind,
    SlotKind,
    SolveKind,
)
from organizer.enums import SpeakerRole as SR
from organizer.extensions import db
from organizer.models import (
    Answer,
    CfpExtension,
    EventRole,
    GrantAnswer,
    GrantCriterion,
    GrantQuestion,
    MailBatch,
    PlaceKind,
    ProposalSpeaker,
    RegistrationQuestion,
    ReviewAssignment,
    ReviewCriterion,
    ReviewPhase,
    RoomWindow,
    ScheduleDay,
    ScheduleImport,
    ScheduleSuggestion,
    Solve,
    SpeakerAvailability,
    SpeakerProfile,
    TeamInvitation,
    User,
)
from organizer.services import (
    accounts,
    agendas,
    api_tokens,
    feeds,
    materials,
    speaker_photos,
    tokens,
    uploads,
)
from organizer.services.accounts import _password_fingerprint
from organizer.services.grants import reimbursement
from organizer.services.imports import spreadsheet as spreadsheet_import
from organizer.services.print import certificates
from organizer.services.registration import mailing as registration_mail
from organizer.services.representation import survey, survey_setup
from organizer.services.reviewing.questions import FileInput
from organizer.services.scheduling import releases
from tests.conftest import TestClient as RequestScopedClient
from tests.documents import make_image, make_pdf
from tests.factories import (
    NOW,
    grant_role,
    lisbon,
    make_application,
    make_event,
    make_programme,
    make_question,
    make_room,
    make_schedule_event,
    make_slot,
    make_talk,
    make_user,
    session_type,
    track,
)
from tests.grants.test_reimbursement import SPENT, award
from tests.registration_factories import make_registration, make_settings

PDF = make_pdf(["A file of the applicant's own."])  # a real one: reviewers get a clean copy
JOIN_TOKEN = "matrix-co-speaker-invitation-token"
TEAM_TOKEN = "matrix-team-invitation-token"

# The kinds of person the matrix asks as. `organizer` is the event's own organizer, so that the
# routes for organizers are shown to let someone in, too.
ROLES = ("anonymous", "applicant", "reviewer", "grant_reviewer", "other_organizer", "organizer")
SIGNED_IN = frozenset(ROLES) - {"anonymous"}
EVERYONE = frozenset(ROLES)

# Who each rule of the vocabulary lets in, among the roles above.
LETS_IN: dict[str, frozenset[str]] = {
    "public": EVERYONE,
    "token": EVERYONE,
    "signed_in": SIGNED_IN,
    "owner": frozenset({"applicant"}),
    "owner_or_organizer": frozenset({"applicant", "organizer"}),
    "grantee": frozenset({"applicant"}),  # an accepted speaker with an accepted grant
    "reviewer": frozenset({"reviewer"}),
    "grant_reviewer": frozenset({"grant_reviewer", "organizer"}),
    "check_in": frozenset({"organizer"}),  # the matrix has no check-in volunteer
    "organizer": frozenset({"organizer"}),
    "access_coordinator": frozenset(),  # none of ROLES holds it; tests/attendees show one let in
    "site_admin": frozenset(),
    "api": frozenset(),  # a bearer token only: the matrix's cookies never open the read API
}

LOGIN = "redirect to sign-in"
ALLOWED = "let in"


def expected(rule_name: str, role: str) -> str | int:
    rule = ACCESS_RULES[rule_name]
    if role in LETS_IN[rule_name]:
        return ALLOWED
    if role == "anonymous" and rule.sign_in:
        return LOGIN
    if role == "anonymous":
        assert rule.denied is not None, f"rule {rule_name} leaves anonymous visitors out silently"
        return rule.denied
    assert rule.denied is not None, f"rule {rule_name} leaves {role} out without a status"
    return rule.denied


def outcome(status: int, location: str | None) -> str | int:
    target = urlsplit(location or "")
    if status in (301, 302, 303, 307, 308) and target.path == "/login" and "next=" in target.query:
        return LOGIN
    return status


def agrees(want: str | int, got: str | int) -> bool:
    if want == ALLOWED:
        return got not in (LOGIN, 401, 403, 404) and isinstance(got, int) and got < 500
    return want == got


# The data --------------------------------------------------------------------------------


@dataclass
class World:
    people: dict[str, User | None]
    values: dict[str, str]  # URL argument -> value
    overrides: dict[str, str]  # "blueprint:argument" or "endpoint:argument" -> value


def build_world() -> World:
    organizer = make_user(name="Olga Organizer")
    event = make_schedule_event(organizer, slug="matrix-event", name="Matrix Workshop")
    other_organizer = make_user(name="Otto Other")
    make_event(organizer=other_organizer, slug="matrix-other")
    applicant = make_user(name="Ana Applicant")
    co_speaker = make_user(name="Cleo Cospeaker")
    reviewer = make_user(name="Rui Reviewer")
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    grant_reviewer = make_user(name="Gil Grantreviewer")
    grant_role(grant_reviewer, event, EventRoleName.GRANT_REVIEWER)

    # The call: the applicant's accepted proposal, with a co-speaker, a file answer, a pending
    # invitation and a reviewer assigned; set-up objects of every kind.
    room = make_room(event, "Aula")
    slides = make_question(event, text="Slides", kind=QuestionKind.FILE, file_kinds=["pdf"])
    upload = uploads.store(
        stream=io.BytesIO(PDF),
        filename="slides.pdf",
        field="slides",
        allowed=["pdf"],
        max_kb=100,
        owner=applicant,
        event=event,
        now=NOW,
    )
    talk = make_talk(
        event,
        applicant,
        title="The applicant's talk",
        state=ProposalState.ACCEPTED,
        co_speakers=(co_speaker,),
        room=room,
        starts_at=lisbon(27, 10),
    )
    proposal = talk.proposal
    co = next(s for s in proposal.speakers if s.role == SR.CO_SPEAKER)
    proposal.speakers.append(
        ProposalSpeaker(
            email="invited@example.org",
            role=SR.CO_SPEAKER,
            invited_at=NOW,
            token_hash=hashlib.sha256(JOIN_TOKEN.encode()).hexdigest(),
        )
    )
    db.session.add_all(
        [
            Answer(proposal=proposal, question=slides, upload=upload),
            ReviewAssignment(proposal=proposal, reviewer=reviewer, created_at=NOW),
            SpeakerProfile(
                event_id=event.id, user_id=applicant.id, bio="Bio.", availability={}, updated_at=NOW
            ),
        ]
    )
    phase = ReviewPhase(
        event_id=event.id,
        name="First round",
        starts_at=NOW - dt.timedelta(days=1),
        ends_at=NOW + dt.timedelta(days=30),
    )
    extension = CfpExtension(
        event_id=event.id,
        user_id=applicant.id,
        until=NOW + dt.timedelta(days=20),
        granted_by_id=organizer.id,
        created_at=NOW,
    )
    db.session.add_all([phase, extension])
    criterion = db.session.scalars(
        select(ReviewCriterion).where(ReviewCriterion.event_id == event.id)
    ).first()

    # The schedule: a window, an availability, a block with a talk inside, a release, an
    # agenda, a suggestion.
    window = RoomWindow(room_id=room.id, starts_at=lisbon(27, 9), ends_at=lisbon(27, 18))
    interval = SpeakerAvailability(
        event_id=event.id, user_id=applicant.id, starts_at=lisbon(27, 9), ends_at=lisbon(27, 12)
    )
    db.session.add_all([window, interval])
    block = make_slot(event, kind=SlotKind.CONTAINER, room=room, starts_at=lisbon(27, 14))
    inner = make_talk(event, title="A lightning talk", type_name="Talk", parent_id=block.id)
    suggestion = ScheduleSuggestion(event_id=event.id, mode="suggest", created_at=NOW)
    solve = Solve(
        kind=SolveKind.SCHEDULE,
        event_id=event.id,
        mode="suggest",
        requested_by_id=organizer.id,
        time_limit=5,
        created_at=NOW,
    )
    mail_draft = MailBatch(
        event_id=event.id,
        sender_id=organizer.id,
        group="accepted_speakers",
        subject="Travel",
        body="Hello {name}",
        created_at=NOW,
    )
    db.session.add_all([suggestion, solve, mail_draft])
    db.session.flush()
    # The talk's slides, a PDF: public once released, removable by its speakers.
    material = materials.add_material(
        actor=applicant,
        proposal=proposal,
        data=materials.MaterialInput(
            kind="slides", title="Slides", file=materials.FileInput(io.BytesIO(PDF), "talk.pdf")
        ),
        now=NOW,
    )
    releases.release(event=event, actor=organizer, now=NOW, comment="")
    agenda = agendas.create(event=event, now=NOW)

    # Grants: the applicant's accepted application with its award and a receipt.
    programme = make_programme(event)
    allocation_solve = Solve(
        kind=SolveKind.GRANT_ALLOCATION,
        event_id=event.id,
        programme_id=programme.id,
        requested_by_id=organizer.id,
        time_limit=5,
        created_at=NOW,
    )
    db.session.add(allocation_solve)
    grant_question = GrantQuestion(programme_id=programme.id, text="Why?", kind=QuestionKind.TEXT)
    grant_file_question = GrantQuestion(
        programme_id=programme.id, text="A letter", kind=QuestionKind.FILE, file_kinds=["pdf"]
    )
    db.session.add_all([grant_question, grant_file_question])
    place_kind = PlaceKind(event_id=event.id, name="In person", position=0)
    registration_question = RegistrationQuestion(
        event_id=event.id, text="Lunch?", kind=QuestionKind.BOOLEAN
    )
    db.session.add_all([place_kind, registration_question])
    application = make_application(programme, applicant, state=GrantState.ACCEPTED)
    letter = uploads.store(
        stream=io.BytesIO(PDF),
        filename="letter.pdf",
        field="letter",
        allowed=["pdf"],
        max_kb=100,
        owner=applicant,
        event=event,
        now=NOW,
    )
    db.session.add(
        GrantAnswer(application=application, question=grant_file_question, upload=letter)
    )
    award(application, {"travel": 30_000, "lodging": 20_000})
    receipt = reimbursement.add_receipt(
        actor=applicant,
        application=application,
        file=FileInput(io.BytesIO(PDF), "ticket.pdf"),
        category="travel",
        amount=10_000,
        currency="EUR",
        spent_on=SPENT,
        description="Train",
        now=NOW,
    )

    # The team and the survey.
    invitation = TeamInvitation(
        event=event,
        email="new.member@example.org",
        role=EventRoleName.REVIEWER,
        token_hash=hashlib.sha256(TEAM_TOKEN.encode()).hexdigest(),
        invited_by_id=organizer.id,
        created_at=NOW,
        expires_at=NOW + dt.timedelta(days=14),
    )
    db.session.add(invitation)
    survey_setup.ensure_survey(actor=organizer, event=event, now=NOW)
    db.session.flush()
    survey_question = survey.questions_of(event)[0]  # through the service only
    option = survey_question.options[0]
    role = db.session.scalars(
        select(EventRole).where(EventRole.event_id == event.id, EventRole.user_id == reviewer.id)
    ).one()
    profile = db.session.scalars(
        select(SpeakerProfile).where(SpeakerProfile.user_id == applicant.id)
    ).one()
    # A photo its speaker consented to show: its public address answers.
    profile.photo = speaker_photos.store_photo(
        speaker_photos.read_photo(stream=io.BytesIO(make_image("JPEG")), filename="me.jpg"),
        owner=applicant,
        event=event,
        now=NOW,
    )
    profile.photo_public = True
    # The applicant came and was checked in: their certificate and its verification address.
    make_settings(event)  # registration is set up and open
    attended = make_registration(event, applicant, checked_in=True)
    grant_criterion = db.session.scalars(
        select(GrantCriterion).where(GrantCriterion.programme_id == programme.id)
    ).first()
    day = db.session.scalars(select(ScheduleDay).where(ScheduleDay.event_id == event.id)).first()
    # The same confirmed registration has a page at the door and a cancel link in its mail.
    attendee = attended
    schedule_import = ScheduleImport(
        event=event,
        created_by_id=organizer.id,
        state="failed",
        error="The server answered 404, not the file.",
        created_at=NOW,
        updated_at=NOW,
    )
    db.session.add(schedule_import)
    # A spreadsheet on its way in, its columns chosen (the import pages).
    sheet_import = spreadsheet_import.start_spreadsheet_import(
        actor=organizer,
        event=event,
        kind="proposals",
        filename="form.csv",
        data=b"Email Address,Name,Title of your talk\nx@example.org,X,A talk\n",
        now=NOW,
    )
    sheet_import.mapping_confirmed = True
    db.session.flush()
    for obj in (talk, inner, block, room, profile):
        db.session.refresh(obj)

    applicant_token = api_tokens.create_api_token(
        actor=applicant, name="Matrix", event=None, expires_at=None, now=NOW
    ).token
    values = {
        "event_slug": event.slug,
        "public_id": proposal.public_id,
        "upload_public_id": upload.public_id,
        "speaker_id": str(co.id),
        "programme_public_id": programme.public_id,
        "application_public_id": application.public_id,
        "receipt_public_id": receipt.public_id,
        "criterion_id": str(criterion.id),
        "phase_id": str(phase.id),
        "question_id": str(slides.id),
        "type_id": str(session_type(event).id),
        "track_id": str(track(event).id),
        "extension_id": str(extension.id),
        "purpose": "proposal_accepted",
        "kind": "tracks",
        "item_id": str(track(event).id),
        "reviewer_id": str(reviewer.id),
        "role_id": str(role.id),
        "invitation_id": str(invitation.id),
        "token": agenda.token,
        "code": talk.code,
        "room_slug": room.slug,
        "track_slug": track(event).slug,
        "number": "1",
        "question_key": survey_question.key,
        "option_key": option.key,
        "day_id": str(day.id),
        "slot_id": str(block.id),
        "talk_id": str(inner.id),
        "room_id": str(room.id),
        "window_id": str(window.id),
        "user_id": str(applicant.id),
        "interval_id": str(interval.id),
        "solve_id": solve.public_id,
        "batch_id": mail_draft.public_id,
        "task_id": "no-such-task",  # a failed queue task's id (the site admin's queue page)
        "material_id": material.public_id,
        "filename": "talk.pdf",
        "place_kind_id": str(place_kind.id),
        "import_id": schedule_import.public_id,
        "token_id": str(applicant_token.id),  # the applicant's own API token
    }
    overrides = {
        # The same argument names another kind of object in these places.
        "spreadsheet_import:import_id": sheet_import.public_id,
        "grants:public_id": application.public_id,
        "grant_review:public_id": application.public_id,
        "grant_decisions:public_id": application.public_id,
        "grant_money:public_id": application.public_id,
        "schedule:public_id": talk.public_id,
        "check_in:public_id": attendee.public_id,
        "scheduler:public_id": suggestion.public_id,
        "grant_decisions:solve_id": allocation_solve.public_id,
        "grant_setup:question_id": str(grant_question.id),
        "grant_review:question_id": str(grant_file_question.id),
        "grant_setup:criterion_id": str(grant_criterion.id),
        "grant_setup:kind": "questions",
        "grant_setup:item_id": str(grant_question.id),
        "registration_setup:question_id": str(registration_question.id),
        "registration_setup:kind": "places",
        "registration_setup:item_id": str(place_kind.id),
        "feeds.speaker_ics:code": profile.code,
        "public_schedule.speaker:code": profile.code,
        "public_schedule.speaker_photo:code": profile.code,
        "public_schedule.speaker_photo:variant": "photo",
        "public_schedule.speaker_photo:ext": "jpg",
        "cfp:token": JOIN_TOKEN,
        "registration.cancel_by_link:token": registration_mail.cancel_token(attendee),
        "manage:token": TEAM_TOKEN,
        "badges:public_id": attended.public_id,
        "attendees:public_id": attended.public_id,
        "badges:token": certificates.token_of(attended),
        "auth.verify_email:token": tokens.sign(
            "verify", {"uid": applicant.id, "email": applicant.email}
        ),
        "auth.reset_password:token": tokens.sign(
            "reset", {"uid": applicant.id, "fp": _password_fingerprint(applicant)}
        ),
    }
    people = {
        "anonymous": None,
        "applicant": applicant,
        "reviewer": reviewer,
        "grant_reviewer": grant_reviewer,
        "other_organizer": other_organizer,
        "organizer": organizer,
    }
    return World(people=people, values=values, overrides=overrides)


# The routes and the requests --------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    rule: str
    access: str | None


def routes_of(app: Flask, only: Callable[[str], bool] = lambda endpoint: True) -> list[Route]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or not only(rule.endpoint):
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append(
                Route(rule.endpoint, method, rule.rule, getattr(view, "access_rule", None))
            )
    return sorted(found, key=lambda r: (r.endpoint, r.method))


def url_of(route: Route, world: World) -> str:
    """The route's rule with each argument filled: the endpoint's own value, else the
    blueprint's, else the argument's (see World.overrides)."""
    blueprint = route.endpoint.partition(".")[0]

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        for key in (f"{route.endpoint}:{name}", f"{blueprint}:{name}"):
            if key in world.overrides:
                return world.overrides[key]
        if name not in world.values:
            raise AssertionError(f"teach the matrix to fill <{name}> of {route.rule}")
        return world.values[name]

    return re.sub(r"<(?:[^:<>]+:)?(\w+)>", fill, route.rule)


@dataclass
class Finding:
    route: Route
    role: str
    url: str
    want: str | int
    got: str | int

    def __str__(self) -> str:
        return (
            f"{self.route.endpoint} {self.route.method} {self.url} as {self.role}: "
            f"declared {self.route.access!r} wants {self.want}, got {self.got}"
        )


def run_matrix(
    app: Flask,
    world: World,
    routes: Iterable[Route],
    roles: Iterable[str],
    want: Callable[[Route, str], str | int] = lambda route, role: expected(route.access, role),
) -> tuple[list[Finding], int]:
    """Request every route as every role; the disagreements with the declarations, and the
    number of (route, role) pairs asked. Each role has one client; before each request its
    session cookie is set afresh (signed in as the role's person, nothing else: a sign-out or
    a flash message of the request before does not carry over)."""
    app.test_client_class = RequestScopedClient  # each request in its own application context
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    host = app.config["SERVER_NAME"] or "localhost"
    cookies = {}
    for role, person in world.people.items():
        if person is not None:  # a live server-side session, as signing in makes
            accounts.start_session(user=person, now=dt.datetime.now(dt.UTC))
            cookies[role] = serializer.dumps({"_user_id": person.get_id(), "_fresh": True})
    clients = {role: app.test_client() for role in roles}
    db.session.commit()  # the test's session holds no transaction across the savepoints
    db.session.expunge_all()  # nor objects to expire after every request
    connection = db.engines[None]
    findings: list[Finding] = []
    asked = 0
    for route in routes:
        assert route.access in ACCESS_RULES, f"{route.endpoint} declares no known access rule"
        url = url_of(route, world)
        for role, client in clients.items():
            if role in cookies:
                client.set_cookie("session", cookies[role], domain=host)
            else:
                client.delete_cookie("session", domain=host)
            savepoint = connection.begin_nested() if isinstance(connection, Connection) else None
            try:
                with client.open(url, method=route.method) as response:
                    got = outcome(response.status_code, response.location)
            finally:
                if savepoint is not None:
                    savepoint.rollback()
            asked += 1
            wanted = want(route, role)
            if not agrees(wanted, got):
                findings.append(Finding(route, role, url, wanted, got))
    return findings, asked


# The tests -----------------------------------------------------------------------------------


def undeclared(app: Flask) -> list[str]:
    return sorted(
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and getattr(view, "access_rule", None) not in ACCESS_RULES
    )


def test_every_route_declares_who_may_reach_it(app):
    undeclared_routes = undeclared(app)
    assert not undeclared_routes, (
        "declare who may reach these routes with @access(...) from blueprints/_common.py "
        f"(see docs/development.md, 'Who may reach a route'): {undeclared_routes}"
    )


def test_every_rule_of_the_vocabulary_is_known_to_the_matrix():
    assert set(LETS_IN) == set(ACCESS_RULES)
    for name in ACCESS_RULES:
        for role in ROLES:
            expected(name, role)  # every role gets a definite outcome


def test_an_unknown_rule_is_refused_at_import():
    with pytest.raises(ValueError, match="unknown access rule"):
        access("everyone")


@pytest.fixture
def isolated_caches(app, tmp_path, monkeypatch):
    """The feed cache and the print cache are keyed by release ids, which repeat after a
    rollback: keep this test's out of the other tests' way."""
    monkeypatch.setitem(app.config, "PRINT_CACHE_DIR", str(tmp_path / "print"))
    feeds.clear_cache()
    yield
    feeds.clear_cache()


def test_every_route_as_every_role_gives_the_declared_outcome(app, isolated_caches, capsys):
    """The five kinds of person of issue 13: anonymous, an applicant (their own proposal,
    file, grant application and receipt), a reviewer, a grant reviewer, another event's
    organizer."""
    world = build_world()
    routes = routes_of(app)
    roles = [role for role in ROLES if role != "organizer"]
    findings, asked = run_matrix(app, world, routes, roles)
    with capsys.disabled():
        print(f"\nauthorization matrix: {len(routes)} routes x {len(roles)} roles = {asked}")
    assert not findings, "\n".join(str(f) for f in findings)
    assert asked == len(routes) * len(roles)
    assert {r.endpoint for r in routes} == set(app.view_functions) - {"static"}


def test_the_events_organizer_gets_the_declared_outcome_everywhere(app, isolated_caches, capsys):
    """The sixth column: the event's own organizer, so that every route declared for
    organizers is shown to let them in (and not to fail on an empty form), and every route
    for someone else to keep them out."""
    world = build_world()
    routes = routes_of(app)
    findings, asked = run_matrix(app, world, routes, ["organizer"])
    with capsys.disabled():
        print(f"\nauthorization matrix, the event's organizer: {asked} routes")
    assert not findings, "\n".join(str(f) for f in findings)
    assert asked == len(routes)


# Arguments that name one event's objects (by public id, id or code), as opposed to people,
# fixed words (a mail's purpose, a kind of list) and survey keys, which every event has alike.
OBJECT_ARGUMENTS = {
    "public_id",
    "batch_id",
    "solve_id",
    "upload_public_id",
    "speaker_id",
    "programme_public_id",
    "application_public_id",
    "receipt_public_id",
    "criterion_id",
    "phase_id",
    "question_id",
    "type_id",
    "track_id",
    "extension_id",
    "item_id",
    "role_id",
    "invitation_id",
    "number",
    "day_id",
    "slot_id",
    "talk_id",
    "room_id",
    "window_id",
    "interval_id",
    "material_id",
    "place_kind_id",
    "import_id",
}


def test_another_events_team_cannot_reach_this_events_objects_through_their_own_event(
    app, isolated_caches, capsys
):
    """Another event's organizer (and so grant reviewer) puts this event's objects into the
    addresses of their own event: every such route answers 404, before any form is read."""
    world = build_world()
    world.values["event_slug"] = "matrix-other"
    world.people = {"other_organizer": world.people["other_organizer"]}
    routes = [
        route
        for route in routes_of(app)
        if route.access in ("organizer", "grant_reviewer", "check_in")
        and OBJECT_ARGUMENTS & set(re.findall(r"<(?:[^:<>]+:)?(\w+)>", route.rule))
    ]
    findings, asked = run_matrix(
        app, world, routes, ["other_organizer"], want=lambda route, role: 404
    )
    with capsys.disabled():
        print(f"\nauthorization matrix, another event's objects: {asked} routes")
    assert not findings, "\n".join(str(f) for f in findings)
    assert asked == len(routes) > 100


def test_the_matrix_finds_a_wrong_declaration(app):
    """On an app of its own (the shared app takes no new routes once it has served a request):
    a view declared for organizers that opens to everyone is reported by the matrix, and a
    view without a declaration by the declaration check."""
    probe = Blueprint("probe", __name__)

    @access("organizer")
    @probe.route("/manage/<event_slug>/probe", methods=["GET", "POST"])
    def open_to_all(event_slug: str) -> str:
        return "anyone sees this"

    fresh = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": app.config["SERVER_NAME"],
        }
    )

    @probe.route("/manage/<event_slug>/undeclared")
    def undeclared_view(event_slug: str) -> str:
        return "nobody said who this is for"

    fresh.register_blueprint(probe)
    assert undeclared(fresh) == ["probe.undeclared_view"]
    world = World(people={"anonymous": None}, values={"event_slug": "any"}, overrides={})
    routes = routes_of(fresh, only=lambda endpoint: endpoint == "probe.open_to_all")
    with fresh.app_context():
        findings, asked = run_matrix(fresh, world, routes, ["anonymous"])
    assert asked == 2
    assert [(f.route.method, f.want, f.got) for f in findings] == [
        ("GET", LOGIN, 200),
        ("POST", LOGIN, 200),
    ]
