"""The registry of conflict rules: every rule declared whole, in one module, and every consumer
(the settings form, the plan's severities, the live check, the automatic scheduler) reading it,
shown with a throwaway rule added for one test."""

from __future__ import annotations

import dataclasses
import enum
import importlib
import pkgutil
from pathlib import Path

import pytest
from flask_babel import lazy_gettext as _l

from organizer.blueprints.schedule_setup.forms import settings_form
from organizer.enums import ConflictRule, Severity
from organizer.services.scheduling import rules
from organizer.services.scheduling.conflicts import find_conflicts
from organizer.services.scheduling.plan import DEFAULT_SEVERITY, severities_of
from organizer.services.scheduling.rules.base import Rule, SolverPart
from organizer.services.scheduling.solver import run as solver
from tests.bench.scheduling_data import FIRST_DAY, at, empty_plan, place, room, talk

DOCS = Path(__file__).resolve().parents[2] / "docs" / "schedule.md"


# --- the registry is complete ------------------------------------------------------------------


def test_every_stored_code_has_exactly_one_rule():
    codes = [rule.code for rule in rules.all_rules()]
    assert sorted(codes) == sorted(ConflictRule)
    assert len(codes) == len(set(codes))
    for code in ConflictRule:
        assert rules.by_code(code).code is code


def test_every_rule_module_is_listed():
    package = Path(rules.__file__).parent
    modules = [m.name for m in pkgutil.iter_modules([str(package)]) if m.name != "base"]
    listed = {id(rule) for rule in rules.all_rules()}
    assert len(modules) == len(rules.all_rules())
    for name in modules:
        module = importlib.import_module(f"{rules.__name__}.{name}")
        assert id(module.RULE) in listed, name


@pytest.mark.parametrize("rule", rules.RULES, ids=lambda r: str(r.code))
def test_every_rule_has_every_part(app, rule):
    with app.test_request_context():
        assert str(rule.label).strip()
        assert str(rule.explanation).strip()
    assert rule.label != rule.explanation
    assert isinstance(rule.default_severity, Severity)
    assert callable(rule.check)
    if rule.solver is not None:
        hooks = [rule.solver.room_ok, rule.solver.spans, rule.solver.blocks, rule.solver.constrain]
        assert any(hooks), "a solver part keeps the rule somehow"
    else:
        module = importlib.import_module(rule.check.__module__)
        assert "Not in the solver" in (module.__doc__ or ""), "say why the solver ignores it"


@pytest.mark.parametrize("rule", rules.RULES, ids=lambda r: str(r.code))
def test_every_rule_has_its_line_in_the_docs(app, rule):
    with app.test_request_context():
        label = str(rule.label)
    assert f"\n| {label} |" in DOCS.read_text(encoding="utf-8")


def test_the_defaults_come_from_the_rules():
    assert {rule.code: rule.default_severity for rule in rules.RULES} == DEFAULT_SEVERITY
    assert {rule.code for rule in rules.RULES if rule.solver is not None} == solver.HARD_RULES
    assert ConflictRule.TOO_LONG not in solver.HARD_RULES


# --- a rule added in one place reaches every consumer ----------------------------------------


class _Code(enum.StrEnum):
    NO_ATTIC = "no_attic"


def _in_the_attic(plan, rule):
    for session in plan.placed():
        if plan.rooms[session.room_id].name == "Attic":
            yield rule.conflict(plan, (session.id,), f"“{session.title}” is in the attic.")


NO_ATTIC = Rule(
    code=_Code.NO_ATTIC,
    label=_l("A session in the attic"),
    explanation=_l("Nobody can climb to the attic."),
    default_severity=Severity.WARNING,
    check=_in_the_attic,
    solver=SolverPart(
        room_ok=lambda ctx, session, speakers, room_id: ctx.plan.rooms[room_id].name != "Attic"
    ),
)


@pytest.fixture
def no_attic(monkeypatch):
    monkeypatch.setattr(rules, "RULES", (*rules.RULES, NO_ATTIC))


def _plan(*rooms_):
    plan = empty_plan(rooms=list(rooms_), days=1)
    return dataclasses.replace(plan, severities=severities_of(None))


def test_a_new_rule_is_on_the_settings_form(app, no_attic):
    with app.test_request_context():
        form = settings_form(meta={"csrf": False})
        field = form["severity_no_attic"]
        assert field.label.text == "A session in the attic"
        assert str(field.description) == "Nobody can climb to the attic."
        assert [name for _rule, name in form.rule_fields][-1] == "severity_no_attic"


