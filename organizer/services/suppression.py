"""Small-count suppression for the representation dashboards, CSV and report.

Pure functions over counts: no models, no database. docs/representation.md explains the rules
to organizers.

What the site publishes (`summarise`): every count, stage totals included, first gets the
cell-key noise of services/noise.py, and only then the threshold k (`publish_noisy_cells`):
a stage whose noisy respondents are fewer than k shows no breakdown; a noisy count of 1 to
k - 1 is "fewer than k"; a noisy count within k - 1 of its stage's noisy respondents is "not
shown". These rules read noisy numbers only, so they reveal nothing the noise does not, and
it is the noise that protects people against subtracting one stage, moment or edition from
another (tests/representation/test_differencing.py and test_attacks.py).

The rules for EXACT counts below (`suppress_counts`, `publish_cells`: primary, complementary
suppression and a safety check) protect one table at a time and nothing more: nested stages
published exactly can be subtracted. They are kept for exact tables and tested on their own;
the site no longer publishes exact counts.

1. A stage with fewer than k respondents publishes no breakdown at all.
2. Primary suppression: a cell is suppressed when 0 < count < k ("fewer than k"), and when
   0 < respondents - count < k ("not shown": everyone but a small group chose it, so
   publishing it would reveal that small group). Zeros are published.
3. Complementary suppression: when exactly one cell of a row is suppressed, the smallest
   published non-zero cell (the earliest one on a tie) is suppressed too ("not shown").
   For SINGLE questions the cells add up to the respondents, so one hidden cell would be
   `respondents - sum(published)`. For MULTIPLE questions the cells overlap but still carry
   constraints: everyone is in at least one cell (the "no answer" cell counts), and nobody is
   both in "no answer" and in another cell. So the same rule applies to both kinds.
4. Safety check: from what a row publishes (the published counts, the labels, the total and
   the rules above, which are public), we compute for each suppressed cell the interval of
   values it could have (`attacker_values`). When a cell is left with a single possible
   value, the row publishes nothing ("withheld").

What an attacker learns from an exactly published row, and what `attacker_values` models:
- a published cell: its count;
- "fewer than k": 1 <= count <= k - 1;
- "not shown": count >= k; when the row has exactly two suppressed cells it may be the
  complementary cell (count <= respondents - k, and no larger than any published non-zero
  cell, strictly smaller than an earlier one); otherwise it is a cell whose complement is
  small (count >= respondents - k + 1, count <= respondents - 1);
- SINGLE rows: the counts add up to the respondents; MULTIPLE rows: they add up to at least
  the respondents, and "no answer" plus any other cell is at most the respondents.
The property test in tests/representation/test_suppression.py checks, by enumerating every
table that an attacker who knows these rules could not tell apart from the real one, that
each suppressed count keeps at least two possible values.

Shares are percentages of the stage's respondents, for published cells only. Differences
between stages (in percentage points) use published cells only; otherwise "not shown".
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from organizer.services import noise

MIN_K = 3
DEFAULT_K = 5
PUBLIC_K = 10
NO_ANSWER = "_no_answer"


class Status(enum.StrEnum):
    PUBLISHED = "published"
    FEWER_THAN_K = "fewer_than_k"  # 1 <= count < k
    HIDDEN = "hidden"  # complement below k, or complementary suppression


class RowStatus(enum.StrEnum):
    PUBLISHED = "published"
    TOO_FEW = "too_few"  # the stage has fewer than k respondents
    WITHHELD = "withheld"  # suppression alone would not protect the small cells


SUPPRESSED = (Status.FEWER_THAN_K, Status.HIDDEN)


def check_k(k: object) -> int:
    """k as an int, at least MIN_K; ValueError otherwise."""
    if isinstance(k, bool) or not isinstance(k, int):
        raise ValueError(f"k must be a whole number, not {k!r}")
    if k < MIN_K:
        raise ValueError(f"k must be at least {MIN_K}, not {k}")
    return k


def public_k(k: int) -> int:
    """The threshold for anything published: at least PUBLIC_K."""
    return max(PUBLIC_K, check_k(k))


@dataclass(frozen=True)
class Outcome:
    status: RowStatus
    cells: tuple[Status, ...] = ()  # one per count when status is PUBLISHED


def _primary(count: int, total: int, k: int) -> Status:
    if 0 < count < k:
        return Status.FEWER_THAN_K
    if count > 0 and 0 <= total - count < k:
        # Fewer than k people outside the cell would be revealed by it; and if nobody is
        # outside it, the cell tells everyone's answer (all k or more of them chose it).
        return Status.HIDDEN
    return Status.PUBLISHED


def suppress_counts(
    counts: Sequence[int], total: int, k: int, *, partition: bool, exclusive: int | None = None
) -> Outcome:
    """The status of each cell of one row. `partition`: the counts add up to `total` (SINGLE
    questions). `exclusive`: the index of a cell nobody else's cells overlap with ("no
    answer"), for MULTIPLE questions."""
    check_k(k)
    if total < k:
        return Outcome(RowStatus.TOO_FEW)
    statuses = [_primary(c, total, k) for c in counts]
    suppressed = [i for i, s in enumerate(statuses) if s in SUPPRESSED]
    if len(suppressed) == 1:
        candidates = [
            (c, i) for i, c in enumerate(counts) if c > 0 and statuses[i] is Status.PUBLISHED
        ]
        if candidates:
            statuses[min(candidates)[1]] = Status.HIDDEN
    if not all(
        possible_values(intervals) >= 2
        for intervals in attacker_values(
            [c if s is Status.PUBLISHED else None for c, s in zip(counts, statuses, strict=True)],
            statuses,
            total,
            k,
            partition=partition,
            exclusive=exclusive,
        ).values()
    ):
        return Outcome(RowStatus.WITHHELD)
    return Outcome(RowStatus.PUBLISHED, tuple(statuses))


