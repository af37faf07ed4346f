"""Review: criteria and phases, who reviews what, the reviews, scores and ranking. The assisted
redaction that keeps review anonymous is in services/redaction.py.

Reviewers score proposals, organizers configure review and read the ranking. Functions that
compute lists for pages (assignments, loads, ranking, redaction flags) run a constant number of
queries whatever the number of proposals.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import statistics
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, and_, delete, exists, func, insert, select, true
from sqlalchemy.orm import selectinload

from organizer import permissions
from organizer.enums import (
    REVIEWABLE_PROPOSAL_STATES,
    EventRoleName,
    OthersReviews,
    ProposalState,
)
from organizer.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from organizer.extensions import db
from organizer.models import (
    Cfp,
    ConflictOfInterest,
    Event,
    EventRole,
    Proposal,
    Review,
    ReviewAssignment,
    ReviewCriterion,
    ReviewPhase,
    ReviewScore,
    Track,
    User,
    reviewer_track,
)
from organizer.services import audit, conflicts, redaction
from organizer.services.cfp import proposals_query
from organizer.services.criteria import validate_criterion
from organizer.services.ordering import swap_with_neighbour

REVIEWABLE_STATES = REVIEWABLE_PROPOSAL_STATES  # drafts, withdrawn, cancelled: never

SCALE_SPAN_MAX = 100
PHASE_NAME_MAX = 100
CONFLICT_REASON_MAX = 300
COMMENT_MAX = 5000
NOTE_MAX = 2000


# Permissions ---------------------------------------------------------------------------------


def _require_organizer(actor: User, event: Event) -> None:
    if not permissions.can_manage_cfp(actor, event):
        raise PermissionDenied(_("Only this event's organizers can configure review."))


def _require_reviewer(actor: User, event: Event) -> None:
    if not permissions.can_review(actor, event):
        raise PermissionDenied(_("Only this event's reviewers can do that."))


def _event_of(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:  # pragma: no cover - foreign keys keep this from happening
        raise NotFound(_("That event does not exist."))
    return event


def _cfp_of(event: Event) -> Cfp | None:
    return db.session.scalar(select(Cfp).where(Cfp.event_id == event.id))


def _is_reviewable(proposal: Proposal) -> bool:
    return proposal.state in REVIEWABLE_STATES


def _has_conflict(user_id: int, proposal_id: int) -> bool:
    return (
        db.session.scalar(
            select(ConflictOfInterest.id).where(
                ConflictOfInterest.user_id == user_id,
                ConflictOfInterest.proposal_id == proposal_id,
            )
        )
        is not None
    )


# Rules: what reviewers may do and see now -----------------------------------------------------


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


def reviewable_proposals_query(event: Event, *, viewer: User) -> Select[tuple[Proposal]]:
    """Every proposal `viewer` may open as a reviewer, with what a list shows loaded up front:
    their own proposals (`services/conflicts.py`) are left out, and so are those whose text
    may name their speaker until an organizer resolves it (`redaction.text_held`)."""
    return proposals_query(event).where(
        Proposal.state.in_(REVIEWABLE_STATES),
        ~conflicts.own_proposal(viewer),
        Proposal.id.not_in(redaction.text_held(event)),
    )


def reviewers(event: Event) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(EventRole, EventRole.user_id == User.id)
            .where(EventRole.event_id == event.id, EventRole.role == EventRoleName.REVIEWER)
            .order_by(User.display_name, User.id)
        )
    )


def _reviewer_ids(event: Event) -> list[int]:
    return sorted(
        db.session.scalars(
            select(EventRole.user_id).where(
                EventRole.event_id == event.id, EventRole.role == EventRoleName.REVIEWER
            )
        )
    )


# Criteria ------------------------------------------------------------------------------------


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
    _require_organizer(actor, event)
    if criterion is not None and criterion.event_id != event.id:
        raise NotFound(_("That review criterion does not exist."))
    name = (name or "").strip()
    description = (description or "").strip()

    def name_taken(candidate: str) -> bool:
        return (
            db.session.scalar(
                select(ReviewCriterion.id).where(
                    ReviewCriterion.event_id == event.id,
                    func.lower(ReviewCriterion.name) == candidate.lower(),
                    ReviewCriterion.id != (criterion.id if criterion is not None else -1),
                )
            )
            is not None
        )

    errors = validate_criterion(
        name=name,
        description=description,
        weight=weight,
        scale_min=scale_min,
        scale_max=scale_max,
        scale_span_max=SCALE_SPAN_MAX,
        name_taken=name_taken,
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
        action, before = "review.criterion_create", {}
    else:
        action, before = "review.criterion_update", _criterion_values(criterion)
    criterion.name = name
    criterion.description = description
    criterion.weight = weight
    criterion.scale_min = scale_min
    criterion.scale_max = scale_max
    criterion.tracks = tracks
    db.session.add(criterion)
    db.session.flush()
    audit.record_changes(
        before=before,
        after=_criterion_values(criterion),
        action=action,
        actor=actor,
        now=now,
        object_type="review_criterion",
        object_id=criterion.id,
        event=event,
    )
    return criterion


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
    event = _event_of(criterion.event_id)
    _require_organizer(actor, event)
    details = {"name": criterion.name}
    criterion_id = criterion.id
    db.session.delete(criterion)
    db.session.flush()
    audit.record(
        action="review.criterion_delete",
        actor=actor,
        now=now,
        object_type="review_criterion",
        object_id=criterion_id,
        event=event,
        details=details,
    )


def move_criterion(
    *, actor: User, criterion: ReviewCriterion, direction: int, now: dt.datetime
) -> None:
    """Swap with the neighbour above (-1) or below (+1); nothing happens at either end.
    Positions are renumbered 0, 1, 2... so that equal positions cannot block a move."""
    event = _event_of(criterion.event_id)
    _require_organizer(actor, event)
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


# Phases --------------------------------------------------------------------------------------


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
    _require_organizer(actor, event)
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
        action, before = "review.phase_create", {}
    else:
        action, before = "review.phase_update", _phase_values(phase)
    phase.name = name
    phase.starts_at = starts_at
    phase.ends_at = ends_at
    phase.can_review = bool(can_review)
    phase.others_reviews = OthersReviews(others_reviews)
    db.session.add(phase)
    db.session.flush()
    audit.record_changes(
        before=before,
        after=_phase_values(phase),
        action=action,
        actor=actor,
        now=now,
        object_type="review_phase",
        object_id=phase.id,
        event=event,
    )
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
    event = _event_of(phase.event_id)
    _require_organizer(actor, event)
    phase_id, details = phase.id, {"name": phase.name}
    db.session.delete(phase)
    db.session.flush()
    audit.record(
        action="review.phase_delete",
        actor=actor,
        now=now,
        object_type="review_phase",
        object_id=phase_id,
        event=event,
        details=details,
    )


def phases(event: Event) -> list[ReviewPhase]:
    return list(
        db.session.scalars(
            select(ReviewPhase)
            .where(ReviewPhase.event_id == event.id)
            .order_by(ReviewPhase.starts_at, ReviewPhase.id)
        )
    )


# Reviewers' track preferences and conflicts of interest --------------------------------------


def set_reviewer_tracks(
    *, actor: User, event: Event, track_ids: list[int], now: dt.datetime
) -> None:
    """The tracks the reviewer would rather review. Choices made for other events stay."""
    _require_reviewer(actor, event)
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


def declare_conflict(
    *, actor: User, proposal: Proposal, reason: str, now: dt.datetime
) -> ConflictOfInterest:
    """Declare (or re-declare, with a new reason) a conflict. An assignment the reviewer has
    not yet acted on is dropped, so that automatic assignment can give the proposal to
    someone else; a review already written stays (and so does its assignment)."""
    event = proposal.event
    _require_reviewer(actor, event)
    if not _is_reviewable(proposal):
        raise NotFound(_("That proposal is not open for review."))
    reason = (reason or "").strip()
    if len(reason) > CONFLICT_REASON_MAX:
        raise ValidationFailed(
            {"reason": _("Use at most %(max)d characters.", max=CONFLICT_REASON_MAX)}
        )
    conflict = db.session.scalar(
        select(ConflictOfInterest).where(
            ConflictOfInterest.user_id == actor.id,
            ConflictOfInterest.proposal_id == proposal.id,
        )
    )
    if conflict is None:
        conflict = ConflictOfInterest(
            proposal_id=proposal.id, user_id=actor.id, reason=reason, created_at=now
        )
        db.session.add(conflict)
    else:
        conflict.reason = reason
    if review_of(proposal, actor) is None:
        assignment = _assignment(proposal, actor)
        if assignment is not None:
            db.session.delete(assignment)
            _record_assignment(
                "review.unassign",
                actor=actor,
                proposal=proposal,
                reviewer=actor,
                now=now,
                because="conflict",
            )
    db.session.flush()
    return conflict


def withdraw_conflict(*, actor: User, proposal: Proposal, now: dt.datetime) -> None:
    _require_reviewer(actor, proposal.event)
    db.session.execute(
        delete(ConflictOfInterest).where(
            ConflictOfInterest.user_id == actor.id,
            ConflictOfInterest.proposal_id == proposal.id,
        )
    )
    db.session.flush()


def conflicts_for(proposal: Proposal) -> list[ConflictOfInterest]:
    """The reviewers who declared a conflict with the proposal, and why (organizers only)."""
    return list(
        db.session.scalars(
            select(ConflictOfInterest)
            .where(ConflictOfInterest.proposal_id == proposal.id)
            .options(selectinload(ConflictOfInterest.user))
            .order_by(ConflictOfInterest.created_at)
        )
    )


def conflicts_of(event: Event, user: User) -> set[int]:
    return set(
        db.session.scalars(
            select(ConflictOfInterest.proposal_id)
            .join(Proposal, Proposal.id == ConflictOfInterest.proposal_id)
            .where(ConflictOfInterest.user_id == user.id, Proposal.event_id == event.id)
        )
    )


# Assignment ----------------------------------------------------------------------------------


def _assignment(proposal: Proposal, reviewer: User) -> ReviewAssignment | None:
    return db.session.scalar(
        select(ReviewAssignment).where(
            ReviewAssignment.proposal_id == proposal.id,
            ReviewAssignment.reviewer_id == reviewer.id,
        )
    )


def _record_assignment(
    action: str,
    *,
    actor: User,
    proposal: Proposal,
    reviewer: User,
    now: dt.datetime,
    because: str | None = None,
) -> None:
    details: dict[str, Any] = {"reviewer_id": reviewer.id, "reviewer": reviewer.display_name}
    if because:
        details["because"] = because
    audit.record(
        action=action,
        actor=actor,
        now=now,
        object_type="proposal",
        object_id=proposal.id,
        event=proposal.event,
        details=details,
    )


@dataclasses.dataclass
class AssignmentReport:
    created: int
    loads: dict[int, int]  # reviewer id -> assignments in the event, after this run
    short: list[int]  # proposals that could not get `per_proposal` reviewers
    held: list[int] = dataclasses.field(default_factory=list)  # held back by the redaction check


def assign_automatically(
    *,
    actor: User,
    event: Event,
    per_proposal: int | None = None,
    now: dt.datetime,
    seed: int = 0,
) -> AssignmentReport:
    """Top up every submitted proposal to `per_proposal` reviewers (the call's setting by
    default); existing assignments of current reviewers count and are never duplicated.

    Nobody is assigned a proposal they speak on or declared a conflict on. Proposals with the
    fewest eligible reviewers go first (ties in a seeded random order). For each seat, let L be
    the lowest load (assignments in the event, old and new) among the proposal's eligible
    reviewers: the seat goes to the least loaded reviewer who matches the proposal's track and
    whose load is at most L + 1, or, when no such reviewer exists, to the least loaded eligible
    reviewer. A reviewer who chose no tracks, like a proposal without a track, matches every
    track. Equal loads are broken by a seeded random order of the reviewers, so a seed always
    gives the same result. Without track preferences loads differ by at most one where the
    exclusions allow it; with preferences by at most two.

    Decided proposals are left alone: assignment is for work still to do. So are proposals
    the redaction check holds back (`redaction.held_back`) until an organizer redacts them or
    dismisses the flags; they are reported in `held`. A constant number of queries whatever
    the size of the event.
    """
    _require_organizer(actor, event)
    if per_proposal is None:
        cfp = _cfp_of(event)
        per_proposal = cfp.reviews_per_proposal if cfp is not None else 3
    if not 1 <= per_proposal <= 20:
        raise ValidationFailed({"per_proposal": _("Ask for 1 to 20 reviewers per proposal.")})
    reviewer_ids = _reviewer_ids(event)
    reviewer_set = set(reviewer_ids)
    proposal_tracks: dict[int, int | None] = dict(
        db.session.execute(
            select(Proposal.id, Proposal.track_id).where(
                Proposal.event_id == event.id, Proposal.state == ProposalState.SUBMITTED
            )
        ).all()
    )
    held = sorted(redaction.held_back(event) & set(proposal_tracks))
    for proposal_id in held:
        del proposal_tracks[proposal_id]
    in_event = select(Proposal.id).where(Proposal.event_id == event.id).scalar_subquery()
    blocked: dict[int, set[int]] = defaultdict(set)
    for proposal_id, user_id in conflicts.own_proposal_pairs(event):
        blocked[proposal_id].add(user_id)
    for proposal_id, user_id in db.session.execute(
        select(ConflictOfInterest.proposal_id, ConflictOfInterest.user_id).where(
            ConflictOfInterest.proposal_id.in_(in_event)
        )
    ):
        blocked[proposal_id].add(user_id)
    load = dict.fromkeys(reviewer_ids, 0)
    assigned: dict[int, set[int]] = defaultdict(set)
    for proposal_id, reviewer_id in db.session.execute(
        select(ReviewAssignment.proposal_id, ReviewAssignment.reviewer_id).where(
            ReviewAssignment.proposal_id.in_(in_event)
        )
    ):
        if reviewer_id in reviewer_set:  # former reviewers neither count nor carry load
            assigned[proposal_id].add(reviewer_id)
            load[reviewer_id] += 1
    chosen_tracks: dict[int, set[int]] = defaultdict(set)
    for user_id, track_id in db.session.execute(
        select(reviewer_track.c.user_id, reviewer_track.c.track_id)
        .join(Track, Track.id == reviewer_track.c.track_id)
        .where(Track.event_id == event.id)
    ):
        chosen_tracks[user_id].add(track_id)

    rng = random.Random(seed)  # noqa: S311 - a reproducible shuffle, not a secret
    order = list(reviewer_ids)
    rng.shuffle(order)
    rank = {reviewer_id: i for i, reviewer_id in enumerate(order)}
    proposal_order = sorted(proposal_tracks)
    rng.shuffle(proposal_order)
    proposal_rank = {proposal_id: i for i, proposal_id in enumerate(proposal_order)}

    work = []
    for proposal_id in proposal_tracks:
        have = assigned[proposal_id]
        if len(have) >= per_proposal:
            continue
        excluded = blocked[proposal_id] | have
        eligible = [r for r in order if r not in excluded]
        work.append((len(eligible), proposal_rank[proposal_id], proposal_id, eligible))
    work.sort(key=lambda item: (item[0], item[1]))

    def matches(reviewer_id: int, track_id: int | None) -> bool:
        tracks = chosen_tracks.get(reviewer_id)
        return track_id is None or not tracks or track_id in tracks

    rows: list[dict[str, Any]] = []
    short: list[int] = []
    for _count, _rank, proposal_id, eligible in work:
        track_id = proposal_tracks[proposal_id]
        seats = per_proposal - len(assigned[proposal_id])
        while seats and eligible:
            least = min(load[r] for r in eligible)
            preferred = [r for r in eligible if load[r] <= least + 1 and matches(r, track_id)]
            chosen = min(preferred or eligible, key=lambda r: (load[r], rank[r]))
            eligible.remove(chosen)
            load[chosen] += 1
            seats -= 1
            rows.append(
                {
                    "proposal_id": proposal_id,
                    "reviewer_id": chosen,
                    "assigned_by_id": actor.id,
                    "automatic": True,
                    "created_at": now,
                }
            )
        if seats:
            short.append(proposal_id)
    if rows:
        db.session.execute(insert(ReviewAssignment), rows)
    short.sort()
    audit.record(
        action="review.assign_auto",
        actor=actor,
        now=now,
        object_type="event",
        object_id=event.id,
        event=event,
        details={
            "created": len(rows),
            "per_proposal": per_proposal,
            "proposals": len(proposal_tracks),
            "reviewers": len(reviewer_ids),
            "short": len(short),
            "held": len(held),
            "seed": seed,
        },
    )
    return AssignmentReport(created=len(rows), loads=load, short=short, held=held)


def assign(
    *, actor: User, proposal: Proposal, reviewer: User, now: dt.datetime
) -> ReviewAssignment:
    """Assign one reviewer by hand. Assigning twice returns the existing assignment."""
    event = proposal.event
    _require_organizer(actor, event)
    conflicts.refuse_own_proposal(actor, proposal)
    if not _is_reviewable(proposal):
        raise Conflict(_("This proposal is not open for review."))
    existing = _assignment(proposal, reviewer)
    if existing is not None:
        return existing
    if not permissions.can_review(reviewer, event):
        message = _("%(name)s is not a reviewer of this event.", name=reviewer.display_name)
    elif permissions.is_own_proposal(reviewer, proposal):
        message = _(
            "%(name)s speaks on this proposal or is invited to: nobody reviews their own.",
            name=reviewer.display_name,
        )
    elif _has_conflict(reviewer.id, proposal.id):
        message = _(
            "%(name)s declared a conflict of interest with this proposal.",
            name=reviewer.display_name,
        )
    else:
        message = ""
    if message:
        raise ValidationFailed({"reviewer": message})
    if redaction.held_back(event, only=proposal):
        raise Conflict(
            _(
                "This proposal may name its speaker in what reviewers would see. Redact it, or "
                "dismiss the flags if they are harmless, before you assign reviewers."
            )
        )
    assignment = ReviewAssignment(
        proposal=proposal,
        reviewer=reviewer,
        assigned_by_id=actor.id,
        automatic=False,
        created_at=now,
    )
    db.session.add(assignment)
    db.session.flush()
    _record_assignment("review.assign", actor=actor, proposal=proposal, reviewer=reviewer, now=now)
    return assignment


def unassign(*, actor: User, proposal: Proposal, reviewer: User, now: dt.datetime) -> None:
    """Drop an assignment (a review already written stays). Nothing happens if there is none."""
    _require_organizer(actor, proposal.event)
    conflicts.refuse_own_proposal(actor, proposal)
    assignment = _assignment(proposal, reviewer)
    if assignment is None:
        return
    db.session.delete(assignment)
    db.session.flush()
    _record_assignment(
        "review.unassign", actor=actor, proposal=proposal, reviewer=reviewer, now=now
    )


def assignments_for(proposal: Proposal) -> list[ReviewAssignment]:
    """The proposal's assignments with their reviewers, by reviewer name."""
    return list(
        db.session.scalars(
            select(ReviewAssignment)
            .join(User, User.id == ReviewAssignment.reviewer_id)
            .where(ReviewAssignment.proposal_id == proposal.id)
            .options(selectinload(ReviewAssignment.reviewer))
            .order_by(User.display_name, User.id)
        )
    )


