"""Name badges of an event's confirmed registrations, printed with WeasyPrint.

A badge shows the name large (smaller for long names), pronouns, affiliation, role ribbons
(speaker: a confirmed talk's speaker; organizer; volunteer: the check-in role; grantee only
when the person opted in with `show_grantee_ribbon`) and a QR code of the person's check-in
page, /<event_slug>/check-in/<public_id>, which a phone's camera app opens at the door.

The whole list is rendered by the queue worker like the representation report
(`report_files.py`): a request builds the list of badges (a few queries, no PDF), names the
file after a digest of what it shows, and asks the worker for it when it is not in the print
cache (PRINT_CACHE_DIR, never under static/). The worker builds the same list again and files
the PDF under the digest of what it rendered. One person's reprint is small enough to render
in the request.

Paper layouts are declared once, in LAYOUTS. Fonts and the static-only fetcher are the
printed programme's (static/css/print/badges.css, print/pdf.py). The absolute links are built
from a base URL the caller passes (the view's external URL of the site, or the task's copy of
it): nothing here reads the request.
"""

from __future__ import annotations

import hashlib
import io
import json
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from organizer import permissions
from organizer.enums import EventRoleName, GrantState, ProposalState, RegistrationState, ReservedFor
from organizer.errors import NotFound, ValidationFailed
from organizer.extensions import db
from organizer.models import (
    Event,
    EventRole,
    GrantApplication,
    GrantProgramme,
    PlaceKind,
    Proposal,
    ProposalSpeaker,
    Registration,
    User,
)
from organizer.services.files import write_atomically
from organizer.services.mail import url_under
from organizer.services.print import pdf
from organizer.services.print.booklet import cache_dir
from organizer.services.registration.records import shown_name

FORMAT_VERSION = 1  # bump when the template or stylesheet change what a cached PDF looks like


@dataclass(frozen=True)
class Layout:
    """A sheet of badges: the paper, how many badges across and down, each badge's size and
    the sheet's margins (top and left; the others follow), all in millimetres."""

    label: Any  # a lazy string
    paper: str  # CSS page size
    columns: int
    rows: int
    width: float
    height: float
    top: float
    left: float

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


LAYOUTS: dict[str, Layout] = {
    # A4 label sheets of 8 (2 x 4 badges of 90 x 65 mm).
    "a4-8": Layout(_l("A4, 8 badges per sheet"), "210mm 297mm", 2, 4, 90, 65, 18.5, 15),
    # US Letter sheets of 6 (2 x 3 badges of 4 x 3 inches, as common name-badge inserts).
    "letter-6": Layout(
        _l("US Letter, 6 badges per sheet"), "215.9mm 279.4mm", 2, 3, 101.6, 76.2, 25.4, 6.35
    ),
    # One badge per page, the page the size of the badge (badge printers, reprints).
    "single": Layout(_l("One badge per page"), "101.6mm 76.2mm", 1, 1, 101.6, 76.2, 0, 0),
}
DEFAULT_LAYOUT = "a4-8"

RIBBONS = {
    "speaker": _l("Speaker"),
    "organizer": _l("Organizer"),
    "volunteer": _l("Volunteer"),
    "grantee": _l("Grantee"),
}

# The name's type size by its width (East Asian wide characters count twice): long names
# shrink so that they stay on the badge in one or two lines.
NAME_SIZES = ((10, 28), (16, 22), (24, 18), (40, 14))
SMALLEST_NAME = 12


def name_size(name: str) -> int:
    """The name's size in points for its width."""
    width = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in name)
    for limit, size in NAME_SIZES:
        if width <= limit:
            return size
    return SMALLEST_NAME


def check_in_url(base_url: str, event_slug: str, public_id: str) -> str:
    """The absolute address of the person's check-in page under the site's `base_url`: the
    check_in blueprint's own route (the worker has no request to take the host from)."""
    return url_under(base_url, "check_in.person", event_slug=event_slug, public_id=public_id)


