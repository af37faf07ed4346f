"""The page of one proposal for the organizers, built from its parts: the text, answers and
speakers; the reviews, scores and ranking; what anonymous review hides; the reviewers. An
organizer's own proposal gets the text alone (`own_detail_page`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, render_template
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from organizer import permissions
from organizer.blueprints._common import utcnow
from organizer.blueprints.cfp_decisions.forms import (
    OUTCOME_LABELS,
    PUBLISH_DAYS_AHEAD,
    AssignForm,
    ConfirmForm,
    DecideForm,
    RedactedFileForm,
    RedactionForm,
    SendNowForm,
    TagsForm,
)
from organizer.enums import QuestionKind
from organizer.models import Event, Proposal
from organizer.services.cfp import assignment as assignment_service
from organizer.services.cfp import call as call_service
from organizer.services.cfp import deadlines, decisions, review_setup
from organizer.services.cfp import profiles as profiles_service
from organizer.services.cfp import proposals as proposals_service
from organizer.services.cfp import ranking as ranking_service
from organizer.services.cfp import reviews as reviews_service
from organizer.services.reviewing import criteria as criteria_service
from organizer.services.reviewing import redaction
from organizer.services.timefmt import in_zone


def _reviews_context(event: Event, proposal: Proposal, call: Any) -> dict[str, Any]:
    """The reviews the organizer may read now (their own included), their scores and the
    proposal's place in the ranking."""
    rules = review_setup.rules(event, cfp=call, now=utcnow())
    reviews = reviews_service.visible_other_reviews(
        viewer=current_user, proposal=proposal, rules=rules
    )
    own = reviews_service.review_of(proposal, current_user)
    if own is not None:
        reviews.append(own)
    reviews.sort(key=lambda r: (r.created_at, r.id))
    criteria_by_id = {c.id: c for c in review_setup.criteria_for(event, proposal)}
    return {
        "reviews": reviews,
        "scores": {r.id: criteria_service.review_score(r, criteria_by_id) for r in reviews},
        "ranked": next(iter(ranking_service.ranking(event, only=proposal)), None),
    }


def _redaction_context(
    event: Event, proposal: Proposal, redaction_form: RedactionForm | None
) -> dict[str, Any]:
    """What anonymous review hides of the proposal: the flagged terms, the files reviewers
    get, and the forms that redact them."""
    found = redaction.findings(event, only=proposal).get(proposal.id, [])
    reviewer_files = redaction.reviewer_view(proposal).files
    flags = list(dict.fromkeys(f.term for f in found if not f.dismissed))
    if redaction_form is None:
        redaction_form = RedactionForm(
            title=proposal.redacted_title or "",
            abstract=proposal.redacted_abstract or "",
            description=proposal.redacted_description or "",
        )
    return {
        "flags": flags,
        "found": found,
        "held": bool(flags) and redaction.is_anonymous(event),
        "reviewer_files": reviewer_files,
        "redacted_file_forms": {q: RedactedFileForm(prefix=f"q{q}") for q in reviewer_files},
        "redaction_form": redaction_form,
    }


def _assignment_context(
    event: Event, proposal: Proposal, assign_form: AssignForm | None
) -> dict[str, Any]:
    """The proposal's reviewers, and the form that adds one of the others."""
    assignments = assignment_service.assignments_for(proposal)
    assigned_ids = {a.reviewer_id for a in assignments}
    if assign_form is None:
        assign_form = AssignForm()
    assign_form.reviewer.choices = [
        SelectChoice(r.id, r.display_name)
        for r in review_setup.reviewers(event)
        if r.id not in assigned_ids
    ]
    return {"assignments": assignments, "assign_form": assign_form, "unassign_form": ConfirmForm()}


def detail_page(
    event: Event,
    proposal: Proposal,
    *,
    tags_form: TagsForm | None = None,
    redaction_form: RedactionForm | None = None,
    assign_form: AssignForm | None = None,
    send_form: SendNowForm | None = None,
    status: int = 200,
):  # type: ignore[no-untyped-def]
    if permissions.is_own_proposal(current_user, proposal):
        return own_detail_page(event, proposal, tags_form=tags_form, status=status)
    call = call_service.call_of(event)
    profiles = profiles_service.profiles_for(
        event, [s.user_id for s in proposal.speakers if s.user_id]
    )
    if tags_form is None:
        tags_form = TagsForm(tags=", ".join(t.name for t in proposal.tags))
    return render_template(
        "cfp_decisions/proposal.html",
        event=event,
        conflicts=reviews_service.interests_in(proposal),
        proposal=proposal,
        call=call,
        deadline=deadlines.proposal_deadline(call, proposal) if call is not None else None,
        questions=call_service.questions(event),
        answers={answer.question_id: answer for answer in proposals_service.answers_of(proposal)},
        profiles=profiles,
        history=proposals_service.history(proposal),
        tags_form=tags_form,
        decide_form=DecideForm(),
        send_form=send_form or _send_form(event, proposal),
        state_labels=decisions.STATE_LABELS,
        outcome_labels=OUTCOME_LABELS,
        file_links="cfp.file" in current_app.view_functions,
        QuestionKind=QuestionKind,
        **_reviews_context(event, proposal, call),
        **_redaction_context(event, proposal, redaction_form),
        **_assignment_context(event, proposal, assign_form),
    ), status


def _send_form(event: Event, proposal: Proposal) -> SendNowForm:
    """The page's form to decide and send at once: the usual confirmation deadline (two weeks
    from today, 23:59 in the event's zone) and no decision chosen."""
    local = in_zone(utcnow(), event.timezone)
    assert local is not None
    return SendNowForm(
        formdata=None,
        respond_on=(local + dt.timedelta(days=PUBLISH_DAYS_AHEAD)).date(),
        respond_at=dt.time(23, 59),
    )


def own_detail_page(event: Event, proposal: Proposal, *, tags_form: TagsForm | None, status: int):  # type: ignore[no-untyped-def]
    """An organizer's own proposal: the text, answers and speakers, without its reviews,
    scores, reviewers, pending decision, redaction or history, and without the controls that
    decide on it. Another organizer does that."""
    call = call_service.call_of(event)
    return render_template(
        "cfp_decisions/proposal.html",
        event=event,
        own=True,
        proposal=proposal,
        call=call,
        deadline=deadlines.proposal_deadline(call, proposal) if call is not None else None,
        questions=call_service.questions(event),
        answers={answer.question_id: answer for answer in proposals_service.answers_of(proposal)},
        profiles=profiles_service.profiles_for(
            event, [s.user_id for s in proposal.speakers if s.user_id]
        ),
        tags_form=tags_form or TagsForm(tags=", ".join(t.name for t in proposal.tags)),
        state_labels=decisions.STATE_LABELS,
        file_links="cfp.file" in current_app.view_functions,
        QuestionKind=QuestionKind,
    ), status