def reviewer_loads(event: Event) -> dict[int, tuple[int, int]]:
    """Every current reviewer -> (assignments in the event, reviews written in the event,
    abstentions included, whether assigned or not). One query."""
    assigned = (
        select(ReviewAssignment.reviewer_id.label("user_id"), func.count().label("n"))
        .join(Proposal, Proposal.id == ReviewAssignment.proposal_id)
        .where(Proposal.event_id == event.id)
        .group_by(ReviewAssignment.reviewer_id)
        .subquery()
    )
    reviewed = (
        select(Review.reviewer_id.label("user_id"), func.count().label("n"))
        .join(Proposal, Proposal.id == Review.proposal_id)
        .where(Proposal.event_id == event.id)
        .group_by(Review.reviewer_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            EventRole.user_id,
            func.coalesce(assigned.c.n, 0),
            func.coalesce(reviewed.c.n, 0),
        )
        .outerjoin(assigned, assigned.c.user_id == EventRole.user_id)
        .outerjoin(reviewed, reviewed.c.user_id == EventRole.user_id)
        .where(EventRole.event_id == event.id, EventRole.role == EventRoleName.REVIEWER)
    )
    return {user_id: (int(a), int(r)) for user_id, a, r in rows}


# Reviewing -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class AssignedRow:
    proposal: Proposal
    my_review: Review | None
    review_count: int  # reviews with scores or comments; abstentions do not count


