"""View helpers shared by the organizers' grant pages, set-up (`grant_setup`) and decisions
(`grant_decisions`): the programme in the URL, the names of form fields, redirects and
confirmation pages under the grants tabs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import redirect, url_for

from organizer.blueprints._setup_views import confirm_then
from organizer.enums import GrantCategory
from organizer.models import Event, GrantProgramme
from organizer.services.grants import programmes

# Every page of one programme starts with this (under the blueprints' /manage).
PROGRAMME = "/<event_slug>/grants/<programme_public_id>"
# The grants section's tabs: the programmes and the letter, then one programme's pages.
TABS = "grant_setup/_tabs.html"


def programme_or_404(event: Event, public_id: str) -> GrantProgramme:
    return programmes.programme_by_public_id(event, public_id)


# `attempt(..., fields=CAP_FIELDS)`: the service's "cap-travel" is the form's cap_travel.
CAP_FIELDS = {f"cap-{category.value}": f"cap_{category.value}" for category in GrantCategory}


def back(endpoint: str, event: Event, programme: GrantProgramme | None = None, **values: Any):  # type: ignore[no-untyped-def]
    """A redirect to `endpoint` of the event (and of the programme, when given)."""
    if programme is not None:
        values["programme_public_id"] = programme.public_id
    return redirect(url_for(endpoint, event_slug=event.slug, **values))


def grant_confirm_then(
    event: Event,
    act: Callable[[], object],
    *,
    done: str,
    after: str,
    programme: GrantProgramme | None = None,
    **context: Any,
):  # type: ignore[no-untyped-def]
    """A confirmation page for a destructive action; on POST one service call, commit, go on."""
    return confirm_then(
        act, done=done, after=after, tabs=TABS, event=event, programme=programme, **context
    )
