"""The printed programme: the PDF booklet (standard and large print) and room signs of the
latest release, for everyone; and the organizers' print settings."""

from __future__ import annotations

from flask import Blueprint, abort, make_response, request
from flask_login import current_user

from organizer import permissions
from organizer.blueprints._common import access, event_or_404, utcnow
from organizer.errors import NotFound
from organizer.services.print import booklet as booklets

bp = Blueprint("printed", __name__)


# --- The booklet (standard and large print) --------------------------------------------------


@access("public")
@bp.route("/<event_slug>/programme.pdf")
def booklet(event_slug: str):
    """The printed programme of the latest release; ?edition=large for the large print."""
    event = event_or_404(event_slug)
    if not permissions.can_view_event(current_user, event):
        abort(404)  # a draft event does not exist for outsiders
    edition = request.args.get("edition", "standard")
    try:
        made = booklets.booklet(event, edition=edition, now=utcnow())
    except NotFound:
        abort(404)
    response = make_response(made.pdf)
    response.headers["Content-Type"] = "application/pdf"
    suffix = "-large-print" if edition == "large" else ""
    response.headers["Content-Disposition"] = (
        f'inline; filename="{event.slug}-programme{suffix}.pdf"'
    )
    response.set_etag(made.key)
    response.cache_control.public = event.is_public
    response.cache_control.no_cache = True  # revalidate: a new release changes the ETag
    return response.make_conditional(request)


# --- end of the booklet ----------------------------------------------------------------------
from organizer.blueprints.printed import settings_views  # noqa: E402, F401
