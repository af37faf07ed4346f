"""Organizers decide on grant applications: the applications and their threads, pins and
refusals, the allocation run and its adjustment, and the offers that follow."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from organizer import permissions
from organizer.blueprints import _solve_views as solve_views
from organizer.blueprints._common import (
    Outcome,
    access,
    attempt,
    commit,
    event_route,
    paginate_list,
    rollback,
    show_domain_error,
    utcnow,
)
from organizer.blueprints._grant_views import PROGRAMME
from organizer.blueprints._grant_views import back as _back
from organizer.blueprints._grant_views import grant_confirm_then as _confirm_then
from organizer.blueprints._grant_views import programme_or_404 as _programme
from organizer.blueprints._limits import rate_limited
from organizer.blueprints._setup_forms import ConfirmForm
from organizer.blueprints._setup_views import form_status, local_date_and_time, utc_from_local
from organizer.blueprints.grant_decisions.forms import (
    CommitForm,
    MessageForm,
    OfferNextForm,
    PinForm,
    RunForm,
)
from organizer.enums import AllocationStatus, GrantCategory, GrantState
from organizer.errors import DomainError, ValidationFailed
from organizer.models import Event, GrantApplication, GrantProgramme
from organizer.services import money, solves
from organizer.services.grants import allocation, applications, offers, programmes, review
from organizer.services.grants import messages as grant_messages
from organizer.services.grants.applications import CATEGORY_LABELS

bp = Blueprint("grant_decisions", __name__, url_prefix="/manage")
log = logging.getLogger(__name__)

T = TypeVar("T")


# Helpers -------------------------------------------------------------------------------------


def _application(programme: GrantProgramme, public_id: str) -> GrantApplication:
    application = applications.application_by_public_id(programme.event, public_id)
    if application.programme_id != programme.id or permissions.is_draft_application(application):
        abort(404)
    return application


def _labels() -> dict[str, Any]:
    return {
        "state_labels": {s.value: applications.STATE_LABELS[s] for s in GrantState},
        "category_labels": {c.value: CATEGORY_LABELS[c] for c in GrantCategory},
    }


# Applications ------------------------------------------------------------------------------

LISTED_STATES = [s for s in GrantState if s != GrantState.DRAFT]


@access("organizer")
@bp.route(PROGRAMME + "/applications", endpoint="applications")
@event_route(permissions.can_manage_grants)
def applications_page(event: Event, programme_public_id: str):
    programme = _programme(event, programme_public_id)
    state = request.args.get("state", "")
    if state and state not in {s.value for s in LISTED_STATES}:
        state = ""
    rows = offers.application_rows(programme, state=state, viewer=current_user)
    return render_template(
        "grant_decisions/applications.html",
        event=event,
        programme=programme,
        page=paginate_list(rows),
        state=state,
        states=LISTED_STATES,
        **_labels(),
    )


def _application_page(
    event: Event,
    programme: GrantProgramme,
    application: GrantApplication,
    *,
    message_form: MessageForm | None = None,
    pin_form: PinForm | None = None,
    status: int = 200,
):  # type: ignore[no-untyped-def]
    if pin_form is None:
        pin_form = PinForm(formdata=None, pin=application.pin or "")
    own = permissions.is_own_application(current_user, application)
    figures = None if own else review.scores(programme).get(application.id)
    return render_template(
        "grant_decisions/application.html",
        event=event,
        programme=programme,
        application=application,
        answers=applications.answers_of(application),
        reviews=[] if own else offers.reviews_of(application),
        own=own,
        criteria={c.id: c for c in programmes.criteria(programme)},
        figures=figures,
        # Internal notes are the committee's talk about the applicant, who here is the viewer.
        thread=grant_messages.thread(application, include_internal=not own),
        message_form=message_form or MessageForm(),
        pin_form=pin_form,
        need_labels=applications.NEED_LABELS,
        country_name=applications.country_name,
        **_labels(),
    ), status


@access("organizer")
@bp.route(PROGRAMME + "/applications/<public_id>", methods=["GET", "POST"])
@rate_limited("mail")
@event_route(permissions.can_manage_grants)
def application(event: Event, programme_public_id: str, public_id: str):
    programme = _programme(event, programme_public_id)
    item = _application(programme, public_id)
    form = MessageForm()
    if form.validate_on_submit():
        if form.ask.data:
            done = attempt(
                lambda: grant_messages.request_info(
                    actor=current_user, application=item, body=form.body.data, now=utcnow()
                ),
                form=form,
                success=_("The applicant is asked for more information and notified by mail."),
            )
        else:
            internal = bool(form.note.data)
            done = attempt(
                lambda: grant_messages.post_message(
                    actor=current_user,
                    application=item,
                    body=form.body.data,
                    internal=internal,
                    now=utcnow(),
                ),
                form=form,
                success=_("The internal note is saved. The applicant does not see it.")
                if internal
                else _("The message is sent to the applicant."),
            )
        if not done.ok:
            return _application_page(event, programme, item, message_form=form, status=done.status)
        return redirect(
            url_for(
                "grant_decisions.application",
                event_slug=event.slug,
                programme_public_id=programme.public_id,
                public_id=item.public_id,
            )
            + "#thread"
        )
    return _application_page(
        event, programme, item, message_form=form, status=400 if form.errors else 200
    )


@access("organizer")
@bp.route(PROGRAMME + "/applications/<public_id>/pin", methods=["POST"])
@event_route(permissions.can_manage_grants)
def pin(event: Event, programme_public_id: str, public_id: str):
    programme = _programme(event, programme_public_id)
    item = _application(programme, public_id)
    form = PinForm()
    if form.validate_on_submit() and (
        attempt(
            lambda: offers.set_pin(
                actor=current_user, application=item, pin=form.pin.data, now=utcnow()
            ),
            form=form,
            success=_("The pin is saved; it applies to the next allocation run."),
        ).ok
    ):
        return redirect(
            url_for(
                "grant_decisions.application",
                event_slug=event.slug,
                programme_public_id=programme.public_id,
                public_id=item.public_id,
            )
        )
    return _application_page(event, programme, item, pin_form=form, status=form_status(form))


@access("organizer")
@bp.route(PROGRAMME + "/applications/<public_id>/reject", methods=["GET", "POST"])
@rate_limited("mail")
@event_route(permissions.can_manage_grants)
def reject(event: Event, programme_public_id: str, public_id: str):
    programme = _programme(event, programme_public_id)
    item = _application(programme, public_id)
    back = url_for(
        "grant_decisions.application",
        event_slug=event.slug,
        programme_public_id=programme.public_id,
        public_id=item.public_id,
    )
    return _confirm_then(
        event,
        lambda: offers.reject(actor=current_user, application=item, now=utcnow()),
        done=_("The application is turned down and the applicant is told by mail."),
        after=back,
        programme=programme,
        title=_("Turn down an application"),
        question=_("Turn down the application of %(name)s?", name=item.applicant.display_name),
        consequence=_("The applicant gets a mail saying that they get no grant this time."),
        button=_("Turn down the application"),
        back=back,
    )


# Allocation --------------------------------------------------------------------------------


def _allocation_page(
    event: Event,
    programme: GrantProgramme,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    run_form: RunForm | None = None,
):  # type: ignore[no-untyped-def]
    run = allocation.latest_run(programme)
    draft = run if run is not None and run.status == AllocationStatus.DRAFT else None
    committed = allocation.committed_total(programme)
    proposal = allocation.run_total(draft) if draft else 0
    return render_template(
        "grant_decisions/allocation.html",
        event=event,
        programme=programme,
        run=run,
        draft=draft,
        rows=offers.allocation_rows(programme, draft, viewer=current_user) if draft else [],
        own_left_out=review.own_count(programme, current_user),
        categories=[c.value for c in programmes.categories_for(programme)],
        committed=committed,
        proposal=proposal,
        explanation=allocation.explain(draft) if draft else None,
        left=programme.budget - committed - proposal,
        run_form=run_form or _run_form(),
        under_way=solves.under_way(event, now=utcnow(), programme=programme),
        adjust_form=ConfirmForm(),
        typed=typed or {},
        errors=errors or {},
        money_input=money.for_input,
        **_labels(),
    ), status


@access("organizer")
@bp.route(PROGRAMME + "/allocation", methods=["GET", "POST"], endpoint="allocation")
@rate_limited("mail")  # a run mails whoever started it when they have left
@event_route(permissions.can_manage_grants)
def allocation_page(event: Event, programme_public_id: str):
    """The draft allocation; its button starts a run in the task queue (services/solves.py)
    and opens the run's progress page."""
    programme = _programme(event, programme_public_id)
    form = _run_form()
    if form.validate_on_submit():
        limit = form.time_limit.data or int(allocation.TIME_LIMIT_SECONDS)
        done = attempt(
            lambda: solves.start_allocation(
                programme=programme,
                actor=current_user,
                now=utcnow(),
                time_limit=limit,
                basis=form.basis.data or allocation.BASIS_REQUESTS,
            ),
            form=form,
        )
        if done.ok:
            assert done.value is not None
            return redirect(_enqueue(event, programme, done.value))
        return _allocation_page(event, programme, status=done.status, run_form=form)
    if form.is_submitted():
        return _allocation_page(event, programme, status=400, run_form=form)
    return _allocation_page(event, programme)


