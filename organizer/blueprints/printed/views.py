"""The printed programme: the PDF booklet (standard and large print) and the room signs of the
latest release, for everyone; and the organizers' print settings page."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from organizer import permissions
from organizer.blueprints._common import (
    CheckboxGroupField,
    access,
    attempt,
    event_route,
    preparing,
    utcnow,
    viewable_event,
)
from organizer.blueprints._forms import Form
from organizer.blueprints._setup_forms import WholeNumber
from organizer.blueprints._setup_views import form_status
from organizer.models import Event
from organizer.services.print import booklet as booklets
from organizer.services.print import preparation, signs
from organizer.services.print import settings as print_settings

bp = Blueprint("printed", __name__)


# --- The booklet (standard and large print) --------------------------------------------------


@access("public")
@bp.route("/<event_slug>/programme.pdf")
def booklet(event_slug: str):
    """The printed programme of the latest release; ?edition=large for the large print. The
    worker renders it: until it is ready this is a page that says so (202) and reloads, with
    the previous file if there is one (?previous=1)."""
    event = viewable_event(event_slug)  # a draft event does not exist for outsiders
    edition = request.args.get("edition", "standard")
    if request.args.get("previous"):
        made = booklets.previous_booklet(event, edition=edition)
        if made is None:
            abort(404)
    else:
        made = booklets.cached_booklet(event, edition=edition)
        if made is None:
            preparation.prepare_booklet(event, edition=edition)
            made = booklets.cached_booklet(event, edition=edition)  # a quick worker's
        if made is None:
            previous = booklets.previous_booklet(event, edition=edition)
            return preparing(
                event,
                what=_("The large-print programme") if edition == "large" else _("The programme"),
                previous_url=previous
                and url_for("printed.booklet", event_slug=event.slug, edition=edition, previous=1),
            )
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


# --- The room signs and the print settings ----------------------------------------------------

MAX_AGE = 300


@access("public")
@bp.route("/<event_slug>/signs.pdf", endpoint="signs")
def signs_pdf(event_slug: str):
    """One page per room and day of the latest release, for the doors. 404 before it; while
    the worker renders them, a page that says so (as for the booklet)."""
    event = viewable_event(event_slug)  # a draft event does not exist for outsiders
    key = signs.key_of(event)
    if key is None:
        abort(404)
    if request.if_none_match and request.if_none_match.contains_weak(key):
        response = Response(status=304)
    else:
        if request.args.get("previous"):
            found = signs.previous_signs(event)
            if found is None:
                abort(404)
        else:
            found = signs.cached_signs(event)
            if found is None:
                preparation.prepare_signs(event)
                found = signs.cached_signs(event)  # a quick worker's
        if found is None:
            return preparing(
                event,
                what=_("The room signs"),
                previous_url=signs.previous_signs(event)
                and url_for("printed.signs", event_slug=event.slug, previous=1),
            )
        path, key = found
        response = Response(path.read_bytes(), mimetype="application/pdf")
        filename = f"{event.slug}-room-signs.pdf"
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.set_etag(key)
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    return response


class PrintSettingsForm(Form):
    paper = RadioField(
        _l("Paper size"),
        choices=[SelectChoice("a4", _l("A4")), SelectChoice("letter", _l("US Letter"))],
        validators=[InputRequired(_l("Choose A4 or US Letter."))],
        validate_choice=False,  # the service says which papers it knows
    )
    sections = CheckboxGroupField(
        _l("Sections of the booklet"),
        description=_l(
            "They print in this order. The cover, the table of contents and the "
            "bookmarks are always there."
        ),
        validate_choice=False,  # the service says which keys it knows
    )
    notes_pages = WholeNumber(
        _l("Notes pages"),
        description=_l("Blank lined pages at the end for attendees' notes, from 0 to 10."),
    )
    submit = SubmitField(_l("Save print settings"))


@access("organizer")
@bp.route("/manage/<event_slug>/schedule/print", methods=["GET", "POST"])
@event_route(permissions.can_manage_schedule)
def settings(event: Event):
    form = PrintSettingsForm()
    form.sections.choices = [
        SelectChoice(key, label) for key, label in print_settings.sections().items()
    ]
    if not form.is_submitted():
        saved = print_settings.current(event)
        form.paper.data = saved.paper
        form.sections.data = list(saved.sections)
        form.notes_pages.data = saved.notes_pages
    if form.validate_on_submit() and (
        attempt(
            lambda: print_settings.save(
                actor=current_user,
                event=event,
                data=print_settings.PrintInput(
                    paper=form.paper.data or "",
                    sections=tuple(form.sections.data or ()),
                    notes_pages=form.notes_pages.data,
                ),
                now=utcnow(),
            ),
            form=form,
            success=_("The print settings are saved."),
        ).ok
    ):
        return redirect(url_for("printed.settings", event_slug=event.slug))
    return render_template("printed/settings.html", event=event, form=form), form_status(form)
