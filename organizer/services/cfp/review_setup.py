"""How the call's review is set up: criteria (their rules are in services/reviewing/criteria.py),
phases that open and close review, the reviewers and the tracks they prefer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import selectinload

from organizer import permissions
from organizer.enums import (
    REVIEWABLE_PROPOSAL_STATES,
    EventRoleName,
    OthersReviews,
)
from organizer.errors import NotFound, ValidationFailed
from organizer.extensions import db
from organizer.models import (
    Cfp,
    Event,
    EventRole,
    Proposal,
    ReviewCriterion,
    ReviewPhase,
    Track,
    User,
    reviewer_track,
)
from organizer.services import audit
from organizer.services.ordering import swap_with_neighbour
from organizer.services.reviewing import criteria

REVIEWABLE_STATES = REVIEWABLE_PROPOSAL_STATES  # drafts, withdrawn, cancelled: never
SCALE_SPAN_MAX = 100
PHASE_NAME_MAX = 100


def require_organizer(actor: User, event: Event) -> None:
    permissions.require(
        permissions.can_manage_cfp(actor, event),
        _("Only this event's organizers can configure review."),
    )


def require_reviewer(actor: User, event: Event) -> None:
    permissions.require(
        permissions.can_review(actor, event), _("Only this event's reviewers can do that.")
    )


def _event_of(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:  # pragma: no cover - foreign keys keep this from happening
        raise NotFound(_("That event does not exist."))
    return event


@dataclasses.dataclass(frozen=True)
class ReviewRules:
    can_review: bool
    others_reviews: OthersReviews
    phase: ReviewPhase | None


def rules(event: Event, *, cfp: Cfp | None, now: dt.datetime) -> ReviewRules:
    """Without phases, review is open and the call's setting decides what reviewers see. With
    phases, the phase running at `now` (starts_at <= now < ends_at) decides; between and
    outside phases review is closed and others' reviews are hidden."""
    event_phases = phases(event)
    if not event_phases:
        others = cfp.others_reviews if cfp is not None else OthersReviews.AFTER_OWN
        return ReviewRules(can_review=True, others_reviews=others, phase=None)
    for phase in event_phases:
        if phase.starts_at <= now < phase.ends_at:
            return ReviewRules(
                can_review=phase.can_review, others_reviews=phase.others_reviews, phase=phase
            )
    return ReviewRules(can_review=False, others_reviews=OthersReviews.NEVER, phase=None)


def reviewers(event: Event) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(EventRole, EventRole.user_id == User.id)
            .where(EventRole.event_id == event.id, EventRole.role == EventRoleName.REVIEWER)
            .order_by(User.display_name, User.id)
        )
    )


def reviewer_ids(event: Event) -> list[int]:
    return sorted(
        db.session.scalars(
            select(EventRole.user_id).where(
                EventRole.event_id == event.id, EventRole.role == EventRoleName.REVIEWER
            )
        )
    )


def event_criteria(event: Event) -> list[ReviewCriterion]:
    """All the event's criteria in order, their tracks loaded: two queries."""
    return list(
        db.session.scalars(
            select(ReviewCriterion)
            .where(ReviewCriterion.event_id == event.id)
            .options(selectinload(ReviewCriterion.tracks))
            .order_by(ReviewCriterion.position, ReviewCriterion.id)
        )
    )


def _event_tracks(event: Event, track_ids: Iterable[int]) -> tuple[list[Track], bool]:
    """The event's tracks among `track_ids`, and whether every id was one of them."""
    wanted = set(track_ids)
    if not wanted:
        return [], True
    found = list(
        db.session.scalars(
            select(Track)
            .where(Track.id.in_(wanted), Track.event_id == event.id)
            .order_by(Track.position, Track.id)
        )
    )
    return found, len(found) == len(wanted)


