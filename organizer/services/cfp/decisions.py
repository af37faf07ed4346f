"""What organizers do with reviewed proposals: list and filter them, decide, and publish a round
of decision mails.

A decision is first only written down (`Proposal.pending_decision`), where organizers can
change or undo it. Publishing a round turns every pending decision into the proposal's state
and queues the mails in the same transaction, so a decision is public exactly when its mail
exists; after that it is no longer reversible (a waitlisted proposal can still be promoted).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, true
from sqlalchemy.orm import selectinload

from organizer import permissions
from organizer.enums import (
    DECISIONS,
    ProposalState,
)
from organizer.errors import PermissionDenied, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    DecisionRound,
    Event,
    Proposal,
    ProposalSpeaker,
    User,
)
from organizer.services import audit, notifications
from organizer.services.cfp import ranking as ranking_service
from organizer.services.cfp.decision_mails import PURPOSE_OF, PreviewMail, mails_for
from organizer.services.cfp.proposals import proposals_query
from organizer.services.reviewing import interests


@dataclasses.dataclass(frozen=True, kw_only=True)
class ListFilters:
    state: str = ""  # a ProposalState value, or "pending" for undecided with a pending decision
    track_id: int | None = None
    session_type_id: int | None = None
    tag_id: int | None = None
    min_score: float | None = None
    query: str = ""
    sort: str = "id"  # id | title | score | reviews | state


SORTS = ("id", "title", "score", "reviews", "state")


@dataclasses.dataclass(frozen=True)
class ListRow:
    proposal: Proposal
    ranked: ranking_service.Ranked | None
    own: bool = False  # the viewer's own proposal: no figures, no pending decision, no choice


def proposal_list(
    event: Event, filters: ListFilters, *, viewer: User | None = None
) -> list[ListRow]:
    """Every non-draft proposal matching the filters, with its review figures. Filtering and
    sorting happen in Python over one load, so the number of queries stays constant.

    With `viewer`, the viewer's own proposals (`services/reviewing/interests.py`) are listed without
    their review figures and never match the score or pending-decision filters: an organizer
    who also speaks neither sees how their own proposal fares nor decides on it."""
    own = interests.own_proposal_ids(event, viewer) if viewer is not None else set()
    ranked = {r.proposal.id: r for r in ranking_service.ranking(event, viewer=viewer)}
    rows = []
    needle = filters.query.strip().lower()
    for proposal in db.session.scalars(proposals_query(event)):
        figures = ranked.get(proposal.id)
        if filters.state == "pending":
            if proposal.pending_decision is None or proposal.id in own:
                continue
        elif filters.state and proposal.state != filters.state:
            continue
        if filters.track_id and proposal.track_id != filters.track_id:
            continue
        if filters.session_type_id and proposal.session_type_id != filters.session_type_id:
            continue
        if filters.tag_id and filters.tag_id not in {t.id for t in proposal.tags}:
            continue
        if filters.min_score is not None and (
            figures is None or figures.mean is None or figures.mean < filters.min_score
        ):
            continue
        if needle and not _matches(proposal, needle):
            continue
        rows.append(ListRow(proposal, figures, own=proposal.id in own))
    return sorted(rows, key=_sort_key(filters.sort))


def _matches(proposal: Proposal, needle: str) -> bool:
    haystack = [proposal.title, proposal.abstract, *(s.email for s in proposal.speakers)]
    haystack += [s.user.display_name for s in proposal.speakers if s.user is not None]
    return any(needle in text.lower() for text in haystack)


def _sort_key(sort: str) -> Any:
    if sort == "title":
        return lambda row: (row.proposal.title.lower(), row.proposal.id)
    if sort == "score":
        return lambda row: (
            row.ranked is None or row.ranked.mean is None,
            -(row.ranked.mean or 0) if row.ranked else 0,
            row.proposal.id,
        )
    if sort == "reviews":
        return lambda row: (row.ranked.count if row.ranked else 0, row.proposal.id)
    if sort == "state":
        return lambda row: (row.proposal.state.value, row.proposal.id)
    return lambda row: row.proposal.id


def _refuse_own(proposal: Proposal) -> None:
    raise PermissionDenied(
        _(
            "“%(title)s” is your own proposal: another organizer must decide on it.",
            title=proposal.title,
        )
    )


def decide(
    *, actor: User, proposal: Proposal, outcome: ProposalState | None, now: dt.datetime
) -> None:
    """Write down (or, with None, undo) a decision; nothing is sent until a round is published.
    Submitted proposals take any decision; a waitlisted one can be promoted or rejected.
    Nobody decides on their own proposal (or undoes a decision on it): another organizer
    must."""
    permissions.require(permissions.can_manage_cfp(actor, proposal.event))
    if permissions.is_own_proposal(actor, proposal):
        _refuse_own(proposal)
    if outcome is not None and outcome not in DECISIONS:
        raise ValidationFailed({"outcome": _("Choose accept, reject or waiting list.")})
    if outcome is not None and outcome not in permissions.decisions_allowed(proposal):
        raise WrongState(
            _(
                "“%(title)s” is %(state)s; its decision cannot be changed now.",
                title=proposal.title,
                state=state_label(proposal.state),
            )
        )
    before = proposal.pending_decision
    proposal.pending_decision = outcome.value if outcome is not None else None
    db.session.flush()
    if before != proposal.pending_decision:
        audit.record(
            action="decision.set" if outcome is not None else "decision.undo",
            actor=actor,
            now=now,
            object_type="proposal",
            object_id=proposal.id,
            event=proposal.event,
            details={"pending_decision": [before, proposal.pending_decision]},
        )


def decide_many(
    *,
    actor: User,
    event: Event,
    public_ids: Iterable[str],
    outcome: ProposalState | None,
    now: dt.datetime,
) -> int:
    """The same decision for several proposals; all or nothing."""
    permissions.require(permissions.can_manage_cfp(actor, event))
    ids = list(public_ids)
    if not ids:
        raise ValidationFailed({"proposals": _("Select at least one proposal.")})
    proposals = list(
        db.session.scalars(
            select(Proposal).where(Proposal.event_id == event.id, Proposal.public_id.in_(ids))
        )
    )
    own = [p for p in proposals if permissions.is_own_proposal(actor, p)]
    if own:  # refused before anything changes
        _refuse_own(own[0])
    for proposal in proposals:
        decide(actor=actor, proposal=proposal, outcome=outcome, now=now)
    return len(proposals)


def pending(event: Event, *, viewer: User | None = None) -> list[Proposal]:
    """Proposals with a pending decision; with `viewer`, not the viewer's own."""
    return list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.event_id == event.id, Proposal.pending_decision.is_not(None))
            .where(~interests.own_proposal(viewer) if viewer is not None else true())
            .options(selectinload(Proposal.speakers).selectinload(ProposalSpeaker.user))
            .order_by(Proposal.pending_decision, Proposal.title)
        )
    )


