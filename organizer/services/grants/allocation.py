"""Allocation: choosing awards that get the most out of the budget, with OR-Tools CP-SAT.

The pure problem (`solve`, `greedy`, items in, amounts out) is in `allocation_problem`; this
module reads the programme, runs it and keeps the result.

`run_allocation` puts the result in an AllocationRun (a draft organizers adjust with
`adjust_line` before `offers.commit_run` sends the offers); `explain` says in words what a
run proposes and what picking by score alone (`greedy`) would have funded.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from organizer import permissions
from organizer.enums import AllocationStatus, GrantState
from organizer.errors import ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    AllocationLine,
    AllocationRun,
    GrantApplication,
    GrantAward,
    GrantProgramme,
    User,
)
from organizer.services import audit, money
from organizer.services.grants import review as grant_review
from organizer.services.grants.allocation_problem import (  # noqa: F401 - this module's API too
    FIRST_SHARE,
    SOLVED,
    TIME_LIMIT_SECONDS,
    WORKERS,
    Item,
    Result,
    Watch,
    greedy,
    minimum_award,
    objectives,
    scale,
    score_weight,
    solve,
)
from organizer.services.reviewing import interests

if TYPE_CHECKING:
    pass

MIN_TIME_LIMIT, MAX_TIME_LIMIT = 1, 300  # seconds an organizer may give a run
# States whose award holds money: the offer is out or accepted.
HOLDING_STATES = (GrantState.OFFERED, GrantState.ACCEPTED)
# States an allocation considers (when no award exists yet).
CONSIDERED_STATES = (GrantState.SUBMITTED, GrantState.WAITLISTED)
# What the amounts of a run are based on: the applicants' requests, or the reviewers'
# recommended amounts where there are some (the request elsewhere). Kept in `Solve.mode`.
BASIS_REQUESTS = "requests"
BASIS_REVIEWERS = "reviewers"
BASES = (BASIS_REQUESTS, BASIS_REVIEWERS)


# Money held and left ------------------------------------------------------------------------


def committed_total(programme: GrantProgramme) -> int:
    """What awards hold: the sum of awards whose offer is out or accepted."""
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(GrantAward.total), 0))
            .join(GrantApplication, GrantApplication.id == GrantAward.application_id)
            .where(
                GrantApplication.programme_id == programme.id,
                GrantApplication.state.in_(HOLDING_STATES),
            )
        )
        or 0
    )


def committed_by_category(programme: GrantProgramme) -> dict[str, int]:
    """What the held awards hold per category."""
    held: dict[str, int] = {}
    for (amounts,) in db.session.execute(
        select(GrantAward.amounts)
        .join(GrantApplication, GrantApplication.id == GrantAward.application_id)
        .where(
            GrantApplication.programme_id == programme.id,
            GrantApplication.state.in_(HOLDING_STATES),
        )
    ):
        for category, value in (amounts or {}).items():
            held[category] = held.get(category, 0) + int(value)
    return held


def remaining_budget(programme: GrantProgramme) -> int:
    """The budget minus what offered and accepted awards hold (negative if overspent)."""
    return programme.budget - committed_total(programme)


def remaining_caps(programme: GrantProgramme) -> dict[str, int]:
    """Each category cap minus what held awards take from it (never below 0)."""
    held = committed_by_category(programme)
    return {
        category: max(0, int(cap) - held.get(category, 0))
        for category, cap in (programme.category_caps or {}).items()
        if cap is not None
    }


def run_total(run: AllocationRun) -> int:
    return sum(line.total for line in run.lines)


def run_remaining(run: AllocationRun) -> int:
    """What the run leaves of the budget it had, with the organizers' adjustments."""
    return run.budget - run_total(run)


# Runs ---------------------------------------------------------------------------------------


def _require_manager(actor: User, programme: GrantProgramme) -> None:
    permissions.require(
        permissions.can_manage_grants(actor, programme.event),
        _("Only this event's organizers can allocate grants."),
    )


def considered(programme: GrantProgramme) -> list[GrantApplication]:
    """Applications an allocation considers: submitted or waitlisted, without an award."""
    return list(
        db.session.scalars(
            select(GrantApplication)
            .where(
                GrantApplication.programme_id == programme.id,
                GrantApplication.state.in_(CONSIDERED_STATES),
                ~GrantApplication.award.has(),
            )
            .order_by(GrantApplication.id)
        )
    )


