"""Organizers work through proposals: the list and its export, a proposal's page, reviewer
assignment, the ranking, decisions and their rounds, speakers' confirmations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

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
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from organizer import permissions
from organizer.blueprints._common import (
    CSV,
    access,
    attachment,
    attempt,
    attempt_then_redirect,
    commit,
    download,
    event_route,
    paginate_list,
    safe_next_url,
    show_domain_error,
    utcnow,
)
from organizer.blueprints._limits import rate_limited
from organizer.blueprints._setup_views import utc_from_local
from organizer.blueprints.cfp_decisions.detail import detail_page
from organizer.blueprints.cfp_decisions.forms import (
    OUTCOME_LABELS,
    PUBLISH_DAYS_AHEAD,
    AssignForm,
    AutoAssignForm,
    BulkDecisionForm,
    ConfirmForm,
    DecideForm,
    FilterForm,
    PublishForm,
    RedactedFileForm,
    RedactionForm,
    SendNowForm,
    TagsForm,
    outcome_state,
)
from organizer.enums import ProposalState, QuestionKind
from organizer.errors import DomainError, NotFound
from organizer.models import Event, Proposal
from organizer.services.cfp import assignment as assignment_service
from organizer.services.cfp import call as call_service
from organizer.services.cfp import confirmation, decisions, review_setup
from organizer.services.cfp import proposals as proposals_service
from organizer.services.cfp import ranking as ranking_service
from organizer.services.exports import proposals_csv
from organizer.services.reviewing import redaction
from organizer.services.timefmt import in_zone

bp = Blueprint("cfp_decisions", __name__, url_prefix="/manage")


# Helpers -----------------------------------------------------------------------------------


def _proposal_or_404(event: Event, public_id: str) -> Proposal:
    proposal = proposals_service.proposal_by_public_id(event, public_id)
    if permissions.is_draft_proposal(proposal):
        abort(404)  # drafts belong to their speakers until submitted
    return proposal


def _filter_form(event: Event) -> FilterForm:
    form = FilterForm(
        formdata=request.args,
        tracks=call_service.tracks(event),
        types=call_service.session_types(event),
        tags=proposals_service.event_tags(event),
    )
    form.validate()
    return form


def _back(form: Any, default: str) -> str:
    return safe_next_url(form.back.data) or default


def _flash_form_errors(form: Any) -> None:
    for errors in form.errors.values():
        for message in errors:
            flash(str(message), "error")


def _proposal_url(event: Event, proposal: Proposal) -> str:
    return url_for("cfp_decisions.proposal", event_slug=event.slug, public_id=proposal.public_id)


def _save_on_page(
    event: Event,
    public_id: str,
    *,
    call: Callable[[Proposal, Any], Any],
    success: Callable[[Any], str],
    anchor: str = "",
    **form: Any,
):  # type: ignore[no-untyped-def]
    """A form of the proposal's page (given as detail_page's keyword for it, e.g. `tags_form`):
    when valid, `attempt` the service `call` (given the proposal and the form), then back to
    the page at `anchor`; else the page again with the form's errors and the status."""
    proposal = _proposal_or_404(event, public_id)
    (submitted,) = form.values()
    if not submitted.validate_on_submit():
        return detail_page(event, proposal, status=400, **form)
    done = attempt(lambda: call(proposal, submitted), form=submitted, success=success)
    if not done.ok:
        return detail_page(event, proposal, status=done.status, **form)
    return redirect(_proposal_url(event, proposal) + anchor)


# The list ------------------------------------------------------------------------------------


@access("organizer")
@bp.route("/<event_slug>/cfp/proposals")
@event_route(permissions.can_manage_cfp)
def proposals(event: Event):
    form = _filter_form(event)
    rows = decisions.proposal_list(event, form.filters(), viewer=current_user)
    page = paginate_list(rows)
    return render_template(
        "cfp_decisions/proposals.html",
        event=event,
        form=form,
        page=page,
        total=len(rows),
        filter_values=form.values(),
        bulk=BulkDecisionForm(back=request.full_path.rstrip("?")),
        state_labels=decisions.STATE_LABELS,
        outcome_labels=OUTCOME_LABELS,
    )


