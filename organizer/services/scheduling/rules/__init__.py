"""The schedule's conflict rules: one module per rule, listed here once.

Everything that knows about conflict rules reads this list: the settings form (a severity per
rule, with its label and explanation), `plan.severities_of` (the default severities),
`conflicts.find_conflicts` (the editor, releases and the solver's last check) and the automatic
scheduler (each rule's `SolverPart`). To add a rule, write its module (see `base.Rule` and any
module here), add its code to `enums.ConflictRule` (the value stored in the settings) and its
`RULE` to `RULES`; see docs/scheduler.md, "Add a conflict rule".
"""

from __future__ import annotations

from organizer.enums import Severity
from organizer.services.scheduling.rules import (
    outside_hours,
    over_capacity,
    room_overlap,
    speaker_double_booked,
    speaker_unavailable,
    step_free,
    too_long,
)
from organizer.services.scheduling.rules.base import Rule

# In the order the settings page lists them.
RULES: tuple[Rule, ...] = (
    speaker_double_booked.RULE,
    speaker_unavailable.RULE,
    room_overlap.RULE,
    outside_hours.RULE,
    too_long.RULE,
    over_capacity.RULE,
    step_free.RULE,
)


def all_rules() -> tuple[Rule, ...]:
    """Every rule, read at call time (a test may add one)."""
    return RULES


def by_code(code: str) -> Rule:
    """The rule of a code; KeyError for a code no rule has."""
    return {rule.code: rule for rule in RULES}[code]


def hard_rules() -> tuple[Rule, ...]:
    """The rules the automatic scheduler keeps: it never places a session against them."""
    return tuple(rule for rule in RULES if rule.solver is not None)


def default_severities() -> dict[str, Severity]:
    return {rule.code: rule.default_severity for rule in RULES}
