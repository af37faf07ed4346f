"""Reviewers: assigned proposals, scoring, conflicts of interest, track preferences.

When the call reviews anonymously, no page here names a speaker: only the reviewer-visible
(possibly redacted) title, abstract and description, the proposal's facts and the answers to
questions shown to reviewers. tests/review/test_anonymity.py walks every route to check it.
"""

from __future__ import annotations

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
from flask_login import current_user

from organizer import permissions
from organizer.blueprints._common import (
    CSV,
    access,
    attempt,
    download,
    event_route,
    paginate,
    reviewer_copy,
    utcnow,
)
from organizer.blueprints._scoring import interest_message, review_posted
from organizer.blueprints.cfp_review.forms import (
    ConflictForm,
    PreferencesForm,
    review_form,
)
from organizer.enums import QuestionKind
from organizer.models import Event, Proposal
from organizer.services.cfp import assignment, proposals, review_setup, reviews
from organizer.services.cfp import call as call_service
from organizer.services.cfp import profiles as profiles_service
from organizer.services.exports import review_csv
from organizer.services.reviewing import criteria as criteria_service
from organizer.services.reviewing import redaction

bp = Blueprint("cfp_review", __name__, url_prefix="/review")


def _reviewable(event: Event, public_id: str) -> Proposal:
    """The proposal if this reviewer may open it: 404 for another event's proposal, their own
    (they speak on it or are invited to), or one not (or no longer) open for review."""
    proposal = proposals.proposal_by_public_id(event, public_id)
    if proposal.state not in review_setup.REVIEWABLE_STATES:
        abort(404)
    if not permissions.can_review_proposal(current_user, proposal):
        abort(404)
    return proposal


def _anonymous(call: Any) -> bool:
    return call is None or call.anonymous_review


# Pages ---------------------------------------------------------------------------------------


@access("reviewer")
@bp.route("/<event_slug>/")
@event_route(permissions.can_review)
def index(event: Event):
    call = call_service.call_of(event)
    rules = review_setup.rules(event, cfp=call, now=utcnow())
    rows = assignment.my_assignments(event, current_user)
    return render_template(
        "cfp_review/index.html",
        event=event,
        rules=rules,
        rows=rows,
        anonymous=_anonymous(call),
        status=reviews.status_label,
        todo=sum(1 for row in rows if row.my_review is None),
    )


@access("reviewer")
@bp.route("/<event_slug>/next")
@event_route(permissions.can_review)
def next_proposal(event: Event):
    proposal = assignment.next_proposal(event, current_user)
    if proposal is None:
        flash(_("You have reviewed everything assigned to you."), "success")
        return redirect(url_for("cfp_review.index", event_slug=event.slug))
    return redirect(
        url_for("cfp_review.proposal", event_slug=event.slug, public_id=proposal.public_id)
    )


@access("reviewer")
@bp.route("/<event_slug>/proposals")
@event_route(permissions.can_review)
def all_proposals(event: Event):
    call = call_service.call_of(event)
    query = reviews.reviewable_proposals_query(event, viewer=current_user)
    page = paginate(query)
    assigned = {row.proposal.id: row for row in assignment.my_assignments(event, current_user)}
    return render_template(
        "cfp_review/all_proposals.html",
        event=event,
        page=page,
        anonymous=_anonymous(call),
        conflicts=reviews.interests_of(event, current_user),
        assigned=assigned,
        status=reviews.status_label,
    )


@access("reviewer")
@bp.route("/<event_slug>/preferences", methods=["GET", "POST"])
@event_route(permissions.can_review)
def preferences(event: Event):
    tracks = call_service.tracks(event)
    form = PreferencesForm()
    form.set_tracks(tracks)
    if form.validate_on_submit():
        saved = attempt(
            lambda: review_setup.set_reviewer_tracks(
                actor=current_user, event=event, track_ids=form.track_ids.data or [], now=utcnow()
            ),
            form=form,
            success=_("Your track preferences are saved."),
        )
        if not saved.ok:
            return _preferences_page(event, form, tracks), saved.status
        return redirect(url_for("cfp_review.preferences", event_slug=event.slug))
    if request.method == "GET":
        form.track_ids.data = sorted(review_setup.reviewer_tracks(event, current_user))
    return _preferences_page(event, form, tracks), 400 if form.errors else 200


def _preferences_page(event: Event, form: PreferencesForm, tracks: list[Any]) -> str:
    return render_template("cfp_review/preferences.html", event=event, form=form, tracks=tracks)


