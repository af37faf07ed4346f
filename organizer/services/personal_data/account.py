"""The sections about the account itself: sign-in, roles on teams, agendas, mail, the audit
trail, and the files uploaded.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import and_, or_, select

from organizer.extensions import db
from organizer.models import (
    Agenda,
    AgendaStar,
    AuditEntry,
    EventRole,
    GrantApplication,
    LoginFailure,
    OutboxMessage,
    Slot,
    TeamInvitation,
    User,
)
from organizer.services.personal_data.person import Person, json_value


def account(user: User) -> dict[str, Any]:
    return {
        "email": user.email,
        "display_name": user.display_name,
        "pronouns": user.pronouns,
        "locale": user.locale,
        "email_verified_at": json_value(user.email_verified_at),
        "site_admin": user.is_site_admin,
        "created_at": json_value(user.created_at),
        "password_changed_at": json_value(user.password_changed_at),
    }


def event_roles(person: Person) -> list[dict[str, Any]]:
    return [
        {
            "event": person.slugs.get(role.event_id),
            "role": json_value(role.role),
            "since": json_value(role.created_at),
        }
        for role in db.session.scalars(
            select(EventRole).where(EventRole.user_id == person.uid).order_by(EventRole.id)
        )
    ]


def team_invitations(person: Person) -> list[dict[str, Any]]:
    return [
        {
            "event": person.slugs.get(inv.event_id),
            "role": json_value(inv.role),
            "invited_at": json_value(inv.created_at),
            "expires_at": json_value(inv.expires_at),
            "accepted_at": json_value(inv.accepted_at),
            "revoked_at": json_value(inv.revoked_at),
        }
        for inv in db.session.scalars(
            select(TeamInvitation)
            .where(
                or_(
                    TeamInvitation.email == person.user.email,
                    TeamInvitation.accepted_by_id == person.uid,
                )
            )
            .order_by(TeamInvitation.id)
        )
    ]


def agendas(person: Person) -> list[dict[str, Any]]:
    starred: dict[int, list[str]] = defaultdict(list)
    for agenda_id, slot_public_id in db.session.execute(
        select(AgendaStar.agenda_id, Slot.public_id)
        .join(Slot, Slot.id == AgendaStar.slot_id)
        .join(Agenda, Agenda.id == AgendaStar.agenda_id)
        .where(Agenda.user_id == person.uid)
        .order_by(Slot.public_id)
    ):
        starred[agenda_id].append(slot_public_id)
    return [
        {
            "event": person.slugs.get(agenda.event_id),
            "feed_token": agenda.token,
            "starred_sessions": starred.get(agenda.id, []),
            "created_at": json_value(agenda.created_at),
            "updated_at": json_value(agenda.updated_at),
        }
        for agenda in db.session.scalars(
            select(Agenda).where(Agenda.user_id == person.uid).order_by(Agenda.id)
        )
    ]


def mail(person: Person) -> list[Any]:
    return [
        {
            "to": message.to_address,
            "event": person.slugs.get(message.event_id) if message.event_id else None,
            "subject": message.subject,
            "body": message.body_text,
            "state": json_value(message.state),
            "queued_at": json_value(message.created_at),
            "sent_at": json_value(message.sent_at),
        }
        for message in db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.to_address == person.user.email)
            .order_by(OutboxMessage.id)
        )
    ]


def audit_entries(uid: int, slugs: dict[int, str], proposal_ids: list[int]) -> list[dict[str, Any]]:
    """Entries the person caused, and entries about them, their proposals and applications.
    Details are given for entries about them; for their own actions on other things (an
    organizer's decision on someone's proposal) only what and when."""
    application_keys = [
        str(key)
        for row in db.session.execute(
            select(GrantApplication.id, GrantApplication.public_id).where(
                GrantApplication.applicant_id == uid
            )
        )
        for key in row
    ]
    about = or_(
        and_(AuditEntry.object_type == "user", AuditEntry.object_id == str(uid)),
        and_(
            AuditEntry.object_type == "proposal",
            AuditEntry.object_id.in_([str(i) for i in proposal_ids]),
        ),
        and_(
            AuditEntry.object_type == "grant_application",
            AuditEntry.object_id.in_(application_keys),
        ),
    )
    entries = db.session.execute(
        select(AuditEntry, about.label("about"))
        .where(or_(AuditEntry.actor_id == uid, about))
        .order_by(AuditEntry.occurred_at, AuditEntry.id)
    ).all()
    result = []
    for entry, is_about in entries:
        by_you = entry.actor_id == uid
        details = entry.details if is_about else None
        if is_about and not by_you and entry.object_type != "user":
            # Someone else's action on the person's proposal or application: the committee's
            # deliberation (who reviews it, pencilled decisions, pins, internal notes) stays
            # out, and of the rest only what happened to the item, never who else was named.
            if _committee_only(entry):
                continue
            details = {k: v for k, v in (entry.details or {}).items() if k in SHARED_DETAILS}
        result.append(
            {
                "when": json_value(entry.occurred_at),
                "event": slugs.get(entry.event_id) if entry.event_id else None,
                "action": entry.action,
                "object_type": entry.object_type,
                "object_id": entry.object_id,
                "by_you": by_you,
                "details": details,
            }
        )
    return result


# Audit actions that are the committee's working record on someone's item: the reviewers
# assigned (blind review), decisions pencilled in before a round is published, pins.
COMMITTEE_ACTIONS = ("review.", "decision.set", "decision.undo", "grant.pin")


# Detail keys that say what happened to the person's own item, and nothing about anyone else.
SHARED_DETAILS = frozenset(
    {"state", "amounts", "total", "respond_by", "amount", "currency", "paid_on", "paid_total"}
)


def _committee_only(entry: AuditEntry) -> bool:
    details = entry.details or {}
    return entry.action.startswith(COMMITTEE_ACTIONS) or details.get("internal") is True


def failed_sign_ins(person: Person) -> list[Any]:
    return [
        json_value(moment)
        for moment in db.session.scalars(
            select(LoginFailure.occurred_at)
            .where(LoginFailure.user_id == person.uid)
            .order_by(LoginFailure.occurred_at)
        )
    ]


def files(person: Person) -> list[Any]:
    return [
        {
            "path": person.paths[u.id],
            "event": person.slugs.get(u.event_id),
            "filename": u.filename,
            "content_type": u.content_type,
            "size": u.size,
            "sha256": u.sha256,
            "uploaded_at": json_value(u.created_at),
        }
        for u in person.uploads
    ]
