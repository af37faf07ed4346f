from sqlalchemy import func, select

from organizer.enums import (
    SEAT_HOLDING_STATES,
    EventRoleName,
    GrantState,
    ProposalState,
    RegistrationState,
    ReservedFor,
)
from organizer.extensions import db
from organizer.models import (
    Event,
    EventRole,
    GrantApplication,
    GrantAward,
    Payout,
    Proposal,
    Receipt,
    Registration,
    RegistrationSettings,
    Review,
    ReviewAssignment,
    User,
)
from organizer.services.demo import read_fixture
from tests.factories import login_as


def test_fixture_is_consistent():
    data = read_fixture()
    keys = {u["key"] for u in data["users"]}
    emails = [u["email"] for u in data["users"]]
    assert len(emails) == len(set(emails))
    assert {"organizer", "reviewer", "grant_reviewer", "applicant"} <= keys
    main = next(e for e in data["events"] if e["slug"] == "mangrove-2027")
    assert len(main["proposals"]) >= 30
    assert {m["user"] for m in main["team"]} <= keys
    assert {s for p in main["proposals"] for s in p["speakers"]} <= keys
    assert main["grant_programmes"][0]["applications"]
    assert main["rooms"]


def test_demo_command_is_idempotent_and_prints_the_logins(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    for login in (
        "organizer@example.org",
        "reviewer@example.org",
        "grants@example.org",
        "applicant@example.org",
        "volunteer@example.org",
    ):
        assert login in first.output
    counts = (
        db.session.scalar(select(func.count()).select_from(User)),
        db.session.scalar(select(func.count()).select_from(Event)),
    )
    assert "Demo logins (http://127.0.0.1:5000/login):" in first.output
    # `make run PORT=5101` passes where it serves (issue 16, bug 3).
    second = runner.invoke(args=["demo", "--url", "http://127.0.0.1:5101"])
    assert "0 people added" in second.output
    assert "Demo logins (http://127.0.0.1:5101/login):" in second.output
    assert counts == (
        db.session.scalar(select(func.count()).select_from(User)),
        db.session.scalar(select(func.count()).select_from(Event)),
    )


def test_demo_logins_work(app, client):
    app.test_cli_runner().invoke(args=["demo"])
    for email, password in [
        ("organizer@example.org", "demo-organizer"),
        ("reviewer@example.org", "demo-reviewer"),
        ("grants@example.org", "demo-grants"),
        ("applicant@example.org", "demo-applicant"),
        ("volunteer@example.org", "demo-volunteer"),
    ]:
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 302, email
        client.post("/logout")
    organizer = db.session.scalar(select(User).where(User.email == "organizer@example.org"))
    roles = db.session.scalars(select(EventRole.role).where(EventRole.user_id == organizer.id))
    assert EventRoleName.ORGANIZER in set(roles)


def test_synthetic_event(app):
    result = app.test_cli_runner().invoke(args=["demo", "--size", "40"])
    assert result.exit_code == 0, result.output
    event = db.session.scalar(select(Event).where(Event.slug == "synthetic-40"))
    speakers = db.session.scalar(
        select(func.count()).select_from(User).where(User.email.like("speaker%@synthetic-40.%"))
    )
    assert event is not None
    assert speakers == 40


def test_demo_call_has_every_state_and_reviews_in_progress(app):
    app.test_cli_runner().invoke(args=["demo"])
    event = db.session.scalar(select(Event).where(Event.slug == "mangrove-2027"))
    states = set(db.session.scalars(select(Proposal.state).where(Proposal.event_id == event.id)))
    assert states == set(ProposalState)
    pending = db.session.scalar(
        select(func.count(Proposal.id)).where(
            Proposal.event_id == event.id, Proposal.pending_decision.is_not(None)
        )
    )
    assigned = db.session.scalar(
        select(func.count(ReviewAssignment.id)).join(Proposal).where(Proposal.event_id == event.id)
    )
    reviewed = db.session.scalar(
        select(func.count(Review.id)).join(Proposal).where(Proposal.event_id == event.id)
    )
    assert pending == 2
    assert 0 < reviewed < assigned  # some reviews done, some still to do


def test_synthetic_event_has_proposals_and_reviews(app):
    app.test_cli_runner().invoke(args=["demo", "--size", "30"])
    event = db.session.scalar(select(Event).where(Event.slug == "synthetic-30"))
    proposals = db.session.scalar(
        select(func.count(Proposal.id)).where(Proposal.event_id == event.id)
    )
    reviews = db.session.scalar(
        select(func.count(Review.id)).join(Proposal).where(Proposal.event_id == event.id)
    )
    assert (proposals, reviews) == (30, 90)


def test_demo_grants_have_every_state_awards_and_money(app):
    app.test_cli_runner().invoke(args=["demo"])
    states = set(db.session.scalars(select(GrantApplication.state)))
    assert states == set(GrantState)
    assert db.session.scalar(select(func.count(GrantAward.id))) == 7
    assert db.session.scalar(select(func.count(Receipt.id))) == 2
    assert db.session.scalar(select(func.count(Payout.id))) == 1


def test_demo_survey_has_published_and_suppressed_cells(app, client):
    app.test_cli_runner().invoke(args=["demo"])
    organizer = db.session.scalar(select(User).where(User.email == "organizer@example.org"))
    login_as(client, organizer)
    page = client.get("/manage/mangrove-2027/representation")
    assert page.status_code == 200
    assert "fewer than 5" in page.text  # suppressed cells
    assert "%" in page.text  # and published shares
    # Last year's edition is past its purge date: its answers stay, its links are gone.
    past = client.get("/manage/mangrove-2026/representation")
    assert past.status_code == 200


def test_make_run_prints_the_logins_with_its_own_port():
    """`make run PORT=5101` serves on 5101, and says so beside the demo logins."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    planned = subprocess.run(
        ["make", "-n", "run", "PORT=5101", "HOST=127.0.0.1"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "demo --url http://127.0.0.1:5101" in planned
    assert "--port 5101" in planned
    # It says what it is doing, in order (a first run installs for a minute or two).
    steps = [
        "Bringing the database up to date",
        "Loading the demo",
        "Serving on http://127.0.0.1:5101",
    ]
    assert all(step in planned for step in steps)
    assert sorted(steps, key=planned.index) == steps


def test_the_demo_leaves_no_change_for_the_organizer_to_undo(app):
    """The demo moves a talk after its release (a change waiting for the next one), but the
    organizer signing in never made it: the editor offers nothing to undo (issue 16, bug 7)."""
    from organizer.models import ScheduleEdit
    from organizer.services.events import event_by_slug
    from organizer.services.scheduling import editor

    app.test_cli_runner().invoke(args=["demo"])
    organizer = db.session.scalar(select(User).where(User.email == "organizer@example.org"))
    event = event_by_slug("mangrove-2027")
    assert db.session.scalar(
        select(func.count()).select_from(ScheduleEdit).where(ScheduleEdit.event_id == event.id)
    ), "the demo's change after the release is journaled"
    assert editor.last_edit(event, organizer) is None


def test_the_demo_decisions_page_lists_the_round_that_told_its_speakers(app, client):
    """Accepted and confirmed speakers beside "No round published yet" (issue 16, bug 8): the
    demo's history now holds the round that told them."""
    app.test_cli_runner().invoke(args=["demo"])
    login_as(client, db.session.scalar(select(User).where(User.email == "organizer@example.org")))
    page = client.get("/manage/mangrove-2027/cfp/decisions")
    assert page.status_code == 200
    assert "Published rounds" in page.text and "No round published yet" not in page.text
    confirmed = db.session.scalar(
        select(func.count())
        .select_from(Proposal)
        .join(Event)
        .where(Event.slug == "mangrove-2027", Proposal.state == ProposalState.CONFIRMED)
    )
    assert confirmed > 0


def test_demo_registration_has_every_state_a_waiting_list_and_check_ins(app):
    """About 60 registrations: every state, reserved seats for confirmed speakers, a full
    event with a waiting list, check-ins, and access needs for the summary."""
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    event = db.session.scalar(select(Event).where(Event.slug == "mangrove-2027"))
    rows = db.session.scalars(select(Registration).where(Registration.event_id == event.id)).all()
    assert 55 <= len(rows) <= 70
    assert {r.state for r in rows} == set(RegistrationState)
    assert any(r.reserved_for == ReservedFor.SPEAKER and r.waived for r in rows)
    assert sum(r.checked_in_at is not None for r in rows) >= 10
    settings = db.session.scalar(
        select(RegistrationSettings).where(RegistrationSettings.event_id == event.id)
    )
    held = sum(r.state in SEAT_HOLDING_STATES for r in rows)
    assert settings.capacity == held  # full: the waiting list is real
    assert sum(r.access_needs is not None for r in rows) >= 10
    roles = {(r.user.email, r.role) for r in event.roles}
    assert ("volunteer@example.org", EventRoleName.CHECK_IN) in roles
    assert ("organizer@example.org", EventRoleName.ACCESS_COORDINATOR) in roles