def save_criterion(
    *,
    actor: User,
    event: Event,
    criterion: ReviewCriterion | None,
    name: str,
    description: str,
    weight: int,
    scale_min: int,
    scale_max: int,
    track_ids: list[int],
    now: dt.datetime,
) -> ReviewCriterion:
    """Create (criterion None) or change a criterion; a new one goes last. No tracks means the
    criterion applies to every proposal."""
    require_organizer(actor, event)
    if criterion is not None and criterion.event_id != event.id:
        raise NotFound(_("That review criterion does not exist."))
    name = (name or "").strip()
    description = (description or "").strip()

    errors = criteria.validate_criterion(
        name=name,
        description=description,
        weight=weight,
        scale_min=scale_min,
        scale_max=scale_max,
        scale_span_max=SCALE_SPAN_MAX,
        name_taken=criteria.name_taken_among(
            ReviewCriterion, ReviewCriterion.event_id, event.id, criterion
        ),
        missing_name=_("Enter a name for the criterion."),
    )
    tracks, all_found = _event_tracks(event, track_ids)
    if not all_found:
        errors["track_ids"] = _("Choose among this event's tracks.")
    if errors:
        raise ValidationFailed(errors)

    if criterion is None:
        last = db.session.scalar(
            select(func.max(ReviewCriterion.position)).where(ReviewCriterion.event_id == event.id)
        )
        criterion = ReviewCriterion(event_id=event.id, position=0 if last is None else last + 1)
        before: dict[str, Any] = {}
    else:
        before = _criterion_values(criterion)
    criterion.name = name
    criterion.description = description
    criterion.weight = weight
    criterion.scale_min = scale_min
    criterion.scale_max = scale_max
    criterion.tracks = tracks
    _record_saved("criterion", criterion, before, _criterion_values, actor=actor, now=now)
    return criterion


def _record_saved(
    kind: str,
    item: ReviewCriterion | ReviewPhase,
    before: dict[str, Any],
    values: Callable[[Any], dict[str, Any]],
    *,
    actor: User,
    now: dt.datetime,
) -> None:
    """Keep a new or changed criterion or phase, and log the fields that changed
    ("review.<kind>_create" or "_update")."""
    db.session.add(item)
    db.session.flush()
    audit.record_changes(
        before=before,
        after=values(item),
        action=f"review.{kind}_{'update' if before else 'create'}",
        actor=actor,
        now=now,
        object_type=f"review_{kind}",
        object_id=item.id,
        event=_event_of(item.event_id),
    )


def _criterion_values(criterion: ReviewCriterion) -> dict[str, Any]:
    return {
        "name": criterion.name,
        "description": criterion.description,
        "weight": criterion.weight,
        "scale": [criterion.scale_min, criterion.scale_max],
        "tracks": sorted(t.id for t in criterion.tracks),
    }


def delete_criterion(*, actor: User, criterion: ReviewCriterion, now: dt.datetime) -> None:
    """Remove a criterion; its scores go with it (the database cascades)."""
    _delete("criterion", criterion, actor=actor, now=now)


def _delete(
    kind: str, item: ReviewCriterion | ReviewPhase, *, actor: User, now: dt.datetime
) -> None:
    event = _event_of(item.event_id)
    require_organizer(actor, event)
    item_id, details = item.id, {"name": item.name}
    db.session.delete(item)
    db.session.flush()
    audit.record(
        action=f"review.{kind}_delete",
        actor=actor,
        now=now,
        object_type=f"review_{kind}",
        object_id=item_id,
        event=event,
        details=details,
    )


def move_criterion(
    *, actor: User, criterion: ReviewCriterion, direction: int, now: dt.datetime
) -> None:
    """Swap with the neighbour above (-1) or below (+1); nothing happens at either end.
    Positions are renumbered 0, 1, 2... so that equal positions cannot block a move."""
    event = _event_of(criterion.event_id)
    require_organizer(actor, event)
    if direction not in (-1, 1):
        raise ValidationFailed({"direction": _("Move a criterion one place up or down.")})
    swap_with_neighbour(event_criteria(event), criterion, direction)


def criteria_for(
    event: Event, proposal: Proposal, *, all_criteria: list[ReviewCriterion] | None = None
) -> list[ReviewCriterion]:
    """The criteria that apply to the proposal's track, in order. Pass `all_criteria` (the
    event's, tracks loaded) when calling this for many proposals."""
    if all_criteria is None:
        all_criteria = event_criteria(event)
    return sorted(
        (c for c in all_criteria if c.event_id == event.id and c.applies_to(proposal)),
        key=lambda c: (c.position, c.id),
    )