def my_assignments(event: Event, reviewer: User) -> list[AssignedRow]:
    """The reviewer's assigned, reviewable proposals, oldest first, never their own (an
    assignment made before they became a speaker stays in the table but is not shown).
    Constant queries."""
    proposals = db.session.scalars(
        select(Proposal)
        .join(
            ReviewAssignment,
            and_(
                ReviewAssignment.proposal_id == Proposal.id,
                ReviewAssignment.reviewer_id == reviewer.id,
            ),
        )
        .where(
            Proposal.event_id == event.id,
            Proposal.state.in_(REVIEWABLE_STATES),
            ~conflicts.own_proposal(reviewer),
            # edited since it was assigned, its text may now name its speaker: back once an
            # organizer has resolved that (`redaction.text_held`)
            Proposal.id.not_in(redaction.text_held(event)),
        )
        .options(selectinload(Proposal.track), selectinload(Proposal.session_type))
        .order_by(Proposal.id)
    ).all()
    mine = {
        review.proposal_id: review
        for review in db.session.scalars(
            select(Review)
            .join(Proposal, Proposal.id == Review.proposal_id)
            .where(Review.reviewer_id == reviewer.id, Proposal.event_id == event.id)
            .options(selectinload(Review.scores))
        )
    }
    counts: dict[int, int] = dict(
        db.session.execute(
            select(Review.proposal_id, func.count())
            .join(
                ReviewAssignment,
                and_(
                    ReviewAssignment.proposal_id == Review.proposal_id,
                    ReviewAssignment.reviewer_id == reviewer.id,
                ),
            )
            .join(Proposal, Proposal.id == Review.proposal_id)
            .where(Review.abstained.is_(False), Proposal.event_id == event.id)
            .group_by(Review.proposal_id)
        ).all()
    )
    return [
        AssignedRow(proposal=p, my_review=mine.get(p.id), review_count=counts.get(p.id, 0))
        for p in proposals
    ]


