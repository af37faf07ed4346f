"""Grant programmes and their set-up: settings, the organizers' own questions, the review
criteria, and the event's visa invitation letter.

A programme belongs to one event, has a kind (registration waiver, travel grant, or both), a
window in which people apply (`opens_at <= now < closes_at`, checked to the second in UTC),
and a budget in integer minor units of its currency (the event's when it is made).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from organizer import permissions
from organizer.enums import GrantCategory, GrantKind, GrantState
from organizer.errors import NotFound, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    Event,
    GrantAnswer,
    GrantApplication,
    GrantCriterion,
    GrantProgramme,
    GrantQuestion,
    GrantReviewScore,
    LetterTemplate,
    User,
)
from organizer.services import audit
from organizer.services.ordering import in_order, one_of, swap_with_neighbour
from organizer.services.reviewing.criteria import validate_criterion
from organizer.services.reviewing.questions import (
    QuestionSettings,
    apply_question_settings,
    validate_question_settings,
)

NAME_MAX = 150
TEXT_MAX = 10_000
SCALE_SPAN_MAX = 20
LETTER_MAX = 10_000


# What the letter's body may use, written {name} in the text.
LETTER_PLACEHOLDERS = {
    "name": _l("the grantee's name as in their account"),
    "passport_name": _l("the name as the grantee types it from their passport"),
    "event": _l("the event's name"),
    "dates": _l("the event's dates"),
    "venue": _l("where the event takes place"),
    "covered": _l("what the grant covers, or “registration” for an accepted speaker"),
    "role": _l("“speaker”, “grant recipient”, or both"),
    "signer_name": _l("who signs the letter"),
    "signer_title": _l("their title"),
    "today": _l("the date the letter is made"),
}
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def kind_label(kind: GrantKind) -> str:
    return str(GrantKind(kind).label)


# Programmes --------------------------------------------------------------------------------


def programmes(event: Event) -> list[GrantProgramme]:
    """The event's programmes, the earliest opening first."""
    return list(
        db.session.scalars(
            select(GrantProgramme)
            .where(GrantProgramme.event_id == event.id)
            .order_by(GrantProgramme.opens_at, GrantProgramme.id)
        )
    )


def programme_by_public_id(event: Event, public_id: str) -> GrantProgramme:
    programme = db.session.scalar(
        select(GrantProgramme).where(
            GrantProgramme.event_id == event.id, GrantProgramme.public_id == public_id
        )
    )
    if programme is None:
        raise NotFound()
    return programme


def categories_for(programme: GrantProgramme) -> list[GrantCategory]:
    """What applicants of this programme may ask money for."""
    if programme.kind == GrantKind.WAIVER:
        return [GrantCategory.REGISTRATION]
    if programme.kind == GrantKind.TRAVEL:
        return [c for c in GrantCategory if c != GrantCategory.REGISTRATION]
    return list(GrantCategory)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ProgrammeSettings:
    name: str
    kind: GrantKind
    opens_at: dt.datetime
    closes_at: dt.datetime
    budget: int  # minor units of the programme's currency
    description: str = ""
    eligibility: str = ""
    registration_fee: int = 0
    request_cap: int | None = None
    min_fraction: int = 50  # percent
    category_caps: dict[str, int] = dataclasses.field(default_factory=dict)
    anonymous_review: bool = True
    respond_days: int = 14
    team_may_apply: bool = True


