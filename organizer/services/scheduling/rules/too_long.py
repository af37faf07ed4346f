"""A session longer than its slot: a talk, or the talks of a block, need more minutes than the
slot has on the grid.

Not in the solver: it never changes a slot's length, so it can neither cause nor mend this.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from organizer.enums import ConflictRule, Severity, SlotKind
from organizer.services.scheduling.rules.base import Conflict, Rule, where

if TYPE_CHECKING:
    from organizer.services.scheduling.plan import Plan


def check(plan: Plan, rule: Rule) -> Iterator[Conflict]:
    for session in plan.placed():
        if session.required_minutes <= session.duration:
            continue
        if session.kind is SlotKind.CONTAINER:
            message = _(
                "The talks in %(session)s need %(need)d minutes; the block has %(have)d.",
                session=where(plan, session),
                need=session.required_minutes,
                have=session.duration,
            )
        else:
            message = _(
                "%(session)s needs %(need)d minutes; its slot has %(have)d.",
                session=where(plan, session),
                need=session.required_minutes,
                have=session.duration,
            )
        yield rule.conflict(plan, (session.id,), message)


RULE = Rule(
    code=ConflictRule.TOO_LONG,
    label=_l("A session longer than its slot"),
    explanation=_l(
        "A talk (or the talks of a block) needs more minutes than its slot on the grid has."
    ),
    default_severity=Severity.WARNING,
    check=check,
    solver=None,
)
