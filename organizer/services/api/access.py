"""Who calls the API and what they reach: the token's owner, within the token's event scope,
and paging arguments."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from organizer import permissions
from organizer.errors import NotFound, PermissionDenied, ValidationFailed
from organizer.extensions import db
from organizer.models import ApiToken, Event, User
from organizer.services.events import event_by_slug, events_for_team_member

PER_PAGE_DEFAULT = 50
PER_PAGE_MAX = 100


@dataclass(frozen=True)
class Caller:
    user: User
    token: ApiToken


@dataclass(frozen=True)
class Paging:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True)
class Page:
    items: list[dict]
    page: int
    per_page: int
    total: int

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total


def paging(page: str | None, per_page: str | None) -> Paging:
    """`?page=` (from 1) and `?per_page=` (1 to 100, 50 by default), or ValidationFailed."""
    try:
        number = int(page) if page not in (None, "") else 1
        size = int(per_page) if per_page not in (None, "") else PER_PAGE_DEFAULT
    except ValueError:
        raise ValidationFailed(_("page and per_page must be whole numbers.")) from None
    if number < 1 or not 1 <= size <= PER_PAGE_MAX:
        raise ValidationFailed(
            _("page starts at 1; per_page is between 1 and %(max)d.", max=PER_PAGE_MAX)
        )
    return Paging(number, size)


def paginate(query: Select, paged: Paging) -> tuple[list, int]:
    """One page of `query`'s rows and the total: two queries (plus the query's own eager loads)."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = list(db.session.scalars(query.limit(paged.per_page).offset(paged.offset)))
    return rows, total or 0


def reachable_event(caller: Caller, slug: str) -> Event:
    """The event, if the caller may see it at all and the token is not limited to another one.
    A draft event outside the person's team does not exist for them (404)."""
    event = event_by_slug(slug)
    if event is None or not permissions.can_view_event(caller.user, event):
        raise NotFound(_("There is no event at this address."))
    if caller.token.event_id is not None and caller.token.event_id != event.id:
        raise PermissionDenied(_("This token is limited to another event."))
    return event


def events_query(caller: Caller) -> Select[tuple[Event]]:
    """The events the caller helps run (every event for a site admin, as on the home page),
    within the token's scope."""
    query = events_for_team_member(caller.user)
    if caller.token.event_id is not None:
        query = query.where(Event.id == caller.token.event_id)
    return query