def state_label(state: ProposalState) -> str:
    return str(STATE_LABELS.get(state, state.value))


# The labels are the enum's own (organizer/enums.py), by state for the pages' lookups.
STATE_LABELS = {s: s.label for s in ProposalState}


@dataclasses.dataclass(frozen=True)
class RoundPreview:
    """What publishing now would do: the mails, exactly as they would be sent, how many
    decisions are pending and their `pending_fingerprint`."""

    mails: list[PreviewMail]
    pending_count: int
    fingerprint: str
    own: int = 0  # pending decisions on the viewer's own proposals, left out of `mails`


def round_preview(
    event: Event, *, respond_by: dt.datetime, viewer: User | None = None
) -> RoundPreview:
    """The publish page's preview, from one reading of the pending decisions. With `viewer`,
    the mails about the viewer's own proposals are left out and counted in `own`."""
    proposals = pending(event)
    own = interests.own_proposal_ids(event, viewer) if viewer is not None else set()
    shown = [p for p in proposals if p.id not in own]
    return RoundPreview(
        _round_mails(event, shown, respond_by),
        len(proposals),
        _fingerprint(proposals),
        own=len(proposals) - len(shown),
    )


def preview_round(event: Event, *, respond_by: dt.datetime) -> list[PreviewMail]:
    """The mails publishing now would send, exactly as they would be sent."""
    return _round_mails(event, pending(event), respond_by)


def _round_mails(
    event: Event, proposals: list[Proposal], respond_by: dt.datetime
) -> list[PreviewMail]:
    return mails_for(
        event,
        proposals,
        lambda p: (
            ProposalState(p.pending_decision),
            PURPOSE_OF[ProposalState(p.pending_decision)],
        ),
        lambda p: respond_by,
    )


def pending_fingerprint(event: Event) -> str:
    """A short hash of every pending decision (which proposal, which outcome). The preview
    carries it, so that publishing refuses when anything changed since, even when the number
    of decisions stayed the same."""
    return _fingerprint(pending(event))


def _fingerprint(proposals: list[Proposal]) -> str:
    decided = sorted(f"{p.id}:{p.pending_decision}" for p in proposals)
    return hashlib.sha256(";".join(decided).encode()).hexdigest()[:16]