def _run_form() -> RunForm:
    form = RunForm()
    if not form.is_submitted():
        form.time_limit.data = int(allocation.TIME_LIMIT_SECONDS)
    return form


# A run's progress (the task queue runs the optimiser) -----------------------------------------

SOLVE = PROGRAMME + "/allocation/runs/<solve_id>"


def _solve_url(event: Event, programme: GrantProgramme, solve_id: str) -> str:
    return url_for(
        "grant_decisions.solve",
        event_slug=event.slug,
        programme_public_id=programme.public_id,
        solve_id=solve_id,
    )


def _enqueue(event: Event, programme: GrantProgramme, solve: Any) -> str:
    return solve_views.enqueue(solve, progress_url=_solve_url(event, programme, solve.public_id))


def _followed(event: Event, programme_public_id: str, solve_id: str):  # type: ignore[no-untyped-def]
    programme = _programme(event, programme_public_id)
    try:
        solve = solves.solve_by_public_id(
            actor=current_user, event=event, public_id=solve_id, programme=programme
        )
    except DomainError as error:
        abort(error.status_code)
    now = utcnow()
    solves.seen(solve, now=now)
    return programme, solve, solves.status(solve, now=now)


@access("organizer")
@bp.route(SOLVE)
@event_route(permissions.can_manage_grants)
def solve(event: Event, programme_public_id: str, solve_id: str):
    """A run's progress: reloads itself while it runs (a script updates it in between); once
    done, the allocation page with its draft."""
    programme, item, status = _followed(event, programme_public_id, solve_id)
    if status.result_public_id is not None:
        flash(_("The allocation ran. Check the proposal below and adjust it."), "success")
        return _back("grant_decisions.allocation", event, programme)
    return solve_views.progress_page(
        "grant_decisions/solve.html", event=event, programme=programme, solve=item, status=status
    )


