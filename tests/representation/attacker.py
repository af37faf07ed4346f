"""An attacker against the published representation numbers, for the privacy tests.

The attacker is as strong as we can make them (docs/representation.md, "Who we protect
against"): they know every published number at every moment, the method and its parameters
(services/noise.py), who is at which pipeline stage at each moment (organizers choose who
moves), and even every other respondent's answers. They do not know the record keys.

To learn a person's answer to a question, they try each possible answer: they put it in the
person's place (everything else as they know it) and ask whether some choice of the secret
record keys reproduces every published number at every moment. An answer for which no choice
does is ruled out; the candidates are the answers left.

Record keys enter the numbers only through seeds (a hash of a cell's labels, of the record
keys of its people, and of the record keys and answers of its stage's people). Two numbers
with the same labels over the same people with the same answers share their noise, whatever
the keys; other numbers get noise that the keys can set independently. So "some choice of
keys" means: one noise value per group of numbers with the same seed inputs, each within the
perturbation table's support.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from organizer.services import noise

NO_ANSWER = "_no_answer"
SELF_DESCRIBED = "_self_described"
RESPONDENTS = "respondents"

Answer = frozenset[str]  # cell keys: options, or {SELF_DESCRIBED}, or empty (no answer)


@dataclasses.dataclass(frozen=True)
class Question:
    key: str
    cells: tuple[str, ...]  # option keys, then SELF_DESCRIBED and NO_ANSWER
    single: bool = True

    def answers(self) -> list[Answer]:
        """The answers to try: each option, self-description, no answer."""
        options = [c for c in self.cells if c not in (SELF_DESCRIBED, NO_ANSWER)]
        return [frozenset({o}) for o in options] + [frozenset({SELF_DESCRIBED}), frozenset()]


@dataclasses.dataclass(frozen=True)
class World:
    """Who answered what and who is at which stage, at one moment."""

    answers: Mapping[int, Mapping[str, Answer]]  # respondent -> question -> answer
    stages: Mapping[int, frozenset[str]]  # respondent -> pipeline stages (not RESPONDENTS)
    people: Mapping[str, int]  # pipeline stage -> people at it (respondents or not)

    def with_answer(self, person: int, question: str, answer: Answer) -> World:
        answers = {p: dict(a) for p, a in self.answers.items()}
        answers[person][question] = answer
        return dataclasses.replace(self, answers=answers)

    def signature(self, person: int) -> tuple:
        """A person's answers, as they enter the seeds of the cells at their stages."""
        return tuple(sorted((q, tuple(sorted(a))) for q, a in self.answers[person].items()))

    def at(self, stage: str) -> frozenset[int]:
        return frozenset(p for p in self.answers if stage == RESPONDENTS or stage in self.stages[p])

    def in_cell(self, question: str, cell: str, members: Iterable[int]) -> frozenset[int]:
        def has(person: int) -> bool:
            answer = self.answers[person].get(question, frozenset())
            return not answer if cell == NO_ANSWER else cell in answer

        return frozenset(p for p in members if has(p))


@dataclasses.dataclass(frozen=True)
class Observation:
    """One published number: a total (question None) or a cell, as a value or a range of
    values (for "fewer than k" and "not shown"), with the cap the method clamps it to."""

    stage: str
    question: str | None
    cell: str | None
    low: int
    high: int
    cap: int | None


def total(stage: str, value: int, cap: int | None) -> Observation:
    return Observation(stage, None, None, value, value, cap)


def cell(stage: str, question: str, key: str, low: int, high: int, cap: int) -> Observation:
    return Observation(stage, question, key, low, high, cap)


def _noise_range(count: int, obs: Observation, max_noise: int) -> tuple[int, int]:
    """The noise values n for which clamp(count + n, 0, cap) lies in [low, high]: an
    interval, since clamping keeps the order."""
    top = obs.cap
    low, high = obs.low, obs.high
    if top is not None and low > top:
        return (1, 0)
    n_low = -max_noise if low <= 0 else low - count
    n_high = max_noise if top is not None and high >= top else high - count
    if high < 0:
        return (1, 0)
    return (max(n_low, -max_noise), min(n_high, max_noise))


def consistent(
    moments: list[tuple[World, list[Observation]]],
    questions: Mapping[str, Question],
    *,
    max_noise: int = noise.MAX_NOISE,
) -> bool:
    """Whether some record keys make these worlds publish these numbers."""
    groups: dict[tuple, tuple[int, int]] = {}
    for world, observations in moments:
        at_stage: dict[str, frozenset[int]] = {}
        for obs in observations:
            if obs.stage not in at_stage:
                at_stage[obs.stage] = world.at(obs.stage)
            members = at_stage[obs.stage]
            if obs.question is None:
                count, group = len(members), ("total", members)
            else:
                assert obs.cell is not None
                people = world.in_cell(obs.question, obs.cell, members)
                count = len(people)
                content = frozenset((p, world.signature(p)) for p in members)
                group = ("cell", obs.question, obs.cell, content, people)
            low, high = _noise_range(count, obs, max_noise)
            before = groups.get(group, (-max_noise, max_noise))
            low, high = max(low, before[0]), min(high, before[1])
            if low > high:
                return False
            groups[group] = (low, high)
    return True


def candidates(
    moments: list[tuple[World, list[Observation]]],
    questions: Mapping[str, Question],
    person: int,
    question: str,
    *,
    max_noise: int = noise.MAX_NOISE,
) -> set[Answer]:
    """The answers of `person` to `question` that the published numbers do not rule out.
    Only the numbers of that question depend on the answer (totals do not, and no noise is
    shared between questions), so only they are checked."""
    tried = set(questions[question].answers())
    tried.add(frozenset(moments[0][0].answers[person].get(question, frozenset())))
    relevant = [(w, [o for o in obs if o.question == question]) for w, obs in moments]
    return {
        answer
        for answer in tried
        if consistent(
            [(w.with_answer(person, question, answer), obs) for w, obs in relevant],
            questions,
            max_noise=max_noise,
        )
    }