@access("organizer")
@bp.route("/<event_slug>/cfp/proposals/decide", methods=["POST"])
@event_route(permissions.can_manage_cfp)
def bulk_decide(event: Event):
    form = BulkDecisionForm()
    back = _back(form, url_for("cfp_decisions.proposals", event_slug=event.slug))
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return redirect(back)
    outcome = outcome_state(form.outcome.data)

    def done(count: int) -> str:
        if outcome is None:
            return ngettext(
                "The pending decision of %(num)d proposal is undone.",
                "The pending decisions of %(num)d proposals are undone.",
                count,
            )
        return ngettext(
            "%(num)d proposal marked “%(outcome)s”. Nothing is sent until you publish a round.",
            "%(num)d proposals marked “%(outcome)s”. Nothing is sent until you publish a round.",
            count,
            outcome=decisions.STATE_LABELS[outcome],
        )

    return attempt_then_redirect(
        lambda: decisions.decide_many(
            actor=current_user,
            event=event,
            public_ids=form.proposals.data or [],
            outcome=outcome,
            now=utcnow(),
        ),
        to=back,
        success=done,
    )


@access("organizer")
@bp.route("/<event_slug>/cfp/proposals.csv")
@event_route(permissions.can_manage_cfp)
def export_csv(event: Event):
    form = _filter_form(event)
    rows = decisions.proposal_list(event, form.filters(), viewer=current_user)
    questions = [
        q
        for q in call_service.questions(event)
        if q.visible_to_reviewers and q.kind != QuestionKind.FILE
    ]
    answers = (
        proposals_service.answers_by_proposal([row.proposal.id for row in rows])
        if questions
        else {}
    )
    body = proposals_csv.render(rows, questions, answers=answers)
    return download(body, content_type=CSV, name=f"{event.slug}-proposals.csv")


# One proposal --------------------------------------------------------------------------------


@access("organizer")
@bp.route("/<event_slug>/cfp/proposals/<public_id>")
@event_route(permissions.can_manage_cfp)
def proposal(event: Event, public_id: str):
    return detail_page(event, _proposal_or_404(event, public_id))


@access("organizer")
@bp.route("/<event_slug>/cfp/proposals/<public_id>/decide", methods=["POST"])
@event_route(permissions.can_manage_cfp)
def decide(event: Event, public_id: str):
    proposal = _proposal_or_404(event, public_id)
    form = DecideForm()
    back = _back(form, _proposal_url(event, proposal))
    if not form.validate_on_submit():
        flash(_("Choose accept, reject, waiting list or undo."), "error")
        return redirect(back)
    outcome = outcome_state(form.outcome.data)
    return attempt_then_redirect(
        lambda: decisions.decide(
            actor=current_user, proposal=proposal, outcome=outcome, now=utcnow()
        ),
        to=back,
        success=_("The pending decision on “%(title)s” is undone.", title=proposal.title)
        if outcome is None
        else _(
            "“%(title)s” is marked “%(outcome)s”. Nothing is sent until you publish a round.",
            title=proposal.title,
            outcome=decisions.STATE_LABELS[outcome],
        ),
    )


@access("organizer")
@bp.route("/<event_slug>/cfp/proposals/<public_id>/send-now", methods=["POST"])
@rate_limited("mail")
@event_route(permissions.can_manage_cfp)
def send_now(event: Event, public_id: str):
    """Decide on this proposal and mail its speakers at once: a round of one."""

    # (Not named `call`: tests/core/test_rate_limits.py follows mailing functions by name.)
    def decide_and_mail(proposal: Proposal, form: SendNowForm) -> object:
        return decisions.send_now(
            actor=current_user,
            proposal=proposal,
            outcome=ProposalState(form.outcome.data),
            respond_by=utc_from_local(form.respond_on.data, form.respond_at.data, event),
            now=utcnow(),
        )

    return _save_on_page(
        event,
        public_id,
        call=decide_and_mail,
        success=lambda _round: _("The decision is published: its mail to the speakers is queued."),
        anchor="#decision-title",
        send_form=SendNowForm(),
    )


@access("organizer")
@bp.route("/<event_slug>/cfp/proposals/<public_id>/tags", methods=["POST"])
@event_route(permissions.can_manage_cfp)
def tags(event: Event, public_id: str):
    return _save_on_page(
        event,
        public_id,
        tags_form=TagsForm(),
        call=lambda proposal, form: proposals_service.set_tags(
            actor=current_user, proposal=proposal, names=form.names(), now=utcnow()
        ),
        success=lambda _tags: _("The tags are saved."),
    )


@access("organizer")
@bp.route("/<event_slug>/cfp/proposals/<public_id>/redact", methods=["POST"])
@event_route(permissions.can_manage_cfp)
def redact(event: Event, public_id: str):
    return _save_on_page(
        event,
        public_id,
        redaction_form=RedactionForm(),
        call=lambda proposal, form: redaction.set_redaction(
            actor=current_user,
            proposal=proposal,
            title=form.title.data,
            abstract=form.abstract.data,
            description=form.description.data,
            now=utcnow(),
        ),
        success=lambda _saved: _("What reviewers see is saved."),
        anchor="#redaction",
    )