@access("organizer")
@bp.route(SOLVE + ".json")
@event_route(permissions.can_manage_grants)
def solve_status(event: Event, programme_public_id: str, solve_id: str):
    """What the progress page's script polls."""
    programme, _item, status = _followed(event, programme_public_id, solve_id)
    result_url = status.result_public_id and url_for(
        "grant_decisions.allocation", event_slug=event.slug, programme_public_id=programme.public_id
    )
    return solve_views.status_json(status, result_url=result_url or None)


@access("organizer")
@bp.route(SOLVE + "/cancel", methods=["GET", "POST"])
@event_route(permissions.can_manage_grants)
def cancel_solve(event: Event, programme_public_id: str, solve_id: str):
    programme, item, _status = _followed(event, programme_public_id, solve_id)
    return _confirm_then(
        event,
        lambda: solves.cancel(actor=current_user, solve=item, now=utcnow()),
        done=_("The run is cancelled. The allocation did not change."),
        after=url_for(
            "grant_decisions.allocation",
            event_slug=event.slug,
            programme_public_id=programme.public_id,
        ),
        programme=programme,
        title=_("Cancel the run"),
        question=_("Stop the allocation now?"),
        consequence=_("It stops within a few seconds and changes nothing."),
        button=_("Cancel the run"),
        back=_solve_url(event, programme, item.public_id),
    )


def _field(line_id: int, category: str) -> str:
    return f"amount-{line_id}-{category}"