def check_basis(basis: str) -> None:
    if basis not in BASES:
        raise ValidationFailed(
            {
                "basis": _(
                    "Choose whether to base the amounts on the requests or on the reviewers' "
                    "recommendations."
                )
            }
        )


def check_time_limit(time_limit: float) -> None:
    if isinstance(time_limit, bool) or not MIN_TIME_LIMIT <= time_limit <= MAX_TIME_LIMIT:
        low, high = MIN_TIME_LIMIT, MAX_TIME_LIMIT
        message = _("Choose a time limit from %(low)d to %(high)d seconds.", low=low, high=high)
        raise ValidationFailed({"time_limit": message})


@dataclasses.dataclass(frozen=True)
class Prepared:
    """What a run needs, read from the database before the solver starts."""

    applications: list[GrantApplication]
    items: list[Item]
    budget: int
    caps: dict[str, int]
    time_limit: float
    basis: str = BASIS_REQUESTS

    @property
    def base_totals(self) -> dict[int, int]:
        """Application id -> the amount its awards are based on, where that differs from the
        request (a reviewers' recommendation below it)."""
        if self.basis != BASIS_REVIEWERS:
            return {}
        by_id = {a.id: a for a in self.applications}
        return {
            item.id: item.request_total
            for item in self.items
            if item.id in by_id and item.request_total != by_id[item.id].requested_total
        }


def prepare(
    *, actor: User, programme: GrantProgramme, time_limit: float, basis: str = BASIS_REQUESTS
) -> Prepared:
    _require_manager(actor, programme)
    check_time_limit(time_limit)
    check_basis(basis)
    applications = considered(programme)
    return Prepared(
        applications=applications,
        items=_items(programme, applications, basis=basis),
        budget=max(0, remaining_budget(programme)),
        caps=remaining_caps(programme),
        time_limit=time_limit,
        basis=basis,
    )


def run_solver(
    programme: GrantProgramme, prepared: Prepared, *, watch: Watch | None = None
) -> Result:
    """The optimiser on a prepared run (nothing read or written but the programme's
    settings). WrongState when the must-fund pins cannot be kept."""
    result = solve(
        prepared.items,
        budget=prepared.budget,
        min_fraction=programme.min_fraction,
        category_caps=prepared.caps,
        time_limit=prepared.time_limit,
        currency=programme.currency,
        watch=watch,
    )
    if not result.feasible:
        raise WrongState(result.message)
    return result


def run_allocation(
    *,
    actor: User,
    programme: GrantProgramme,
    now: dt.datetime,
    time_limit: float = TIME_LIMIT_SECONDS,
    basis: str = BASIS_REQUESTS,
) -> AllocationRun:
    """Solve the programme's allocation over its remaining budget and keep the result as a
    draft run with one line per considered application (nothing for those not funded). An
    older draft of the programme is discarded: there is one draft at a time. WrongState when
    the must-fund pins cannot be kept. (Organizers' runs go through the task queue:
    services/solves.py calls `prepare`, `run_solver` and `keep` with a commit in between.)"""
    prepared = prepare(actor=actor, programme=programme, time_limit=time_limit, basis=basis)
    result = run_solver(programme, prepared)
    return keep(actor=actor, programme=programme, now=now, prepared=prepared, result=result)


def keep(
    *,
    actor: User,
    programme: GrantProgramme,
    now: dt.datetime,
    prepared: Prepared,
    result: Result,
) -> AllocationRun:
    """The result as the programme's draft run (replacing an older draft)."""
    items, budget, caps = prepared.items, prepared.budget, prepared.caps
    applications = prepared.applications
    baseline = greedy(items, budget=budget, min_fraction=programme.min_fraction, category_caps=caps)
    _discard_drafts(programme)
    run = AllocationRun(
        programme_id=programme.id,
        status=AllocationStatus.DRAFT,
        budget=budget,
        settings={
            "min_fraction": programme.min_fraction,
            "category_caps": caps,
            "time_limit": prepared.time_limit,
            "basis": prepared.basis,
            # Only where the basis is below the request: partial awards go down from it.
            "base_totals": {str(i): total for i, total in prepared.base_totals.items()},
            "greedy_objective": baseline.objective,
            # What picking by score alone would have funded, for `explain`.
            "greedy_funded": len(baseline.amounts),
            "greedy_spent": baseline.spent,
            "wall_time": round(result.wall_time, 3),
        },
        solver_status=result.status,
        objective=result.objective,
        created_by_id=actor.id,
        created_at=now,
    )
    for application in applications:
        amounts = result.amounts.get(application.id, {})
        run.lines.append(
            AllocationLine(
                application_id=application.id, amounts=dict(amounts), total=sum(amounts.values())
            )
        )
    db.session.add(run)
    db.session.flush()
    audit.record(
        action="grants.allocation_run",
        actor=actor,
        now=now,
        object_type="allocation_run",
        object_id=run.id,
        event=programme.event,
        details={
            "programme": programme.name,
            "budget": budget,
            "considered": len(applications),
            "funded": len(result.amounts),
            "spent": result.spent,
            "solver_status": result.status,
            "objective": result.objective,
            "greedy_objective": baseline.objective,
            "basis": prepared.basis,
        },
    )
    return run