@access("organizer")
@bp.route("/<event_slug>/cfp/proposals/<public_id>/redaction-flags", methods=["POST"])
@event_route(permissions.can_manage_cfp)
def redaction_flags(event: Event, public_id: str):
    """Dismiss the proposal's unresolved redaction flags (they are harmless), or flag again
    what was dismissed."""
    proposal = _proposal_or_404(event, public_id)
    action = request.form.get("action")
    if not ConfirmForm().validate_on_submit() or action not in ("dismiss", "restore"):
        abort(400)
    if action == "dismiss":
        count = redaction.dismiss_flags(actor=current_user, proposal=proposal, now=utcnow())
        message = ngettext(
            "%(num)d flag dismissed: the proposal can be assigned to reviewers.",
            "%(num)d flags dismissed: the proposal can be assigned to reviewers.",
            count,
        )
    else:
        redaction.restore_flags(actor=current_user, proposal=proposal, now=utcnow())
        message = _("Dismissed flags are flags again.")
    commit()
    flash(message, "success")
    return redirect(_proposal_url(event, proposal) + "#redaction")


@access("organizer")
@bp.route(
    "/<event_slug>/cfp/proposals/<public_id>/files/<int:question_id>/redacted", methods=["POST"]
)
@event_route(permissions.can_manage_cfp)
def redacted_file(event: Event, public_id: str, question_id: int):
    """Upload the organizers' redacted version of a file, which reviewers get instead."""
    proposal = _proposal_or_404(event, public_id)
    form = RedactedFileForm(prefix=f"q{question_id}")
    if not form.validate_on_submit():
        abort(400)
    if not form.file.data:
        flash(_("Choose the redacted file to upload."), "error")
        return redirect(_proposal_url(event, proposal) + "#redaction")
    try:
        redaction.set_redacted_file(
            actor=current_user,
            proposal=proposal,
            question_id=question_id,
            stream=form.file.data.stream,
            filename=form.file.data.filename or "",
            now=utcnow(),
        )
    except NotFound:
        abort(404)
    except DomainError as error:
        show_domain_error(error)
        return redirect(_proposal_url(event, proposal) + "#redaction")
    commit()
    flash(_("Reviewers now get your redacted version of the file."), "success")
    return redirect(_proposal_url(event, proposal) + "#redaction")