def _validate_settings(
    event: Event, programme: GrantProgramme | None, settings: ProgrammeSettings
) -> dict[str, str]:
    errors: dict[str, str] = {}
    name = settings.name.strip()
    if not name:
        errors["name"] = _("Enter a name, e.g. Travel grants.")
    elif len(name) > NAME_MAX:
        errors["name"] = _("Keep the name to %(n)s characters or fewer.", n=NAME_MAX)
    else:
        taken = db.session.scalar(
            select(GrantProgramme.id).where(
                GrantProgramme.event_id == event.id,
                func.lower(GrantProgramme.name) == name.lower(),
                GrantProgramme.id != (programme.id if programme is not None else -1),
            )
        )
        if taken is not None:
            errors["name"] = _("There is already a programme called “%(name)s”.", name=name)
    if settings.kind not in GrantKind:
        errors["kind"] = _("Choose what the programme offers.")
    if settings.closes_at <= settings.opens_at:
        errors["closes_at"] = _("The programme must close after it opens.")
    if settings.budget < 0:
        errors["budget"] = _("Enter a budget of zero or more.")
    if settings.registration_fee < 0:
        errors["registration_fee"] = _("Enter a fee of zero or more.")
    elif settings.kind != GrantKind.TRAVEL and settings.registration_fee == 0:
        errors["registration_fee"] = _(
            "Enter the registration fee: it is what a waiver costs the budget."
        )
    if settings.request_cap is not None and settings.request_cap <= 0:
        errors["request_cap"] = _("Enter a cap above zero, or leave it empty for no cap.")
    if not 1 <= settings.min_fraction <= 100:
        errors["min_fraction"] = _("Choose a percentage from 1 to 100.")
    if not 1 <= settings.respond_days <= 90:
        errors["respond_days"] = _("Choose between 1 and 90 days.")
    for key, cap in settings.category_caps.items():
        if key not in {c.value for c in GrantCategory}:
            errors["category_caps"] = _("Caps can only be set for the categories listed.")
        elif cap < 0:
            errors[f"cap-{key}"] = _("Enter a cap of zero or more, or leave it empty.")
    if len(settings.description) > TEXT_MAX:
        errors["description"] = _("Keep the description to %(n)s characters or fewer.", n=TEXT_MAX)
    if len(settings.eligibility) > TEXT_MAX:
        errors["eligibility"] = _("Keep the text to %(n)s characters or fewer.", n=TEXT_MAX)
    return errors


def save_programme(
    *,
    actor: User,
    event: Event,
    programme: GrantProgramme | None,
    settings: ProgrammeSettings,
    now: dt.datetime,
) -> GrantProgramme:
    """Create (programme None) or change a programme. The currency is the event's when the
    programme is made and never changes afterwards (amounts are stored in it)."""
    permissions.require(permissions.can_manage_grants(actor, event))
    if programme is not None and programme.event_id != event.id:
        raise NotFound()
    errors = _validate_settings(event, programme, settings)
    if errors:
        raise ValidationFailed(errors)
    values: dict[str, Any] = {
        "name": settings.name.strip(),
        "kind": settings.kind,
        "description": settings.description.strip(),
        "eligibility": settings.eligibility.strip(),
        "opens_at": settings.opens_at,
        "closes_at": settings.closes_at,
        "budget": settings.budget,
        "registration_fee": settings.registration_fee,
        "request_cap": settings.request_cap,
        "min_fraction": settings.min_fraction,
        "category_caps": {k: v for k, v in settings.category_caps.items() if v is not None},
        "anonymous_review": settings.anonymous_review,
        "respond_days": settings.respond_days,
        "team_may_apply": settings.team_may_apply,
    }
    if programme is None:
        programme = GrantProgramme(
            event_id=event.id, currency=event.currency, created_at=now, updated_at=now, **values
        )
        db.session.add(programme)
        before: dict[str, Any] = {}
    else:
        before = {key: getattr(programme, key) for key in values}
        for key, value in values.items():
            setattr(programme, key, value)
        programme.updated_at = now
    db.session.flush()
    audit.record(
        action="grants.programme.save",
        actor=actor,
        now=now,
        object_type="grant_programme",
        object_id=programme.id,
        event=event,
        details=audit.changes(
            {k: _plain(v) for k, v in before.items()}, {k: _plain(v) for k, v in values.items()}
        ),
    )
    return programme


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, GrantKind) else value


def application_count(programme: GrantProgramme) -> int:
    """Applications other than drafts (drafts nobody has sent yet do not stop a deletion)."""
    return db.session.scalar(
        select(func.count(GrantApplication.id)).where(
            GrantApplication.programme_id == programme.id,
            GrantApplication.state != GrantState.DRAFT,
        )
    )


def delete_programme(*, actor: User, programme: GrantProgramme, now: dt.datetime) -> None:
    """Only a programme nobody has applied to (drafts aside) can be deleted."""
    event = programme.event
    permissions.require(permissions.can_manage_grants(actor, event))
    count = application_count(programme)
    if count:
        raise WrongState(
            _(
                "%(count)s people have applied to “%(name)s”, so it cannot be deleted. "
                "Change its closing time instead.",
                count=count,
                name=programme.name,
            )
        )
    db.session.delete(programme)
    db.session.flush()
    audit.record(
        action="grants.programme.delete",
        actor=actor,
        now=now,
        object_type="grant_programme",
        object_id=programme.id,
        event=event,
        details={"name": programme.name},
    )


def _require_own(
    actor: User, programme: GrantProgramme, item: GrantQuestion | GrantCriterion | None
) -> None:
    """Organizers only; and a question or criterion of another programme does not exist here."""
    permissions.require(permissions.can_manage_grants(actor, programme.event))
    if item is not None and item.programme_id != programme.id:
        raise NotFound()


