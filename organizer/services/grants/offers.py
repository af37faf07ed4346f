"""Offers: a committed allocation becomes awards and offer mails; applicants accept or decline
before their respond-by date; unanswered offers expire; reminders go out before the date; and
the money that declined or expired offers release goes to the waiting list, in rank order.

An award counts against the budget while its application is OFFERED or ACCEPTED
(`allocation.committed_total`); a declined or expired award is kept for history only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, true
from sqlalchemy.orm import selectinload
from werkzeug.routing import BuildError

from organizer import permissions
from organizer.enums import AllocationStatus, GrantState, category_label
from organizer.errors import ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    AllocationLine,
    AllocationRun,
    Event,
    GrantApplication,
    GrantAward,
    GrantProgramme,
    GrantReview,
    OutboxMessage,
    User,
)
from organizer.services import audit, money
from organizer.services.grants import allocation, review
from organizer.services.mail import external_url
from organizer.services.notifications import already_queued, mail_key, tell
from organizer.services.reviewing import interests
from organizer.services.timefmt import in_zone

REMINDER_WINDOW = dt.timedelta(days=3)
PINS = ("fund", "skip")
# Applications an allocation may still give money to.
OPEN_STATES = (GrantState.SUBMITTED, GrantState.INFO_NEEDED, GrantState.WAITLISTED)
# Awards that hold money.
HOLDING = (GrantState.OFFERED, GrantState.ACCEPTED)


def format_deadline(event: Event, moment: dt.datetime) -> str:
    """A respond-by date as people read it: in the event's zone, with the zone named."""
    local = in_zone(moment, event.timezone)
    assert local is not None
    return f"{local:%Y-%m-%d %H:%M} ({event.timezone})"


