"""The grants committee's review: scores per criterion, a comment and a recommended amount per
application, conflicts of interest, and the ranking against the budget.

Who sees what. The committee (grant reviewers and organizers, `permissions.can_review_grants`)
reviews every application of a programme that has been submitted and not withdrawn. Under
anonymous review (`GrantProgramme.anonymous_review`, the default) reviewers see no name, email
address, affiliation or current role, and not the title of a linked proposal (it would give a
speaker away); they do see the country and city travelled from, because travel costs cannot be
judged without them. Nobody reviewing ever sees demographic data: the model keeps none.
Applicants never review their own application.

Scores follow the call for talks: each criterion's score is placed on 0..1 by its scale, the
weighted mean of those times 10 gives one review's score (0-10), and an application's score is
the mean over its reviews that are not abstentions (`services/reviewing/criteria.py` does the
arithmetic for both).

Functions that compute lists for pages run a constant number of queries whatever the number of
applications.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, select, true
from sqlalchemy.orm import selectinload

from organizer import permissions
from organizer.enums import REVIEWABLE_GRANT_STATES, GrantState, QuestionKind
from organizer.errors import NotFound, PermissionDenied, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    Event,
    GrantAnswer,
    GrantApplication,
    GrantCriterion,
    GrantInterest,
    GrantProgramme,
    GrantQuestion,
    GrantReview,
    GrantReviewScore,
    User,
)
from organizer.services import uploads
from organizer.services.grants import programmes as programme_service
from organizer.services.ordering import in_order
from organizer.services.reviewing import interests, redaction
from organizer.services.reviewing.criteria import COMMENT_MAX as REVIEW_COMMENT_MAX
from organizer.services.reviewing.criteria import check_review, weighted_score
from organizer.services.reviewing.scores import review_by, scores_by_review, write_review

REVIEWABLE_STATES = REVIEWABLE_GRANT_STATES  # drafts and withdrawn: never

# Applications that may still cost money: they count towards the ranking's running total.
IN_PLAY_STATES: tuple[GrantState, ...] = (
    GrantState.SUBMITTED,
    GrantState.INFO_NEEDED,
    GrantState.WAITLISTED,
    GrantState.OFFERED,
    GrantState.ACCEPTED,
)
COMMENT_MAX = REVIEW_COMMENT_MAX
CONFLICT_REASON_MAX = 300


# Permissions and look-ups -------------------------------------------------------------------


def _require_committee(actor: User, event: Event) -> None:
    permissions.require(
        permissions.can_review_grants(actor, event),
        _("Only this event's grants committee can do that."),
    )


def application_for_review(event: Event, public_id: str, user: Any) -> GrantApplication:
    """The application if `user` may review it; NotFound for another event's application, a
    draft or withdrawn one, and the reviewer's own."""
    application = db.session.scalar(
        select(GrantApplication)
        .join(GrantProgramme, GrantProgramme.id == GrantApplication.programme_id)
        .where(GrantProgramme.event_id == event.id, GrantApplication.public_id == public_id)
        .options(
            selectinload(GrantApplication.programme).selectinload(GrantProgramme.event),
            selectinload(GrantApplication.answers).selectinload(GrantAnswer.question),
        )
    )
    if (
        application is None
        or application.state not in REVIEWABLE_STATES
        or not permissions.can_review_application(user, application)
    ):
        raise NotFound(_("That application does not exist or is not open for review."))
    return application


def criteria(programme: GrantProgramme) -> list[GrantCriterion]:
    return in_order(GrantCriterion, GrantCriterion.programme_id == programme.id)


def reviewer_answers(application: GrantApplication) -> list[tuple[GrantQuestion, GrantAnswer]]:
    """The answers to questions shown to reviewers, in the questions' order."""
    shown = [a for a in application.answers if a.question.visible_to_reviewers]
    return [(a.question, a) for a in sorted(shown, key=lambda a: (a.question.position, a.id))]


@dataclasses.dataclass(frozen=True)
class ReviewerFile:
    """What the committee gets for a file answer: the reviewer copy (no metadata)."""

    question: GrantQuestion
    path: Path | None  # None: the file cannot be read, so the committee gets nothing
    content_type: str
    download_name: str  # neutral: the name it was sent with may name the applicant
    may_identify: bool  # under anonymous review, its text has a word of the applicant's name

    @property
    def ready(self) -> bool:
        return self.path is not None


