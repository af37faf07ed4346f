import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select

from organizer.enums import EventRoleName
from organizer.errors import NotFound, PermissionDenied, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import AuditEntry, EventRole, OutboxMessage
from organizer.services import events, team
from organizer.services.events import EventDetails
from tests.factories import NOW, grant_role, make_event, make_user

DETAILS = EventDetails(
    slug="mlw-2027",
    name="ML Workshop",
    timezone="America/Sao_Paulo",
    starts_on=dt.date(2027, 5, 1),
    ends_on=dt.date(2027, 5, 2),
)


def test_site_admin_creates_event_and_becomes_organizer():
    admin = make_user(site_admin=True)
    event = events.create_event(actor=admin, details=DETAILS, now=NOW)
    assert [(r.user_id, r.role) for r in event.roles] == [(admin.id, EventRoleName.ORGANIZER)]
    assert db.session.scalar(select(AuditEntry.action)) == "event.create"


def test_only_site_admins_create_events():
    with pytest.raises(PermissionDenied):
        events.create_event(actor=make_user(), details=DETAILS, now=NOW)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"slug": "A Slug"}, "slug", "lower-case"),
        ({"slug": "manage"}, "slug", "used by the site"),
        ({"timezone": "Mars/Olympus"}, "timezone", "IANA"),
        ({"ends_on": dt.date(2027, 4, 30)}, "ends_on", "cannot be before"),
        ({"ends_on": dt.date(2027, 7, 1)}, "ends_on", "at most 31 days"),
        ({"currency": "EURO"}, "currency", "ISO 4217"),
        ({"currency": "XYZ"}, "currency", "ISO 4217"),
        ({"name": "   "}, "name", "Enter"),
    ],
)
def test_event_details_are_validated(changes, field, message):
    with pytest.raises(ValidationFailed) as caught:
        events.validate_details(dataclasses.replace(DETAILS, **changes))
    assert message in caught.value.errors[field]


def test_all_errors_are_reported_at_once():
    with pytest.raises(ValidationFailed) as caught:
        events.validate_details(
            dataclasses.replace(
                DETAILS, timezone="Nowhere", ends_on=dt.date(2027, 1, 1), currency="ZZZ"
            )
        )
    assert set(caught.value.errors) == {"timezone", "ends_on", "currency"}


def test_duplicate_slug_is_refused_but_keeping_ones_own_is_fine():
    organizer = make_user()
    event = make_event(slug="taken-slug", organizer=organizer)
    with pytest.raises(ValidationFailed, match="Another event"):
        events.validate_details(dataclasses.replace(DETAILS, slug="taken-slug"))
    events.validate_details(dataclasses.replace(DETAILS, slug="taken-slug"), event=event)


def test_update_event_audits_before_and_after():
    organizer = make_user()
    event = make_event(organizer=organizer, name="Old")
    details = dataclasses.replace(events.details_of(event), name="New", venue="Elsewhere")
    later = NOW + dt.timedelta(hours=1)
    assert events.update_event(actor=organizer, event=event, details=details, now=later)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.update"))
    assert entry.details == {
        "name": ["Old", "New"],
        "venue": ["Casa das Ideias, Lisbon", "Elsewhere"],
    }
    assert event.updated_at == later
    assert not events.update_event(actor=organizer, event=event, details=details, now=later)


def test_update_event_is_refused_to_reviewers_and_other_organizers():
    event = make_event(organizer=make_user())
    reviewer = make_user()
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    other_organizer = make_user()
    make_event(organizer=other_organizer)
    for actor in (reviewer, other_organizer):
        with pytest.raises(PermissionDenied):
            events.update_event(actor=actor, event=event, details=events.details_of(event), now=NOW)


def test_public_events_lists_upcoming_first_then_past_and_hides_drafts():
    today = dt.date(2027, 6, 1)
    past_old = make_event(starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2025, 1, 2))
    past_recent = make_event(starts_on=dt.date(2027, 1, 1), ends_on=dt.date(2027, 1, 2))
    running = make_event(starts_on=dt.date(2027, 5, 31), ends_on=dt.date(2027, 6, 1))
    soon = make_event(starts_on=dt.date(2027, 7, 1), ends_on=dt.date(2027, 7, 1))
    later = make_event(starts_on=dt.date(2028, 1, 1), ends_on=dt.date(2028, 1, 1))
    make_event(is_public=False, starts_on=dt.date(2027, 8, 1), ends_on=dt.date(2027, 8, 1))
    listed = list(db.session.scalars(events.public_events(today=today)))
    assert listed == [running, soon, later, past_recent, past_old]