def _delete_audited(
    item: GrantQuestion | GrantCriterion,
    kind: str,
    *,
    actor: User,
    event: Event,
    now: dt.datetime,
    details: dict[str, Any],
) -> None:
    object_id = item.id
    db.session.delete(item)
    db.session.flush()
    audit.record(
        action=f"grants.{kind}.delete",
        actor=actor,
        now=now,
        object_type=f"grant_{kind}",
        object_id=object_id,
        event=event,
        details=details,
    )


def _next_position(model: type[GrantQuestion | GrantCriterion], programme: GrantProgramme) -> int:
    """Where a new question or criterion goes: last."""
    highest = db.session.scalar(
        select(func.max(model.position)).where(model.programme_id == programme.id)
    )
    return 0 if highest is None else highest + 1


# Questions ---------------------------------------------------------------------------------


def questions(programme: GrantProgramme) -> list[GrantQuestion]:
    return in_order(GrantQuestion, GrantQuestion.programme_id == programme.id)


def question_in_programme(programme: GrantProgramme, question_id: int) -> GrantQuestion:
    return one_of(GrantQuestion, question_id, owner_column="programme_id", owner_id=programme.id)


def save_question(
    *,
    actor: User,
    programme: GrantProgramme,
    question: GrantQuestion | None,
    settings: QuestionSettings,
    now: dt.datetime,
) -> GrantQuestion:
    """The same rules as the call's questions (services.cfp.QuestionSettings)."""
    _require_own(actor, programme, question)
    errors = validate_question_settings(settings)
    if errors:
        raise ValidationFailed(errors)
    if question is None:
        question = GrantQuestion(
            programme_id=programme.id, position=_next_position(GrantQuestion, programme)
        )
        db.session.add(question)
    apply_question_settings(question, settings)
    db.session.flush()
    audit.record(
        action="grants.question.save",
        actor=actor,
        now=now,
        object_type="grant_question",
        object_id=question.id,
        event=programme.event,
        details={"text": question.text, "kind": settings.kind.value},
    )
    return question


def answer_count(question: GrantQuestion) -> int:
    return db.session.scalar(
        select(func.count(GrantAnswer.id)).where(GrantAnswer.question_id == question.id)
    )


def delete_question(
    *, actor: User, programme: GrantProgramme, question: GrantQuestion, now: dt.datetime
) -> None:
    """Deleting a question deletes its answers too (the confirmation page says so)."""
    _require_own(actor, programme, question)
    _delete_audited(
        question,
        "question",
        actor=actor,
        event=programme.event,
        now=now,
        details={"text": question.text},
    )


def move_question(
    *, actor: User, programme: GrantProgramme, question: GrantQuestion, direction: int
) -> None:
    """Swap a question with its neighbour (direction < 0: up, > 0: down)."""
    _require_own(actor, programme, question)
    swap_with_neighbour(questions(programme), question, direction)


# Criteria ----------------------------------------------------------------------------------


def criteria(programme: GrantProgramme) -> list[GrantCriterion]:
    return in_order(GrantCriterion, GrantCriterion.programme_id == programme.id)


def criterion_in_programme(programme: GrantProgramme, criterion_id: int) -> GrantCriterion:
    return one_of(GrantCriterion, criterion_id, owner_column="programme_id", owner_id=programme.id)