def reviewer_files(application: GrantApplication) -> dict[int, ReviewerFile]:
    """question id -> the committee's copy of each file answered to a question shown to
    reviewers. Under anonymous review, a file whose text names the applicant is marked, so
    that the page can say so (never what it found)."""
    terms = _applicant_terms(application) if application.programme.anonymous_review else []
    files = {}
    for question, answer in reviewer_answers(application):
        upload = answer.upload
        if question.kind != QuestionKind.FILE or upload is None:
            continue
        extension = upload.filename.rpartition(".")[2] or "bin"
        files[question.id] = ReviewerFile(
            question=question,
            path=uploads.reviewer_copy(upload),
            content_type=upload.content_type,
            download_name=f"application-{reference(application)}-answer-{question.id}.{extension}",
            may_identify=bool(terms and redaction.terms_in(terms, uploads.text_of(upload) or "")),
        )
    return files


def _applicant_terms(application: GrantApplication) -> list[str]:
    user = application.applicant
    terms = [user.display_name, *redaction.name_words(user.display_name), user.email]
    local = user.email.partition("@")[0]
    if len(local) >= 4:
        terms.append(local)
    terms.append(application.affiliation)
    return list(dict.fromkeys(t.strip().lower() for t in terms if t and t.strip()))


def file_for_reviewer(
    *, actor: User, application: GrantApplication, question_id: int
) -> ReviewerFile:
    """The committee's copy of a file answer: NotFound unless `actor` may read it
    (`uploads.can_download`: the committee, not the applicant, no declared interest, a
    question shown to reviewers); WrongState when the file cannot be read."""
    found = reviewer_files(application).get(question_id)
    answer = next((a for a in application.answers if a.question_id == question_id), None)
    if (
        found is None
        or answer is None
        or answer.upload is None
        or not uploads.can_download(actor, answer.upload, copy="reviewer")
    ):
        raise NotFound(_("This application has no file for that question."))
    if found.path is None:
        raise WrongState(
            _(
                "This file could not be read, so it cannot be given to the committee without "
                "what identifies its author. The organizers can read the original."
            )
        )
    return found


def reference(application: GrantApplication) -> str:
    """How pages name an application without naming its applicant."""
    return application.public_id[:8].upper()


def reviewable_query(
    programme: GrantProgramme, *, viewer: User | None = None
) -> Select[tuple[GrantApplication]]:
    """The programme's applications reviewers may open, oldest first; with `viewer`, not the
    viewer's own (`services/reviewing/interests.py`)."""
    return (
        select(GrantApplication)
        .where(
            GrantApplication.programme_id == programme.id,
            GrantApplication.state.in_(REVIEWABLE_STATES),
        )
        .where(~interests.own_application(viewer) if viewer is not None else true())
        .options(selectinload(GrantApplication.applicant))
        .order_by(GrantApplication.submitted_at, GrantApplication.id)
    )


# Conflicts of interest ----------------------------------------------------------------------


def declare_interest(
    *, actor: User, application: GrantApplication, reason: str, now: dt.datetime
) -> GrantInterest:
    """Declare (or re-declare, with a new reason) an interest: the actor then neither reviews
    the application nor reads its reviews. A review already written stays."""
    _require_committee(actor, application.programme.event)
    if application.state not in REVIEWABLE_STATES:
        raise NotFound(_("That application is not open for review."))
    interest = interests.declare(
        interests.APPLICATION, user=actor, subject_id=application.id, reason=reason, now=now
    )
    db.session.flush()
    return interest


def withdraw_interest(*, actor: User, application: GrantApplication, now: dt.datetime) -> None:
    _require_committee(actor, application.programme.event)
    interests.retract(interests.APPLICATION, user=actor, subject_id=application.id)


def interests_of(programme: GrantProgramme, user: User) -> set[int]:
    """The ids of the programme's applications `user` declared an interest in."""
    return set(
        db.session.scalars(
            select(GrantInterest.application_id)
            .join(GrantApplication, GrantApplication.id == GrantInterest.application_id)
            .where(GrantInterest.user_id == user.id, GrantApplication.programme_id == programme.id)
        )
    )


# Reviewing ----------------------------------------------------------------------------------


def review_of(application: GrantApplication, reviewer: User) -> GrantReview | None:
    return review_by(GrantReview, GrantReview.application_id, application.id, reviewer)


