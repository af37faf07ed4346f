"""Per-client rate limits on the forms that sign in, create accounts or send mail.

One home for the rule: each kind below names its setting (RATE_LIMIT_<KIND> in config.py) and
is one bucket per client address, shared by every form of that kind, counted on POST only.
The read API has its own kind ("api", RATE_LIMIT_API): every request, one bucket per token.
They sit beside the per-address sign-in throttle in services/accounts.py, which counts failed
sign-ins for one account; these count every request from one client, so that one machine
cannot send a stranger's inbox a hundred mails or try a thousand addresses.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask_limiter.util import get_remote_address

from organizer.extensions import limiter

KINDS = ("sign_in", "register", "password_reset", "invitations", "mail")
# The read API's kind: every request counts (GET too), one bucket per token (see api_limited).
API_KIND = "api"


def rate_limited(kind: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a view (below @bp.route) whose POST counts towards the client's `kind` limit."""
    if kind not in KINDS:
        raise ValueError(f"unknown rate limit {kind!r}; add it to KINDS and config.DEFAULTS")
    setting = f"RATE_LIMIT_{kind.upper()}"
    return limiter.shared_limit(
        lambda: current_app.config[setting], scope=f"form:{kind}", methods=["POST"]
    )


def _api_token_key() -> str:
    """The bucket of an API request: a digest of the bearer secret it carries (so that the key
    is known before the token is looked up, and the secret never reaches the storage), or the
    client address for a request without one."""
    header = request.headers.get("Authorization", "")
    scheme, _space, secret = header.strip().partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        return "token:" + hashlib.sha256(secret.strip().encode("utf-8")).hexdigest()[:32]
    return "address:" + get_remote_address()


def api_limited(view: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a read API view: each request counts towards its token's RATE_LIMIT_API."""
    setting = f"RATE_LIMIT_{API_KIND.upper()}"
    return limiter.shared_limit(
        lambda: current_app.config[setting], scope=f"api:{API_KIND}", key_func=_api_token_key
    )(view)


def seconds_until_retry() -> int:
    """How long the client that was just refused has to wait (for the 429 page)."""
    breached = limiter.current_limit
    if breached is None:
        return 60
    reset_at = breached.window[0]  # when the window that was breached ends (Unix time)
    return max(1, math.ceil(reset_at - time.time()))