def status_label(my_review: Review | None) -> str:
    """Where a reviewer stands with a proposal, in words."""
    if my_review is None:
        return _("Not started")
    return _("Abstained") if my_review.abstained else _("Scored")


def next_proposal(event: Event, reviewer: User) -> Proposal | None:
    """What to review next: among the reviewer's assigned, reviewable proposals they have not
    reviewed or abstained on, speak on or declared a conflict on, the one with the fewest
    (non-abstaining) reviews; ties go to the oldest. One query."""
    counts = (
        select(Review.proposal_id, func.count().label("n"))
        .where(Review.abstained.is_(False))
        .group_by(Review.proposal_id)
        .subquery()
    )
    return db.session.scalar(
        select(Proposal)
        .join(
            ReviewAssignment,
            and_(
                ReviewAssignment.proposal_id == Proposal.id,
                ReviewAssignment.reviewer_id == reviewer.id,
            ),
        )
        .outerjoin(counts, counts.c.proposal_id == Proposal.id)
        .where(
            Proposal.event_id == event.id,
            Proposal.state.in_(REVIEWABLE_STATES),
            ~exists().where(Review.proposal_id == Proposal.id, Review.reviewer_id == reviewer.id),
            ~conflicts.proposal_conflict(reviewer),
        )
        .order_by(func.coalesce(counts.c.n, 0), Proposal.id)
        .limit(1)
    )