def attacker_values(
    published: Sequence[int | None],
    statuses: Sequence[Status],
    total: int,
    k: int,
    *,
    partition: bool,
    exclusive: int | None = None,
) -> dict[int, list[tuple[int, int]]]:
    """For each suppressed cell, the intervals of counts it could have given only what is
    published (`published[i]` is None for suppressed cells) and the rules of this module: one
    interval per reading of the "not shown" cells (complementary, or hiding a small
    complement) that the publication allows."""
    n = len(statuses)
    suppressed = [i for i, s in enumerate(statuses) if s in SUPPRESSED]
    if not suppressed:
        return {}
    hidden = [i for i in suppressed if statuses[i] is Status.HIDDEN]
    nonzero = [(published[i] or 0, i) for i in range(n) if (published[i] or 0) > 0]
    # Which "not shown" cell, if any, is the complementary one (None: all hide a small
    # complement). The complementary cell exists only beside exactly one other suppressed cell.
    readings: list[int | None] = []
    if not hidden or not (partition and len(suppressed) == 2 and nonzero):
        readings.append(None)
    if len(suppressed) == 2 and (not partition or nonzero):
        readings.extend(hidden)
    result: dict[int, list[tuple[int, int]]] = {i: [] for i in suppressed}
    for complementary in readings:
        bounds = _propagate(
            published, statuses, total, k, nonzero, complementary, partition, exclusive
        )
        if bounds is not None:
            for i in suppressed:
                result[i].append(bounds[i])
    return result