def save_review(
    *,
    actor: User,
    application: GrantApplication,
    scores: dict[int, int],
    comment: str,
    recommended_amount: int | None,
    abstain: bool,
    now: dt.datetime,
) -> GrantReview:
    """Write or rewrite the actor's review. Every criterion needs a score on its scale unless
    the reviewer abstains; abstaining keeps no scores and no recommended amount. The
    recommended amount (minor units, optional) lies between 0 and what was requested."""
    if not permissions.can_review_application(actor, application):
        raise PermissionDenied(_("You cannot review this application."))
    if application.state not in REVIEWABLE_STATES:
        raise WrongState(_("This application is not open for review."))
    if interests.has_declared(interests.APPLICATION, actor.id, application.id):
        raise PermissionDenied(
            _(
                "You declared a conflict of interest with this application. "
                "Withdraw it first if you want to review it."
            )
        )
    comment = (comment or "").strip()
    kept, errors = check_review(
        criteria(application.programme), scores, abstain=abstain, comment=comment
    )
    if not abstain:
        errors.update(_check_recommendation(application, recommended_amount))
    if errors:
        raise ValidationFailed(errors)

    review = review_of(application, actor) or GrantReview(
        application=application, reviewer=actor, created_at=now
    )
    write_review(review, kept, GrantReviewScore, abstain=abstain, comment=comment, now=now)
    review.recommended_amount = None if abstain else recommended_amount
    review.application_version = application.version
    db.session.flush()
    return review


def _check_recommendation(application: GrantApplication, amount: Any) -> dict[str, str]:
    """A recommended amount (minor units, optional) lies between 0 and what was requested."""
    if amount is None:
        return {}
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        return {"recommended_amount": _("Enter an amount of zero or more.")}
    if amount > application.requested_total:
        return {"recommended_amount": _("Recommend at most what was requested in total.")}
    return {}


def visible_other_reviews(*, viewer: User, application: GrantApplication) -> list[GrantReview]:
    """Other people's reviews of the application that the viewer may read now: organizers
    always; other committee members once their own review (or abstention) is in, and never on
    an application they declared an interest in. The reviewers' identities are not loaded:
    pages show "Reviewer 1, 2, ..."."""
    event = application.programme.event
    if not permissions.can_manage_grants(viewer, event):
        if not permissions.can_review_application(viewer, application):
            return []
        if interests.has_declared(interests.APPLICATION, viewer.id, application.id):
            return []
        if review_of(application, viewer) is None:
            return []
    return list(
        db.session.scalars(
            select(GrantReview)
            .where(
                GrantReview.application_id == application.id, GrantReview.reviewer_id != viewer.id
            )
            .options(selectinload(GrantReview.scores))
            .order_by(GrantReview.created_at, GrantReview.id)
        )
    )


def my_reviews(programme: GrantProgramme, reviewer: User) -> dict[int, GrantReview]:
    """The reviewer's reviews in the programme by application id. One query."""
    return {
        review.application_id: review
        for review in db.session.scalars(
            select(GrantReview)
            .join(GrantApplication, GrantApplication.id == GrantReview.application_id)
            .where(
                GrantReview.reviewer_id == reviewer.id,
                GrantApplication.programme_id == programme.id,
            )
        )
    }


def status_label(review: GrantReview | None, declared: bool = False) -> str:
    """Where a committee member stands with an application, in words."""
    if declared:
        return _("WrongState declared")
    if review is None:
        return _("Not started")
    return _("Abstained") if review.abstained else _("Scored")


@dataclasses.dataclass(frozen=True)
class Progress:
    programme: GrantProgramme
    reviewable: int  # applications the reviewer may review (not their own)
    done: int  # of those, reviewed or abstained on
    conflicts: int


def progress(event: Event, reviewer: User) -> list[Progress]:
    """Per programme of the event: how many applications there are to review, and how many
    the reviewer has done. Three queries whatever the number of programmes."""
    programmes = programme_service.programmes(event)
    in_event = select(GrantProgramme.id).where(GrantProgramme.event_id == event.id)
    reviewable = (
        GrantApplication.programme_id.in_(in_event),
        GrantApplication.state.in_(REVIEWABLE_STATES),
    )
    totals = _per_programme(
        select(GrantApplication.programme_id, func.count()).where(
            *reviewable, ~interests.own_application(reviewer)
        )
    )
    done = _per_programme(
        select(GrantApplication.programme_id, func.count())
        .join(GrantReview, GrantReview.application_id == GrantApplication.id)
        .where(*reviewable, GrantReview.reviewer_id == reviewer.id)
    )
    conflicts = _per_programme(
        select(GrantApplication.programme_id, func.count())
        .join(GrantInterest, GrantInterest.application_id == GrantApplication.id)
        .where(*reviewable, GrantInterest.user_id == reviewer.id)
    )
    return [
        Progress(
            programme=p,
            reviewable=totals.get(p.id, 0),
            done=done.get(p.id, 0),
            conflicts=conflicts.get(p.id, 0),
        )
        for p in programmes
    ]


