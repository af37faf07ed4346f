"""Per-client rate limits on the forms that sign in, create accounts or send mail.

One home for the rule: each kind below names its setting (RATE_LIMIT_<KIND> in config.py) and
is one bucket per client address, shared by every form of that kind, counted on POST only.
They sit beside the per-address sign-in throttle in services/accounts.py, which counts failed
sign-ins for one account; these count every request from one client, so that one machine
cannot send a stranger's inbox a hundred mails or try a thousand addresses.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from flask import current_app

from organizer.extensions import limiter

KINDS = ("sign_in", "register", "password_reset", "invitations", "mail")


def rate_limited(kind: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a view (below @bp.route) whose POST counts towards the client's `kind` limit."""
    if kind not in KINDS:
        raise ValueError(f"unknown rate limit {kind!r}; add it to KINDS and config.DEFAULTS")
    setting = f"RATE_LIMIT_{kind.upper()}"
    return limiter.shared_limit(
        lambda: current_app.config[setting], scope=f"form:{kind}", methods=["POST"]
    )


def seconds_until_retry() -> int:
    """How long the client that was just refused has to wait (for the 429 page)."""
    breached = limiter.current_limit
    if breached is None:
        return 60
    reset_at = breached.window[0]  # when the window that was breached ends (Unix time)
    return max(1, math.ceil(reset_at - time.time()))
