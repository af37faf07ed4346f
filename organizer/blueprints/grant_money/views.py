"""Money after the offer: receipts, exchange rates, payouts, the treasurer's export, and
visa invitation letters."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from organizer import permissions
from organizer.blueprints._common import (
    access,
    commit,
    event_or_404,
    event_route,
    paginate_list,
    utcnow,
    viewable_event,
)
from organizer.blueprints._setup_views import fail_form, form_status
from organizer.blueprints.grant_money.forms import (
    LetterForm,
    PayoutForm,
    RateForm,
    ReceiptForm,
    ReviewReceiptForm,
)
from organizer.errors import DomainError, NotFound
from organizer.models import Event, GrantProgramme
from organizer.services import money, uploads
from organizer.services.exports import grants_csv
from organizer.services.grants import applications, programmes, reimbursement
from organizer.services.grants.applications import CATEGORY_LABELS, STATE_LABELS
from organizer.services.print import letters
from organizer.services.reviewing.questions import FileInput

bp = Blueprint("grant_money", __name__)

LABELS = {
    "categories": CATEGORY_LABELS,
    "states": STATE_LABELS,
    "receipt_states": reimbursement.RECEIPT_STATE_LABELS,
}


# The grantee's pages -----------------------------------------------------------------------


@access("owner")
@bp.route("/<event_slug>/grants/applications/<public_id>/receipts", methods=["GET", "POST"])
@login_required
def receipts(event_slug: str, public_id: str):
    event = viewable_event(event_slug)
    try:
        application = applications.application_for_applicant(event, public_id, current_user)
    except NotFound:
        abort(404)
    form = ReceiptForm(application=application)
    if form.validate_on_submit():
        sent = form.file.data
        try:
            amount = money.parse(form.amount.data, form.currency.data, field="amount")
            reimbursement.add_receipt(
                actor=current_user,
                application=application,
                file=FileInput(sent.stream, sent.filename or "") if sent else None,
                category=form.category.data,
                amount=amount,
                currency=form.currency.data,
                spent_on=form.spent_on.data,
                description=form.description.data or "",
                now=utcnow(),
            )
        except DomainError as error:
            fail_form(error, form)
        else:
            commit()
            flash(_("Thank you: the receipt is sent. The organizers will review it."), "success")
            return redirect(
                url_for("grant_money.receipts", event_slug=event.slug, public_id=public_id)
            )
    return render_template(
        "grant_money/receipts.html",
        event=event,
        application=application,
        form=form,
        receipts=reimbursement.receipts_of(application),
        payouts=reimbursement.payouts_of(application),
        summary=reimbursement.summary(application),
        can_send=bool(form.category.choices) and application.state.value == "accepted",
        labels=LABELS,
    ), form_status(form)


@access("owner_or_organizer")
@bp.route("/<event_slug>/grants/receipts/<receipt_public_id>/file")
@login_required
def receipt_file(event_slug: str, receipt_public_id: str):
    event = event_or_404(event_slug)
    try:
        receipt = reimbursement.receipt_for(event, receipt_public_id, current_user)
    except NotFound:
        abort(404)
    path = uploads.path_of(receipt.upload)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=receipt.upload.content_type,
        as_attachment=True,
        download_name=receipt.upload.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@access("grantee")
@bp.route("/<event_slug>/grants/letter", methods=["GET", "POST"])
@login_required
def letter(event_slug: str):
    event = viewable_event(event_slug)
    allowed = letters.may_request_letter(current_user, event)
    ready = programmes.letter_template(event) is not None
    form = LetterForm()
    if allowed and form.validate_on_submit():
        try:
            pdf = letters.visa_letter_pdf(
                actor=current_user, event=event, passport_name=form.passport_name.data, now=utcnow()
            )
        except DomainError as error:
            fail_form(error, form)
        else:
            response = Response(pdf, mimetype="application/pdf")
            response.headers["Content-Disposition"] = (
                f'attachment; filename="invitation-{event.slug}.pdf"'
            )
            response.headers["Cache-Control"] = "private, no-store"
            return response
    return render_template(
        "grant_money/letter.html", event=event, form=form, allowed=allowed, ready=ready
    ), (form_status(form) if allowed else 403)


# The organizers' pages ---------------------------------------------------------------------

MONEY = "/manage/<event_slug>/grants/<programme_public_id>/money"


def _programme(event: Event, public_id: str) -> GrantProgramme:
    try:
        return programmes.programme_by_public_id(event, public_id)
    except NotFound:
        abort(404)


def _page(template: str, event: Event, programme: GrantProgramme, **context: Any) -> str:
    return render_template(
        f"grant_money/{template}", event=event, programme=programme, labels=LABELS, **context
    )


@access("organizer")
@bp.route(MONEY)
@event_route(permissions.can_manage_grants)
def overview(event: Event, programme_public_id: str):
    programme = _programme(event, programme_public_id)
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
    programme = _programme(event, programme_public_id)
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
    programme = _programme(event, programme_public_id)
    try:
        receipt = reimbursement.receipt_in_programme(programme, receipt_public_id)
    except NotFound:
        abort(404)
    form = ReviewReceiptForm()
    if form.validate_on_submit():
        approve = form.decision.data == "approve"
        try:
            reimbursement.review_receipt(
                actor=current_user,
                receipt=receipt,
                approve=approve,
                reason=form.reason.data or "",
                now=utcnow(),
            )
        except DomainError as error:
            fail_form(error, form)
        else:
            commit()
            flash(
                _("The receipt is approved.") if approve else _("The receipt is rejected."),
                "success",
            )
            return redirect(
                url_for(
                    "grant_money.waiting",
                    event_slug=event.slug,
                    programme_public_id=programme.public_id,
                )
            )
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
    programme = _programme(event, programme_public_id)
    form = RateForm(programme=programme)
    if request.method == "GET" and request.args.get("currency"):
        form.currency.data = request.args["currency"]
        form.on_date.data = None
        form.on_date.raw_data = [request.args.get("on_date", "")]
    if form.validate_on_submit():
        try:
            converted = reimbursement.set_rate(
                actor=current_user,
                programme=programme,
                currency=form.currency.data,
                on_date=form.on_date.data,
                rate=form.rate_value(),
                now=utcnow(),
            )
        except DomainError as error:
            fail_form(error, form)
        else:
            commit()
            flash(
                _("The rate is saved. Receipts converted with it: %(n)d.", n=converted),
                "success",
            )
            return redirect(
                url_for(
                    "grant_money.rates",
                    event_slug=event.slug,
                    programme_public_id=programme.public_id,
                )
            )
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
    programme = _programme(event, programme_public_id)
    try:
        application = reimbursement.grantee_in_programme(programme, application_public_id)
    except NotFound:
        abort(404)
    form = PayoutForm()
    if form.validate_on_submit():
        try:
            amount = money.parse(form.amount.data, programme.currency, field="amount")
            reimbursement.record_payout(
                actor=current_user,
                application=application,
                amount=amount,
                paid_on=form.paid_on.data,
                reference=form.reference.data or "",
                override_reason=form.reason(),
                now=utcnow(),
            )
        except DomainError as error:
            fail_form(error, form)
        else:
            commit()
            flash(_("The payout is recorded."), "success")
            return redirect(
                url_for(
                    "grant_money.payouts",
                    event_slug=event.slug,
                    programme_public_id=programme.public_id,
                    application_public_id=application.public_id,
                )
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
    programme = _programme(event, programme_public_id)
    include_need = request.args.get("include_need") in ("1", "y", "on", "true")
    text = grants_csv.render(programme, include_need=include_need)
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="grants-{event.slug}-{programme.public_id[:8]}.csv"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
