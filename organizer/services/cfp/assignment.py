"""Who reviews what: automatic and manual assignment, reviewers' loads, and each reviewer's list
of proposals to review. Lists run a constant number of queries whatever the number of proposals.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections import defaultdict
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, insert, select
from sqlalchemy.orm import selectinload

from organizer import permissions
from organizer.enums import (
    EventRoleName,
    ProposalState,
)
from organizer.errors import ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    Event,
    EventRole,
    Proposal,
    ProposalInterest,
    Review,
    ReviewAssignment,
    Track,
    User,
    reviewer_track,
)
from organizer.services import audit
from organizer.services.cfp.call import call_of
from organizer.services.cfp.review_setup import REVIEWABLE_STATES, require_organizer, reviewer_ids
from organizer.services.reviewing import interests, redaction


def assignment_of(proposal: Proposal, reviewer: User) -> ReviewAssignment | None:
    return db.session.scalar(
        select(ReviewAssignment).where(
            ReviewAssignment.proposal_id == proposal.id,
            ReviewAssignment.reviewer_id == reviewer.id,
        )
    )


def record_assignment(
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

    Nobody is assigned a proposal they speak on or declared an interest in. Proposals with the
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
    require_organizer(actor, event)
    if per_proposal is None:
        cfp = call_of(event)
        per_proposal = cfp.reviews_per_proposal if cfp is not None else 3
    if not 1 <= per_proposal <= 20:
        raise ValidationFailed({"per_proposal": _("Ask for 1 to 20 reviewers per proposal.")})
    pool = _pool(event)
    seats, short = _seat(pool, per_proposal, random.Random(seed))  # noqa: S311 - reproducible
    rows = [
        {
            "proposal_id": proposal_id,
            "reviewer_id": reviewer_id,
            "assigned_by_id": actor.id,
            "automatic": True,
            "created_at": now,
        }
        for proposal_id, reviewer_id in seats
    ]
    if rows:
        db.session.execute(insert(ReviewAssignment), rows)
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
            "proposals": len(pool.proposal_tracks),
            "reviewers": len(pool.reviewer_ids),
            "short": len(short),
            "held": len(pool.held),
            "seed": seed,
        },
    )
    return AssignmentReport(created=len(rows), loads=pool.load, short=short, held=pool.held)


@dataclasses.dataclass
class _Pool:
    """What automatic assignment starts from. `load` and `assigned` grow as seats are given."""

    reviewer_ids: list[int]
    proposal_tracks: dict[int, int | None]  # the submitted proposals to seat, not held back
    held: list[int]  # held back by the redaction check
    blocked: dict[int, set[int]]  # proposal -> its speakers and those who declared an interest
    assigned: dict[int, set[int]]  # proposal -> current reviewers already assigned
    load: dict[int, int]  # reviewer -> assignments in the event
    chosen_tracks: dict[int, set[int]]  # reviewer -> the tracks they prefer


def _pool(event: Event) -> _Pool:
    """Read the pool in a constant number of queries."""
    ids = reviewer_ids(event)
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
    for proposal_id, user_id in interests.own_proposal_pairs(event):
        blocked[proposal_id].add(user_id)
    for proposal_id, user_id in db.session.execute(
        select(ProposalInterest.proposal_id, ProposalInterest.user_id).where(
            ProposalInterest.proposal_id.in_(in_event)
        )
    ):
        blocked[proposal_id].add(user_id)
    load = dict.fromkeys(ids, 0)
    assigned: dict[int, set[int]] = defaultdict(set)
    for proposal_id, reviewer_id in db.session.execute(
        select(ReviewAssignment.proposal_id, ReviewAssignment.reviewer_id).where(
            ReviewAssignment.proposal_id.in_(in_event)
        )
    ):
        if reviewer_id in load:  # former reviewers neither count nor carry load
            assigned[proposal_id].add(reviewer_id)
            load[reviewer_id] += 1
    chosen_tracks: dict[int, set[int]] = defaultdict(set)
    for user_id, track_id in db.session.execute(
        select(reviewer_track.c.user_id, reviewer_track.c.track_id)
        .join(Track, Track.id == reviewer_track.c.track_id)
        .where(Track.event_id == event.id)
    ):
        chosen_tracks[user_id].add(track_id)
    return _Pool(ids, proposal_tracks, held, blocked, assigned, load, chosen_tracks)


def _seat(
    pool: _Pool, per_proposal: int, rng: random.Random
) -> tuple[list[tuple[int, int]], list[int]]:
    """The (proposal, reviewer) pairs to add by the rule of `assign_automatically`, and the
    proposals left short of `per_proposal`, sorted."""
    order = list(pool.reviewer_ids)
    rng.shuffle(order)
    rank = {reviewer_id: i for i, reviewer_id in enumerate(order)}
    proposal_order = sorted(pool.proposal_tracks)
    rng.shuffle(proposal_order)
    proposal_rank = {proposal_id: i for i, proposal_id in enumerate(proposal_order)}
    work = []
    for proposal_id in pool.proposal_tracks:
        have = pool.assigned[proposal_id]
        if len(have) >= per_proposal:
            continue
        excluded = pool.blocked[proposal_id] | have
        eligible = [r for r in order if r not in excluded]
        work.append((len(eligible), proposal_rank[proposal_id], proposal_id, eligible))
    work.sort(key=lambda item: (item[0], item[1]))

    def matches(reviewer_id: int, track_id: int | None) -> bool:
        tracks = pool.chosen_tracks.get(reviewer_id)
        return track_id is None or not tracks or track_id in tracks

    load = pool.load
    seats: list[tuple[int, int]] = []
    short: list[int] = []
    for _count, _rank, proposal_id, eligible in work:
        track_id = pool.proposal_tracks[proposal_id]
        free = per_proposal - len(pool.assigned[proposal_id])
        while free and eligible:
            least = min(load[r] for r in eligible)
            preferred = [r for r in eligible if load[r] <= least + 1 and matches(r, track_id)]
            chosen = min(preferred or eligible, key=lambda r: (load[r], rank[r]))
            eligible.remove(chosen)
            load[chosen] += 1
            free -= 1
            seats.append((proposal_id, chosen))
        if free:
            short.append(proposal_id)
    return seats, sorted(short)


def assign(
    *, actor: User, proposal: Proposal, reviewer: User, now: dt.datetime
) -> ReviewAssignment:
    """Assign one reviewer by hand. Assigning twice returns the existing assignment."""
    event = proposal.event
    require_organizer(actor, event)
    interests.refuse_own_proposal(actor, proposal)
    if proposal.state not in REVIEWABLE_STATES:
        raise WrongState(_("This proposal is not open for review."))
    existing = assignment_of(proposal, reviewer)
    if existing is not None:
        return existing
    if not permissions.can_review(reviewer, event):
        message = _("%(name)s is not a reviewer of this event.", name=reviewer.display_name)
    elif permissions.is_own_proposal(reviewer, proposal):
        message = _(
            "%(name)s speaks on this proposal or is invited to: nobody reviews their own.",
            name=reviewer.display_name,
        )
    elif interests.has_declared(interests.PROPOSAL, reviewer.id, proposal.id):
        message = _(
            "%(name)s declared a conflict of interest with this proposal.",
            name=reviewer.display_name,
        )
    else:
        message = ""
    if message:
        raise ValidationFailed({"reviewer": message})
    if redaction.held_back(event, only=proposal):
        raise WrongState(
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
    record_assignment("review.assign", actor=actor, proposal=proposal, reviewer=reviewer, now=now)
    return assignment


def unassign(*, actor: User, proposal: Proposal, reviewer: User, now: dt.datetime) -> None:
    """Drop an assignment (a review already written stays). Nothing happens if there is none."""
    require_organizer(actor, proposal.event)
    interests.refuse_own_proposal(actor, proposal)
    assignment = assignment_of(proposal, reviewer)
    if assignment is None:
        return
    db.session.delete(assignment)
    db.session.flush()
    record_assignment("review.unassign", actor=actor, proposal=proposal, reviewer=reviewer, now=now)


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
            ~interests.own_proposal(reviewer),
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


def next_proposal(event: Event, reviewer: User) -> Proposal | None:
    """What to review next: among the reviewer's assigned, reviewable proposals they have not
    reviewed or abstained on, speak on or declared an interest in, the one with the fewest
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
            ~interests.barred_proposal(reviewer),
        )
        .order_by(func.coalesce(counts.c.n, 0), Proposal.id)
        .limit(1)
    )