@access("organizer")
@bp.route(
    "/<event_slug>/cfp/proposals/<public_id>/files/<int:question_id>/redacted/remove",
    methods=["POST"],
)
@event_route(permissions.can_manage_cfp)
def remove_redacted_file(event: Event, public_id: str, question_id: int):
    proposal = _proposal_or_404(event, public_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    redaction.clear_redacted_file(
        actor=current_user, proposal=proposal, question_id=question_id, now=utcnow()
    )
    commit()
    flash(_("Reviewers get the speaker's own file again, without its metadata."), "success")
    return redirect(_proposal_url(event, proposal) + "#redaction")


@access("organizer")
@bp.route("/<event_slug>/cfp/proposals/<public_id>/files/<int:question_id>/reviewer-copy")
@event_route(permissions.can_manage_cfp)
def reviewer_copy(event: Event, public_id: str, question_id: int):
    """Exactly the file reviewers get (organizers may open it even while it is held back)."""
    proposal = _proposal_or_404(event, public_id)
    state = redaction.reviewer_view(proposal).files.get(question_id)
    if state is None or state.path is None:
        abort(404)  # organizers download the speaker's original through cfp.file
    return attachment(state.path, content_type=state.content_type, name=state.download_name)


@access("organizer")
@bp.route("/<event_slug>/cfp/proposals/<public_id>/assign", methods=["POST"])
@event_route(permissions.can_manage_cfp)
def assign(event: Event, public_id: str):
    form = AssignForm()
    candidates = {r.id: r for r in review_setup.reviewers(event)}
    form.reviewer.choices = [SelectChoice(r.id, r.display_name) for r in candidates.values()]
    return _save_on_page(
        event,
        public_id,
        assign_form=form,
        call=lambda proposal, form: assignment_service.assign(
            actor=current_user,
            proposal=proposal,
            reviewer=candidates[form.reviewer.data],
            now=utcnow(),
        ),
        success=lambda _assignment: _(
            "%(name)s is assigned.", name=candidates[form.reviewer.data].display_name
        ),
        anchor="#reviewers",
    )


@access("organizer")
@bp.route(
    "/<event_slug>/cfp/proposals/<public_id>/reviewers/<int:reviewer_id>/unassign",
    methods=["POST"],
)
@event_route(permissions.can_manage_cfp)
def unassign(event: Event, public_id: str, reviewer_id: int):
    proposal = _proposal_or_404(event, public_id)
    assignment = next(
        (a for a in assignment_service.assignments_for(proposal) if a.reviewer_id == reviewer_id),
        None,
    )
    if assignment is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        reviewer = assignment.reviewer
        attempt(
            lambda: assignment_service.unassign(
                actor=current_user, proposal=proposal, reviewer=reviewer, now=utcnow()
            ),
            success=_("%(name)s is no longer assigned.", name=reviewer.display_name),
        )
    return redirect(_proposal_url(event, proposal) + "#reviewers")


@access("organizer")
@bp.route("/<event_slug>/cfp/proposals/<public_id>/cancel", methods=["GET", "POST"])
@rate_limited("mail")
@event_route(permissions.can_manage_cfp)
def cancel(event: Event, public_id: str):
    proposal = _proposal_or_404(event, public_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        return attempt_then_redirect(
            lambda: confirmation.cancel(actor=current_user, proposal=proposal, now=utcnow()),
            to=_proposal_url(event, proposal),
            success=_("“%(title)s” is cancelled; its speakers are told.", title=proposal.title),
        )
    return render_template(
        "cfp_decisions/confirm_cancel.html",
        event=event,
        proposal=proposal,
        form=form,
        state_labels=decisions.STATE_LABELS,
    )


# Reviewers and the ranking -------------------------------------------------------------------


def _reviewers_page(event: Event, form: AutoAssignForm, status: int = 200):  # type: ignore[no-untyped-def]
    return render_template(
        "cfp_decisions/reviewers.html",
        event=event,
        form=form,
        reviewers=review_setup.reviewers(event),
        loads=assignment_service.reviewer_loads(event),
    ), status


def _default_per_proposal(event: Event) -> int:
    call = call_service.call_of(event)
    return call.reviews_per_proposal if call is not None else 3


@access("organizer")
@bp.route("/<event_slug>/cfp/reviewers")
@event_route(permissions.can_manage_cfp)
def reviewers(event: Event):
    return _reviewers_page(event, AutoAssignForm(per_proposal=_default_per_proposal(event)))


@access("organizer")
@bp.route("/<event_slug>/cfp/reviewers/assign", methods=["POST"])
@event_route(permissions.can_manage_cfp)
def auto_assign(event: Event):
    form = AutoAssignForm()
    if not form.validate_on_submit():
        return _reviewers_page(event, form, 400)
    done = attempt(
        lambda: assignment_service.assign_automatically(
            actor=current_user, event=event, per_proposal=form.per_proposal.data, now=utcnow()
        ),
        form=form,
    )
    if not done.ok or done.value is None:
        return _reviewers_page(event, form, done.status)
    report = done.value
    short_titles = []
    if report.short:
        titles = {
            row.proposal.id: row.proposal.title
            for row in decisions.proposal_list(event, decisions.ListFilters())
        }
        short_titles = [titles.get(pid, "?") for pid in report.short]
    loads = list(report.loads.values())
    flash(
        ngettext("%(num)d assignment created.", "%(num)d assignments created.", report.created)
        + " "
        + (
            _(
                "Each reviewer now has %(low)d–%(high)d proposals.",  # noqa: RUF001
                low=min(loads),
                high=max(loads),
            )
            if loads
            else _("There are no reviewers yet.")
        ),
        "success",
    )
    if report.held:
        flash(
            ngettext(
                "%(num)d proposal was not assigned, because what reviewers would see may name "
                "its speaker. Redact it or dismiss the flags on its page, then assign again.",
                "%(num)d proposals were not assigned, because what reviewers would see may name "
                "their speakers. Redact them or dismiss the flags on their pages (the ranking "
                "lists them), then assign again.",
                len(report.held),
            ),
            "error",
        )
    if short_titles:
        flash(
            ngettext(
                "%(num)d proposal could not get %(per)d reviewers: %(titles)s.",
                "%(num)d proposals could not get %(per)d reviewers: %(titles)s.",
                len(short_titles),
                per=form.per_proposal.data,
                titles="; ".join(short_titles),
            ),
            "error",
        )
    return redirect(url_for("cfp_decisions.reviewers", event_slug=event.slug))


@access("organizer")
@bp.route("/<event_slug>/cfp/ranking")
@event_route(permissions.can_manage_cfp)
def ranking(event: Event):
    return render_template(
        "cfp_decisions/ranking.html",
        event=event,
        ranked=ranking_service.ranking(event, viewer=current_user),
        own_left_out=ranking_service.own_reviewable_count(event, current_user),
        flags=redaction.redaction_flags(event),
        state_labels=decisions.STATE_LABELS,
    )


# Decisions -----------------------------------------------------------------------------------


@access("organizer")
@bp.route("/<event_slug>/cfp/decisions", endpoint="decisions")
@event_route(permissions.can_manage_cfp)
def decisions_page(event: Event):
    every = decisions.pending(event)
    pending = [p for p in every if not permissions.is_own_proposal(current_user, p)]
    own_pending = len(every) - len(pending)
    groups = [
        (state, [p for p in pending if p.pending_decision == state.value])
        for state in (ProposalState.ACCEPTED, ProposalState.REJECTED, ProposalState.WAITLISTED)
    ]
    waitlisted = decisions.proposal_list(
        event,
        decisions.ListFilters(state=ProposalState.WAITLISTED.value, sort="title"),
        viewer=current_user,
    )
    return render_template(
        "cfp_decisions/decisions.html",
        event=event,
        pending_count=len(pending),
        own_pending=own_pending,
        groups=groups,
        rounds=decisions.rounds(event),
        unconfirmed=confirmation.unconfirmed(event),
        waitlisted=[row.proposal for row in waitlisted if not row.own],
        decide_form=DecideForm(),
        remind_form=ConfirmForm(),
        window_days=confirmation.REMINDER_WINDOW.days,
        state_labels=decisions.STATE_LABELS,
        now=utcnow(),
    )


@access("organizer")
@bp.route("/<event_slug>/cfp/decisions/remind", methods=["POST"])
@rate_limited("mail")
@event_route(permissions.can_manage_cfp)
def remind(event: Event):
    form = ConfirmForm()
    if form.validate_on_submit():
        attempt(
            lambda: confirmation.send_reminders(event=event, now=utcnow(), actor=current_user),
            success=lambda sent: (
                ngettext("%(num)d reminder sent.", "%(num)d reminders sent.", sent)
                if sent
                else _(
                    "No reminder sent: nobody's deadline is within %(days)d days, or they "
                    "were reminded already.",
                    days=confirmation.REMINDER_WINDOW.days,
                )
            ),
        )
    return redirect(url_for("cfp_decisions.decisions", event_slug=event.slug))


def _default_respond_by(event: Event) -> tuple[dt.date, dt.time]:
    local = in_zone(utcnow(), event.timezone)
    assert local is not None
    return (local + dt.timedelta(days=PUBLISH_DAYS_AHEAD)).date(), dt.time(23, 59)


@access("organizer")
@bp.route("/<event_slug>/cfp/decisions/publish", methods=["GET", "POST"])
@rate_limited("mail")
@event_route(permissions.can_manage_cfp)
def publish(event: Event):
    day, clock = _default_respond_by(event)
    form = PublishForm(respond_on=day, respond_at=clock)
    status = 200
    if form.validate_on_submit() and not form.preview.data:
        respond_by = utc_from_local(form.respond_on.data, form.respond_at.data, event)
        mails = len(decisions.preview_round(event, respond_by=respond_by))
        done = attempt(
            lambda: decisions.publish_round(
                actor=current_user,
                event=event,
                respond_by=respond_by,
                expected=form.expected.data or "",
                now=utcnow(),
            ),
            form=form,
            success=ngettext("%(num)d mail queued.", "%(num)d mails queued.", mails),
        )
        if done.ok:
            return redirect(url_for("cfp_decisions.decisions", event_slug=event.slug))
        status = done.status
    elif form.is_submitted() and form.errors:
        status = 400
    if form.respond_on.data and form.respond_at.data and not form.respond_on.errors:
        respond_by = utc_from_local(form.respond_on.data, form.respond_at.data, event)
    else:
        respond_by = utc_from_local(day, clock, event)
    preview = decisions.round_preview(event, respond_by=respond_by, viewer=current_user)
    # What this preview shows, not what was posted: publishing checks nothing changed since.
    form.expected.data = preview.fingerprint
    return render_template(
        "cfp_decisions/publish.html",
        event=event,
        form=form,
        preview=preview.mails,
        pending_count=preview.pending_count,
        own_pending=preview.own,
        respond_by=respond_by,
        state_labels=decisions.STATE_LABELS,
    ), status
