"""Grant applications: applying, editing until the deadline (and only lowering the amounts
after it), withdrawing, and the message thread between an applicant and the committee.

Rules are checked here, on the server. The deadline is the programme's `closes_at`, to the
second in UTC: an application may be changed freely while `now < closes_at`. After that, an
applicant whose application is still with the committee may only lower what they asked for.
Amounts are integers in minor units of the programme's currency; the blueprint parses what
people type (services.money.parse) and this module checks the numbers again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pycountry
from babel import Locale, UnknownLocaleError
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload

from organizer import permissions
from organizer.enums import GrantCategory, GrantState, NeedLevel, QuestionKind
from organizer.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from organizer.extensions import db
from organizer.models import (
    Event,
    GrantAnswer,
    GrantApplication,
    GrantMessage,
    GrantProgramme,
    GrantQuestion,
    Proposal,
    User,
)
from organizer.services import audit, conflicts, money, uploads
from organizer.services.grants.programmes import categories_for, questions
from organizer.services.mail import external_url, queue_mail
from organizer.services.questions import FileInput, validate_answer

MOTIVATION_MAX = 5_000
SHORT_MAX = 200
CITY_MAX = 100
OTHER_FUNDING_MAX = 2_000
MESSAGE_MAX = 5_000

# The applicant may change anything in these states (until the deadline).
EDITABLE_STATES = (GrantState.DRAFT, GrantState.SUBMITTED, GrantState.INFO_NEEDED)
# Withdrawing is possible until an award is accepted (or the application is closed).
WITHDRAWABLE_STATES = (
    GrantState.DRAFT,
    GrantState.SUBMITTED,
    GrantState.INFO_NEEDED,
    GrantState.WAITLISTED,
    GrantState.OFFERED,
)

# The labels are the enums' own (organizer/enums.py); these maps keep the old names.
STATE_LABELS = {s: s.label for s in GrantState}
NEED_LABELS = {n: n.label for n in NeedLevel}
CATEGORY_LABELS = {c: c.label for c in GrantCategory}


def state_label(state: GrantState) -> str:
    return str(STATE_LABELS.get(state, state.value))


def amount_field(category: GrantCategory | str) -> str:
    """The key of a category's amount in errors (and the form field's name)."""
    return f"amount-{GrantCategory(category).value}"


# Countries ---------------------------------------------------------------------------------


def countries() -> list[tuple[str, str]]:
    """(alpha-2 code, name) for every ISO 3166-1 country, named and sorted in the reader's
    language where Babel knows the name, else in English."""
    locale_name = str(get_locale() or "en")
    try:
        names = Locale.parse(locale_name).territories
    except (ValueError, UnknownLocaleError):
        names = {}
    found = [(c.alpha_2, names.get(c.alpha_2) or c.name) for c in pycountry.countries]
    return sorted(found, key=lambda item: item[1].casefold())


def country_name(code: str) -> str:
    if not code:
        return ""
    return dict(countries()).get(code.upper(), code)


def is_country(code: str) -> bool:
    return bool(code) and pycountry.countries.get(alpha_2=code.upper()) is not None


# Reading -----------------------------------------------------------------------------------


def _loaded() -> Any:
    return (
        selectinload(GrantApplication.programme),
        selectinload(GrantApplication.award),
        selectinload(GrantApplication.proposal),
        selectinload(GrantApplication.answers).selectinload(GrantAnswer.upload),
        selectinload(GrantApplication.answers).selectinload(GrantAnswer.question),
    )


def answers_of(application: GrantApplication) -> list[GrantAnswer]:
    """The application's answers in the order of their questions, with each question and file
    loaded (two queries, however many questions the programme asks)."""
    return list(
        db.session.scalars(
            select(GrantAnswer)
            .join(GrantAnswer.question)
            .where(GrantAnswer.application_id == application.id)
            .options(contains_eager(GrantAnswer.question), selectinload(GrantAnswer.upload))
            .order_by(GrantQuestion.position, GrantQuestion.id)
        )
    )


def my_applications(event: Event, user: User) -> list[GrantApplication]:
    """The person's applications to the event's programmes, the newest first."""
    return list(
        db.session.scalars(
            select(GrantApplication)
            .join(GrantProgramme, GrantProgramme.id == GrantApplication.programme_id)
            .where(GrantProgramme.event_id == event.id, GrantApplication.applicant_id == user.id)
            .options(selectinload(GrantApplication.programme), selectinload(GrantApplication.award))
            .order_by(GrantApplication.created_at.desc(), GrantApplication.id.desc())
        )
    )


def application_of(programme: GrantProgramme, user: User) -> GrantApplication | None:
    return db.session.scalar(
        select(GrantApplication).where(
            GrantApplication.programme_id == programme.id,
            GrantApplication.applicant_id == user.id,
        )
    )


def application_by_public_id(event: Event, public_id: str) -> GrantApplication:
    application = db.session.scalar(
        select(GrantApplication)
        .join(GrantProgramme, GrantProgramme.id == GrantApplication.programme_id)
        .where(GrantProgramme.event_id == event.id, GrantApplication.public_id == public_id)
        .options(*_loaded(), selectinload(GrantApplication.applicant))
    )
    if application is None:
        raise NotFound()
    return application


def application_for_applicant(event: Event, public_id: str, user: User) -> GrantApplication:
    """The same 404 for an application that does not exist and one of somebody else, so that
    guessing ids tells nothing."""
    application = application_by_public_id(event, public_id)
    if not permissions.is_applicant(user, application):
        raise NotFound()
    return application


def is_editable(application: GrantApplication, *, now: dt.datetime) -> bool:
    """Whether the applicant may change anything at all (maybe only lower amounts)."""
    if application.state == GrantState.DRAFT:
        return now < application.programme.closes_at
    return application.state in EDITABLE_STATES


def only_lowering(application: GrantApplication, *, now: dt.datetime) -> bool:
    """After the deadline: the amounts may go down, nothing else may change."""
    return application.state in EDITABLE_STATES and now >= application.programme.closes_at


def can_withdraw(application: GrantApplication) -> bool:
    return application.state in WITHDRAWABLE_STATES


# Applying ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class ApplicationInput:
    motivation: str = ""
    role: str = ""
    affiliation: str = ""
    presenting: bool = False
    proposal_public_id: str = ""  # one of the applicant's own proposals to the event
    country: str = ""  # ISO 3166-1 alpha-2
    city: str = ""
    need: str = ""  # a NeedLevel value
    requested: dict[str, int] = dataclasses.field(default_factory=dict)  # category -> minor
    own_contribution: int = 0
    other_funding: str = ""
    answers: dict[int, Any] = dataclasses.field(default_factory=dict)  # question id -> value
    files: dict[int, FileInput] = dataclasses.field(default_factory=dict)  # question id -> file
    # What the form already found wrong while reading the input (e.g. an amount that is not
    # a number: it is left out of `requested`), reported together with the other rules.
    input_errors: dict[str, str] = dataclasses.field(default_factory=dict)


def _own_proposal(event: Event, user: User, public_id: str) -> Proposal | None:
    proposal = db.session.scalar(
        select(Proposal)
        .where(Proposal.event_id == event.id, Proposal.public_id == public_id)
        .options(selectinload(Proposal.speakers))
    )
    if proposal is None or not permissions.is_speaker(user, proposal):
        return None
    return proposal


def _validate(
    programme: GrantProgramme,
    actor: User,
    data: ApplicationInput,
    *,
    submit: bool,
    existing_answers: dict[int, GrantAnswer],
    programme_questions: list[GrantQuestion],
) -> tuple[dict[str, str], Proposal | None]:
    errors: dict[str, str] = {}
    currency = programme.currency
    motivation = data.motivation.strip()
    if submit and not motivation:
        errors["motivation"] = _("Tell the committee why you apply and what you will bring.")
    elif len(motivation) > MOTIVATION_MAX:
        errors["motivation"] = _(
            "Keep the motivation to %(n)s characters or fewer.", n=MOTIVATION_MAX
        )
    if len(data.role.strip()) > SHORT_MAX:
        errors["role"] = _("Keep this to %(n)s characters or fewer.", n=SHORT_MAX)
    if len(data.affiliation.strip()) > SHORT_MAX:
        errors["affiliation"] = _("Keep this to %(n)s characters or fewer.", n=SHORT_MAX)
    proposal = None
    if data.presenting and data.proposal_public_id:
        proposal = _own_proposal(programme.event, actor, data.proposal_public_id)
        if proposal is None:
            errors["proposal"] = _("Choose one of your own proposals to this event.")
    country = data.country.strip()
    if country and not is_country(country):
        errors["country"] = _("Choose a country from the list.")
    elif submit and not country:
        errors["country"] = _("Choose the country you travel from.")
    city = data.city.strip()
    if len(city) > CITY_MAX:
        errors["city"] = _("Keep the city to %(n)s characters or fewer.", n=CITY_MAX)
    elif submit and not city:
        errors["city"] = _("Enter the city you travel from.")
    if data.need and data.need not in {n.value for n in NeedLevel}:
        errors["need"] = _("Choose one of the options.")
    elif submit and not data.need:
        errors["need"] = _("Choose how much you need the support.")
    allowed = categories_for(programme)
    allowed_values = {c.value for c in allowed}
    for key, amount in data.requested.items():
        if key not in allowed_values:
            errors["amounts"] = _("This programme does not fund that category.")
        elif not isinstance(amount, int) or isinstance(amount, bool):
            errors[amount_field(key)] = _("Enter a number, e.g. 120 or 120.50.")
        elif amount < 0:
            errors[amount_field(key)] = _("Enter an amount of zero or more.")
        elif (
            key == GrantCategory.REGISTRATION
            and amount not in (0, programme.registration_fee)
            and programme.registration_fee
        ):
            errors[amount_field(key)] = _(
                "A waiver covers the registration fee of %(fee)s.",
                fee=money.fmt(programme.registration_fee, currency),
            )
    valid_amounts = {
        k: v for k, v in data.requested.items() if k in allowed_values and isinstance(v, int)
    }
    total = sum(v for v in valid_amounts.values() if v > 0)
    first = next(
        (amount_field(c) for c in allowed if valid_amounts.get(c.value, 0) > 0),
        amount_field(allowed[0]),
    )
    if programme.request_cap is not None and total > programme.request_cap:
        errors.setdefault(
            first,
            _(
                "You ask for %(total)s in all; this programme gives at most %(cap)s per "
                "person. Lower your amounts.",
                total=money.fmt(total, currency),
                cap=money.fmt(programme.request_cap, currency),
            ),
        )
    elif submit and total == 0 and not any(k in errors for k in map(amount_field, allowed)):
        errors[first] = _("Enter at least one amount you ask for.")
    if data.own_contribution < 0:
        errors["own_contribution"] = _("Enter an amount of zero or more.")
    if len(data.other_funding.strip()) > OTHER_FUNDING_MAX:
        errors["other_funding"] = _("Keep this to %(n)s characters or fewer.", n=OTHER_FUNDING_MAX)
    for question in programme_questions:
        message = validate_answer(
            question,
            data.answers.get(question.id),
            data.files.get(question.id),
            existing_answers.get(question.id),
            submit=submit,
        )
        if message:
            errors[f"question-{question.id}"] = message
    return errors, proposal


def _content(application: GrantApplication) -> dict[str, Any]:
    """What an applicant wrote, except the amounts (for the rule after the deadline)."""
    return {
        "motivation": application.motivation,
        "role": application.role,
        "affiliation": application.affiliation,
        "presenting": application.presenting,
        "proposal_id": application.proposal_id,
        "country": application.country,
        "city": application.city,
        "need": application.need.value if application.need else None,
        "own_contribution": application.own_contribution,
        "other_funding": application.other_funding,
    }


def _values(data: ApplicationInput, proposal: Proposal | None) -> dict[str, Any]:
    """The same fields as `_content`, from what the form sent."""
    return {
        "motivation": data.motivation.strip(),
        "role": data.role.strip(),
        "affiliation": data.affiliation.strip(),
        "presenting": data.presenting,
        "proposal_id": proposal.id if (data.presenting and proposal) else None,
        "country": data.country.strip().upper(),
        "city": data.city.strip(),
        "need": data.need or None,
        "own_contribution": data.own_contribution,
        "other_funding": data.other_funding.strip(),
    }


def _answers(application: GrantApplication) -> dict[int, Any]:
    return {a.question_id: (a.value, a.upload_id) for a in application.answers}


def _apply(
    application: GrantApplication,
    data: ApplicationInput,
    proposal: Proposal | None,
    programme: GrantProgramme,
) -> None:
    values = _values(data, proposal)
    values["need"] = NeedLevel(data.need) if data.need else None
    for key, value in values.items():
        setattr(application, key, value)
    allowed = {c.value for c in categories_for(programme)}
    application.requested = {k: v for k, v in data.requested.items() if k in allowed and v > 0}
    application.requested_total = sum(application.requested.values())


def _store_answer(
    application: GrantApplication, question: GrantQuestion, value: Any, upload: Any
) -> None:
    answer = next((a for a in application.answers if a.question_id == question.id), None)
    if question.kind == QuestionKind.FILE:
        if upload is None:
            return  # keep the file sent earlier
        if answer is None:
            answer = GrantAnswer(question=question)
            application.answers.append(answer)
        answer.upload = upload
        answer.value = None
        return
    if value in (None, "", []):
        if answer is not None:
            application.answers.remove(answer)
        return
    if answer is None:
        answer = GrantAnswer(question=question)
        application.answers.append(answer)
    answer.value = value.strip() if isinstance(value, str) else value


class AlreadyApplied(Conflict):
    """A second application to the same programme; `application` is the first one."""

    def __init__(self, application: GrantApplication) -> None:
        super().__init__(
            _("You have already applied to this programme. You can change your application.")
        )
        self.application = application


def _refuse_after_deadline_changes(
    application: GrantApplication,
    data: ApplicationInput,
    proposal: Proposal | None,
    programme_questions: list[GrantQuestion],
) -> None:
    """After the deadline only lower amounts: anything else changed is refused, and what
    was saved stays as it was."""
    increases = {}
    for key, amount in data.requested.items():
        before = application.requested.get(key, 0)
        if amount > before:
            increases[amount_field(key)] = _(
                "After the deadline an amount can only be lowered: you asked for %(before)s.",
                before=money.fmt(before, application.programme.currency),
            )
    if increases:
        raise ValidationFailed(increases)
    saved = {a.question_id: a.value for a in application.answers}
    answers_changed = any(
        _normalised(data.answers.get(q.id)) != _normalised(saved.get(q.id))
        for q in programme_questions
        if q.kind != QuestionKind.FILE
    )
    if _values(data, proposal) != _content(application) or answers_changed or data.files:
        raise Conflict(
            _(
                "The deadline has passed: you can only lower the amounts you ask for. "
                "Your other changes were not saved; your application is as it was."
            )
        )


def _normalised(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
    return value if value not in (None, "", []) else None


def save_application(
    *,
    actor: User,
    programme: GrantProgramme,
    application: GrantApplication | None,
    data: ApplicationInput,
    submit: bool,
    now: dt.datetime,
    version: int | None = None,
) -> GrantApplication:
    """Create or edit an application, as a draft or submitted. Every rule is checked before
    anything changes, so a refused form loses nothing that was saved before.

    `version` is the version the form was opened at: a save from a stale tab is refused
    instead of silently overwriting newer text."""
    event = programme.event
    programme_questions = questions(programme)
    if application is None:
        first = application_of(programme, actor)
        if first is not None:
            raise AlreadyApplied(first)
        if now < programme.opens_at:
            raise Conflict(_("This programme is not open for applications yet."))
        if now >= programme.closes_at:
            raise Conflict(
                _("The deadline has passed: this programme no longer takes applications.")
            )
        existing_answers: dict[int, GrantAnswer] = {}
        lowering = False
    else:
        permissions.require(permissions.is_applicant(actor, application))
        if application.programme_id != programme.id:
            raise NotFound()
        if application.state not in EDITABLE_STATES:
            raise Conflict(_("This application can no longer be changed."))
        if version is not None and version != application.version:
            raise Conflict(
                _(
                    "This application was changed in another tab since you opened it. Your "
                    "text is still in the form: copy what you need, then reload the page to "
                    "see the newest version."
                )
            )
        lowering = now >= programme.closes_at
        if lowering and application.state == GrantState.DRAFT:
            raise Conflict(
                _("The deadline has passed: a draft can no longer be submitted or changed.")
            )
        if application.state != GrantState.DRAFT:
            submit = False  # already with the committee: a second "submit" is just a save
        existing_answers = {a.question_id: a for a in application.answers}
    if submit and not actor.email_verified:
        raise Conflict(_("Confirm your email address before you submit (see your inbox)."))
    if submit:
        conflicts.refuse_team_submission(
            actor=actor, event=event, allowed=programme.team_may_apply, what="grant"
        )
    errors, proposal = _validate(
        programme,
        actor,
        data,
        submit=submit or (application is not None and application.state != GrantState.DRAFT),
        existing_answers=existing_answers,
        programme_questions=programme_questions,
    )
    errors = {**errors, **data.input_errors}
    if errors:
        raise ValidationFailed(errors)
    if lowering:
        assert application is not None
        _refuse_after_deadline_changes(application, data, proposal, programme_questions)
    stored = {}
    by_id = {q.id: q for q in programme_questions}
    for question_id, file in data.files.items():
        question = by_id.get(question_id)
        if question is None or question.kind != QuestionKind.FILE:
            continue
        stored[question_id] = uploads.store(
            stream=file.stream,
            filename=file.filename,
            field=f"question-{question_id}",
            allowed=question.file_kinds,
            max_kb=question.max_file_kb,
            owner=actor,
            event=event,
            now=now,
        )
    created = application is None
    if application is None:
        application = GrantApplication(
            programme_id=programme.id,
            applicant_id=actor.id,
            state=GrantState.DRAFT,
            created_at=now,
            updated_at=now,
            version=1,
        )
        db.session.add(application)
        before: dict[str, Any] = {}
        requested_before: dict[str, int] = {}
        answers_before: dict[int, Any] = {}
    else:
        before = _content(application)
        requested_before = dict(application.requested)
        answers_before = _answers(application)
    _apply(application, data, proposal, programme)
    for question in programme_questions:
        _store_answer(application, question, data.answers.get(question.id), stored.get(question.id))
    try:
        db.session.flush()
    except IntegrityError as error:  # the same person, twice at the same moment
        raise Conflict(
            _(
                "You have already applied to this programme, perhaps from another tab. "
                "Find your application under My applications."
            )
        ) from error
    after = _content(application)
    changed = (
        before != after
        or requested_before != application.requested
        or answers_before != _answers(application)
    )
    if not created and (changed or submit):
        application.version += 1
    if changed or submit or created:
        application.updated_at = now
    if submit:
        application.state = GrantState.SUBMITTED
        application.submitted_at = now
    db.session.flush()
    details = audit.changes(
        {**before, "requested": requested_before}, {**after, "requested": application.requested}
    )
    details.pop("motivation", None)  # what people write about their need stays out of the log
    details.pop("other_funding", None)
    audit.record(
        action=(
            "grant_application.submit"
            if submit
            else ("grant_application.create" if created else "grant_application.edit")
        ),
        actor=actor,
        now=now,
        object_type="grant_application",
        object_id=application.id,
        event=event,
        details={} if created and not submit else details,
    )
    if submit:
        _mail_applicant(application, "grant_submitted", now=now)
    return application


def _application_url(application: GrantApplication) -> str:
    return external_url(
        "grants.application",
        event_slug=application.programme.event.slug,
        public_id=application.public_id,
    )


def _mail_applicant(
    application: GrantApplication,
    purpose: str,
    *,
    now: dt.datetime,
    context: dict[str, Any] | None = None,
    key: str | None = None,
) -> None:
    applicant = application.applicant
    programme = application.programme
    queue_mail(
        to=applicant.email,
        purpose=purpose,
        context={
            "application": application,
            "applicant": applicant,
            "programme": programme,
            "application_url": _application_url(application),
            **(context or {}),
        },
        now=now,
        event=programme.event,
        locale=applicant.locale,
        idempotency_key=key or f"{purpose}:{application.id}:{application.version}",
    )


# Withdrawing -------------------------------------------------------------------------------


def withdraw(*, actor: User, application: GrantApplication, now: dt.datetime) -> None:
    """The applicant withdraws, at any time until they accept an award. An offer they had
    not answered is given up, and its money goes back to the budget."""
    permissions.require(permissions.is_applicant(actor, application))
    if application.state == GrantState.WITHDRAWN:
        raise Conflict(_("This application is already withdrawn."))
    if application.state not in WITHDRAWABLE_STATES:
        if application.state == GrantState.ACCEPTED:
            raise Conflict(
                _(
                    "You have accepted your grant, so the application cannot be withdrawn. "
                    "If you cannot come, write to the organizers."
                )
            )
        raise Conflict(_("This application is closed and cannot be withdrawn."))
    was = application.state
    application.state = GrantState.WITHDRAWN
    application.version += 1
    application.updated_at = now
    if application.award is not None and was == GrantState.OFFERED:
        application.award.responded_at = now
    db.session.flush()
    audit.record(
        action="grant_application.withdraw",
        actor=actor,
        now=now,
        object_type="grant_application",
        object_id=application.id,
        event=application.programme.event,
        details={"state": [was.value, GrantState.WITHDRAWN.value]},
    )
    if was != GrantState.DRAFT:
        _mail_applicant(application, "grant_withdrawn", now=now)


# Messages ----------------------------------------------------------------------------------


def thread(application: GrantApplication, *, include_internal: bool) -> list[GrantMessage]:
    query = (
        select(GrantMessage)
        .where(GrantMessage.application_id == application.id)
        .options(selectinload(GrantMessage.author))
        .order_by(GrantMessage.created_at, GrantMessage.id)
    )
    if not include_internal:
        query = query.where(GrantMessage.internal.is_(False))
    return list(db.session.scalars(query))


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationFailed({"body": _("Write a message.")})
    if len(body) > MESSAGE_MAX:
        raise ValidationFailed(
            {"body": _("Keep the message to %(n)s characters or fewer.", n=MESSAGE_MAX)}
        )
    return body


def post_message(
    *,
    actor: User,
    application: GrantApplication,
    body: str,
    internal: bool,
    now: dt.datetime,
) -> GrantMessage:
    """A message in the application's thread. Applicants write to the committee (never an
    internal note); the committee writes to the applicant (who gets a mail) or leaves an
    internal note. An applicant's answer while information is needed sends the application
    back to the committee."""
    event = application.programme.event
    from_applicant = permissions.is_applicant(actor, application)
    if from_applicant:
        if internal:
            raise PermissionDenied()
        if application.state == GrantState.DRAFT:
            raise Conflict(_("Submit your application first; then you can write to the committee."))
    elif not permissions.can_review_grants(actor, event):
        raise PermissionDenied()
    body = _clean_body(body)
    message = GrantMessage(
        application_id=application.id,
        author_id=actor.id,
        body=body,
        internal=internal,
        created_at=now,
    )
    db.session.add(message)
    state_before = application.state
    if from_applicant and application.state == GrantState.INFO_NEEDED:
        application.state = GrantState.SUBMITTED
        application.updated_at = now
    db.session.flush()
    audit.record(
        action="grant_application.message",
        actor=actor,
        now=now,
        object_type="grant_application",
        object_id=application.id,
        event=event,
        details={
            "message_id": message.id,
            "internal": internal,
            "from_applicant": from_applicant,
            **(
                {"state": [state_before.value, application.state.value]}
                if state_before != application.state
                else {}
            ),
        },
    )
    if not from_applicant and not internal:
        _mail_applicant(
            application,
            "grant_message",
            now=now,
            context={"body": body},
            key=f"grant_message:{message.id}",
        )
    return message


def request_info(
    *, actor: User, application: GrantApplication, body: str, now: dt.datetime
) -> GrantMessage:
    """The committee asks the applicant for more: the application waits in INFO_NEEDED
    (the applicant may still edit it) and the applicant gets a mail with the question."""
    event = application.programme.event
    permissions.require(permissions.can_review_grants(actor, event))
    if application.state not in (GrantState.SUBMITTED, GrantState.INFO_NEEDED):
        raise Conflict(
            _("Information can only be asked for while the application is being reviewed.")
        )
    body = _clean_body(body)
    message = GrantMessage(
        application_id=application.id,
        author_id=actor.id,
        body=body,
        internal=False,
        created_at=now,
    )
    db.session.add(message)
    before = application.state
    application.state = GrantState.INFO_NEEDED
    application.updated_at = now
    db.session.flush()
    audit.record(
        action="grant_application.request_info",
        actor=actor,
        now=now,
        object_type="grant_application",
        object_id=application.id,
        event=event,
        details={"message_id": message.id, "state": [before.value, GrantState.INFO_NEEDED.value]},
    )
    _mail_applicant(
        application,
        "grant_info_needed",
        now=now,
        context={"body": body},
        key=f"grant_info_needed:{message.id}",
    )
    return message