def qr_svg(url: str) -> Markup:
    """The QR code of `url` as inline SVG without a fixed size (the stylesheet sizes it)."""
    import segno  # QR codes, 1 MiB resident: loaded where one is drawn

    svg = segno.make(url, error="m").svg_inline(border=2, dark="#000", omitsize=True)
    return Markup(svg)  # noqa: S704 - segno's own markup; the URL inside is escaped by segno


def qr_svg_file(url: str) -> str:
    """The QR code of `url` as a standalone SVG file (a mail attachment), 8 px a module."""
    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=8, border=2, dark="#000")
    return out.getvalue().decode("utf-8")


@dataclass(frozen=True)
class Badge:
    public_id: str
    name: str
    pronouns: str
    affiliation: str
    ribbons: tuple[str, ...]  # keys of RIBBONS
    url: str  # the check-in page the QR code opens

    @property
    def size(self) -> int:
        return name_size(self.name)


def selections(event: Event) -> dict[str, str]:
    """Which badges an organizer may print: all, the speakers', or one kind of place's."""
    found = {"all": str(_l("Everyone confirmed")), "speakers": str(_l("Speakers"))}
    kinds = db.session.scalars(
        select(PlaceKind).where(PlaceKind.event_id == event.id).order_by(PlaceKind.position)
    )
    for kind in kinds:
        found[f"kind-{kind.id}"] = str(_l("Place: %(name)s", name=kind.name))
    return found


def _user_ids(query: Any) -> set[int]:
    return {user_id for user_id in db.session.scalars(query) if user_id is not None}


def _roles(event: Event) -> dict[str, set[int]]:
    """Who gets each ribbon (three queries), the grantees before their opt-in."""
    speakers = _user_ids(
        select(ProposalSpeaker.user_id)
        .join(Proposal, Proposal.id == ProposalSpeaker.proposal_id)
        .where(Proposal.event_id == event.id, Proposal.state == ProposalState.CONFIRMED)
    )
    team = db.session.execute(
        select(EventRole.user_id, EventRole.role).where(
            EventRole.event_id == event.id,
            EventRole.role.in_((EventRoleName.ORGANIZER, EventRoleName.CHECK_IN)),
        )
    ).all()
    grantees = _user_ids(
        select(GrantApplication.applicant_id)
        .join(GrantProgramme, GrantProgramme.id == GrantApplication.programme_id)
        .where(GrantProgramme.event_id == event.id, GrantApplication.state == GrantState.ACCEPTED)
    )
    return {
        "speaker": speakers,
        "organizer": {uid for uid, role in team if role == EventRoleName.ORGANIZER},
        "volunteer": {uid for uid, role in team if role == EventRoleName.CHECK_IN},
        "grantee": grantees,
    }


def _badge(
    registration: Registration, user: User, roles: dict[str, set[int]], base: str, slug: str
) -> Badge:
    ribbons = [key for key in ("speaker", "organizer", "volunteer") if user.id in roles[key]]
    grantee = user.id in roles["grantee"] or registration.reserved_for == ReservedFor.GRANTEE
    if grantee and registration.show_grantee_ribbon:
        ribbons.append("grantee")
    return Badge(
        public_id=registration.public_id,
        name=shown_name(registration),
        pronouns=registration.pronouns,
        affiliation=registration.affiliation,
        ribbons=tuple(ribbons),
        url=check_in_url(base, slug, registration.public_id),
    )


def sort_key(badge: Badge) -> tuple[str, str]:
    """By name, case-insensitively, as the printed programme's speaker index."""
    return (badge.name.casefold(), badge.name)


