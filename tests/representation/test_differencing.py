"""No comparison of published numbers pins down a person: the property test.

Random small populations answer three questions and sit at stages of the call for talks; one
person moves between stages (an organizer accepts them, or their talk is withdrawn...). The
attacker of tests/representation/attacker.py, who knows everyone else's answers, sees every
noisy number before and after the move (more than any page shows: hidden cells included), and
tries each answer of each person. At least two answers must stay possible every time.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from organizer.enums import SurveyKind
from organizer.services import noise, suppression
from organizer.services.representation import counting, survey
from tests.representation import attacker
from tests.representation.attacker import NO_ANSWER, SELF_DESCRIBED, Observation, World

set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "organizer-hypothesis")

CHAIN = ["proposal_submitted", "proposal_accepted", "speaker_confirmed"]
QUESTIONS = {
    "region": (SurveyKind.SINGLE, ["africa", "europe", "prefer_not_to_say"]),
    "caregiving": (SurveyKind.SINGLE, ["yes", "no"]),
    "gender": (SurveyKind.MULTIPLE, ["woman", "man", "non_binary"]),
}
EXAMPLES = int(os.environ.get("DIFFERENCING_EXAMPLES", "60"))


def _infos() -> list[survey.QuestionInfo]:
    return [
        survey.QuestionInfo(
            key=key,
            text=key,
            explanation="",
            kind=kind,
            allow_self_describe=True,
            retired=False,
            options=[survey.OptionInfo(o, o, False, o == "prefer_not_to_say") for o in options],
        )
        for key, (kind, options) in QUESTIONS.items()
    ]


def _questions() -> dict[str, attacker.Question]:
    return {
        key: attacker.Question(
            key, (*options, SELF_DESCRIBED, NO_ANSWER), single=kind == SurveyKind.SINGLE
        )
        for key, (kind, options) in QUESTIONS.items()
    }


@st.composite
def populations(draw):
    """(people, record keys, k, mover, new depth). A person: whether they answered, their
    depth in the chain (0: no proposal, 1: submitted, 2: accepted, 3: confirmed), answers."""
    size = draw(st.integers(min_value=2, max_value=9))
    people = []
    for _ in range(size):
        answers = {}
        for key, (kind, options) in QUESTIONS.items():
            if kind == SurveyKind.SINGLE:
                choice = draw(st.sampled_from([*options, SELF_DESCRIBED, NO_ANSWER]))
                answers[key] = frozenset() if choice == NO_ANSWER else frozenset({choice})
            else:
                answers[key] = frozenset(
                    draw(st.sets(st.sampled_from([*options, SELF_DESCRIBED]), max_size=2))
                )
        people.append(
            {
                "answered": draw(st.booleans()) or draw(st.booleans()),
                "depth": draw(st.integers(min_value=0, max_value=3)),
                "answers": answers,
            }
        )
    keys = draw(
        st.lists(st.integers(min_value=0, max_value=2**63 - 1), min_size=size, max_size=size)
    )
    k = draw(st.integers(min_value=3, max_value=6))
    mover = draw(st.integers(min_value=0, max_value=size - 1))
    depth = (people[mover]["depth"] + draw(st.integers(min_value=1, max_value=3))) % 4
    return people, keys, k, mover, depth


def _world(people: list[dict]) -> World:
    return World(
        answers={i: p["answers"] for i, p in enumerate(people) if p["answered"]},
        stages={i: frozenset(CHAIN[: p["depth"]]) for i, p in enumerate(people) if p["answered"]},
        people={s: sum(1 for p in people if p["depth"] > n) for n, s in enumerate(CHAIN)},
    )


def _publish(people: list[dict], keys: list[int], k: int) -> tuple[list[Observation], object]:
    """Every noisy number the site computes for this population (hidden or not), and the
    summary it shows."""
    records = []
    for person, key in zip(people, keys, strict=True):
        if not person["answered"]:
            continue
        answers = person["answers"]
        records.append(
            counting.Record(
                record_key=key,
                stages=CHAIN[: person["depth"]],
                chosen={
                    q: set(a - {SELF_DESCRIBED}) for q, a in answers.items() if a - {SELF_DESCRIBED}
                },
                described={q for q, a in answers.items() if SELF_DESCRIBED in a},
            )
        )
    people_at = {s: sum(1 for p in people if p["depth"] > n) for n, s in enumerate(CHAIN)}
    tabulation = counting.count_tables(records, _infos(), people_at=people_at, event_ids=[1], k=k)
    observations = []
    for stage in tabulation.stages:
        if stage.key not in (attacker.RESPONDENTS, *CHAIN):
            continue
        value = suppression.noisy_total(stage)
        cap = None if stage.key == attacker.RESPONDENTS else stage.people
        observations.append(attacker.total(stage.key, value, cap))
        for question in QUESTIONS:
            table = tabulation.tables[(question, stage.key)]
            for key, _label, count in suppression.noisy_cells(table, value):
                observations.append(attacker.cell(stage.key, question, key, count, count, value))
    # The dashboard and CSV use k, the report at least 10: the same noisy numbers.
    return observations, [
        suppression.summarise(tabulation, k=k),
        suppression.summarise(tabulation, k=suppression.public_k(k)),
    ]


def _shown_numbers_are_noisy_ones(summaries, observations: list[Observation]) -> None:
    """What the pages show is taken from the numbers the attacker sees, nothing more."""
    values = {(o.stage, o.question, o.cell): o.low for o in observations}
    for summary in summaries:
        _shown_in(summary, values)


def _shown_in(summary, values) -> None:
    for line in summary.stages:
        assert line.respondents == values[(line.key, None, None)]
    for block in summary.questions:
        for row in block.rows:
            assert row.respondents == values[(row.stage_key, None, None)]
            for published in row.cells:
                if published.count is not None:
                    assert published.count == values[(row.stage_key, block.key, published.key)]


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(populations())
def test_no_single_move_pins_down_anyone(population):
    people, keys, k, mover, depth = population
    before = [dict(p) for p in people]
    after = [dict(p) for p in people]
    after[mover] = {**after[mover], "depth": depth}
    moments = []
    for state in (before, after):
        observations, summaries = _publish(state, keys, k)
        _shown_numbers_are_noisy_ones(summaries, observations)
        moments.append((_world(state), observations))
    questions = _questions()
    for person in moments[0][0].answers:
        for question in questions:
            found = attacker.candidates(moments, questions, person, question)
            assert people[person]["answers"][question] in found  # the attacker is sound
            assert len(found) >= 2, (person, question, found)


def test_the_attacker_pins_people_down_when_counts_are_exact(monkeypatch):
    """The same attacker against the same numbers without noise: a move gives the mover away
    (so the property above is not true of any method)."""
    monkeypatch.setattr(noise, "noise_from_seed", lambda _seed: 0)
    answers = {"region": frozenset({"africa"}), "caregiving": frozenset({"no"})}
    answers["gender"] = frozenset({"woman"})
    people = [{"answered": True, "depth": 1 + (i % 2), "answers": {**answers}} for i in range(12)]
    people[0] = {**people[0], "depth": 1, "answers": {**answers, "region": frozenset({"europe"})}}
    keys = list(range(1, 13))
    moments = []
    for depth in (1, 2):
        state = [dict(p) for p in people]
        state[0]["depth"] = depth
        observations, _summaries = _publish(state, keys, 3)
        moments.append((_world(state), observations))
    found = attacker.candidates(moments, _questions(), 0, "region", max_noise=0)
    assert found == {frozenset({"europe"})}


def test_changing_an_answer_draws_every_cell_of_the_persons_stages_anew():
    """Not only the two cells the answer left and joined: otherwise the cells that changed
    would say which answers a person who edited theirs moved between."""

    def tables(region: str):
        records = [
            counting.Record(
                record_key=11, stages=["proposal_submitted"], chosen={"region": {region}}
            ),
            counting.Record(record_key=12, stages=[], chosen={"region": {"europe"}}),
        ]
        return counting.count_tables(
            records, _infos(), people_at={"proposal_submitted": 1}, event_ids=[1], k=3
        )

    before, after = tables("africa"), tables("europe")
    for stage in (attacker.RESPONDENTS, "proposal_submitted"):
        for question in QUESTIONS:  # the other questions' cells too
            assert (
                before.tables[(question, stage)].key_sum != after.tables[(question, stage)].key_sum
            )
    # Nothing changes at a stage the person is not at, nor in who is at each stage.
    assert (
        before.tables[("region", "proposal_accepted")].key_sum
        == after.tables[("region", "proposal_accepted")].key_sum
    )
    assert [s.key_sum for s in before.stages] == [s.key_sum for s in after.stages]