def _items(
    programme: GrantProgramme, applications: list[GrantApplication], *, basis: str
) -> list[Item]:
    """What the solver knows of each application: its committee score, pin and the amounts
    it may get per category: the request, or (basis "reviewers") the request scaled to the
    reviewers' median recommendation where one exists and is lower."""
    by_id = grant_review.scores(programme)
    items = []
    for a in applications:
        requested = {c: int(v) for c, v in (a.requested or {}).items()}
        figures = by_id.get(a.id)
        if basis == BASIS_REVIEWERS and figures is not None and figures.recommended is not None:
            requested = scale(requested, figures.recommended)
        items.append(
            Item(
                id=a.id,
                score=figures.score if figures is not None else None,
                requested=requested,
                pin=a.pin,
            )
        )
    return items


def _discard_drafts(programme: GrantProgramme) -> None:
    """There is one draft run at a time: a new one replaces the older."""
    for old in db.session.scalars(
        select(AllocationRun).where(
            AllocationRun.programme_id == programme.id,
            AllocationRun.status == AllocationStatus.DRAFT,
        )
    ):
        old.status = AllocationStatus.DISCARDED


def _run_programme(run: AllocationRun) -> GrantProgramme:
    programme = db.session.get(GrantProgramme, run.programme_id)
    assert programme is not None  # the foreign key keeps it
    return programme


def adjust_line(
    *, actor: User, line: AllocationLine, amounts: Mapping[str, int], now: dt.datetime
) -> AllocationLine:
    """Change what a draft run proposes for one application. Each amount lies between 0 and
    what was requested in its category; the total is 0 (not funded) or at least the minimum
    fraction of the request; the run stays within its budget and the category caps. Errors
    are keyed "amount-<category>", or "" for the line as a whole."""
    run = line.run
    programme = _run_programme(run)
    _require_manager(actor, programme)
    if run.status != AllocationStatus.DRAFT:
        raise WrongState(_("This allocation was already committed or discarded."))
    application = line.application
    interests.refuse_own_application(actor, application)
    requested = {c: int(v) for c, v in (application.requested or {}).items()}
    currency = programme.currency
    errors: dict[str, str] = {}
    kept: dict[str, int] = {}
    for category, value in amounts.items():
        field = f"amount-{category}"
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors[field] = _("Enter an amount of zero or more.")
        elif value > requested.get(category, 0):
            errors[field] = _(
                "At most what was requested in this category: %(amount)s.",
                amount=money.fmt(requested.get(category, 0), currency),
            )
        elif value > 0:
            kept[category] = value
    total = sum(kept.values())
    if not errors and total and (short := _below_minimum(run, application, total)):
        errors[""] = short
    if not errors:
        others = run_total(run) - line.total
        if others + total > run.budget:
            errors[""] = _(
                "That takes the allocation over its budget: at most %(amount)s is left for "
                "this application.",
                amount=money.fmt(max(0, run.budget - others), currency),
            )
        caps = (run.settings or {}).get("category_caps") or {}
        for category, cap in caps.items():
            used = sum(
                int((other.amounts or {}).get(category, 0))
                for other in run.lines
                if other.id != line.id
            )
            if used + kept.get(category, 0) > int(cap):
                errors[f"amount-{category}"] = _(
                    "That passes the cap for this category: at most %(amount)s is left.",
                    amount=money.fmt(max(0, int(cap) - used), currency),
                )
    if errors:
        raise ValidationFailed(errors)
    before = {"amounts": dict(line.amounts or {}), "total": line.total}
    line.amounts = kept
    line.total = total
    line.adjusted = True
    db.session.flush()
    audit.record(
        action="grants.allocation_adjust",
        actor=actor,
        now=now,
        object_type="allocation_line",
        object_id=line.id,
        event=programme.event,
        details={"run_id": run.id, "application_id": application.id, "before": before,
                 "after": {"amounts": kept, "total": total}},
    )  # fmt: skip
    return line