@access("reviewer")
@bp.route("/<event_slug>/proposals/<public_id>", methods=["GET", "POST"])
@event_route(permissions.can_review)
def proposal(event: Event, public_id: str):
    item = _reviewable(event, public_id)
    call = call_service.call_of(event)
    now = utcnow()
    rules = review_setup.rules(event, cfp=call, now=now)
    criteria = review_setup.criteria_for(event, item)
    mine = reviews.review_of(item, current_user)
    form = review_form(criteria, mine if request.method == "GET" else None)
    status = review_posted(
        form,
        lambda: reviews.save_review(
            actor=current_user,
            proposal=item,
            scores=form.scores(),
            comment=form.comment.data or "",
            note_to_speaker=form.note_to_speaker.data or "",
            abstain=bool(form.abstain.data),
            now=now,
            cfp=call,
        ),
    )
    if status is None:
        return _after_review(event)
    if request.method == "POST":
        mine = reviews.review_of(item, current_user)
    return _proposal_page(event, item, call, rules, criteria, mine, form), status


def _after_review(event: Event):  # type: ignore[no-untyped-def]
    """On to the next proposal assigned to me, or back to my list when there is none."""
    following = assignment.next_proposal(event, current_user)
    if following is None:
        return redirect(url_for("cfp_review.index", event_slug=event.slug))
    return redirect(
        url_for("cfp_review.proposal", event_slug=event.slug, public_id=following.public_id)
    )


def _proposal_page(event, item, call, rules, criteria, mine, form) -> str:  # type: ignore[no-untyped-def]
    anonymous = _anonymous(call)
    by_question = {answer.question_id: answer for answer in proposals.answers_of(item)}
    answers = [
        (question, by_question[question.id])
        for question in call_service.questions(event)
        if question.visible_to_reviewers and question.id in by_question
    ]
    speakers: list[tuple[Any, Any]] = []
    if not anonymous:
        users = [s.user for s in item.accepted_speakers if s.user is not None]
        profiles = profiles_service.profiles_for(event, [u.id for u in users])
        speakers = [(user, profiles.get(user.id)) for user in users]
    others = reviews.visible_other_reviews(viewer=current_user, proposal=item, rules=rules)
    criteria_by_id = {c.id: c for c in criteria}
    return render_template(
        "cfp_review/proposal.html",
        blind=redaction.reviewer_view(item),
        event=event,
        proposal=item,
        anonymous=anonymous,
        rules=rules,
        criteria=criteria,
        criteria_by_id=criteria_by_id,
        mine=mine,
        form=form,
        answers=answers,
        speakers=speakers,
        others=[(r, criteria_service.review_score(r, criteria_by_id)) for r in others],
        my_score=criteria_service.review_score(mine, criteria_by_id) if mine is not None else None,
        conflict=item.id in reviews.interests_of(event, current_user),
        QuestionKind=QuestionKind,
    )


@access("reviewer")
@bp.route("/<event_slug>/proposals/<public_id>/files/<int:question_id>")
@event_route(permissions.can_review)
def file(event: Event, public_id: str, question_id: int):
    """The reviewer copy of a file answered to a question shown to reviewers: without its
    metadata, and under a neutral name when review is anonymous. A file the redaction check
    holds back, or one that cannot be read, is refused with the reason on the proposal's page."""
    item = _reviewable(event, public_id)
    return reviewer_copy(
        lambda: redaction.file_for_reviewer(
            actor=current_user, proposal=item, question_id=question_id
        ),
        refused=url_for("cfp_review.proposal", event_slug=event.slug, public_id=item.public_id),
    )


@access("reviewer")
@bp.route("/<event_slug>/proposals/<public_id>/conflict", methods=["GET", "POST"])
@event_route(permissions.can_review)
def conflict(event: Event, public_id: str):
    """Declare a conflict of interest with a proposal, or withdraw the declaration: a page that
    says what happens, with the button that does it."""
    item = _reviewable(event, public_id)
    declared = item.id in reviews.interests_of(event, current_user)
    form = ConflictForm(action="withdraw" if declared else "declare")
    if form.validate_on_submit():
        done = attempt(
            lambda: (
                reviews.declare_interest(
                    actor=current_user, proposal=item, reason=form.reason.data or "", now=utcnow()
                )
                if form.action.data == "declare"
                else reviews.withdraw_interest(actor=current_user, proposal=item, now=utcnow())
            ),
            form=form,
            success=interest_message(form.action.data),
        )
        if not done.ok:
            return _conflict_page(event, item, declared, form), done.status
        return redirect(url_for("cfp_review.all_proposals", event_slug=event.slug))
    return _conflict_page(event, item, declared, form), 400 if form.errors else 200


def _conflict_page(event: Event, item: Proposal, declared: bool, form: ConflictForm) -> str:
    return render_template(
        "cfp_review/conflict.html",
        event=event,
        proposal=item,
        declared=declared,
        form=form,
        anonymous=_anonymous(call_service.call_of(event)),
    )


# Export --------------------------------------------------------------------------------------


@access("reviewer")
@bp.route("/<event_slug>/assigned.csv")
@event_route(permissions.can_review)
def export_csv(event: Event):
    """My assigned proposals as reviewers see them, with my scores. Never a speaker's data."""
    text = review_csv.render(
        assignment.my_assignments(event, current_user),
        review_setup.event_criteria(event),
        anonymous=_anonymous(call_service.call_of(event)),
    )
    return download(text, content_type=CSV, name=f"review-{event.slug}.csv")