def review_of(proposal: Proposal, reviewer: User) -> Review | None:
    return db.session.scalar(
        select(Review)
        .where(Review.proposal_id == proposal.id, Review.reviewer_id == reviewer.id)
        .options(selectinload(Review.scores))
    )


def save_review(
    *,
    actor: User,
    proposal: Proposal,
    scores: dict[int, int],
    comment: str,
    note_to_speaker: str,
    abstain: bool,
    now: dt.datetime,
    cfp: Cfp | None = None,
) -> Review:
    """Write or rewrite the actor's review. Any reviewer of the event may review any proposal
    they do not speak on, assigned or not. Abstaining keeps no scores."""
    event = proposal.event
    if not permissions.can_review_proposal(actor, proposal):
        raise PermissionDenied(_("You cannot review this proposal."))
    if not _is_reviewable(proposal):
        raise Conflict(_("This proposal is no longer open for review."))
    if cfp is None:
        cfp = _cfp_of(event)
    if not rules(event, cfp=cfp, now=now).can_review:
        raise Conflict(_("Review is closed at the moment; your review was not saved."))
    if _has_conflict(actor.id, proposal.id):
        raise PermissionDenied(
            _(
                "You declared a conflict of interest with this proposal. "
                "Withdraw it first if you want to review it."
            )
        )
    comment = (comment or "").strip()
    note_to_speaker = (note_to_speaker or "").strip()
    errors: dict[str, str] = {}
    kept: dict[int, int] = {}
    if not abstain:
        for criterion in criteria_for(event, proposal):
            value = scores.get(criterion.id)
            field = f"score-{criterion.id}"
            if value is None:
                errors[field] = _("Give a score for “%(name)s”.", name=criterion.name)
            elif (
                not isinstance(value, int)
                or isinstance(value, bool)
                or not criterion.scale_min <= value <= criterion.scale_max
            ):
                errors[field] = _(
                    "Score “%(name)s” from %(low)d to %(high)d.",
                    name=criterion.name,
                    low=criterion.scale_min,
                    high=criterion.scale_max,
                )
            else:
                kept[criterion.id] = value
    if len(comment) > COMMENT_MAX:
        errors["comment"] = _("Use at most %(max)d characters.", max=COMMENT_MAX)
    if len(note_to_speaker) > NOTE_MAX:
        errors["note_to_speaker"] = _("Use at most %(max)d characters.", max=NOTE_MAX)
    if errors:
        raise ValidationFailed(errors)

    review = review_of(proposal, actor)
    if review is None:
        review = Review(proposal=proposal, reviewer=actor, created_at=now)
        db.session.add(review)
    review.abstained = bool(abstain)
    review.comment = comment
    review.note_to_speaker = note_to_speaker
    review.proposal_version = proposal.version
    review.updated_at = now
    # Change scores in place: deleting and re-inserting one criterion's score in the same
    # flush would break the (review, criterion) unique constraint.
    by_criterion = {score.criterion_id: score for score in review.scores}
    for criterion_id, score in list(by_criterion.items()):
        if criterion_id not in kept:
            review.scores.remove(score)
    for criterion_id, value in kept.items():
        if criterion_id in by_criterion:
            by_criterion[criterion_id].score = value
        else:
            review.scores.append(ReviewScore(criterion_id=criterion_id, score=value))
    db.session.flush()
    return review