def publish_round(
    *,
    actor: User,
    event: Event,
    respond_by: dt.datetime,
    expected: str,
    now: dt.datetime,
) -> DecisionRound:
    """Make every pending decision final and queue its mails, in one transaction.
    `expected` is the `pending_fingerprint` of the preview the organizer saw: if somebody
    changed a decision since, nothing is sent and the preview must be looked at again.
    An organizer whose own proposal has a pending decision cannot publish: another must."""
    permissions.require(permissions.can_manage_cfp(actor, event))
    proposals = pending(event)
    if not proposals:
        raise WrongState(_("There are no pending decisions to publish."))
    if any(permissions.is_own_proposal(actor, p) for p in proposals):
        raise PermissionDenied(
            _(
                "This round holds a decision on your own proposal: another organizer must "
                "publish it. Nothing was sent."
            )
        )
    if _fingerprint(proposals) != expected:
        raise WrongState(
            _(
                "Decisions changed since you opened the preview. Nothing was sent: check the "
                "preview again before sending."
            )
        )
    return _publish(actor, event, proposals, respond_by=respond_by, now=now)


def send_now(
    *,
    actor: User,
    proposal: Proposal,
    outcome: ProposalState,
    respond_by: dt.datetime,
    now: dt.datetime,
) -> DecisionRound:
    """Decide on one proposal and mail its speakers at once, as pretalx does: a round of
    this one decision. Other pending decisions stay pending. The same checks as `decide`
    (nobody decides on their own proposal) and as a round (a deadline in the future)."""
    if outcome not in DECISIONS:
        raise ValidationFailed({"outcome": _("Choose accept, reject or waiting list.")})
    decide(actor=actor, proposal=proposal, outcome=outcome, now=now)
    return _publish(actor, proposal.event, [proposal], respond_by=respond_by, now=now)


def _publish(
    actor: User,
    event: Event,
    proposals: list[Proposal],
    *,
    respond_by: dt.datetime,
    now: dt.datetime,
) -> DecisionRound:
    """Make these pending decisions final and queue their mails: one round."""
    if respond_by <= now:
        raise ValidationFailed(
            {"respond_by": _("The confirmation deadline must be in the future.")}
        )
    mails = _round_mails(event, proposals, respond_by)
    decision_round = DecisionRound(
        event_id=event.id, published_by_id=actor.id, published_at=now, respond_by=respond_by
    )
    db.session.add(decision_round)
    db.session.flush()
    counts = _make_final(actor, event, proposals, decision_round, now=now)
    for mail in mails:
        notifications.tell_in_organizers_words(
            mail.to,
            PURPOSE_OF[mail.outcome],
            subject=mail.subject,
            body=mail.body,
            about=(decision_round, mail.proposal, mail.to),
            now=now,
            event=event,
        )
    decision_round.accepted = counts[ProposalState.ACCEPTED]
    decision_round.rejected = counts[ProposalState.REJECTED]
    decision_round.waitlisted = counts[ProposalState.WAITLISTED]
    db.session.flush()
    audit.record(
        action="decision.round",
        actor=actor,
        now=now,
        object_type="decision_round",
        object_id=decision_round.id,
        event=event,
        details={"accepted": decision_round.accepted, "rejected": decision_round.rejected,
                 "waitlisted": decision_round.waitlisted, "mails": len(mails)},
    )  # fmt: skip
    return decision_round


def _make_final(
    actor: User,
    event: Event,
    proposals: list[Proposal],
    decision_round: DecisionRound,
    *,
    now: dt.datetime,
) -> dict[ProposalState, int]:
    """Each pending decision becomes the proposal's state: how many of each outcome."""
    counts = {outcome: 0 for outcome in DECISIONS}
    for proposal in proposals:
        outcome = ProposalState(proposal.pending_decision)
        counts[outcome] += 1
        before = proposal.state
        proposal.state = outcome
        proposal.pending_decision = None
        proposal.decided_at = now
        proposal.respond_by = (
            decision_round.respond_by if outcome == ProposalState.ACCEPTED else None
        )
        audit.record(
            action="decision.publish",
            actor=actor,
            now=now,
            object_type="proposal",
            object_id=proposal.id,
            event=event,
            details={"state": [before.value, outcome.value], "round": decision_round.id},
        )
    return counts


def rounds(event: Event) -> list[DecisionRound]:
    return list(
        db.session.scalars(
            select(DecisionRound)
            .where(DecisionRound.event_id == event.id)
            .options(selectinload(DecisionRound.published_by))
            .order_by(DecisionRound.published_at.desc())
        )
    )
