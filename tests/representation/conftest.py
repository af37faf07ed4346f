"""Shared fixtures of the representation tests."""

from __future__ import annotations

import pytest

from organizer.services import noise


@pytest.fixture
def exact_counts(monkeypatch):
    """Switch the cell-key noise off, for tests about how numbers are laid out and suppressed
    (which numbers a page shows, in which words). Never for tests about what can be learnt
    from the numbers: those run with the noise, as the site does."""
    monkeypatch.setattr(noise, "noise_from_seed", lambda _seed: 0)
