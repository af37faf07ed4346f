"""The pipeline stages (proposal submitted, accepted, grant offered…) and who is at each, kept
as flags on the responses while they are linked to people.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from organizer.enums import GrantState, ProposalState
from organizer.extensions import db
from organizer.models import (
    Event,
    GrantApplication,
    GrantProgramme,
    Proposal,
    ProposalSpeaker,
    Registration,
    SurveyLink,
    SurveyResponse,
)


@dataclasses.dataclass(frozen=True)
class Stage:
    key: str
    label: Any  # lazy-translated
    group: str  # "all" | "talks" | "grants" | "registration"


StagePeople = Callable[[Event], set[int]]

RESPONDENTS = Stage("respondents", _l("Everyone who answered"), "all")
STAGES: list[Stage] = [RESPONDENTS]
# Each stage but "respondents": event -> ids of the people who reached it. A new pipeline
# (registration, say) calls `register_stage` and the flags, tables and dashboards pick it up.
STAGE_PEOPLE: dict[str, StagePeople] = {}


def register_stage(stage: Stage, people: StagePeople) -> None:
    if stage.key in STAGE_PEOPLE:
        raise ValueError(f"stage {stage.key!r} is registered twice")
    STAGES.append(stage)
    STAGE_PEOPLE[stage.key] = people


def stage_by_key(key: str) -> Stage | None:
    return next((s for s in STAGES if s.key == key), None)


def _speakers(event: Event, *conditions: Any) -> set[int]:
    return set(
        db.session.scalars(
            select(ProposalSpeaker.user_id)
            .join(Proposal, Proposal.id == ProposalSpeaker.proposal_id)
            .where(
                Proposal.event_id == event.id,
                ProposalSpeaker.user_id.is_not(None),
                *conditions,
            )
        )
    )


def _applicants(event: Event, states: Iterable[GrantState], *conditions: Any) -> set[int]:
    return set(
        db.session.scalars(
            select(GrantApplication.applicant_id)
            .join(GrantProgramme, GrantProgramme.id == GrantApplication.programme_id)
            .where(
                GrantProgramme.event_id == event.id,
                GrantApplication.state.in_(list(states)),
                *conditions,
            )
        )
    )


register_stage(
    Stage("proposal_submitted", _l("Proposals submitted"), "talks"),
    lambda event: _speakers(
        event, Proposal.state != ProposalState.DRAFT, Proposal.submitted_at.is_not(None)
    ),
)


register_stage(
    Stage("proposal_accepted", _l("Proposals accepted"), "talks"),
    # Declined counts as accepted: the committee chose the talk; declining was the speaker's.
    lambda event: _speakers(
        event,
        Proposal.state.in_(
            [ProposalState.ACCEPTED, ProposalState.CONFIRMED, ProposalState.DECLINED]
        ),
    ),
)


register_stage(
    Stage("speaker_confirmed", _l("Speakers confirmed"), "talks"),
    lambda event: _speakers(event, Proposal.state == ProposalState.CONFIRMED),
)


register_stage(
    Stage("grant_applied", _l("Grant applications"), "grants"),
    # Like proposals: everyone who sent an application, also if they withdrew it later.
    lambda event: _applicants(
        event,
        [s for s in GrantState if s != GrantState.DRAFT],
        GrantApplication.submitted_at.is_not(None),
    ),
)


register_stage(
    Stage("grant_offered", _l("Grants offered"), "grants"),
    lambda event: _applicants(
        event,
        [GrantState.OFFERED, GrantState.ACCEPTED, GrantState.DECLINED, GrantState.EXPIRED],
    ),
)


register_stage(
    Stage("grant_accepted", _l("Grants accepted"), "grants"),
    lambda event: _applicants(event, [GrantState.ACCEPTED]),
)


def _registered(event: Event, *conditions: Any) -> set[int]:
    return set(
        db.session.scalars(
            select(Registration.user_id).where(Registration.event_id == event.id, *conditions)
        )
    )


register_stage(
    Stage("registered", _l("Registered"), "registration"),
    # Like proposals and applications: everyone who registered, also if they cancelled later.
    lambda event: _registered(event),
)


register_stage(
    Stage("attended", _l("Attended"), "registration"),
    lambda event: _registered(event, Registration.checked_in_at.is_not(None)),
)


def stage_people(event: Event) -> dict[str, set[int]]:
    """Who is at each pipeline stage now (one query per stage)."""
    return {key: people(event) for key, people in STAGE_PEOPLE.items()}


def stages_for(user_id: int, people: dict[str, set[int]]) -> list[str]:
    return [s.key for s in STAGES if s.key in people and user_id in people[s.key]]


def refresh_stages(event: Event) -> dict[str, set[int]]:
    """Bring the stage flags of every linked response up to date; a constant number of
    queries whatever the number of responses. Returns the people at each stage."""
    people = stage_people(event)
    links = db.session.execute(
        select(SurveyLink.user_id, SurveyResponse)
        .join(SurveyResponse, SurveyResponse.id == SurveyLink.response_id)
        .where(SurveyLink.event_id == event.id)
    ).all()
    for user_id, response in links:
        stages = stages_for(user_id, people)
        if list(response.stages or []) != stages:
            response.stages = stages
    db.session.flush()
    return people
