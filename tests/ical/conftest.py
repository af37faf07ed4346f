"""The feed tests' event and cache reset, shared with the ical.js comparison."""

from tests.feeds.conftest import _fresh_caches, world  # noqa: F401
