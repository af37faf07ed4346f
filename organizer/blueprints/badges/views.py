"""Badges and certificates of attendance: the organizers' badge sheets (the whole list or a
selection, rendered by the worker; one person's reprint), an attendee's own certificate once
checked in, and the public page that verifies a certificate."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from organizer import permissions
from organizer.blueprints._common import (
    access,
    download,
    event_or_404,
    event_route,
    preparing,
    utcnow,
)
from organizer.blueprints.badges.forms import BadgesForm
from organizer.models import Event
from organizer.services.mail import external_url
from organizer.services.print import badges, certificates, preparation

bp = Blueprint("badges", __name__)


def _site_root() -> str:
    """The site's absolute address (BASE_URL in production, never the request's Host), for
    the links printed on badges and certificates."""
    return external_url("public.home")


def _download(data: bytes, name: str) -> Response:
    return download(data, content_type="application/pdf", name=name)


def _form(event: Event) -> BadgesForm:
    form = BadgesForm(request.args)
    form.layout.choices = [SelectChoice(k, str(v.label)) for k, v in badges.LAYOUTS.items()]
    form.selection.choices = [
        SelectChoice(k, label) for k, label in badges.selections(event).items()
    ]
    return form


@access("organizer")
@bp.route("/manage/<event_slug>/badges/")
@event_route(permissions.can_manage_event)
def index(event: Event):
    """Choose a layout and whose badges; the PDF opens once the worker has made it."""
    form = _form(event)
    if request.args.get("submit") and form.validate():
        return redirect(
            url_for(
                "badges.sheets",
                event_slug=event.slug,
                layout=form.layout.data,
                selection=form.selection.data,
            )
        )
    if not request.args:
        form.layout.data = badges.DEFAULT_LAYOUT
        form.selection.data = "all"
    status = 400 if form.errors else 200
    return render_template("badges/index.html", event=event, form=form), status


@access("organizer")
@bp.route("/manage/<event_slug>/badges/list.pdf")
@event_route(permissions.can_manage_event)
def sheets(event: Event):
    """The badges as a PDF, which the worker renders: until it is ready, a page that says so
    (202) and reloads itself. An unknown layout or selection is a 400 (the service says so)."""
    layout = request.args.get("layout", badges.DEFAULT_LAYOUT)
    selection = request.args.get("selection", "all")
    base = _site_root()
    wanted = badges.wanted(
        actor=current_user, event=event, layout=layout, selection=selection, base_url=base
    )
    path = wanted.path
    if path is None:
        preparation.prepare_badges(
            event, layout=layout, selection=selection, base_url=base, key=wanted.key
        )
        path = badges.ready(event, wanted.key)  # a quick worker's
    if path is None:
        return preparing(
            event,
            what=_("The badge sheet"),
            previous_url=None,
            about=_(
                "%(count)d badges are being made from the registrations as they are now; "
                "this page opens them when they are ready.",
                count=wanted.count,
            ),
            back=(url_for("badges.index", event_slug=event.slug), _("Back to the badges")),
            layout="layouts/organizer.html",
        )
    return _download(path.read_bytes(), f"{event.slug}-badges-{layout}.pdf")


@access("organizer")
@bp.route("/manage/<event_slug>/badges/<public_id>.pdf")
@event_route(permissions.can_manage_event)
def person(event: Event, public_id: str):
    """One person's badge again (?layout=single, the default, or a sheet's layout)."""
    layout = request.args.get("layout", "single")
    data = badges.reprint(
        actor=current_user, event=event, public_id=public_id, layout=layout, base_url=_site_root()
    )
    return _download(data, f"{event.slug}-badge-{public_id[:8]}.pdf")


@access("owner")
@bp.route("/<event_slug>/registration/certificate.pdf")
@login_required
def certificate(event_slug: str):
    """The signed-in person's certificate of attendance; 404 unless they were checked in."""
    event = event_or_404(event_slug)
    data = certificates.certificate_pdf(
        actor=current_user, event=event, base_url=_site_root(), now=utcnow()
    )
    return _download(data, f"{event.slug}-certificate-of-attendance.pdf")


@access("token")
@bp.route("/<event_slug>/certificates/<token>")
def verify(event_slug: str, token: str):
    """Whether a certificate is real: its name, event and dates, or why not (404)."""
    event = event_or_404(event_slug)
    result = certificates.check(event=event, token=token)
    page = render_template("badges/verify.html", event=event, result=result)
    response = Response(page, status=200 if result.valid else 404)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