# --- team ------------------------------------------------------------------------------------


def test_invite_and_accept_grants_the_role_once():
    organizer = make_user()
    event = make_event(organizer=organizer)
    invitation = team.invite(
        actor=organizer, event=event, email="Rev@Example.org", role=EventRoleName.REVIEWER, now=NOW
    )
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.purpose == "team_invitation")
    )
    assert message.to_address == "rev@example.org"
    token = message.body_text.split("/invitations/")[1].split()[0]
    assert invitation.token_hash != token  # only the hash is stored
    invitee = make_user(email="someone-else@example.org")
    role = team.accept_invitation(token=token, user=invitee, now=NOW)
    assert (role.user_id, role.role) == (invitee.id, EventRoleName.REVIEWER)
    with pytest.raises(WrongState, match="already been accepted"):
        team.accept_invitation(token=token, user=invitee, now=NOW)


def test_expired_and_revoked_invitations_cannot_be_accepted(app):
    organizer = make_user()
    event = make_event(organizer=organizer)
    team.invite(
        actor=organizer, event=event, email="a@example.org", role=EventRoleName.REVIEWER, now=NOW
    )
    token = (
        db.session.scalars(select(OutboxMessage.body_text))
        .one()
        .split("/invitations/")[1]
        .split()[0]
    )
    too_late = NOW + dt.timedelta(days=app.config["INVITATION_MAX_AGE_DAYS"], seconds=1)
    with pytest.raises(WrongState, match="expired"):
        team.accept_invitation(token=token, user=make_user(), now=too_late)
    team.revoke_invitation(actor=organizer, invitation=team.invitation_for_token(token), now=NOW)
    with pytest.raises(WrongState, match="withdrawn"):
        team.accept_invitation(token=token, user=make_user(), now=NOW)
    with pytest.raises(NotFound):
        team.accept_invitation(token="forged", user=make_user(), now=NOW)


def test_reinviting_replaces_the_open_invitation():
    organizer = make_user()
    event = make_event(organizer=organizer)
    first = team.invite(
        actor=organizer, event=event, email="x@example.org", role=EventRoleName.REVIEWER, now=NOW
    )
    second = team.invite(
        actor=organizer, event=event, email="x@example.org", role=EventRoleName.REVIEWER, now=NOW
    )
    assert first.revoked_at == NOW
    assert team.open_invitations(event, now=NOW) == [second]
    assert db.session.scalar(
        select(AuditEntry.object_id).where(AuditEntry.action == "invitation.replace")
    ) == str(first.id)


def test_inviting_an_existing_member_to_the_same_role_is_refused():
    organizer = make_user(email="org@example.org")
    event = make_event(organizer=organizer)
    with pytest.raises(ValidationFailed, match="already"):
        team.invite(
            actor=organizer,
            event=event,
            email="ORG@example.org",
            role=EventRoleName.ORGANIZER,
            now=NOW,
        )


def test_last_organizer_cannot_be_removed():
    organizer = make_user()
    event = make_event(organizer=organizer)
    [role] = event.roles
    with pytest.raises(WrongState, match="at least one organizer"):
        team.remove_role(actor=organizer, event_role=role, now=NOW)
    second = make_user()
    grant_role(second, event, EventRoleName.ORGANIZER)
    team.remove_role(actor=second, event_role=role, now=NOW)
    assert db.session.scalar(select(EventRole).where(EventRole.user_id == organizer.id)) is None
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "role.revoke"))


def test_reviewers_cannot_change_the_team():
    organizer = make_user()
    event = make_event(organizer=organizer)
    reviewer = make_user()
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    with pytest.raises(PermissionDenied):
        team.invite(
            actor=reviewer,
            event=event,
            email="x@example.org",
            role=EventRoleName.ORGANIZER,
            now=NOW,
        )
    with pytest.raises(PermissionDenied):
        team.remove_role(actor=reviewer, event_role=event.roles[0], now=NOW)


def test_members_groups_roles_by_person():
    organizer = make_user(name="Zed")
    event = make_event(organizer=organizer)
    helper = make_user(name="amy")
    grant_role(helper, event, EventRoleName.REVIEWER)
    grant_role(helper, event, EventRoleName.GRANT_REVIEWER)
    members = team.members(event)
    assert [m.user.display_name for m in members] == ["amy", "Zed"]
    assert sorted(r.role for r in members[0].roles) == [
        EventRoleName.GRANT_REVIEWER,
        EventRoleName.REVIEWER,
    ]
