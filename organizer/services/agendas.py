"""Attendees' personal agendas: starred sessions, with or without an account.

Without an account, an agenda is known only by its random token: the browser keeps it (and
the stars, in localStorage) and the attendee can bookmark `/<event>/agenda/<token>/` or
subscribe to its feed. With an account, the agenda is also tied to the person, so it follows
them from device to device and they get a mail when a release moves or cancels a session
they starred. Replacing the token revokes the old address and feed.

Stars are stored against slots (not release entries), so they survive releases; only sessions
of the latest release can be starred. The counts feed the expected audience the schedule
editor and the automatic scheduler use.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from organizer.errors import NotFound, ValidationFailed
from organizer.extensions import db
from organizer.models import Agenda, AgendaStar, Event, Slot, User

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")  # what token_urlsafe makes
MAX_STARS = 500  # more than any workshop has sessions; a bound for forged requests


def new_token() -> str:
    return secrets.token_urlsafe(24)


def by_token(event: Event, token: str) -> Agenda:
    """The agenda with this token, or NotFound (an unknown or replaced token)."""
    agenda = None
    if TOKEN.fullmatch(token):  # a NUL would be a database error on PostgreSQL
        agenda = db.session.scalar(
            select(Agenda).where(Agenda.event_id == event.id, Agenda.token == token)
        )
    if agenda is None:
        raise NotFound(
            _("This agenda address does not exist, or its owner replaced it with a new one.")
        )
    return agenda


def of_user(event: Event, user: User) -> Agenda | None:
    return db.session.scalar(
        select(Agenda).where(Agenda.event_id == event.id, Agenda.user_id == user.id)
    )


def create(*, event: Event, now: dt.datetime, user: User | None = None) -> Agenda:
    """A new agenda; for a signed-in person, their one agenda of the event (made if needed)."""
    if user is not None:
        existing = of_user(event, user)
        if existing is not None:
            return existing
    agenda = Agenda(
        event_id=event.id,
        user_id=user.id if user is not None else None,
        token=new_token(),
        created_at=now,
        updated_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(agenda)
            db.session.flush()
    except IntegrityError:
        # The same person's other request (a double click, a second tab) made it meanwhile.
        existing = of_user(event, user) if user is not None else None
        if existing is None:
            raise
        return existing
    return agenda


def _slots_by_code(event: Event, codes: Iterable[str], released: set[str]) -> dict[str, int]:
    """Slot ids of the given session codes that are in the latest release (`released`)."""
    wanted = [code for code in set(codes) if code in released]
    if not wanted:
        return {}
    return dict(
        db.session.execute(
            select(Slot.code, Slot.id).where(Slot.event_id == event.id, Slot.code.in_(wanted))
        ).all()
    )


def star(*, event: Event, agenda: Agenda, code: str, released: set[str], now: dt.datetime) -> bool:
    """Star the session `code` (a code of the latest release: `released`). True if new."""
    slot_id = _slots_by_code(event, [code], released).get(code)
    if slot_id is None:
        raise NotFound(_("There is no such session in the published schedule."))
    if db.session.get(AgendaStar, (agenda.id, slot_id)) is not None:
        return False
    if count(agenda) >= MAX_STARS:
        raise ValidationFailed(_("An agenda holds at most %(n)d sessions.", n=MAX_STARS))
    try:
        with db.session.begin_nested():
            db.session.add(AgendaStar(agenda_id=agenda.id, slot_id=slot_id, created_at=now))
            db.session.flush()
    except IntegrityError:
        return False  # starred by another request meanwhile (a double click)
    agenda.updated_at = now
    db.session.flush()
    return True


def unstar(*, event: Event, agenda: Agenda, code: str, now: dt.datetime) -> bool:
    slot_id = db.session.scalar(select(Slot.id).where(Slot.event_id == event.id, Slot.code == code))
    if slot_id is None:
        return False
    result = db.session.execute(
        delete(AgendaStar).where(AgendaStar.agenda_id == agenda.id, AgendaStar.slot_id == slot_id)
    )
    agenda.updated_at = now
    db.session.flush()
    return bool(result.rowcount)


def replace_stars(
    *, event: Event, agenda: Agenda, codes: Iterable[str], released: set[str], now: dt.datetime
) -> int:
    """Make the agenda hold exactly `codes` (the browser's copy, when it syncs). Codes not in
    the latest release are ignored. Returns how many stars it holds."""
    codes = list(dict.fromkeys(codes))[:MAX_STARS]
    wanted = set(_slots_by_code(event, codes, released).values())
    have = set(
        db.session.scalars(select(AgendaStar.slot_id).where(AgendaStar.agenda_id == agenda.id))
    )
    if have - wanted:
        db.session.execute(
            delete(AgendaStar).where(
                AgendaStar.agenda_id == agenda.id, AgendaStar.slot_id.in_(have - wanted)
            )
        )
    db.session.add_all(
        AgendaStar(agenda_id=agenda.id, slot_id=slot_id, created_at=now)
        for slot_id in sorted(wanted - have)
    )
    agenda.updated_at = now
    db.session.flush()
    return len(wanted)


def starred_codes(agenda: Agenda) -> set[str]:
    return set(
        db.session.scalars(
            select(Slot.code)
            .join(AgendaStar, AgendaStar.slot_id == Slot.id)
            .where(AgendaStar.agenda_id == agenda.id)
        )
    )


def count(agenda: Agenda) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AgendaStar).where(AgendaStar.agenda_id == agenda.id)
    )


def replace_token(*, agenda: Agenda, now: dt.datetime) -> Agenda:
    """A new address for the agenda; the old address and its feed stop working at once."""
    agenda.token = new_token()
    agenda.updated_at = now
    db.session.flush()
    return agenda


def star_counts(event: Event) -> dict[int, int]:
    """How many agendas starred each slot (for the expected audience). One query."""
    return dict(
        db.session.execute(
            select(AgendaStar.slot_id, func.count())
            .join(Agenda, Agenda.id == AgendaStar.agenda_id)
            .where(Agenda.event_id == event.id)
            .group_by(AgendaStar.slot_id)
        ).all()
    )


def watchers(event: Event, slot_ids: Iterable[int]) -> dict[int, set[int]]:
    """For release mails: user id -> the slots they starred among `slot_ids` (accounts only)."""
    ids = list(set(slot_ids))
    if not ids:
        return {}
    result: dict[int, set[int]] = {}
    rows = db.session.execute(
        select(Agenda.user_id, AgendaStar.slot_id)
        .join(AgendaStar, AgendaStar.agenda_id == Agenda.id)
        .where(
            Agenda.event_id == event.id,
            Agenda.user_id.is_not(None),
            AgendaStar.slot_id.in_(ids),
        )
    )
    for user_id, slot_id in rows:
        result.setdefault(user_id, set()).add(slot_id)
    return result