def badges_of(*, event: Event, selection: str, base_url: str, public_id: str = "") -> list[Badge]:
    """The badges of the event's confirmed registrations in `selection` (a key of
    `selections`), sorted by name; only the one of `public_id` when it is given."""
    query = (
        select(Registration, User)
        .join(User, User.id == Registration.user_id)
        .where(
            Registration.event_id == event.id,
            Registration.state == RegistrationState.CONFIRMED,
        )
    )
    if public_id:
        query = query.where(Registration.public_id == public_id)
    elif selection.startswith("kind-") and selection[5:].isdigit():
        query = query.where(Registration.place_kind_id == int(selection[5:]))
    elif selection not in ("all", "speakers"):
        raise ValidationFailed({"selection": str(_l("Choose whose badges to print."))})
    roles = _roles(event)
    rows = db.session.execute(query)
    found = [_badge(reg, user, roles, base_url, event.slug) for reg, user in rows]
    if selection == "speakers" and not public_id:
        found = [badge for badge in found if "speaker" in badge.ribbons]
    return sorted(found, key=sort_key)


def layout_of(key: str) -> Layout:
    if key not in LAYOUTS:
        raise ValidationFailed({"layout": str(_l("Choose a paper layout."))})
    return LAYOUTS[key]


def render_html(event: Event, badges: list[Badge], layout_key: str) -> str:
    layout = layout_of(layout_key)
    sheets = [badges[i : i + layout.per_page] for i in range(0, len(badges), layout.per_page)]
    return render_template(
        "print/badges.html",
        event=event,
        layout=layout,
        sheets=sheets,
        ribbons=RIBBONS,
        qr_svg=qr_svg,
    )


def render_pdf(event: Event, badges: list[Badge], layout_key: str) -> bytes:
    """The PDF of `badges` on `layout_key`'s sheets (untagged: it is printed, not read)."""
    return pdf.render(render_html(event, badges, layout_key))


# --- The whole list, rendered by the worker -------------------------------------------------


def _locale() -> str:
    return str(get_locale() or current_app.config["DEFAULT_LOCALE"])


def key_of(event: Event, badges: list[Badge], layout_key: str) -> str:
    """Everything the PDF shows, hashed: the same key means the same file."""
    facts = [FORMAT_VERSION, _locale(), event.name, layout_key, [asdict(b) for b in badges]]
    raw = json.dumps(facts, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(raw).hexdigest()[:32]


def _path(event: Event, key: str) -> Path:
    return cache_dir() / f"{event.id}-badges-{key}.pdf"


@dataclass(frozen=True)
class Wanted:
    """The badges a request wants: the file's name, its file once rendered, and how many."""

    key: str
    path: Path | None
    count: int


def wanted(*, actor: Any, event: Event, layout: str, selection: str, base_url: str) -> Wanted:
    """The current list's file name and, if the worker has made it, its file (never rendering
    it here)."""
    permissions.require(permissions.can_manage_event(actor, event))
    layout_of(layout)
    badges = badges_of(event=event, selection=selection, base_url=base_url)
    key = key_of(event, badges, layout)
    path = _path(event, key)
    return Wanted(key, path if path.is_file() else None, len(badges))


def ready(event: Event, key: str) -> Path | None:
    path = _path(event, key)
    return path if path.is_file() else None


def render_file(*, event: Event, layout: str, selection: str, base_url: str) -> str:
    """The worker's part: build the list again, render it into the print cache unless it is
    there; returns its key."""
    badges = badges_of(event=event, selection=selection, base_url=base_url)
    key = key_of(event, badges, layout)
    path = _path(event, key)
    if not path.is_file():
        write_atomically(path, render_pdf(event, badges, layout))
    return key


def reprint(*, actor: Any, event: Event, public_id: str, layout: str, base_url: str) -> bytes:
    """One person's badge (single, or in the first place of a sheet), rendered here."""
    permissions.require(permissions.can_manage_event(actor, event))
    layout_of(layout)
    found = badges_of(event=event, selection="all", base_url=base_url, public_id=public_id)
    if not found:
        raise NotFound(str(_l("There is no confirmed registration with this badge.")))
    return render_pdf(event, found, layout)
