"""Small-count suppression: handcrafted tables and a property test in which an attacker who
knows the rules tries every table consistent with what a row publishes."""

from __future__ import annotations

import itertools
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from organizer.services.suppression import (
    NO_ANSWER,
    RowStatus,
    Status,
    attacker_bounds,
    check_k,
    difference,
    differences,
    hard_to_publish,
    public_k,
    publish_cells,
    suppress_counts,
)

set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "organizer-hypothesis")

F, H, P = Status.FEWER_THAN_K, Status.HIDDEN, Status.PUBLISHED


# --- handcrafted ------------------------------------------------------------------------------


def test_k_is_at_least_three_and_public_uses_ten():
    assert check_k(3) == 3
    for bad in (2, 0, -1, True, "5", 4.0):
        with pytest.raises(ValueError, match="k must be"):
            check_k(bad)
    assert public_k(5) == 10
    assert public_k(12) == 12
    with pytest.raises(ValueError, match="at least 3"):
        public_k(2)


def test_a_stage_below_k_publishes_nothing():
    assert suppress_counts([2, 2], 4, 5, partition=True).status is RowStatus.TOO_FEW
    row = publish_cells("q", "s", [("a", "A", 2), ("b", "B", 2)], 4, k=5, partition=True)
    assert row.status is RowStatus.TOO_FEW
    assert row.cells == ()


def test_no_small_cell_publishes_everything_zeros_included():
    outcome = suppress_counts([12, 8, 0, 0], 20, 5, partition=True)
    assert outcome.cells == (P, P, P, P)


def test_complementary_suppression_hides_the_smallest_other_cell():
    # 3 is small; alone, 20 - 12 - 5 would give it away, so 5 (the smallest non-zero
    # published cell) goes too. 12 stays: 3 + 5 = 8 could be 1 + 7, 2 + 6, 3 + 5, 4 + ...
    outcome = suppress_counts([12, 3, 5, 0], 20, 5, partition=True)
    assert outcome.cells == (P, F, H, P)
    bounds = attacker_bounds([12, None, None, 0], outcome.cells, 20, 5, partition=True)
    assert bounds == {1: (1, 3), 2: (5, 7)}


def test_complementary_cell_ties_go_to_the_earliest():
    outcome = suppress_counts([7, 7, 2, 9], 25, 5, partition=True)
    assert outcome.cells == (H, P, F, P)


def test_complement_below_k_is_hidden():
    # 17 of 20 chose "a": publishing it would say that exactly 3 did not.
    outcome = suppress_counts([17, 2, 1, 0], 20, 5, partition=True)
    assert outcome.cells == (H, F, F, P)


def test_two_small_cells_that_fill_the_gap_exactly_withhold_the_row():
    # 4 + 4 = 20 - 12, and "fewer than 5" each: both must be 4.
    assert suppress_counts([4, 4, 12], 20, 5, partition=True).status is RowStatus.WITHHELD
    # 3 + 4 = 7 leaves room: (3, 4) or (4, 3).
    assert suppress_counts([3, 4, 13], 20, 5, partition=True).cells == (F, F, P)


def test_a_complementary_cell_that_would_be_pinned_withholds_the_row():
    # 1 + 5 = 6: "fewer than 5" is at least 1 and "not shown" at least 5, so both are known.
    assert suppress_counts([1, 5, 14], 20, 5, partition=True).status is RowStatus.WITHHELD


def test_multiple_cells_are_judged_alone_but_no_answer_is_disjoint():
    # Options overlap: 3 is small, and the complementary rule hides the smallest other.
    row = publish_cells(
        "q",
        "s",
        [("a", "A", 12), ("b", "B", 3), ("c", "C", 9), (NO_ANSWER, "No answer", 0)],
        20,
        k=5,
        partition=False,
    )
    assert [c.status for c in row.cells] == [P, F, H, P]
    # No answer 4 of 20, options 10 and 6 with nobody in both: 10 + 6 + x >= 20 would pin x.
    row = publish_cells(
        "q",
        "s",
        [("a", "A", 10), ("b", "B", 6), (NO_ANSWER, "No answer", 4)],
        20,
        k=5,
        partition=False,
    )
    assert [c.status for c in row.cells] == [P, H, F]


def test_shares_only_for_published_cells():
    row = publish_cells(
        "q", "s", [("a", "A", 12), ("b", "B", 3), ("c", "C", 5)], 20, k=5, partition=True
    )
    assert [(c.count, c.share) for c in row.cells] == [(12, 60.0), (None, None), (None, None)]