def visible_other_reviews(*, viewer: User, proposal: Proposal, rules: ReviewRules) -> list[Review]:
    """Other people's reviews of the proposal that the viewer may read now. Organizers read
    them all; a reviewer according to `rules.others_reviews`, and never on a proposal they
    speak on or declared a conflict on."""
    event = proposal.event
    if not permissions.can_manage_cfp(viewer, event):
        if not permissions.can_review_proposal(viewer, proposal):
            return []
        if rules.others_reviews == OthersReviews.NEVER:
            return []
        if _has_conflict(viewer.id, proposal.id):
            return []
        if rules.others_reviews == OthersReviews.AFTER_OWN and review_of(proposal, viewer) is None:
            return []
    return list(
        db.session.scalars(
            select(Review)
            .where(Review.proposal_id == proposal.id, Review.reviewer_id != viewer.id)
            .options(selectinload(Review.scores), selectinload(Review.reviewer))
            .order_by(Review.created_at, Review.id)
        )
    )


# Scores and ranking --------------------------------------------------------------------------


def review_score(review: Review, criteria_by_id: dict[int, ReviewCriterion]) -> float | None:
    """A number from 0 to 10: each score placed on 0..1 by its criterion's scale, the
    weighted mean of those, times 10. None for an abstention or a review without scores.
    Scores of deleted criteria are ignored; scores left outside a since-changed scale are
    clamped."""
    if review.abstained:
        return None
    return _weighted_score(((s.criterion_id, s.score) for s in review.scores), criteria_by_id)