def save_phase(
    *,
    actor: User,
    event: Event,
    phase: ReviewPhase | None,
    name: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    can_review: bool,
    others_reviews: OthersReviews,
    now: dt.datetime,
) -> ReviewPhase:
    """Create (phase None) or change a phase. Phases are half-open [starts_at, ends_at), so one
    may start exactly when another ends, but they may not overlap."""
    require_organizer(actor, event)
    if phase is not None and phase.event_id != event.id:
        raise NotFound(_("That review phase does not exist."))
    name = (name or "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Enter a name for the phase.")
    elif len(name) > PHASE_NAME_MAX:
        errors["name"] = _("Use at most %(max)d characters.", max=PHASE_NAME_MAX)
    if starts_at is None:
        errors["starts_at"] = _("Enter when the phase starts.")
    if ends_at is None:
        errors["ends_at"] = _("Enter when the phase ends.")
    if starts_at is not None and ends_at is not None:
        if ends_at <= starts_at:
            errors["ends_at"] = _("A phase must end after it starts.")
        else:
            overlapping = db.session.scalar(
                select(ReviewPhase)
                .where(
                    ReviewPhase.event_id == event.id,
                    ReviewPhase.id != (phase.id if phase is not None else -1),
                    ReviewPhase.starts_at < ends_at,
                    ReviewPhase.ends_at > starts_at,
                )
                .order_by(ReviewPhase.starts_at)
                .limit(1)
            )
            if overlapping is not None:
                errors["starts_at"] = _(
                    "This overlaps the phase “%(name)s”. Phases cannot overlap.",
                    name=overlapping.name,
                )
    if errors:
        raise ValidationFailed(errors)

    if phase is None:
        phase = ReviewPhase(event_id=event.id)
        before: dict[str, Any] = {}
    else:
        before = _phase_values(phase)
    phase.name = name
    phase.starts_at = starts_at
    phase.ends_at = ends_at
    phase.can_review = bool(can_review)
    phase.others_reviews = OthersReviews(others_reviews)
    _record_saved("phase", phase, before, _phase_values, actor=actor, now=now)
    return phase


def _phase_values(phase: ReviewPhase) -> dict[str, Any]:
    return {
        "name": phase.name,
        "starts_at": phase.starts_at,
        "ends_at": phase.ends_at,
        "can_review": phase.can_review,
        "others_reviews": OthersReviews(phase.others_reviews).value,
    }


def delete_phase(*, actor: User, phase: ReviewPhase, now: dt.datetime) -> None:
    _delete("phase", phase, actor=actor, now=now)


def phases(event: Event) -> list[ReviewPhase]:
    return list(
        db.session.scalars(
            select(ReviewPhase)
            .where(ReviewPhase.event_id == event.id)
            .order_by(ReviewPhase.starts_at, ReviewPhase.id)
        )
    )


def set_reviewer_tracks(
    *, actor: User, event: Event, track_ids: list[int], now: dt.datetime
) -> None:
    """The tracks the reviewer would rather review. Choices made for other events stay."""
    require_reviewer(actor, event)
    tracks, all_found = _event_tracks(event, track_ids)
    if not all_found:
        raise ValidationFailed({"track_ids": _("Choose among this event's tracks.")})
    db.session.execute(
        delete(reviewer_track).where(
            reviewer_track.c.user_id == actor.id,
            reviewer_track.c.track_id.in_(select(Track.id).where(Track.event_id == event.id)),
        )
    )
    if tracks:
        db.session.execute(
            insert(reviewer_track), [{"user_id": actor.id, "track_id": t.id} for t in tracks]
        )
    db.session.flush()


def reviewer_tracks(event: Event, user: User) -> set[int]:
    return set(
        db.session.scalars(
            select(reviewer_track.c.track_id)
            .join(Track, Track.id == reviewer_track.c.track_id)
            .where(reviewer_track.c.user_id == user.id, Track.event_id == event.id)
        )
    )
