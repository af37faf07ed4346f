"""The grants committee reviews applications: scores, comments, recommended amounts.

Under anonymous review (the programme's setting, on by default) no page here names an
applicant: no name, email address, affiliation, current role or linked proposal title; only a
reference, the country and city travelled from, the need, the amounts and the answers to
questions shown to reviewers. tests/grants/test_views_review.py walks every route to check it.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from organizer import permissions
from organizer.blueprints._common import (
    access,
    attempt,
    event_route,
    paginate,
    paginate_list,
    reviewer_copy,
    utcnow,
)
from organizer.blueprints._scoring import interest_message, review_posted
from organizer.blueprints.grant_review.forms import ConflictForm, review_form
from organizer.enums import QuestionKind
from organizer.models import Event, GrantApplication, GrantProgramme
from organizer.services.grants import applications as application_service
from organizer.services.grants import programmes as programme_service
from organizer.services.grants import review
from organizer.services.reviewing import criteria as criteria_service

bp = Blueprint("grant_review", __name__, url_prefix="/review")


def _programme(event: Event, public_id: str) -> GrantProgramme:
    return programme_service.programme_by_public_id(event, public_id)


def _application(event: Event, public_id: str) -> GrantApplication:
    return review.application_for_review(event, public_id, current_user)


def _to_applications(event: Event, programme: GrantProgramme):  # type: ignore[no-untyped-def]
    return redirect(
        url_for(
            "grant_review.applications",
            event_slug=event.slug,
            programme_public_id=programme.public_id,
        )
    )


def _labels() -> dict[str, object]:
    return {
        "reference": review.reference,
        "country_name": application_service.country_name,
        "need_labels": application_service.NEED_LABELS,
        "category_labels": application_service.CATEGORY_LABELS,
        "state_label": application_service.state_label,
    }


# Pages ---------------------------------------------------------------------------------------


@access("grant_reviewer")
@bp.route("/<event_slug>/grants")
@event_route(permissions.can_review_grants)
def index(event: Event):
    """The event's programmes and how far I am with each."""
    return render_template(
        "grant_review/index.html", event=event, rows=review.progress(event, current_user)
    )


@access("grant_reviewer")
@bp.route("/<event_slug>/grants/<programme_public_id>")
@event_route(permissions.can_review_grants)
def applications(event: Event, programme_public_id: str):
    """The programme's applications with my status. A constant number of queries."""
    programme = _programme(event, programme_public_id)
    page = paginate(review.reviewable_query(programme, viewer=current_user))
    return render_template(
        "grant_review/applications.html",
        event=event,
        programme=programme,
        page=page,
        mine=review.my_reviews(programme, current_user),
        conflicts=review.interests_of(programme, current_user),
        own_left_out=review.own_count(programme, current_user),
        status=review.status_label,
        **_labels(),
    )


@access("grant_reviewer")
@bp.route("/<event_slug>/grants/<programme_public_id>/ranking")
@event_route(permissions.can_review_grants)
def ranking(event: Event, programme_public_id: str):
    """Best first, with the running total against the budget and where the budget runs out."""
    programme = _programme(event, programme_public_id)
    ranked = review.ranking(programme, viewer=current_user)
    first_over = next((n for n, row in enumerate(ranked) if row.over_budget), None)
    page = paginate_list(ranked)
    offset = (page.page - 1) * page.per_page
    return render_template(
        "grant_review/ranking.html",
        event=event,
        programme=programme,
        page=page,
        offset=offset,
        first_over=first_over,
        total=len(ranked),
        own_left_out=review.own_count(programme, current_user),
        **_labels(),
    )


@access("grant_reviewer")
@bp.route("/<event_slug>/grants/applications/<public_id>", methods=["GET", "POST"])
@event_route(permissions.can_review_grants)
def application(event: Event, public_id: str):
    item = _application(event, public_id)
    programme = item.programme
    criteria = review.criteria(programme)
    mine = review.review_of(item, current_user)
    form = review_form(
        criteria,
        mine if request.method == "GET" else None,
        currency=programme.currency,
        requested_total=item.requested_total,
    )
    status = review_posted(
        form,
        lambda: review.save_review(
            actor=current_user,
            application=item,
            scores=form.scores(),
            comment=form.comment.data or "",
            recommended_amount=None if form.abstain.data else form.amount(programme.currency),
            abstain=bool(form.abstain.data),
            now=utcnow(),
        ),
    )
    if status is None:
        return _to_applications(event, programme)
    if request.method == "POST":
        mine = review.review_of(item, current_user)
    criteria_by_id = {c.id: c for c in criteria}
    others = review.visible_other_reviews(viewer=current_user, application=item)
    return render_template(
        "grant_review/application.html",
        event=event,
        programme=programme,
        application=item,
        anonymous=programme.anonymous_review,
        criteria_by_id=criteria_by_id,
        mine=mine,
        my_score=criteria_service.review_score(mine, criteria_by_id) if mine is not None else None,
        form=form,
        answers=review.reviewer_answers(item),
        files=review.reviewer_files(item),
        others=[(r, criteria_service.review_score(r, criteria_by_id)) for r in others],
        conflict=item.id in review.interests_of(programme, current_user),
        QuestionKind=QuestionKind,
        **_labels(),
    ), status


@access("grant_reviewer")
@bp.route("/<event_slug>/grants/applications/<public_id>/files/<int:question_id>")
@event_route(permissions.can_review_grants)
def file(event: Event, public_id: str, question_id: int):
    """The committee's copy of a file answer: without its metadata, under a neutral name, as a
    download. Refused (404) to the applicant, to a member who declared a conflict, and for
    questions not shown to reviewers."""
    item = _application(event, public_id)
    return reviewer_copy(
        lambda: review.file_for_reviewer(
            actor=current_user, application=item, question_id=question_id
        ),
        refused=url_for("grant_review.application", event_slug=event.slug, public_id=public_id),
    )


@access("grant_reviewer")
@bp.route("/<event_slug>/grants/applications/<public_id>/conflict", methods=["GET", "POST"])
@event_route(permissions.can_review_grants)
def conflict(event: Event, public_id: str):
    """Declare a conflict of interest with an application, or withdraw the declaration: a page
    that says what happens, with the button that does it."""
    item = _application(event, public_id)
    declared = item.id in review.interests_of(item.programme, current_user)
    form = ConflictForm(action="withdraw" if declared else "declare")
    if form.validate_on_submit():
        done = attempt(
            lambda: (
                review.declare_interest(
                    actor=current_user,
                    application=item,
                    reason=form.reason.data or "",
                    now=utcnow(),
                )
                if form.action.data == "declare"
                else review.withdraw_interest(actor=current_user, application=item, now=utcnow())
            ),
            form=form,
            success=interest_message(form.action.data),
        )
        if not done.ok:
            return _conflict_page(event, item, declared, form), done.status
        return _to_applications(event, item.programme)
    return _conflict_page(event, item, declared, form), 400 if form.errors else 200


def _conflict_page(event: Event, item: GrantApplication, declared: bool, form: ConflictForm) -> str:
    return render_template(
        "grant_review/conflict.html",
        event=event,
        programme=item.programme,
        application=item,
        declared=declared,
        form=form,
        reference=review.reference,
    )