def _propagate(
    published: Sequence[int | None],
    statuses: Sequence[Status],
    total: int,
    k: int,
    nonzero: list[tuple[int, int]],
    complementary: int | None,
    partition: bool,
    exclusive: int | None,
) -> dict[int, tuple[int, int]] | None:
    """Bounds of each cell under one reading, narrowed by the row's constraints until they
    stop changing; None when the reading is impossible."""
    n = len(statuses)
    lo = [0] * n
    hi = [0] * n
    for i in range(n):
        if statuses[i] is Status.PUBLISHED:
            lo[i] = hi[i] = published[i] or 0
        elif statuses[i] is Status.FEWER_THAN_K:
            lo[i], hi[i] = 1, k - 1
        elif i == complementary:
            # Not small, no small complement, and the smallest non-zero cell (the earliest
            # on a tie) among those published.
            order = [p if j > i else p - 1 for p, j in nonzero]
            lo[i], hi[i] = k, min([total - k, *order])
        else:
            lo[i], hi[i] = max(k, total - k + 1), total - 1
    suppressed = [i for i in range(n) if statuses[i] is not Status.PUBLISHED]
    changed = True
    while changed:
        if any(lo[i] > hi[i] for i in range(n)):
            return None
        new_lo, new_hi = lo[:], hi[:]
        for i in suppressed:
            # Everyone is in at least one cell (SINGLE: in exactly one).
            new_lo[i] = max(new_lo[i], total - (sum(hi) - hi[i]))
            if partition:
                new_hi[i] = min(new_hi[i], total - (sum(lo) - lo[i]))
            if exclusive is not None:
                if i == exclusive:
                    others = [lo[j] for j in range(n) if j != exclusive]
                    new_hi[i] = min(new_hi[i], total - max(others, default=0))
                else:
                    new_hi[i] = min(new_hi[i], total - lo[exclusive])
        changed = new_lo != lo or new_hi != hi
        lo, hi = new_lo, new_hi
    if partition and not sum(lo) <= total <= sum(hi):
        return None
    if not partition and sum(hi) < total:
        return None
    return {i: (lo[i], hi[i]) for i in suppressed}


def possible_values(intervals: list[tuple[int, int]]) -> int:
    """How many distinct counts a list of intervals allows."""
    values: set[int] = set()
    for lo, hi in intervals:
        values.update(range(lo, hi + 1))
        if len(values) > 1:
            break
    return len(values)


def attacker_bounds(
    published: Sequence[int | None],
    statuses: Sequence[Status],
    total: int,
    k: int,
    *,
    partition: bool,
    exclusive: int | None = None,
) -> dict[int, tuple[int, int]]:
    """For each suppressed cell, the smallest and largest count it could have (the hull of
    `attacker_values`)."""
    values = attacker_values(
        published, statuses, total, k, partition=partition, exclusive=exclusive
    )
    return {
        i: (min(lo for lo, _ in v), max(hi for _, hi in v)) if v else (0, -1)
        for i, v in values.items()
    }


# --- rows of labelled cells ------------------------------------------------------------------


class CellLike(Protocol):
    key: str
    label: str
    count: int


class TableLike(Protocol):
    question_key: str
    stage_key: str
    respondents: int
    cells: list[CellLike]


@dataclass(frozen=True)
class PublishedCell:
    key: str
    label: str
    status: Status
    count: int | None  # None unless published
    share: float | None  # percent of the stage's respondents, published cells only

    @property
    def published(self) -> bool:
        return self.status is Status.PUBLISHED


@dataclass(frozen=True)
class PublishedRow:
    question_key: str
    stage_key: str
    respondents: int
    k: int
    status: RowStatus
    cells: tuple[PublishedCell, ...]

    @property
    def published(self) -> bool:
        return self.status is RowStatus.PUBLISHED

    def cell(self, key: str) -> PublishedCell | None:
        return next((c for c in self.cells if c.key == key), None)

    @property
    def suppressed_count(self) -> int:
        return sum(1 for c in self.cells if not c.published)


def publish_cells(
    question_key: str,
    stage_key: str,
    cells: Iterable[tuple[str, str, int]],
    respondents: int,
    *,
    k: int,
    partition: bool,
) -> PublishedRow:
    """One row (a question at a stage) as it may be shown: (key, label, count) cells."""
    items = list(cells)
    counts = [count for _, _, count in items]
    exclusive = next((i for i, (key, _, _) in enumerate(items) if key == NO_ANSWER), None)
    outcome = suppress_counts(
        counts, respondents, k, partition=partition, exclusive=None if partition else exclusive
    )
    published: tuple[PublishedCell, ...] = ()
    if outcome.status is RowStatus.PUBLISHED:
        published = tuple(
            PublishedCell(
                key=key,
                label=label,
                status=status,
                count=count if status is Status.PUBLISHED else None,
                share=share(count, respondents) if status is Status.PUBLISHED else None,
            )
            for (key, label, count), status in zip(items, outcome.cells, strict=True)
        )
    return PublishedRow(question_key, stage_key, respondents, k, outcome.status, published)