def test_a_new_rule_has_its_default_severity(no_attic):
    assert severities_of(None)[_Code.NO_ATTIC] is Severity.WARNING


def test_a_new_rule_is_checked_live(app, no_attic):
    plan = _plan(room(1, "Hall"), room(2, "Attic"))
    plan = plan.with_session(place(talk(10, 1, title="Up high"), 2, at(FIRST_DAY, 10)))
    plan = plan.with_session(place(talk(11, 2, title="Down low"), 1, at(FIRST_DAY, 10)))

    with app.test_request_context():
        [conflict] = find_conflicts(plan)
        assert conflict.as_json(plan)["rule_label"] == "A session in the attic"
    assert conflict.rule == "no_attic"
    assert conflict.severity is Severity.WARNING
    assert conflict.session_ids == (10,)
    assert conflict.message == "“Up high” is in the attic."


def test_the_solver_keeps_a_new_rule(app, no_attic):
    plan = _plan(room(1, "Attic"), room(2, "Hall"))
    plan = plan.with_session(talk(10, 1, title="Up high"))

    with app.test_request_context():
        result = solver.solve(plan, time_limit=5, workers=1)
        [conflict] = solver.check(plan, {10: (1, at(FIRST_DAY, 10))})
    assert result.placements[10][0] == 2
    assert conflict.rule == "no_attic"


def test_the_solver_leaves_out_what_only_a_new_rule_forbids(app, monkeypatch):
    plan = _plan(room(1, "Attic"))
    plan = plan.with_session(talk(10, 1, title="Up high"))

    with app.test_request_context():
        assert 10 in solver.solve(plan, time_limit=5, workers=1).placements
        monkeypatch.setattr(rules, "RULES", (*rules.RULES, NO_ATTIC))
        plan = _plan(room(1, "Attic")).with_session(talk(10, 1, title="Up high"))
        result = solver.solve(plan, time_limit=5, workers=1)
    assert result.placements == {}
    assert result.status == "infeasible"
    assert result.unplaced[10]


# --- a rule between free sessions: the solver's model keeps it, whatever the greedy start does --


class _TrackCode(enum.StrEnum):
    ONE_AT_A_TIME = "one_track_at_a_time"


def _track_overlaps(plan, rule):
    placed = sorted(plan.placed(), key=lambda s: (s.starts_at, s.id))
    for i, first in enumerate(placed):
        for second in placed[i + 1 :]:
            same = first.track_id is not None and first.track_id == second.track_id
            if same and second.starts_at < first.ends_at:
                yield rule.conflict(plan, (first.id, second.id), "One track, one place.")


def _track_blocks(ctx, session, speakers, room_id):
    return [
        (fixed.start - session.duration, fixed.end, fixed)
        for fixed in ctx.fixed
        if session.track_id is not None and fixed.session.track_id == session.track_id
    ]


def _track_constrain(model, optional):
    by_track = {}
    for free in model.frees:
        by_track.setdefault(free.session.track_id, []).append(free)
    for track, frees in by_track.items():
        if track is not None and len(frees) > 1:
            model.model.add_no_overlap(
                model.model.new_optional_fixed_size_interval_var(
                    model.start[f.id], f.duration, model.placed[f.id], f"t{f.id}"
                )
                for f in frees
            )


ONE_AT_A_TIME = Rule(
    code=_TrackCode.ONE_AT_A_TIME,
    label=_l("Two sessions of one track at once"),
    explanation=_l("Two sessions of the same track run at the same time."),
    default_severity=Severity.WARNING,
    check=_track_overlaps,
    solver=SolverPart(blocks=_track_blocks, constrain=_track_constrain),
)


def test_the_solver_keeps_a_new_rule_between_sessions(app, monkeypatch):
    monkeypatch.setattr(rules, "RULES", (*rules.RULES, ONE_AT_A_TIME))
    plan = empty_plan(rooms=[room(1, "A"), room(2, "B")], days=1, hours=(9, 10))
    plan = dataclasses.replace(plan, severities=severities_of(None))
    plan = plan.with_session(place(talk(1, 1, track_id=7), 1, at(FIRST_DAY, 9)))
    plan = plan.with_session(talk(2, 2, track_id=7))
    plan = plan.with_session(talk(3, 3, track_id=7))

    with app.test_request_context():
        # The greedy start puts 2 and 3 side by side at 9:30; the model knows better.
        result = solver.solve(plan, time_limit=5, workers=1)
        assert solver.check(plan, result.placements) == []
    assert [start for _room, start in result.placements.values()] == [at(FIRST_DAY, 9, 30)]
    assert result.status == "infeasible"
    assert result.cores == [(2, 3)]