def _weighted_score(
    scores: Iterable[tuple[int, int]], criteria_by_id: dict[int, ReviewCriterion]
) -> float | None:
    total = weights = 0.0
    for criterion_id, score in scores:
        criterion = criteria_by_id.get(criterion_id)
        if criterion is None:
            continue
        span = criterion.scale_max - criterion.scale_min
        fraction = min(1.0, max(0.0, (score - criterion.scale_min) / span))
        total += criterion.weight * fraction
        weights += criterion.weight
    if not weights:
        return None
    return total / weights * 10


@dataclasses.dataclass(frozen=True)
class Ranked:
    proposal: Proposal
    count: int  # reviews with a score
    abstentions: int
    mean: float | None
    median: float | None
    spread: float | None  # highest minus lowest score
    normalised: float | None  # mean of the reviews' z-scores within each reviewer
    disagreement: bool
    changed_since_review: bool


def own_reviewable_count(event: Event, viewer: User) -> int:
    """How many of the event's reviewable proposals are `viewer`'s own (pages that leave
    them out say so). One query."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Proposal)
            .where(
                Proposal.event_id == event.id,
                Proposal.state.in_(REVIEWABLE_STATES),
                conflicts.own_proposal(viewer),
            )
        )
        or 0
    )


def ranking(
    event: Event,
    *,
    disagreement_threshold: float = 3.0,
    only: Proposal | None = None,
    viewer: User | None = None,
) -> list[Ranked]:
    """Every reviewable proposal with its review statistics, best first.

    `normalised` corrects for harsh and generous reviewers: each review's score becomes its
    z-score among all the scored reviews its reviewer wrote in the event ((score - their mean)
    / their population standard deviation; 0 when that is 0 or they wrote only one), and a
    proposal gets the mean of its reviews' z-scores. Sorted by normalised (None last), then
    mean, then id. A constant number of queries. `only` limits the result to one proposal
    (its normalised score still depends on every review its reviewers wrote). With `viewer`,
    the viewer's own proposals are left out: nobody sees the ranking of their own.
    """
    proposals = db.session.scalars(
        select(Proposal)
        .where(Proposal.event_id == event.id, Proposal.state.in_(REVIEWABLE_STATES))
        .where(Proposal.id == only.id if only is not None else true())
        .where(~conflicts.own_proposal(viewer) if viewer is not None else true())
        .options(
            selectinload(Proposal.track),
            selectinload(Proposal.session_type),
            selectinload(Proposal.tags),
        )
        .order_by(Proposal.id)
    ).all()
    criteria_by_id = {
        c.id: c
        for c in db.session.scalars(
            select(ReviewCriterion).where(ReviewCriterion.event_id == event.id)
        )
    }
    # Plain rows, not ORM objects: at 1,000 proposals x 3 reviews building objects for every
    # review and score took most of the time of the organizers' list and ranking pages.
    in_event = select(Proposal.id).where(
        Proposal.event_id == event.id, Proposal.state.in_(REVIEWABLE_STATES)
    )
    reviews = db.session.execute(
        select(
            Review.id, Review.proposal_id, Review.reviewer_id, Review.abstained,
            Review.proposal_version,
        )
        .where(Review.proposal_id.in_(in_event))
        .order_by(Review.id)
    ).all()  # fmt: skip
    scores_of: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for review_id, criterion_id, score in db.session.execute(
        select(ReviewScore.review_id, ReviewScore.criterion_id, ReviewScore.score)
        .join(Review, Review.id == ReviewScore.review_id)
        .where(Review.proposal_id.in_(in_event))
    ):
        scores_of[review_id].append((criterion_id, score))

    scored: list[tuple[Any, float]] = []
    by_proposal: dict[int, list[Any]] = defaultdict(list)
    for review in reviews:
        by_proposal[review.proposal_id].append(review)
        value = None if review.abstained else _weighted_score(scores_of[review.id], criteria_by_id)
        if value is not None:
            scored.append((review, value))
    by_reviewer: dict[int, list[float]] = defaultdict(list)
    for review, value in scored:
        by_reviewer[review.reviewer_id].append(value)
    spread_of = {
        reviewer_id: (statistics.fmean(values), statistics.pstdev(values))
        for reviewer_id, values in by_reviewer.items()
    }
    values_of: dict[int, list[float]] = defaultdict(list)
    z_of: dict[int, list[float]] = defaultdict(list)
    for review, value in scored:
        mean, std = spread_of[review.reviewer_id]
        values_of[review.proposal_id].append(value)
        z_of[review.proposal_id].append((value - mean) / std if std > 0 else 0.0)

    ranked = []
    for proposal in proposals:
        values = values_of.get(proposal.id, [])
        own_reviews = by_proposal.get(proposal.id, [])
        spread = max(values) - min(values) if values else None
        ranked.append(
            Ranked(
                proposal=proposal,
                count=len(values),
                abstentions=sum(1 for r in own_reviews if r.abstained),
                mean=statistics.fmean(values) if values else None,
                median=statistics.median(values) if values else None,
                spread=spread,
                normalised=statistics.fmean(z_of[proposal.id]) if values else None,
                disagreement=spread is not None and spread >= disagreement_threshold,
                changed_since_review=any(
                    r.proposal_version < proposal.version for r in own_reviews
                ),
            )
        )
    ranked.sort(
        key=lambda r: (
            r.normalised is None,
            -(r.normalised or 0.0),
            r.mean is None,
            -(r.mean or 0.0),
            r.proposal.id,
        )
    )
    return ranked


# Anonymous review: assisted redaction lives in services/redaction.py --------------------------