def publish_table(table: TableLike, *, k: int, partition: bool) -> PublishedRow:
    """A QuestionTable of services/representation/counting.py, suppressed."""
    return publish_cells(
        table.question_key,
        table.stage_key,
        [(c.key, str(c.label), c.count) for c in table.cells],
        table.respondents,
        k=k,
        partition=partition,
    )


def share(count: int, respondents: int) -> float | None:
    if respondents <= 0:
        return None
    return round(100 * count / respondents, 1)


def difference(before: PublishedRow | None, after: PublishedRow | None, key: str) -> float | None:
    """`after`'s share minus `before`'s, in percentage points; None ("not shown") unless both
    cells are published."""
    if before is None or after is None:
        return None
    a, b = before.cell(key), after.cell(key)
    if a is None or b is None or a.share is None or b.share is None:
        return None
    return round(b.share - a.share, 1)


@dataclass(frozen=True)
class Difference:
    key: str
    label: str
    before: float | None
    after: float | None
    points: float | None


def differences(before: PublishedRow | None, after: PublishedRow | None) -> list[Difference]:
    """Per cell of `after` (or `before`), the two shares and their difference."""
    source = after if after is not None and after.cells else before
    if source is None:
        return []
    rows = []
    for cell in source.cells:
        b = before.cell(cell.key) if before is not None else None
        a = after.cell(cell.key) if after is not None else None
        rows.append(
            Difference(
                key=cell.key,
                label=cell.label,
                before=b.share if b is not None else None,
                after=a.share if a is not None else None,
                points=difference(before, after, cell.key),
            )
        )
    return rows


def hard_to_publish(rows: Iterable[PublishedRow]) -> list[str]:
    """Question keys whose rows mostly cannot be shown: withheld, or more suppressed cells
    than published non-zero ones. The dashboard suggests dropping or pooling them."""
    keys = []
    for row in rows:
        if row.status is RowStatus.WITHHELD:
            keys.append(row.question_key)
        elif row.published:
            shown = sum(1 for c in row.cells if c.published and (c.count or 0) > 0)
            if row.suppressed_count > shown:
                keys.append(row.question_key)
    return keys


# --- a whole tabulation, as the dashboard, CSV and report show it ----------------------------

# Stage pairs whose difference the dashboard shows (when both stages exist).
DIFFERENCE_PAIRS = [
    ("proposal_submitted", "proposal_accepted"),
    ("grant_applied", "grant_offered"),
]


@dataclass(frozen=True)
class StageLine:
    key: str
    label: str
    people: int
    respondents: int
    rate: float | None  # percent of the people at the stage who answered the survey
    too_few: bool


@dataclass(frozen=True)
class QuestionBlock:
    key: str
    text: str
    explanation: str
    kind: str
    rows: list[PublishedRow]  # one per shown stage, in pipeline order
    differences: list[tuple[str, str, list[Difference]]]  # (before key, after key, rows)


@dataclass(frozen=True)
class Summary:
    k: int
    stages: list[StageLine]
    questions: list[QuestionBlock]
    hard_questions: list[str]  # question texts that mostly cannot be published

    @property
    def respondents(self) -> int:
        return self.stages[0].respondents if self.stages else 0

    def stage(self, key: str) -> StageLine | None:
        return next((s for s in self.stages if s.key == key), None)

    @property
    def small(self) -> bool:
        """Too small for most breakdowns: pooling editions is worth suggesting."""
        return self.respondents < 4 * self.k or bool(self.hard_questions)


