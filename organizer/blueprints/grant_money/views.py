"""Money after the offer: receipts, exchange rates, payouts, the treasurer's export, and
visa invitation letters."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from organizer import permissions
from organizer.blueprints._common import (
    CSV,
    access,
    attachment,
    attempt,
    download,
    event_or_404,
    event_route,
    paginate_list,
    utcnow,
    viewable_event,
)
from organizer.blueprints._setup_views import form_status
from organizer.blueprints.grant_money.forms import (
    LetterForm,
    PayoutForm,
    RateForm,
    ReceiptForm,
    ReviewReceiptForm,
)
from organizer.models import Event, GrantProgramme
from organizer.services import money, uploads
from organizer.services.exports import grants_csv
from organizer.services.grants import applications, programmes, reimbursement
from organizer.services.print import letters
from organizer.services.reviewing.questions import FileInput

bp = Blueprint("grant_money", __name__)


# The grantee's pages -----------------------------------------------------------------------


@access("owner")
@bp.route("/<event_slug>/grants/applications/<public_id>/receipts", methods=["GET", "POST"])
@login_required
def receipts(event_slug: str, public_id: str):
    event = viewable_event(event_slug)
    application = applications.application_for_applicant(event, public_id, current_user)
    form = ReceiptForm(application=application)

    def send():  # type: ignore[no-untyped-def]
        sent = form.file.data
        return reimbursement.add_receipt(
            actor=current_user,
            application=application,
            file=FileInput(sent.stream, sent.filename or "") if sent else None,
            category=form.category.data,
            amount=money.parse(form.amount.data, form.currency.data, field="amount"),
            currency=form.currency.data,
            spent_on=form.spent_on.data,
            description=form.description.data or "",
            now=utcnow(),
        )

    if (
        form.validate_on_submit()
        and attempt(
            send,
            form=form,
            success=_("Thank you: the receipt is sent. The organizers will review it."),
        ).ok
    ):
        return redirect(url_for("grant_money.receipts", event_slug=event.slug, public_id=public_id))
    return render_template(
        "grant_money/receipts.html",
        event=event,
        application=application,
        form=form,
        receipts=reimbursement.receipts_of(application),
        payouts=reimbursement.payouts_of(application),
        summary=reimbursement.summary(application),
        can_send=bool(form.category.choices)
        and permissions.can_send_receipts(current_user, application),
    ), form_status(form)


@access("owner_or_organizer")
@bp.route("/<event_slug>/grants/receipts/<receipt_public_id>/file")
@login_required
def receipt_file(event_slug: str, receipt_public_id: str):
    event = event_or_404(event_slug)
    receipt = reimbursement.receipt_for(event, receipt_public_id, current_user)
    path = uploads.path_of(receipt.upload)
    if not path.is_file():
        abort(404)
    return attachment(path, content_type=receipt.upload.content_type, name=receipt.upload.filename)


@access("grantee")
@bp.route("/<event_slug>/grants/letter", methods=["GET", "POST"])
@login_required
def letter(event_slug: str):
    event = viewable_event(event_slug)
    allowed = letters.may_request_letter(current_user, event)
    ready = programmes.letter_template(event) is not None
    form = LetterForm()
    if allowed and form.validate_on_submit():
        made = attempt(
            lambda: letters.visa_letter_pdf(
                actor=current_user, event=event, passport_name=form.passport_name.data, now=utcnow()
            ),
            form=form,
        )
        if made.ok:
            name = f"invitation-{event.slug}.pdf"
            return download(made.value, content_type="application/pdf", name=name)
    return render_template(
        "grant_money/letter.html", event=event, form=form, allowed=allowed, ready=ready
    ), (form_status(form) if allowed else 403)


# The organizers' pages ---------------------------------------------------------------------

MONEY = "/manage/<event_slug>/grants/<programme_public_id>/money"


def _page(template: str, event: Event, programme: GrantProgramme, **context: Any) -> str:
    return render_template(f"grant_money/{template}", event=event, programme=programme, **context)


def _back_to(endpoint: str, programme: GrantProgramme, **values: str) -> Response:
    return redirect(
        url_for(
            endpoint,
            event_slug=programme.event.slug,
            programme_public_id=programme.public_id,
            **values,
        )
    )


@access("organizer")
@bp.route(MONEY)
@event_route(permissions.can_manage_grants)
def overview(event: Event, programme_public_id: str):
    programme = programmes.programme_by_public_id(event, programme_public_id)
    totals = reimbursement.programme_totals(programme)
    return _page(
        "overview.html",
        event,
        programme,
        totals=totals,
        page=paginate_list(totals.rows),
        missing=reimbursement.missing_rates(programme),
    )


@access("organizer")
@bp.route(f"{MONEY}/receipts")
@event_route(permissions.can_manage_grants)
def waiting(event: Event, programme_public_id: str):
    programme = programmes.programme_by_public_id(event, programme_public_id)
    return _page(
        "waiting.html",
        event,
        programme,
        page=paginate_list(reimbursement.waiting_receipts(programme)),
    )


@access("organizer")
@bp.route(f"{MONEY}/receipts/<receipt_public_id>", methods=["GET", "POST"])
@event_route(permissions.can_manage_grants)
def review_receipt(event: Event, programme_public_id: str, receipt_public_id: str):
    programme = programmes.programme_by_public_id(event, programme_public_id)
    receipt = reimbursement.receipt_in_programme(programme, receipt_public_id)
    form = ReviewReceiptForm()
    if form.validate_on_submit():
        approve = form.decision.data == "approve"
        if attempt(
            lambda: reimbursement.review_receipt(
                actor=current_user,
                receipt=receipt,
                approve=approve,
                reason=form.reason.data or "",
                now=utcnow(),
            ),
            form=form,
            success=_("The receipt is approved.") if approve else _("The receipt is rejected."),
        ).ok:
            return _back_to("grant_money.waiting", programme)
    return _page(
        "review_receipt.html",
        event,
        programme,
        receipt=receipt,
        form=form,
        summary=reimbursement.summary(receipt.application),
    ), form_status(form)


@access("organizer")
@bp.route(f"{MONEY}/rates", methods=["GET", "POST"])
@event_route(permissions.can_manage_grants)
def rates(event: Event, programme_public_id: str):
    programme = programmes.programme_by_public_id(event, programme_public_id)
    form = RateForm(programme=programme)
    if request.method == "GET" and request.args.get("currency"):
        form.currency.data = request.args["currency"]
        form.on_date.data = None
        form.on_date.raw_data = [request.args.get("on_date", "")]
    if (
        form.validate_on_submit()
        and attempt(
            lambda: reimbursement.set_rate(
                actor=current_user,
                programme=programme,
                currency=form.currency.data,
                on_date=form.on_date.data,
                rate=form.rate_value(),
                now=utcnow(),
            ),
            form=form,
            success=lambda converted: _(
                "The rate is saved. Receipts converted with it: %(n)d.", n=converted
            ),
        ).ok
    ):
        return _back_to("grant_money.rates", programme)
    return _page(
        "rates.html",
        event,
        programme,
        form=form,
        rates=reimbursement.rates(programme),
        missing=reimbursement.missing_rates(programme),
    ), form_status(form)


@access("organizer")
@bp.route(f"{MONEY}/grantees/<application_public_id>", methods=["GET", "POST"])
@event_route(permissions.can_manage_grants)
def payouts(event: Event, programme_public_id: str, application_public_id: str):
    programme = programmes.programme_by_public_id(event, programme_public_id)
    application = reimbursement.grantee_in_programme(programme, application_public_id)
    form = PayoutForm()
    if (
        form.validate_on_submit()
        and attempt(
            lambda: reimbursement.record_payout(
                actor=current_user,
                application=application,
                amount=money.parse(form.amount.data, programme.currency, field="amount"),
                paid_on=form.paid_on.data,
                reference=form.reference.data or "",
                override_reason=form.reason(),
                now=utcnow(),
            ),
            form=form,
            success=_("The payout is recorded."),
        ).ok
    ):
        return _back_to(
            "grant_money.payouts", programme, application_public_id=application.public_id
        )
    return _page(
        "payouts.html",
        event,
        programme,
        application=application,
        form=form,
        summary=reimbursement.summary(application),
        receipts=reimbursement.receipts_of(application),
        payouts=reimbursement.payouts_of(application),
    ), form_status(form)


@access("organizer")
@bp.route(f"{MONEY}/export.csv")
@event_route(permissions.can_manage_grants)
def export_csv(event: Event, programme_public_id: str):
    programme = programmes.programme_by_public_id(event, programme_public_id)
    include_need = request.args.get("include_need") in ("1", "y", "on", "true")
    text = grants_csv.render(programme, include_need=include_need)
    name = f"grants-{event.slug}-{programme.public_id[:8]}.csv"
    return download(text, content_type=CSV, name=name)