def _below_minimum(run: AllocationRun, application: GrantApplication, total: int) -> str | None:
    """Why `total` is too small for a partial award (None when it is not): the minimum fraction
    of what the run based the award on, the request or the reviewers' recommendation."""
    programme = _run_programme(run)
    base = base_total(run, application)
    least = minimum_award(base, programme.min_fraction)
    if total >= least:
        return None
    if base == application.requested_total:
        return _(
            "Award nothing or at least %(amount)s (%(fraction)d%% of the request).",
            amount=money.fmt(least, programme.currency),
            fraction=programme.min_fraction,
        )
    return _(
        "Award nothing or at least %(amount)s (%(fraction)d%% of the amount the "
        "reviewers recommend).",
        amount=money.fmt(least, programme.currency),
        fraction=programme.min_fraction,
    )


def base_total(run: AllocationRun, application: GrantApplication) -> int:
    """What the run based the application's award on: the reviewers' recommendation when the
    run used it and it was below the request, else the request."""
    bases = (run.settings or {}).get("base_totals") or {}
    return int(bases.get(str(application.id), application.requested_total))


@dataclasses.dataclass(frozen=True)
class Explanation:
    """A run's proposal in figures people read (the allocation page words them)."""

    basis: str
    solved: str  # "best": no allocation does better; "in_time": the best found in time
    considered: int
    funded: int
    spent: int  # minor units, with the organizers' adjustments
    budget: int  # what was left to allocate when it ran
    percent: int | None  # of that budget, rounded; None for a budget of 0
    greedy_funded: int | None  # picking by score alone; None for runs made before it was kept
    greedy_spent: int | None
    greedy_percent: int | None


def _percent(part: int, whole: int) -> int | None:
    """part / whole in whole percent, rounded half up, in integers."""
    if whole <= 0:
        return None
    return (part * 200 + whole) // (2 * whole)


def explain(run: AllocationRun) -> Explanation:
    """What the run proposes now (its lines, adjustments included) and what picking by score
    alone over the same amounts and budget would have funded. No query once the run's
    lines are loaded (`latest_run` loads them)."""
    settings = run.settings or {}
    spent = run_total(run)
    greedy_funded = settings.get("greedy_funded")
    greedy_spent = settings.get("greedy_spent")
    return Explanation(
        basis=settings.get("basis") or BASIS_REQUESTS,
        solved="best" if run.solver_status == "OPTIMAL" else "in_time",
        considered=len(run.lines),
        funded=sum(1 for line in run.lines if line.total > 0),
        spent=spent,
        budget=run.budget,
        percent=_percent(spent, run.budget),
        greedy_funded=None if greedy_funded is None else int(greedy_funded),
        greedy_spent=None if greedy_spent is None else int(greedy_spent),
        greedy_percent=None if greedy_spent is None else _percent(int(greedy_spent), run.budget),
    )


def discard_run(*, actor: User, run: AllocationRun, now: dt.datetime) -> None:
    programme = _run_programme(run)
    _require_manager(actor, programme)
    if run.status != AllocationStatus.DRAFT:
        raise WrongState(_("Only a draft allocation can be discarded."))
    run.status = AllocationStatus.DISCARDED
    db.session.flush()
    audit.record(
        action="grants.allocation_discard",
        actor=actor,
        now=now,
        object_type="allocation_run",
        object_id=run.id,
        event=programme.event,
        details={"programme": programme.name},
    )


def latest_run(programme: GrantProgramme) -> AllocationRun | None:
    """The programme's newest run that was not discarded, its lines and their applications
    loaded (three queries)."""
    return db.session.scalar(
        select(AllocationRun)
        .where(
            AllocationRun.programme_id == programme.id,
            AllocationRun.status != AllocationStatus.DISCARDED,
        )
        .options(selectinload(AllocationRun.lines).selectinload(AllocationLine.application))
        .order_by(AllocationRun.created_at.desc(), AllocationRun.id.desc())
        .limit(1)
    )
