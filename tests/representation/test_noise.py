"""The cell-key noise (services/noise.py): its table, its support, and what one person can
change in the odds of a published number."""

from __future__ import annotations

import statistics

import pytest

from organizer.services import noise


def seeds(count: int):
    return (noise.seed("test", n) for n in range(count))


def test_the_same_people_always_give_the_same_number():
    one = noise.seed("cell", "region", "africa", noise.key_sum([5, 7]), noise.key_sum([5]))
    again = noise.seed("cell", "region", "africa", noise.key_sum([7, 5]), noise.key_sum([5]))
    assert one == again
    assert noise.perturb(9, one, 30) == noise.perturb(9, again, 30)
    # Anyone else at the stage, or in the cell, gives another seed.
    assert one != noise.seed("cell", "region", "africa", noise.key_sum([5, 7, 9]), 5)
    assert one != noise.seed("cell", "region", "asia", noise.key_sum([5, 7]), 5)
    assert noise.key_sum([2**63, 2**63]) == 0  # sums wrap at 2**64


def test_the_table_is_a_two_sided_geometric_with_a_third_unchanged():
    draws = [noise.noise_from_seed(s) for s in seeds(30_000)]
    assert abs(draws.count(0) / len(draws) - 1 / 3) < 0.015
    # Mean absolute noise 2 * alpha / (1 - alpha**2) = 4/3 for alpha = 1/2.
    assert abs(statistics.fmean(abs(d) for d in draws) - 4 / 3) < 0.05
    assert abs(statistics.fmean(draws)) < 0.05  # unbiased
    assert max(abs(d) for d in draws) <= noise.MAX_NOISE
    assert sum(1 for d in draws if abs(d) <= 2) / len(draws) > 0.8


@pytest.mark.parametrize("cap", [None, 0, 1, 7, 40])
def test_every_draw_is_possible_and_the_probabilities_add_up(cap):
    for count in range(0, 12):
        if cap is not None and count > cap:
            continue
        for s in seeds(300):
            value = noise.perturb(count, s, cap)
            assert noise.possible(count, value, cap), (count, value, cap)
        top = (cap if cap is not None else count + noise.MAX_NOISE) + 1
        total = sum(noise.probability(count, v, cap) for v in range(top + 1))
        assert total == pytest.approx(1.0)


def test_any_published_value_is_possible_for_any_true_count_under_the_cap():
    cap = 25
    for count in range(cap + 1):
        for value in range(cap + 1):
            assert noise.possible(count, value, cap)
            assert noise.probability(count, value, cap) > 0
    assert not noise.possible(3, 26, cap)
    assert not noise.possible(3, -1, None)


def test_one_person_changes_the_odds_of_a_number_by_at_most_a_factor_two():
    for cap in (None, 10, 30):
        for count in range(0, 30):
            for value in range(0, 40):
                a = noise.probability(count, value, cap)
                b = noise.probability(count + 1, value, cap)
                if a and b:
                    assert max(a / b, b / a) <= 1 / noise.ALPHA + 1e-9, (cap, count, value)