@access("organizer")
@bp.route(PROGRAMME + "/allocation/adjust", methods=["POST"])
@event_route(permissions.can_manage_grants)
def adjust(event: Event, programme_public_id: str):
    """Save the amounts typed in the proposal table: every changed line, lowered ones first
    (so that money freed on one line can go to another in the same save)."""
    programme = _programme(event, programme_public_id)
    form = ConfirmForm()
    run = allocation.latest_run(programme)
    if not form.validate_on_submit() or run is None or run.status != AllocationStatus.DRAFT:
        flash(_("There is no draft allocation to adjust. Run the allocation first."), "error")
        return _back("grant_decisions.allocation", event, programme)
    categories = [c.value for c in programmes.categories_for(programme)]
    typed = {k: v for k, v in request.form.items() if k.startswith("amount-")}
    errors: dict[str, str] = {}
    changes = []
    for line in run.lines:
        current = {k: int(v) for k, v in (line.amounts or {}).items() if int(v) > 0}
        amounts: dict[str, int] = dict(current)  # categories not in the form stay as they are
        for category in categories:
            name = _field(line.id, category)
            if name not in typed:
                continue
            try:
                amounts[category] = money.parse(typed[name], programme.currency, field=name)
            except ValidationFailed as error:
                errors.update(error.errors)
        wanted = {k: v for k, v in amounts.items() if v > 0}
        if wanted != current:
            changes.append((sum(wanted.values()) - line.total, line, amounts))
    if not errors:
        now = utcnow()
        for _delta, line, amounts in sorted(changes, key=lambda change: change[0]):
            try:
                allocation.adjust_line(actor=current_user, line=line, amounts=amounts, now=now)
            except ValidationFailed as error:
                for key, message in error.errors.items():
                    name = (
                        _field(line.id, key.removeprefix("amount-")) if key else f"line-{line.id}"
                    )
                    errors[name] = message
            except DomainError as error:
                show_domain_error(error)
                return _allocation_page(event, programme, typed=typed, status=error.status_code)
    if errors:
        rollback()
        flash(_("Nothing was saved: correct the amounts marked below."), "error")
        return _allocation_page(event, programme, typed=typed, errors=errors, status=400)
    commit()
    flash(
        _("The proposal is saved.") if changes else _("Nothing changed."),
        "success",
    )
    return _back("grant_decisions.allocation", event, programme)


def _draft_or_redirect(event: Event, programme: GrantProgramme):  # type: ignore[no-untyped-def]
    run = allocation.latest_run(programme)
    if run is None or run.status != AllocationStatus.DRAFT:
        flash(_("There is no draft allocation. Run the allocation first."), "error")
        return None, _back("grant_decisions.allocation", event, programme)
    return run, None


@access("organizer")
@bp.route(PROGRAMME + "/allocation/discard", methods=["GET", "POST"])
@event_route(permissions.can_manage_grants)
def discard(event: Event, programme_public_id: str):
    programme = _programme(event, programme_public_id)
    run, elsewhere = _draft_or_redirect(event, programme)
    if run is None:
        return elsewhere
    back = url_for(
        "grant_decisions.allocation",
        event_slug=event.slug,
        programme_public_id=programme.public_id,
    )
    return _confirm_then(
        event,
        lambda: allocation.discard_run(actor=current_user, run=run, now=utcnow()),
        done=_("The proposal is discarded. Nothing was sent."),
        after=back,
        programme=programme,
        title=_("Discard the proposal"),
        question=_("Discard this allocation proposal and your adjustments to it?"),
        consequence=_("No offers are sent. You can run the allocation again at any time."),
        button=_("Discard the proposal"),
        back=back,
    )


def _respond_by_form(form_class: type[CommitForm], event: Event, programme: GrantProgramme):  # type: ignore[no-untyped-def]
    form = form_class(zone=event.timezone)
    if not form.is_submitted():
        day, _clock = local_date_and_time(offers.default_respond_by(programme, utcnow()), event)
        form.respond_date.data, form.respond_time.data = day, dt.time(23, 59)
    return form


def _with_respond_by(
    form: CommitForm,
    event: Event,
    act: Callable[[dt.datetime], T],
    success: Callable[[T], str] | None = None,
) -> Outcome[T]:
    """`attempt` ``act`` with the form's respond-by time (event zone, stored in UTC): a
    refusal is shown in the form, a complaint about ``respond_by`` beside the date field."""
    return attempt(
        lambda: act(utc_from_local(form.respond_date.data, form.respond_time.data, event)),
        form=form,
        success=success,
        fields={"respond_by": "respond_date"},
    )


