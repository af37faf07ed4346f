"""The cell-key method: noise on every representation count, so that no comparison of published
numbers (two stages, two moments, two editions, a pool and its parts) pins down a person.

Pure functions, no database. docs/representation.md ("How the numbers are protected") explains
the method, the attacker it is built against and its sources; in short:

- Every survey response carries a secret random record key (its `record_key` column,
  63 bits, never shown or exported).
- A published count is `clamp(true count + noise, 0, cap)`. The noise is read from a
  perturbation table (a two-sided geometric distribution, `ALPHA`) at a position given by the
  cell's *seed*: a hash of the cell's labels, the sum of the record keys of the people in the
  cell, and the sum over everyone at the cell's stage of their record key combined with their
  answers (`content_key`). The same people with the same answers always give the same number
  (asking again, or in another page, teaches nothing); anyone joining or leaving a stage, or
  changing an answer, draws new noise for every cell of that stage, so a cell that "rose by
  one" is no sign of the person who joined. A stage's respondents are seeded by its people's
  record keys alone.
- Zeros are perturbed too (unlike the ABS, whose structural zeros stay zero): a zero that
  always stays zero would tell who is *not* in a cell.
- Every value from 0 to the cap stays possible for every true count up to `MAX_NOISE`, so an
  attacker who knows everything but one person's answer and the record keys still cannot rule
  any answer out; how much more likely one answer becomes is bounded by `ALPHA` per count
  (`probability`). The small-count threshold (services/suppression.py) is applied to the
  noisy counts afterwards, so it reveals nothing the noisy counts do not.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable

ALPHA = 0.5  # P(noise = ±j) is proportional to ALPHA ** j: a factor of at most 2 per step
MAX_NOISE = 60  # the table's support: -60 ... +60 (beyond ±20 has a probability below 1e-6)
KEY_MODULUS = 2**64
P_ZERO = (1 - ALPHA) / (1 + ALPHA)  # 1/3: the share of counts published as they are
METHOD_VERSION = "ck1"  # part of every seed: changing the method draws all noise anew


def key_sum(record_keys: Iterable[int]) -> int:
    """The sum of record keys modulo 2**64: the part of a seed that says who is counted."""
    return sum(record_keys) % KEY_MODULUS


def content_key(record_key: int, answers: Iterable[tuple[str, str]]) -> int:
    """A response's record key combined with its answers ((question, answer) pairs): its part
    of a stage's seed for cells, so that any change at a stage, someone moving in or out or
    someone changing an answer, draws every cell of the stage anew."""
    text = "\x1f".join([str(record_key), *sorted(f"{q}\x1e{a}" for q, a in answers)])
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def seed(*parts: object) -> bytes:
    """16 pseudo-random bytes from a cell's labels and key sums (BLAKE2b)."""
    text = "\x1f".join([METHOD_VERSION, *(str(p) for p in parts)])
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def noise_from_seed(cell_seed: bytes) -> int:
    """The perturbation table read at a seed: 0 with probability P_ZERO, else a sign and a
    magnitude j >= 1 with probability proportional to ALPHA ** j, at most MAX_NOISE."""
    position = int.from_bytes(cell_seed[:8], "big") / KEY_MODULUS
    if position < P_ZERO:
        return 0
    tail = int.from_bytes(cell_seed[8:], "big")
    sign = 1 if tail & 1 else -1
    uniform = ((tail >> 1) + 1) / 2**63  # (0, 1]
    magnitude = 1 + math.floor(math.log(uniform) / math.log(ALPHA))
    return sign * min(MAX_NOISE, magnitude)


def perturb(count: int, cell_seed: bytes, cap: int | None = None) -> int:
    """The published count: the true count plus its noise, kept between 0 and `cap` (a bound
    everybody knows anyway, such as the number of people at a stage)."""
    value = max(0, count + noise_from_seed(cell_seed))
    return value if cap is None else min(value, max(cap, 0))


def possible(count: int, published: int, cap: int | None = None) -> bool:
    """Whether `published` can come out of `perturb` for a true `count` and some seed: what an
    attacker who does not know the record keys can check."""
    if published < 0 or (cap is not None and published > max(cap, 0)):
        return False
    reachable_low = published == 0 and count - MAX_NOISE <= 0
    reachable_high = cap is not None and published == max(cap, 0) and count + MAX_NOISE >= cap
    return abs(published - count) <= MAX_NOISE or reachable_low or reachable_high


def _noise_probability(noise: int) -> float:
    if abs(noise) > MAX_NOISE:
        return 0.0
    if noise == 0:
        return P_ZERO
    mass = P_ZERO * ALPHA ** abs(noise)
    if abs(noise) == MAX_NOISE:  # the tail beyond the support is folded onto its ends
        mass /= 1 - ALPHA
    return mass


def probability(count: int, published: int, cap: int | None = None) -> float:
    """The chance of publishing `published` for a true `count` (clamping included). For two
    counts one apart, the ratio of these chances is at most 1 / ALPHA (while both are
    possible), which is how much one person can change the odds of any one number."""
    if not possible(count, published, cap):
        return 0.0
    top = None if cap is None else max(cap, 0)
    if published == 0 and top != 0:
        return sum(_noise_probability(n) for n in range(-MAX_NOISE, -count + 1))
    if top is not None and published == top:
        low = -MAX_NOISE if top == 0 else top - count
        return sum(_noise_probability(n) for n in range(low, MAX_NOISE + 1))
    return _noise_probability(published - count)