def test_differences_only_between_published_cells():
    cells_submitted = [("a", "A", 20), ("b", "B", 13), ("c", "C", 3), ("d", "D", 4)]
    cells_accepted = [("a", "A", 12), ("b", "B", 5), ("c", "C", 3), ("d", "D", 0)]
    submitted = publish_cells("q", "proposal_submitted", cells_submitted, 40, k=5, partition=True)
    accepted = publish_cells("q", "proposal_accepted", cells_accepted, 20, k=5, partition=True)
    # a: 50% -> 60%: +10 points. b is published when submitted (32.5%) but, accepted, it
    # is the complementary cell of c=3, so "not shown"; c is small at both stages.
    assert difference(submitted, accepted, "a") == 10.0
    assert difference(submitted, accepted, "b") is None
    assert difference(submitted, accepted, "c") is None
    rows = {d.key: d for d in differences(submitted, accepted)}
    assert rows["a"].before == 50.0 and rows["a"].after == 60.0 and rows["a"].points == 10.0
    assert rows["b"].before == 32.5 and rows["b"].after is None and rows["b"].points is None
    # A stage that publishes nothing gives no differences.
    tiny = publish_cells("q", "proposal_accepted", [("a", "A", 3)], 3, k=5, partition=True)
    assert difference(submitted, tiny, "a") is None


def test_hard_to_publish_names_questions_with_mostly_hidden_cells():
    fine = publish_cells("fine", "s", [("a", "A", 10), ("b", "B", 10)], 20, k=5, partition=True)
    hard = publish_cells(
        "hard",
        "s",
        [("a", "A", 2), ("b", "B", 3), ("c", "C", 2), ("d", "D", 13)],
        20,
        k=5,
        partition=True,
    )
    assert hard_to_publish([fine, hard]) == ["hard"]


# --- the property test ------------------------------------------------------------------------


def _realizable(values, total, *, partition, exclusive):
    """Could some group of `total` people give these counts?"""
    if any(v < 0 or v > total for v in values):
        return False
    if partition:
        return sum(values) == total
    if exclusive is None:
        return sum(values) >= total
    answered = total - values[exclusive]
    others = [v for i, v in enumerate(values) if i != exclusive]
    if answered == 0:
        return all(v == 0 for v in others)
    return all(v <= answered for v in others) and sum(others) >= answered


def _indistinguishable(counts, total, k, *, partition, exclusive):
    """Every table an attacker who knows the rules cannot tell from `counts`: same published
    counts, same labels. Yields the candidate count vectors."""
    outcome = suppress_counts(counts, total, k, partition=partition, exclusive=exclusive)
    domains = []
    for count, status in zip(counts, outcome.cells, strict=True):
        if status is P:
            domains.append([count])
        elif status is F:
            domains.append(range(1, k))
        else:
            domains.append(range(k, total))
    for values in itertools.product(*domains):
        if not _realizable(values, total, partition=partition, exclusive=exclusive):
            continue
        if suppress_counts(values, total, k, partition=partition, exclusive=exclusive) == outcome:
            yield values


@st.composite
def rows(draw):
    k = draw(st.integers(min_value=3, max_value=7))
    partition = draw(st.booleans())
    options = draw(st.integers(min_value=2, max_value=4))
    people = draw(st.integers(min_value=2, max_value=28))
    if partition:
        # Each person picks one cell; the last cell is "no answer".
        weights = draw(st.lists(st.integers(0, 6), min_size=options + 1, max_size=options + 1))
        picks = [
            draw(st.sampled_from([i for i, w in enumerate(weights) for _ in range(w)] or [0]))
            for _ in range(people)
        ]
        counts = [picks.count(i) for i in range(options + 1)]
    else:
        counts = [0] * (options + 1)
        for _ in range(people):
            chosen = draw(st.sets(st.integers(0, options - 1), max_size=options))
            if chosen:
                for i in chosen:
                    counts[i] += 1
            else:
                counts[options] += 1
    return counts, people, k, partition


@settings(
    max_examples=int(os.environ.get("R2_EXAMPLES", "100")),
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(rows())
def test_no_suppressed_count_can_be_reconstructed(row):
    counts, total, k, partition = row
    exclusive = None if partition else len(counts) - 1
    outcome = suppress_counts(counts, total, k, partition=partition, exclusive=exclusive)
    if total < k:
        assert outcome.status is RowStatus.TOO_FEW
        return
    if outcome.status is RowStatus.WITHHELD:
        return
    statuses = outcome.cells
    published = [c if s is P else None for c, s in zip(counts, statuses, strict=True)]
    # No published cell, nor its complement, is a small group.
    for count in published:
        if count is not None:
            assert not 0 < count < k
            assert not 0 < total - count < k
    # The labels are true.
    for count, status in zip(counts, statuses, strict=True):
        if status is F:
            assert 0 < count < k
        if status is H:
            assert count >= k
    # The linear constraints alone leave each suppressed count at least two values ...
    bounds = attacker_bounds(
        published, statuses, total, k, partition=partition, exclusive=exclusive
    )
    for i, (lo, hi) in bounds.items():
        assert lo <= counts[i] <= hi
        assert hi - lo >= 1
    # ... and so does an attacker who tries every table and reruns the rules.
    seen: dict[int, set[int]] = {i: set() for i, s in enumerate(statuses) if s is not P}
    for values in _indistinguishable(counts, total, k, partition=partition, exclusive=exclusive):
        for i in seen:
            seen[i].add(values[i])
    for i, values in seen.items():
        assert counts[i] in values
        assert len(values) >= 2, (counts, total, k, partition, i, values)
