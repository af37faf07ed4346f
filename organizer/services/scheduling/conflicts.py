"""Schedule conflicts: computed from a Plan, never stored, each with a plain explanation.

Each rule's check lives in its module under `rules/`; `find_conflicts` runs every rule of the
registry. The automatic scheduler's results are checked with the same code, so "the solver says
it is fine" and "the editor shows no conflict" cannot disagree.
"""

from __future__ import annotations

from organizer.enums import Severity
from organizer.services.scheduling import rules
from organizer.services.scheduling.plan import Plan
from organizer.services.scheduling.rules.base import Conflict

__all__ = ["Conflict", "conflicts_of", "find_conflicts"]


def find_conflicts(plan: Plan, *, include_ignored: bool = False) -> list[Conflict]:
    """Every conflict in the plan, most severe first. Rules set to "ignored" are skipped
    unless asked for (the solver's own check asks, so that it never relies on a setting)."""
    order = list(Severity)
    found = [
        conflict
        for rule in rules.all_rules()
        if include_ignored or plan.severities[rule.code] is not Severity.IGNORED  # type: ignore[index]
        for conflict in rule.conflicts(plan)
    ]
    return sorted(found, key=lambda c: (order.index(c.severity), str(c.rule), c.session_ids))


def conflicts_of(plan: Plan, session_id: int) -> list[Conflict]:
    return [c for c in find_conflicts(plan) if c.involves(session_id)]
