"""Organizers mail a group of their event's people: compose a draft, preview it as each person
will read it, send it with an explicit "Send to N people", and see past mails with how far
the outbox got. Organizers only; the services check it too."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from organizer import permissions
from organizer.blueprints._common import (
    access,
    attempt,
    event_route,
    paginate,
    paginate_list,
    utcnow,
)
from organizer.blueprints._limits import rate_limited
from organizer.blueprints.bulk_mail.forms import ComposeForm, DiscardForm, SendForm
from organizer.errors import DomainError
from organizer.models import Event, MailBatch
from organizer.services import bulk_mail
from organizer.services.cfp import call as call_service

bp = Blueprint("bulk_mail", __name__, url_prefix="/manage")


def _batch_or_404(event: Event, batch_id: str) -> MailBatch:
    try:
        return bulk_mail.batch_in_event(actor=current_user, event=event, public_id=batch_id)
    except DomainError:
        abort(404)


def _preview_url(event: Event, batch: MailBatch) -> str:
    return url_for("bulk_mail.batch", event_slug=event.slug, batch_id=batch.public_id)


@access("organizer")
@bp.route("/<event_slug>/mail/")
@event_route(permissions.can_send_bulk_mail)
def index(event: Event):
    page = paginate(bulk_mail.sent_batches(event))
    return render_template(
        "bulk_mail/index.html",
        event=event,
        page=page,
        delivery=bulk_mail.delivery([batch.id for batch in page.items]),
        drafts=bulk_mail.drafts(event),
        groups=bulk_mail.GROUPS,
    )


def _compose_page(event: Event, form: ComposeForm, batch: MailBatch | None = None):  # type: ignore[no-untyped-def]
    if form.validate_on_submit():
        saved = attempt(
            lambda: bulk_mail.save_draft(
                actor=current_user,
                event=event,
                group=form.group.data,
                track_id=form.track.data,
                subject=form.subject.data,
                body=form.body.data,
                now=utcnow(),
                batch=batch,
            ),
            form=form,
        )
        if saved.ok:
            assert saved.value is not None
            return redirect(_preview_url(event, saved.value))
    return render_template(
        "bulk_mail/compose.html",
        event=event,
        form=form,
        batch=batch,
        groups=bulk_mail.GROUPS,
        placeholders=bulk_mail.PLACEHOLDERS,
        common=bulk_mail.COMMON_PLACEHOLDERS,
        for_speakers=bulk_mail.PROPOSAL_PLACEHOLDERS,
        for_applicants=bulk_mail.APPLICATION_PLACEHOLDERS,
    ), 400 if form.errors else 200


@access("organizer")
@bp.route("/<event_slug>/mail/new", methods=["GET", "POST"])
@event_route(permissions.can_send_bulk_mail)
def compose(event: Event):
    return _compose_page(event, ComposeForm(tracks=call_service.tracks(event)))


@access("organizer")
@bp.route("/<event_slug>/mail/<batch_id>/edit", methods=["GET", "POST"])
@event_route(permissions.can_send_bulk_mail)
def edit(event: Event, batch_id: str):
    batch = _batch_or_404(event, batch_id)
    if batch.sent_at is not None:
        flash(_("This mail has already been sent; it cannot change any more."), "error")
        return redirect(_preview_url(event, batch))
    form = ComposeForm(tracks=call_service.tracks(event), batch=batch)
    return _compose_page(event, form, batch)


@access("organizer")
@bp.route("/<event_slug>/mail/<batch_id>")
@event_route(permissions.can_send_bulk_mail)
def batch(event: Event, batch_id: str):
    """A draft's preview (and the button that sends it), or a sent mail and who it went to."""
    batch = _batch_or_404(event, batch_id)
    group = bulk_mail.GROUPS.get(batch.group)
    if batch.sent_at is not None:
        page = paginate(bulk_mail.sent_to(batch))
        return render_template(
            "bulk_mail/sent.html",
            event=event,
            batch=batch,
            group=group,
            page=page,
            delivery=bulk_mail.delivery([batch.id])[batch.id],
            bucket=bulk_mail.bucket,
        )
    found = bulk_mail.recipients_of(batch)
    people = found.people
    shown = people[0] if people else None
    person_id = request.args.get("person", type=int)
    if person_id is not None:
        shown = next((r for r in people if r.user.id == person_id), shown)
    return render_template(
        "bulk_mail/preview.html",
        event=event,
        batch=batch,
        group=group,
        found=found,
        page=paginate_list(people),
        shown=shown,
        mail=bulk_mail.render(batch, shown) if shown is not None else None,
        form=SendForm(expected=len(people)),
        discard_form=DiscardForm(),
    )


@access("organizer")
@bp.route("/<event_slug>/mail/<batch_id>/send", methods=["POST"])
@rate_limited("mail")
@event_route(permissions.can_send_bulk_mail)
def send(event: Event, batch_id: str):
    batch = _batch_or_404(event, batch_id)
    form = SendForm()
    if not form.validate_on_submit():
        flash(_("Nothing was sent: press the send button on the preview."), "error")
        return redirect(_preview_url(event, batch))
    sent = attempt(
        lambda: bulk_mail.send_batch(
            actor=current_user, batch=batch, expected=form.expected.data, now=utcnow()
        ),
        success=lambda count: ngettext(
            "The mail is on its way to %(num)d person.",
            "The mail is on its way to %(num)d people.",
            count,
        ),
    )
    if not sent.ok:
        return redirect(_preview_url(event, batch))
    return redirect(url_for("bulk_mail.index", event_slug=event.slug))


@access("organizer")
@bp.route("/<event_slug>/mail/<batch_id>/discard", methods=["POST"])
@event_route(permissions.can_send_bulk_mail)
def discard(event: Event, batch_id: str):
    batch = _batch_or_404(event, batch_id)
    if DiscardForm().validate_on_submit():
        discarded = attempt(
            lambda: bulk_mail.discard_draft(actor=current_user, event=event, batch=batch),
            success=_("The draft is discarded."),
        )
        if discarded.ok:
            return redirect(url_for("bulk_mail.index", event_slug=event.slug))
    return redirect(_preview_url(event, batch))