def publish_noisy_cells(
    question_key: str,
    stage_key: str,
    cells: Iterable[tuple[str, str, int]],
    respondents: int,
    *,
    k: int,
) -> PublishedRow:
    """One row of noisy counts (services/noise.py) with the small-count threshold: a stage
    whose noisy respondents are fewer than k shows no breakdown; a noisy count of 1 to k - 1
    is "fewer than k"; one whose complement is 1 to k - 1 (or 0) is "not shown". The rules
    read noisy numbers only, so they reveal nothing the noise does not. No complementary
    suppression and no safety check: with noise on every cell and on the total, a hidden cell
    cannot be worked out from the others (the tables need not add up)."""
    check_k(k)
    if respondents < k:
        return PublishedRow(question_key, stage_key, respondents, k, RowStatus.TOO_FEW, ())
    published = []
    for key, label, count in cells:
        status = _primary(count, respondents, k)
        shown = status is Status.PUBLISHED
        published.append(
            PublishedCell(
                key=key,
                label=label,
                status=status,
                count=count if shown else None,
                share=share(count, respondents) if shown else None,
            )
        )
    return PublishedRow(
        question_key, stage_key, respondents, k, RowStatus.PUBLISHED, tuple(published)
    )


def noisy_total(stage: object) -> int:
    """A stage's respondents as published: noisy, at most the people at the stage (a number
    organizers know anyway); "everyone who answered" has no such bound."""
    cap = None if stage.key == "respondents" else stage.people  # type: ignore[attr-defined]
    return noise.perturb(
        stage.respondents,  # type: ignore[attr-defined]
        noise.seed("stage", stage.key_sum),  # type: ignore[attr-defined]
        cap,
    )


def noisy_cells(table: object, total: int) -> list[tuple[str, str, int]]:
    """A table's cells with their noise, each between 0 and the stage's noisy total. A cell's
    seed is its question and answer keys, the record keys of its people and those of everyone
    at its stage: the same people give the same number, anyone joining or leaving the stage
    redraws every cell of it."""
    return [
        (
            c.key,
            str(c.label),
            noise.perturb(
                c.count,
                noise.seed(
                    "cell",
                    table.question_key,  # type: ignore[attr-defined]
                    c.key,
                    table.key_sum,  # type: ignore[attr-defined]
                    c.key_sum,
                ),
                total,
            ),
        )
        for c in table.cells  # type: ignore[attr-defined]
    ]


def summarise(tabulation: object, *, k: int) -> Summary:
    """Every table of a Tabulation (services/representation/counting.py) as it may be shown: noisy
    counts (services/noise.py), then the threshold k. Stages nobody reached are left out.
    The funnel's people are pipeline counts organizers know anyway, except for "everyone who
    answered", whose people are its (noisy) respondents."""
    check_k(k)
    totals = {s.key: noisy_total(s) for s in tabulation.stages}  # type: ignore[attr-defined]
    stages = [
        StageLine(
            key=s.key,
            label=str(s.label),
            people=totals[s.key] if s.key == "respondents" else s.people,
            respondents=totals[s.key],
            rate=share(totals[s.key], s.people) if s.people and s.key != "respondents" else None,
            too_few=totals[s.key] < k,
        )
        for s in tabulation.stages  # type: ignore[attr-defined]
        if s.people or s.key == "respondents"
    ]
    shown = [s.key for s in stages]
    blocks = []
    first_rows = []
    for question in tabulation.questions:  # type: ignore[attr-defined]
        rows = []
        for key in shown:
            table = tabulation.tables.get((question.key, key))  # type: ignore[attr-defined]
            if table is not None:
                total = totals[key]
                rows.append(
                    publish_noisy_cells(question.key, key, noisy_cells(table, total), total, k=k)
                )
        by_stage = {r.stage_key: r for r in rows}
        pairs = [
            (a, b, differences(by_stage[a], by_stage[b]))
            for a, b in DIFFERENCE_PAIRS
            if a in by_stage and b in by_stage
        ]
        if rows:
            first_rows.append(rows[0])
        blocks.append(
            QuestionBlock(
                key=question.key,
                text=question.text,
                explanation=question.explanation,
                kind=str(question.kind),
                rows=rows,
                differences=pairs,
            )
        )
    hard = set(hard_to_publish(first_rows))
    return Summary(
        k=k,
        stages=stages,
        questions=blocks,
        hard_questions=[b.text for b in blocks if b.key in hard],
    )