def _per_programme(query: Select[Any]) -> dict[int, int]:
    return dict(db.session.execute(query.group_by(GrantApplication.programme_id)).all())


# Scores and ranking -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Scores:
    score: float | None  # mean of the reviews' 0-10 scores, abstentions left out
    count: int  # reviews with a score
    recommended: int | None  # median of the recommended amounts


def _median_amount(values: list[int]) -> int | None:
    """The median in whole minor units: between two middle values, their mean rounded half
    up."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle] + 1) // 2


def scores(programme: GrantProgramme) -> dict[int, Scores]:
    """Every reviewed application of the programme -> its score, review count and median
    recommendation. Three queries."""
    criteria_by_id = {c.id: c for c in criteria(programme)}
    in_programme = select(GrantApplication.id).where(GrantApplication.programme_id == programme.id)
    reviews = db.session.execute(
        select(
            GrantReview.id,
            GrantReview.application_id,
            GrantReview.abstained,
            GrantReview.recommended_amount,
        ).where(GrantReview.application_id.in_(in_programme))
    ).all()
    scores_of = scores_by_review(
        GrantReviewScore, GrantReview, GrantReview.application_id, in_programme
    )
    values: dict[int, list[float]] = defaultdict(list)
    recommended: dict[int, list[int]] = defaultdict(list)
    seen: set[int] = set()
    for review_id, application_id, abstained, amount in reviews:
        seen.add(application_id)
        if abstained:
            continue
        value = weighted_score(scores_of[review_id], criteria_by_id)
        if value is not None:
            values[application_id].append(value)
        if amount is not None:
            recommended[application_id].append(amount)
    return {
        application_id: Scores(
            score=statistics.fmean(values[application_id]) if values[application_id] else None,
            count=len(values[application_id]),
            recommended=_median_amount(recommended[application_id]),
        )
        for application_id in seen
    }


@dataclasses.dataclass(frozen=True)
class GrantRanked:
    application: GrantApplication
    score: float | None  # 0-10, None without a scored review
    count: int  # reviews with a score
    requested_total: int
    recommended: int | None  # median of the reviewers' recommended amounts
    cumulative: int  # running total down the ranking (see `ranking`)
    over_budget: bool  # the running total has passed the budget
    counted: int  # what this application adds to the running total


def own_count(programme: GrantProgramme, viewer: User) -> int:
    """How many of the programme's reviewable applications are `viewer`'s own (pages that
    leave them out say so). One query."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(GrantApplication)
            .where(
                GrantApplication.programme_id == programme.id,
                GrantApplication.state.in_(REVIEWABLE_STATES),
                interests.own_application(viewer),
            )
        )
        or 0
    )


def ranking(programme: GrantProgramme, *, viewer: User | None = None) -> list[GrantRanked]:
    """The programme's reviewable applications, best first: by score (unscored last), then
    the smaller request, then the oldest.

    The running total adds, down the ranking, what each application may cost: the award for an
    offered or accepted application, the request for one still waiting (submitted, information
    needed, waitlisted), and nothing for one that is out (rejected, declined, expired).
    `over_budget` is set from the first application that takes the total past the budget. A
    constant number of queries. With `viewer`, the viewer's own applications are left out,
    of the rows and of the running total: nobody sees how their own application fares.
    """
    applications = db.session.scalars(
        reviewable_query(programme, viewer=viewer).options(selectinload(GrantApplication.award))
    ).all()
    by_id = scores(programme)
    empty = Scores(score=None, count=0, recommended=None)
    ordered = sorted(
        applications,
        key=lambda a: (
            by_id.get(a.id, empty).score is None,
            -(by_id.get(a.id, empty).score or 0.0),
            a.requested_total,
            a.submitted_at or a.created_at,
            a.id,
        ),
    )
    ranked = []
    running = 0
    for application in ordered:
        if application.state in (GrantState.OFFERED, GrantState.ACCEPTED) and application.award:
            counted = application.award.total
        elif application.state in IN_PLAY_STATES:
            counted = application.requested_total
        else:
            counted = 0
        running += counted
        entry = by_id.get(application.id, empty)
        ranked.append(
            GrantRanked(
                application=application,
                score=entry.score,
                count=entry.count,
                requested_total=application.requested_total,
                recommended=entry.recommended,
                cumulative=running,
                over_budget=running > programme.budget,
                counted=counted,
            )
        )
    return ranked