@access("organizer")
@bp.route(PROGRAMME + "/allocation/send", methods=["GET", "POST"])
@rate_limited("mail")
@event_route(permissions.can_manage_grants)
def send_offers(event: Event, programme_public_id: str):
    programme = _programme(event, programme_public_id)
    run, elsewhere = _draft_or_redirect(event, programme)
    if run is None:
        return elsewhere
    form = _respond_by_form(CommitForm, event, programme)
    if form.validate_on_submit():
        sent = _with_respond_by(
            form,
            event,
            lambda respond_by: offers.commit_run(
                actor=current_user, run=run, respond_by=respond_by, now=utcnow()
            ),
            success=lambda count: _("%(count)d offers are sent.", count=count),
        )
        if sent.ok:
            return _back("grant_decisions.offers", event, programme)
    funded = [line for line in run.lines if line.total > 0]
    return render_template(
        "grant_decisions/send_offers.html",
        event=event,
        programme=programme,
        form=form,
        offers_count=len(funded),
        total=sum(line.total for line in funded),
        waitlisted=len(offers.to_waitlist(run.lines)),
        left=allocation.remaining_budget(programme),
    ), form_status(form)


# Offers ------------------------------------------------------------------------------------


def _offers_page(event: Event, programme: GrantProgramme, form: OfferNextForm, status: int = 200):  # type: ignore[no-untyped-def]
    return render_template(
        "grant_decisions/offers.html",
        event=event,
        programme=programme,
        overview=offers.overview(programme, viewer=current_user),
        committed=allocation.committed_total(programme),
        left=allocation.remaining_budget(programme),
        next_form=form,
        action_form=ConfirmForm(),
        now=utcnow(),
        **_labels(),
    ), status


@access("organizer")
@bp.route(PROGRAMME + "/offers", endpoint="offers")
@event_route(permissions.can_manage_grants)
def offers_page(event: Event, programme_public_id: str):
    programme = _programme(event, programme_public_id)
    return _offers_page(event, programme, _respond_by_form(OfferNextForm, event, programme))


@access("organizer")
@bp.route(PROGRAMME + "/offers/next", methods=["POST"])
@rate_limited("mail")
@event_route(permissions.can_manage_grants)
def offer_next(event: Event, programme_public_id: str):
    programme = _programme(event, programme_public_id)
    form = _respond_by_form(OfferNextForm, event, programme)
    if form.validate_on_submit():
        done = _with_respond_by(
            form,
            event,
            lambda respond_by: offers.offer_next(
                actor=current_user, programme=programme, respond_by=respond_by, now=utcnow()
            ),
        )
        if done.ok:
            offered = done.value
            if offered:
                flash(
                    _(
                        "Offers sent to %(names)s.",
                        names=", ".join(a.applicant.display_name for a in offered),
                    ),
                    "success",
                )
            else:
                flash(
                    _(
                        "Nobody on the waiting list fits in what is left of the budget, even "
                        "with a partial award. Nothing was sent."
                    ),
                    "info",
                )
            return _back("grant_decisions.offers", event, programme)
    return _offers_page(event, programme, form, form_status(form))


@access("organizer")
@bp.route(PROGRAMME + "/offers/expire", methods=["POST"])
@rate_limited("mail")
@event_route(permissions.can_manage_grants)
def expire(event: Event, programme_public_id: str):
    programme = _programme(event, programme_public_id)
    if ConfirmForm().validate_on_submit():
        attempt(
            lambda: offers.expire_offers(actor=current_user, programme=programme, now=utcnow()),
            success=lambda count: (
                _("%(count)d overdue offers expired; their money is free again.", count=count)
                if count
                else _("No offer is overdue.")
            ),
        )
    return _back("grant_decisions.offers", event, programme)


@access("organizer")
@bp.route(PROGRAMME + "/offers/remind", methods=["POST"])
@rate_limited("mail")
@event_route(permissions.can_manage_grants)
def remind(event: Event, programme_public_id: str):
    programme = _programme(event, programme_public_id)
    if ConfirmForm().validate_on_submit():
        attempt(
            lambda: offers.send_offer_reminders(
                actor=current_user, programme=programme, now=utcnow()
            ),
            success=lambda count: (
                _("%(count)d reminders sent.", count=count)
                if count
                else _(
                    "No reminder was due: they go once per offer, in the last %(days)d days "
                    "before its respond-by date.",
                    days=offers.REMINDER_WINDOW.days,
                )
            ),
        )
    return _back("grant_decisions.offers", event, programme)
