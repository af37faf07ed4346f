"""Links people give for public pages (a speaker's labelled links): what an address must look
like to be kept and shown. Pages show them with rel="nofollow ugc noopener"."""

from __future__ import annotations

import re

LINKS_MAX = 5
LINK_LABEL_MAX = 60
LINK_URL_MAX = 300
# http(s), a host name with a dot, then an optional path, query or fragment; no spaces.
_WEB_ADDRESS = re.compile(r"^https?://[^\s/?#@]+\.[^\s/?#@]+(?:[/?#]\S*)?$", re.IGNORECASE)


def is_web_address(url: str) -> bool:
    """An http(s) address with a host name (no user name in it): what a public page may link
    to."""
    return bool(_WEB_ADDRESS.match(url or "")) and len(url) <= LINK_URL_MAX


def public_links(stored: object) -> tuple[tuple[str, str], ...]:
    """The stored links a public page may show, as (label, address): well-formed pairs with
    an http(s) address (a row written by hand or by an older version shows only if it is)."""
    if not isinstance(stored, list):
        return ()
    shown = tuple(
        (link["label"].strip(), link["url"].strip())
        for link in stored
        if isinstance(link, dict)
        and isinstance(link.get("label"), str)
        and isinstance(link.get("url"), str)
        and link["label"].strip()
        and is_web_address(link["url"].strip())
    )
    return shown[:LINKS_MAX]