def save_criterion(
    *,
    actor: User,
    programme: GrantProgramme,
    criterion: GrantCriterion | None,
    name: str,
    description: str,
    weight: int | None,
    scale_min: int | None,
    scale_max: int | None,
    now: dt.datetime,
) -> GrantCriterion:
    """Create (criterion None) or change a criterion; a new one goes last."""
    _require_own(actor, programme, criterion)
    name = (name or "").strip()
    description = (description or "").strip()

    def name_taken(candidate: str) -> bool:
        return (
            db.session.scalar(
                select(GrantCriterion.id).where(
                    GrantCriterion.programme_id == programme.id,
                    func.lower(GrantCriterion.name) == candidate.lower(),
                    GrantCriterion.id != (criterion.id if criterion is not None else -1),
                )
            )
            is not None
        )

    errors = validate_criterion(
        name=name,
        description=description,
        weight=weight,
        scale_min=scale_min,
        scale_max=scale_max,
        scale_span_max=SCALE_SPAN_MAX,
        name_taken=name_taken,
        missing_name=_("Enter a name for the criterion, e.g. Need."),
    )
    if errors:
        raise ValidationFailed(errors)
    assert weight is not None
    assert scale_min is not None
    assert scale_max is not None
    if criterion is None:
        criterion = GrantCriterion(
            programme_id=programme.id, position=_next_position(GrantCriterion, programme)
        )
        db.session.add(criterion)
    elif (scale_min, scale_max) != (criterion.scale_min, criterion.scale_max) and _scored(
        criterion
    ):
        raise WrongState(
            _(
                "Reviewers have already scored “%(name)s”: its scale can no longer change.",
                name=name,
            )
        )
    criterion.name = name
    criterion.description = description
    criterion.weight = weight
    criterion.scale_min = scale_min
    criterion.scale_max = scale_max
    db.session.flush()
    audit.record(
        action="grants.criterion.save",
        actor=actor,
        now=now,
        object_type="grant_criterion",
        object_id=criterion.id,
        event=programme.event,
        details={"name": name, "weight": weight, "scale": [scale_min, scale_max]},
    )
    return criterion


def _scored(criterion: GrantCriterion) -> bool:
    return (
        db.session.scalar(
            select(GrantReviewScore.id)
            .where(GrantReviewScore.criterion_id == criterion.id)
            .limit(1)
        )
        is not None
    )


def delete_criterion(
    *, actor: User, programme: GrantProgramme, criterion: GrantCriterion, now: dt.datetime
) -> None:
    """A criterion reviewers have used stays (deleting it would change every score)."""
    _require_own(actor, programme, criterion)
    if _scored(criterion):
        raise WrongState(
            _(
                "Reviewers have already scored “%(name)s”, so it cannot be deleted. "
                "Lower its weight to 1 instead.",
                name=criterion.name,
            )
        )
    _delete_audited(
        criterion,
        "criterion",
        actor=actor,
        event=programme.event,
        now=now,
        details={"name": criterion.name},
    )


def move_criterion(
    *, actor: User, programme: GrantProgramme, criterion: GrantCriterion, direction: int
) -> None:
    _require_own(actor, programme, criterion)
    swap_with_neighbour(criteria(programme), criterion, direction)


# The visa invitation letter ----------------------------------------------------------------


def letter_template(event: Event) -> LetterTemplate | None:
    return db.session.scalar(select(LetterTemplate).where(LetterTemplate.event_id == event.id))


def unknown_placeholders(body: str) -> list[str]:
    return sorted({m for m in _PLACEHOLDER.findall(body) if m not in LETTER_PLACEHOLDERS})


def save_letter_template(
    *,
    actor: User,
    event: Event,
    body: str,
    signer_name: str,
    signer_title: str,
    now: dt.datetime,
) -> LetterTemplate:
    permissions.require(permissions.can_manage_grants(actor, event))
    body = (body or "").strip()
    signer_name = (signer_name or "").strip()
    signer_title = (signer_title or "").strip()
    errors: dict[str, str] = {}
    if not body:
        errors["body"] = _("Write the letter's text.")
    elif len(body) > LETTER_MAX:
        errors["body"] = _("Keep the letter to %(n)s characters or fewer.", n=LETTER_MAX)
    else:
        unknown = unknown_placeholders(body)
        if unknown:
            errors["body"] = _(
                "Unknown placeholders: %(names)s. Use only the ones listed.",
                names=", ".join("{" + name + "}" for name in unknown),
            )
    if not signer_name:
        errors["signer_name"] = _("Enter the name of the person who signs the letter.")
    elif len(signer_name) > 150:
        errors["signer_name"] = _("Keep the name to 150 characters or fewer.")
    if len(signer_title) > 150:
        errors["signer_title"] = _("Keep the title to 150 characters or fewer.")
    if errors:
        raise ValidationFailed(errors)
    template = letter_template(event)
    if template is None:
        template = LetterTemplate(event_id=event.id)
        db.session.add(template)
        before: dict[str, Any] = {}
    else:
        before = {
            "body": template.body,
            "signer_name": template.signer_name,
            "signer_title": template.signer_title,
        }
    template.body = body
    template.signer_name = signer_name
    template.signer_title = signer_title
    template.updated_at = now
    db.session.flush()
    audit.record(
        action="grants.letter_template.save",
        actor=actor,
        now=now,
        object_type="letter_template",
        object_id=template.id,
        event=event,
        details=audit.changes(
            before, {"body": body, "signer_name": signer_name, "signer_title": signer_title}
        ),
    )
    return template
