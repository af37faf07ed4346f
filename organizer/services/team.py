"""An event's team: invitations by mail, roles, and keeping at least one organizer."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from organizer import permissions
from organizer.enums import EventRoleName
from organizer.errors import NotFound, PermissionDenied, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import Event, EventRole, TeamInvitation, User
from organizer.services import audit
from organizer.services.accounts import normalise_email
from organizer.services.mail import external_url
from organizer.services.notifications import tell_address


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _record_invitation(
    action: str, *, actor: User, invitation: TeamInvitation, now: dt.datetime
) -> None:
    audit.record(
        action=action,
        actor=actor,
        now=now,
        object_type="invitation",
        object_id=invitation.id,
        event=invitation.event,
        details={"email": invitation.email, "role": invitation.role.value},
    )


def _require_team_manager(actor: User, event: Event) -> None:
    if not permissions.can_manage_team(actor, event):
        raise PermissionDenied(_("Only this event's organizers can change its team."))


@dataclasses.dataclass(frozen=True)
class TeamMember:
    user: User
    roles: list[EventRole]


def members(event: Event) -> list[TeamMember]:
    """Everyone with a role, grouped by person, by name. Two queries whatever the team's size."""
    roles = db.session.scalars(
        select(EventRole)
        .where(EventRole.event_id == event.id)
        .options(selectinload(EventRole.user))
        .order_by(EventRole.role)
    ).all()
    by_user: dict[int, TeamMember] = {}
    for role in roles:
        by_user.setdefault(role.user_id, TeamMember(user=role.user, roles=[])).roles.append(role)
    return sorted(by_user.values(), key=lambda m: (m.user.display_name.casefold(), m.user.id))


def open_invitations(event: Event, *, now: dt.datetime) -> list[TeamInvitation]:
    return list(
        db.session.scalars(
            select(TeamInvitation)
            .where(
                TeamInvitation.event_id == event.id,
                TeamInvitation.accepted_at.is_(None),
                TeamInvitation.revoked_at.is_(None),
                TeamInvitation.expires_at > now,
            )
            .options(selectinload(TeamInvitation.invited_by))
            .order_by(TeamInvitation.created_at.desc())
        )
    )


def invite(
    *, actor: User, event: Event, email: str, role: EventRoleName, now: dt.datetime
) -> TeamInvitation:
    """Mail a one-time link. A new invitation for the same address and role replaces the old."""
    _require_team_manager(actor, event)
    email = normalise_email(email)
    already = db.session.scalar(
        select(EventRole.id)
        .join(User, User.id == EventRole.user_id)
        .where(EventRole.event_id == event.id, EventRole.role == role, User.email == email)
    )
    if already is not None:
        raise ValidationFailed(
            {"email": _("This person is already a %(role)s here.", role=role.label.lower())}
        )
    for previous in open_invitations(event, now=now):
        if previous.email == email and previous.role == role:
            previous.revoked_at = now
            _record_invitation("invitation.replace", actor=actor, invitation=previous, now=now)
    token = secrets.token_urlsafe(32)
    invitation = TeamInvitation(
        event=event,
        email=email,
        role=role,
        token_hash=_hash(token),
        invited_by_id=actor.id,
        created_at=now,
        expires_at=now + dt.timedelta(days=current_app.config["INVITATION_MAX_AGE_DAYS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    tell_address(
        email,
        "team_invitation",
        about=(invitation,),
        event=event,
        context={
            "inviter": actor,
            "role": role,
            "accept_url": external_url("manage.invitation", token=token),
            "expires_at": invitation.expires_at,
        },
        now=now,
    )
    _record_invitation("invitation.create", actor=actor, invitation=invitation, now=now)
    return invitation


def invitation_for_token(token: str) -> TeamInvitation:
    invitation = db.session.scalar(
        select(TeamInvitation).where(TeamInvitation.token_hash == _hash(token))
    )
    if invitation is None:
        raise NotFound(_("This invitation link is not valid. Ask the organizers for a new one."))
    return invitation


def accept_invitation(*, token: str, user: User, now: dt.datetime) -> EventRole:
    invitation = invitation_for_token(token)
    if invitation.accepted_at is not None:
        raise WrongState(_("This invitation has already been accepted. Each link works once."))
    if invitation.revoked_at is not None:
        raise WrongState(_("This invitation was withdrawn by the organizers."))
    if now >= invitation.expires_at:
        raise WrongState(_("This invitation has expired. Ask the organizers to send a new one."))
    invitation.accepted_at = now
    invitation.accepted_by_id = user.id
    role = db.session.scalar(
        select(EventRole).where(
            EventRole.event_id == invitation.event_id,
            EventRole.user_id == user.id,
            EventRole.role == invitation.role,
        )
    )
    if role is None:
        role = EventRole(
            event_id=invitation.event_id, user=user, role=invitation.role, created_at=now
        )
        db.session.add(role)
    db.session.flush()
    audit.record(
        action="role.grant",
        actor=user,
        now=now,
        object_type="user",
        object_id=user.id,
        event=invitation.event,
        details={
            "role": invitation.role.value,
            "via": "invitation",
            "invited_by": invitation.invited_by_id,
        },
    )
    return role


def revoke_invitation(*, actor: User, invitation: TeamInvitation, now: dt.datetime) -> None:
    _require_team_manager(actor, invitation.event)
    if invitation.accepted_at is not None:
        raise WrongState(_("This invitation was already accepted; remove the role instead."))
    invitation.revoked_at = now
    _record_invitation("invitation.revoke", actor=actor, invitation=invitation, now=now)
    db.session.flush()


def remove_role(*, actor: User, event_role: EventRole, now: dt.datetime) -> None:
    """Take one role away. The last organizer cannot be removed: someone must run the event."""
    event = event_role.event
    _require_team_manager(actor, event)
    if event_role.role == EventRoleName.ORGANIZER:
        organizer_ids = db.session.scalars(
            select(EventRole.id)
            .where(EventRole.event_id == event.id, EventRole.role == EventRoleName.ORGANIZER)
            .with_for_update()  # two concurrent removals cannot both see "two left"
        ).all()
        if len(organizer_ids) <= 1:
            raise WrongState(_("An event needs at least one organizer. Invite another one first."))
    details = {"role": event_role.role.value, "user": event_role.user.email}
    db.session.delete(event_role)
    audit.record(
        action="role.revoke",
        actor=actor,
        now=now,
        object_type="user",
        object_id=event_role.user_id,
        event=event,
        details=details,
    )
    db.session.flush()


def role_in_event(event: Event, role_id: int) -> EventRole:
    role = db.session.get(EventRole, role_id)
    if role is None or role.event_id != event.id:
        raise NotFound(_("That team role does not exist."))
    return role


def invitation_in_event(event: Event, invitation_id: int) -> TeamInvitation:
    invitation = db.session.get(TeamInvitation, invitation_id)
    if invitation is None or invitation.event_id != event.id:
        raise NotFound(_("That invitation does not exist."))
    return invitation