def default_respond_by(programme: GrantProgramme, now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(days=programme.respond_days)


def _applicant_url(event: Event) -> str:
    """Where an applicant sees their applications and answers offers."""
    try:
        return external_url("grants.mine", event_slug=event.slug)
    except BuildError:  # the applicants' pages are not there (yet): the event's page
        return external_url("public.event", event_slug=event.slug)


def _tell_applicant(
    application: GrantApplication,
    purpose: str,
    *,
    about: tuple[object, ...],
    now: dt.datetime,
    award: GrantAward | None = None,
) -> OutboxMessage:
    """The applicant's mail about their application (and its award, with its amounts)."""
    programme = application.programme
    event = programme.event
    applicant = application.applicant
    context: dict[str, Any] = {
        "applicant": applicant,
        "application": application,
        "programme": programme,
        "award": award,
        "url": _applicant_url(event),
        "contact_email": event.contact_email,
    }
    if award is not None:
        context["respond_by"] = format_deadline(event, award.respond_by)
        context["total"] = money.fmt(award.total, programme.currency, locale=applicant.locale)
        context["lines"] = [
            (
                category_label(category),
                money.fmt(amount, programme.currency, locale=applicant.locale),
            )
            for category, amount in award.amounts.items()
            if amount > 0
        ]
    return tell(applicant, purpose, about=about, context=context, now=now, event=event)


def _offer(
    *,
    actor: User | None,
    application: GrantApplication,
    amounts: dict[str, int],
    respond_by: dt.datetime,
    now: dt.datetime,
    run: AllocationRun | None = None,
) -> GrantAward:
    programme = application.programme
    clean = {k: int(v) for k, v in amounts.items() if int(v) > 0}
    award = GrantAward(
        application_id=application.id,
        amounts=clean,
        total=sum(clean.values()),
        respond_by=respond_by,
        offered_at=now,
        run_id=run.id if run is not None else None,
    )
    db.session.add(award)
    before = application.state
    application.state = GrantState.OFFERED
    application.updated_at = now
    db.session.flush()
    application.award = award
    audit.record(
        action="grant.offer",
        actor=actor,
        now=now,
        object_type="grant_application",
        object_id=application.public_id,
        event=programme.event,
        details={
            "state": [before.value, GrantState.OFFERED.value],
            "amounts": clean,
            "total": award.total,
            "respond_by": respond_by.isoformat(),
            "run": run.id if run is not None else None,
        },
    )
    _tell_applicant(application, "grant_offer", about=(award,), now=now, award=award)
    return award


def _check_respond_by(respond_by: dt.datetime, now: dt.datetime) -> None:
    if respond_by <= now:
        raise ValidationFailed({"respond_by": _("The respond-by date must be in the future.")})


# Committing an allocation ------------------------------------------------------------------


def to_waitlist(lines: list[AllocationLine]) -> list[AllocationLine]:
    """The lines that sending the offers puts on the waiting list: nothing proposed, and not
    pinned must-not-fund (those wait for the organizers' own decision)."""
    return [line for line in lines if line.total == 0 and line.application.pin != "skip"]


def commit_run(
    *, actor: User, run: AllocationRun, respond_by: dt.datetime | None = None, now: dt.datetime
) -> int:
    """Send the offers of a draft allocation: an award per line with money (the application
    becomes OFFERED and gets a mail), the others in the run go on the waiting list (with a
    mail). Refuses, sending nothing, when the offers would exceed what is left of the budget
    or of a category's cap. Returns the number of offers."""
    programme = db.session.get(GrantProgramme, run.programme_id)
    assert programme is not None
    event = programme.event
    _check_run_is_sendable(actor, run, event)
    respond_by = respond_by or default_respond_by(programme, now)
    _check_respond_by(respond_by, now)
    lines = [line for line in run.lines]
    funded = [line for line in lines if line.total > 0]
    _check_funded_lines(funded)
    total = sum(line.total for line in funded)
    remaining = allocation.remaining_budget(programme)
    if total > remaining:
        raise WrongState(
            _(
                "These offers total %(total)s, but only %(left)s of the budget is left. "
                "Nothing was sent: lower some awards first.",
                total=money.fmt(total, programme.currency),
                left=money.fmt(max(remaining, 0), programme.currency),
            )
        )
    _check_caps(programme, [line.amounts for line in funded])
    for line in funded:
        _offer(
            actor=actor,
            application=line.application,
            amounts=line.amounts,
            respond_by=respond_by,
            now=now,
            run=run,
        )
    waitlisted = _waitlist(actor, to_waitlist(lines), run=run, now=now)
    run.status = AllocationStatus.COMMITTED
    run.committed_at = now
    db.session.flush()
    audit.record(
        action="grant.allocation.commit",
        actor=actor,
        now=now,
        object_type="allocation_run",
        object_id=run.id,
        event=event,
        details={
            "offers": len(funded),
            "waitlisted": waitlisted,
            "total": total,
            "remaining_before": remaining,
            "respond_by": respond_by.isoformat(),
        },
    )
    return len(funded)


def _check_run_is_sendable(actor: User, run: AllocationRun, event: Event) -> None:
    """Organizers only, none of whom applies in the run, and only a draft run."""
    permissions.require(permissions.can_manage_grants(actor, event))
    own = interests.own_application_ids(event, actor)
    for line in run.lines:
        if line.application_id in own:
            interests.refuse_own_application(actor, line.application)
    if run.status != AllocationStatus.DRAFT:
        raise WrongState(
            _("This allocation was already committed or discarded; run a new one.")
            if run.status == AllocationStatus.COMMITTED
            else _("This allocation was discarded; run a new one.")
        )


def _check_funded_lines(funded: list[AllocationLine]) -> None:
    """Each application still open to an offer, and each line adding up."""
    for line in funded:
        application = line.application
        if application.state not in OPEN_STATES or application.award is not None:
            raise WrongState(
                _(
                    "%(name)s's application is now %(state)s. Nothing was sent: set its line "
                    "to zero or run the allocation again.",
                    name=application.applicant.display_name,
                    state=_state_label(application.state),
                )
            )
        if sum(int(v) for v in line.amounts.values()) != line.total:
            raise WrongState(_("A line's amounts do not add up to its total; adjust it again."))


def _waitlist(
    actor: User, lines: list[AllocationLine], *, run: AllocationRun, now: dt.datetime
) -> int:
    """Put the still undecided applications of `lines` on the waiting list, with a mail each.
    Returns how many."""
    waitlisted = 0
    for line in lines:
        application = line.application
        if application.state not in (GrantState.SUBMITTED, GrantState.INFO_NEEDED):
            continue
        before = application.state
        application.state = GrantState.WAITLISTED
        application.updated_at = now
        waitlisted += 1
        audit.record(
            action="grant.waitlist",
            actor=actor,
            now=now,
            object_type="grant_application",
            object_id=application.public_id,
            event=application.programme.event,
            details={"state": [before.value, GrantState.WAITLISTED.value], "run": run.id},
        )
        _tell_applicant(application, "grant_waitlisted", about=(application,), now=now)
    return waitlisted


def _check_caps(programme: GrantProgramme, new: list[dict[str, int]]) -> None:
    caps = {k: int(v) for k, v in (programme.category_caps or {}).items() if v is not None}
    if not caps:
        return
    used = allocation.committed_by_category(programme)
    for amounts in new:
        for category, amount in amounts.items():
            used[category] = used.get(category, 0) + int(amount)
    for category, cap in caps.items():
        if used.get(category, 0) > cap:
            raise WrongState(
                _(
                    "Awards for %(category)s would total %(total)s, over its cap of %(cap)s. "
                    "Nothing was sent.",
                    category=_category_label(category),
                    total=money.fmt(used[category], programme.currency),
                    cap=money.fmt(cap, programme.currency),
                )
            )


def _state_label(state: GrantState) -> str:
    return str(GrantState(state).label).lower()


def _category_label(category: str) -> str:
    return str(category_label(category)).lower()


# The applicant's answer --------------------------------------------------------------------


def respond(*, actor: User, application: GrantApplication, accept: bool, now: dt.datetime) -> None:
    """The applicant accepts or declines their offer, before its respond-by date. Declining
    releases the money (the award stays, for the record)."""
    permissions.require(permissions.is_applicant(actor, application))
    event = application.programme.event
    award = application.award
    if application.state == GrantState.ACCEPTED:
        if accept:
            raise WrongState(_("You have already accepted this offer. Nothing more to do."))
        raise WrongState(
            _(
                "You have already accepted this offer. If you can no longer come, write to "
                "the organizers at %(contact)s.",
                contact=event.contact_email,
            )
        )
    if application.state == GrantState.DECLINED:
        raise WrongState(_("You have already declined this offer."))
    if award is not None and (
        application.state == GrantState.EXPIRED
        or (application.state == GrantState.OFFERED and now >= award.respond_by)
    ):
        raise WrongState(
            _(
                "The offer expired on %(deadline)s. Write to the organizers at %(contact)s.",
                deadline=format_deadline(event, award.respond_by),
                contact=event.contact_email,
            )
        )
    if application.state != GrantState.OFFERED or award is None:
        raise WrongState(_("There is no offer to answer on this application."))
    application.state = GrantState.ACCEPTED if accept else GrantState.DECLINED
    application.updated_at = now
    award.responded_at = now
    db.session.flush()
    audit.record(
        action="grant.offer.accept" if accept else "grant.offer.decline",
        actor=actor,
        now=now,
        object_type="grant_application",
        object_id=application.public_id,
        event=event,
        details={"state": ["offered", application.state.value], "total": award.total},
    )


# Expiry and reminders ----------------------------------------------------------------------


def _open_offers(programme: GrantProgramme | None) -> list[GrantApplication]:
    query = (
        select(GrantApplication)
        .join(GrantAward, GrantAward.application_id == GrantApplication.id)
        .where(GrantApplication.state == GrantState.OFFERED)
        .options(
            selectinload(GrantApplication.award),
            selectinload(GrantApplication.applicant),
            selectinload(GrantApplication.programme).selectinload(GrantProgramme.event),
        )
        .order_by(GrantAward.respond_by, GrantApplication.id)
    )
    if programme is not None:
        query = query.where(GrantApplication.programme_id == programme.id)
    return list(db.session.scalars(query))


def expire_offers(
    *, now: dt.datetime, programme: GrantProgramme | None = None, actor: User | None = None
) -> int:
    """Offers not answered by their respond-by date expire, releasing their money. For every
    programme (the daily command) or one (an organizer's button, `actor` set)."""
    if actor is not None:
        assert programme is not None
        permissions.require(permissions.can_manage_grants(actor, programme.event))
    expired = 0
    for application in _open_offers(programme):
        award = application.award
        assert award is not None
        if now < award.respond_by:
            continue
        application.state = GrantState.EXPIRED
        application.updated_at = now
        expired += 1
        audit.record(
            action="grant.offer.expire",
            actor=actor,
            now=now,
            object_type="grant_application",
            object_id=application.public_id,
            event=application.programme.event,
            details={
                "state": ["offered", "expired"],
                "total": award.total,
                "respond_by": award.respond_by.isoformat(),
            },
        )
        _tell_applicant(
            application,
            "grant_offer_expired",
            now=now,
            about=(award, award.respond_by),
            award=award,
        )
    db.session.flush()
    return expired


def send_offer_reminders(
    *,
    now: dt.datetime,
    programme: GrantProgramme | None = None,
    actor: User | None = None,
    window: dt.timedelta = REMINDER_WINDOW,
) -> int:
    """Remind applicants whose offer's respond-by date is within `window`, once per offer and
    date (safe to run every hour). Returns how many reminders were queued now."""
    if actor is not None:
        assert programme is not None
        permissions.require(permissions.can_manage_grants(actor, programme.event))
    due = [
        a
        for a in _open_offers(programme)
        if a.award is not None and a.award.respond_by - window <= now < a.award.respond_by
    ]
    keys = {
        a.id: mail_key("grant_offer_reminder", a.award, a.award.respond_by)  # type: ignore[union-attr]
        for a in due
    }
    sent_before = already_queued(keys.values())
    sent = 0
    for application in due:
        key = keys[application.id]
        if key in sent_before:
            continue
        award = application.award
        assert award is not None
        _tell_applicant(
            application,
            "grant_offer_reminder",
            about=(award, award.respond_by),
            now=now,
            award=award,
        )
        sent += 1
        audit.record(
            action="grant.offer.remind",
            actor=actor,
            now=now,
            object_type="grant_application",
            object_id=application.public_id,
            event=application.programme.event,
            details={"respond_by": application.award.respond_by.isoformat()},  # type: ignore[union-attr]
        )
    return sent


def run_daily(*, now: dt.datetime) -> dict[str, int]:
    """What `flask grant-offers` does for every programme: expire overdue offers, then remind
    those whose date is near."""
    return {
        "expired": expire_offers(now=now),
        "reminded": send_offer_reminders(now=now),
    }


# The waiting list --------------------------------------------------------------------------


def _fit(
    programme: GrantProgramme, requested: dict[str, int], left: int, room: dict[str, int | None]
) -> dict[str, int] | None:
    """The request in full, or scaled down to fit what is left (of the budget and of each
    category's cap), if that is still at least the programme's minimum fraction."""
    requested = {k: int(v) for k, v in requested.items() if int(v) > 0}
    asked = sum(requested.values())
    if asked <= 0 or left <= 0:
        return None
    amounts = dict(requested)
    if asked > left:
        amounts = {k: v * left // asked for k, v in requested.items()}
    for category, amount in list(amounts.items()):
        cap_room = room.get(category)
        if cap_room is not None and amount > cap_room:
            amounts[category] = max(cap_room, 0)
    total = sum(amounts.values())
    if total <= 0 or total > left or total * 100 < programme.min_fraction * asked:
        return None
    return {k: v for k, v in amounts.items() if v > 0}


def offer_next(
    *,
    actor: User,
    programme: GrantProgramme,
    now: dt.datetime,
    respond_by: dt.datetime | None = None,
) -> list[GrantApplication]:
    """Offer the waiting list, best ranked first, while money is left: each application its
    full request or, when less is left, at least the programme's minimum fraction of it. One
    that cannot get that much is passed over for cheaper ones below it (and stays waiting).
    Must-not-fund applications are skipped. Returns the applications offered. An organizer
    whose own application waits on the list cannot do this: another organizer must."""
    permissions.require(permissions.can_manage_grants(actor, programme.event))
    for application in db.session.scalars(
        select(GrantApplication).where(
            GrantApplication.programme_id == programme.id,
            GrantApplication.state == GrantState.WAITLISTED,
            interests.own_application(actor),
        )
    ):
        interests.refuse_own_application(actor, application)
    respond_by = respond_by or default_respond_by(programme, now)
    _check_respond_by(respond_by, now)
    left = allocation.remaining_budget(programme)
    caps = {k: int(v) for k, v in (programme.category_caps or {}).items() if v is not None}
    used = allocation.committed_by_category(programme)
    room: dict[str, int | None] = {k: cap - used.get(k, 0) for k, cap in caps.items()}
    offered: list[GrantApplication] = []
    for ranked in review.ranking(programme):
        application = ranked.application
        if application.state != GrantState.WAITLISTED or application.pin == "skip":
            continue
        if application.award is not None:
            continue  # an earlier award is kept for history; one award per application
        amounts = _fit(programme, application.requested or {}, left, room)
        if amounts is None:
            continue
        _offer(
            actor=actor, application=application, amounts=amounts, respond_by=respond_by, now=now
        )
        total = sum(amounts.values())
        left -= total
        for category, amount in amounts.items():
            if room.get(category) is not None:
                room[category] = room[category] - amount  # type: ignore[operator]
        offered.append(application)
        if left <= 0:
            break
    audit.record(
        action="grant.waitlist.offer_next",
        actor=actor,
        now=now,
        object_type="grant_programme",
        object_id=programme.public_id,
        event=programme.event,
        details={"offered": [a.public_id for a in offered], "left": left},
    )
    return offered


# Organizers' decisions on one application --------------------------------------------------


def reject(*, actor: User, application: GrantApplication, now: dt.datetime) -> None:
    """Turn down an application that has no offer (a mail tells the applicant)."""
    event = application.programme.event
    permissions.require(permissions.can_manage_grants(actor, event))
    interests.refuse_own_application(actor, application)
    if not permissions.can_reject_application(application):
        raise WrongState(
            _(
                "This application is %(state)s, so it cannot be turned down now.",
                state=_state_label(application.state),
            )
        )
    before = application.state
    application.state = GrantState.REJECTED
    application.updated_at = now
    db.session.flush()
    audit.record(
        action="grant.reject",
        actor=actor,
        now=now,
        object_type="grant_application",
        object_id=application.public_id,
        event=event,
        details={"state": [before.value, GrantState.REJECTED.value]},
    )
    _tell_applicant(application, "grant_rejected", about=(application,), now=now)


def set_pin(
    *, actor: User, application: GrantApplication, pin: str | None, now: dt.datetime
) -> None:
    """Must fund ("fund"), must not fund ("skip") or neither (None), for the next allocation."""
    event = application.programme.event
    permissions.require(permissions.can_manage_grants(actor, event))
    interests.refuse_own_application(actor, application)
    pin = pin or None
    if pin is not None and pin not in PINS:
        raise ValidationFailed({"pin": _("Choose must fund, must not fund, or neither.")})
    if application.pin == pin:
        return
    before = application.pin
    application.pin = pin
    db.session.flush()
    audit.record(
        action="grant.pin",
        actor=actor,
        now=now,
        object_type="grant_application",
        object_id=application.public_id,
        event=event,
        details={"pin": [before, pin]},
    )


# Reading, for the organizers' pages --------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Row:
    """One application in the organizers' list: the application (applicant and award loaded)
    with its review figures, when it has any."""

    application: GrantApplication
    score: float | None
    reviews: int
    own: bool = False  # the viewer's own: shown without its figures, not for them to decide


def application_rows(
    programme: GrantProgramme, *, state: str = "", viewer: User | None = None
) -> list[Row]:
    """Every application but drafts (optionally in one state), newest first, with their
    scores. A constant number of queries, whatever the number of applications. With
    `viewer`, the viewer's own applications (`services/interests.py`) come without figures."""
    figures = {r.application.id: r for r in review.ranking(programme, viewer=viewer)}
    own = interests.own_application_ids(programme.event, viewer) if viewer is not None else set()
    query = (
        select(GrantApplication)
        .where(
            GrantApplication.programme_id == programme.id,
            GrantApplication.state != GrantState.DRAFT,
        )
        .options(selectinload(GrantApplication.applicant), selectinload(GrantApplication.award))
        .order_by(GrantApplication.submitted_at.desc(), GrantApplication.id.desc())
    )
    if state:
        query = query.where(GrantApplication.state == state)
    rows = []
    for application in db.session.scalars(query):
        ranked = figures.get(application.id)
        rows.append(
            Row(
                application,
                ranked.score if ranked else None,
                ranked.count if ranked else 0,
                own=application.id in own,
            )
        )
    return rows


def reviews_of(application: GrantApplication) -> list[GrantReview]:
    """Every review of the application, with scores and reviewers (organizers read them all)."""
    return list(
        db.session.scalars(
            select(GrantReview)
            .where(GrantReview.application_id == application.id)
            .options(selectinload(GrantReview.scores), selectinload(GrantReview.reviewer))
            .order_by(GrantReview.created_at)
        )
    )


@dataclasses.dataclass(frozen=True)
class Overview:
    offered: list[GrantApplication]  # soonest respond-by first
    accepted: list[GrantApplication]
    declined: list[GrantApplication]
    expired: list[GrantApplication]
    waitlisted: list[GrantApplication]  # in rank order


def overview(programme: GrantProgramme, *, viewer: User | None = None) -> Overview:
    """The programme's offers by state, and the waiting list in rank order; with `viewer`,
    the waiting list leaves out the viewer's own (its place would tell how it fares)."""
    states = (GrantState.OFFERED, GrantState.ACCEPTED, GrantState.DECLINED, GrantState.EXPIRED)
    by_state: dict[GrantState, list[GrantApplication]] = {s: [] for s in states}
    for application in db.session.scalars(
        select(GrantApplication)
        .join(GrantAward, GrantAward.application_id == GrantApplication.id)
        .where(GrantApplication.programme_id == programme.id, GrantApplication.state.in_(states))
        .options(selectinload(GrantApplication.applicant), selectinload(GrantApplication.award))
        .order_by(GrantAward.respond_by, GrantApplication.id)
    ):
        by_state[GrantState(application.state)].append(application)
    rank = {r.application.id: i for i, r in enumerate(review.ranking(programme))}
    waitlisted = sorted(
        db.session.scalars(
            select(GrantApplication)
            .where(
                GrantApplication.programme_id == programme.id,
                GrantApplication.state == GrantState.WAITLISTED,
            )
            .where(~interests.own_application(viewer) if viewer is not None else true())
            .options(selectinload(GrantApplication.applicant))
        ),
        key=lambda a: (rank.get(a.id, len(rank)), a.id),
    )
    return Overview(
        offered=by_state[GrantState.OFFERED],
        accepted=by_state[GrantState.ACCEPTED],
        declined=by_state[GrantState.DECLINED],
        expired=by_state[GrantState.EXPIRED],
        waitlisted=waitlisted,
    )


@dataclasses.dataclass(frozen=True)
class AllocationRow:
    """One line of an allocation run, with its application (applicant loaded) and score."""

    line: AllocationLine
    application: GrantApplication
    score: float | None


def allocation_rows(
    programme: GrantProgramme, run: AllocationRun, *, viewer: User | None = None
) -> list[AllocationRow]:
    """The run's lines in ranking order (best first), for the allocation page. A constant
    number of queries. With `viewer`, the lines of the viewer's own applications are left
    out: another organizer looks at and adjusts them."""
    own = interests.own_application_ids(programme.event, viewer) if viewer is not None else set()
    ids = [line.application_id for line in run.lines]
    if ids:  # loads the applicants into the session, so that no row needs a query
        db.session.scalars(
            select(GrantApplication)
            .where(GrantApplication.id.in_(ids))
            .options(selectinload(GrantApplication.applicant))
        ).all()
    ranked = review.ranking(programme)
    rank = {r.application.id: i for i, r in enumerate(ranked)}
    score = {r.application.id: r.score for r in ranked}
    lines = sorted(
        (line for line in run.lines if line.application_id not in own),
        key=lambda line: (rank.get(line.application_id, len(rank)), line.id),
    )
    return [AllocationRow(line, line.application, score.get(line.application_id)) for line in lines]
