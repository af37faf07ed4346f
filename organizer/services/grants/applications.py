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
from organizer.errors import NotFound, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    Event,
    GrantAnswer,
    GrantApplication,
    GrantProgramme,
    GrantQuestion,
    Proposal,
    User,
)
from organizer.services import audit, money, notifications
from organizer.services.grants.programmes import categories_for, questions
from organizer.services.mail import external_url
from organizer.services.reviewing import interests
from organizer.services.reviewing.questions import (
    FileInput,
    snapshot,
    store_answer,
    store_files,
    validate_answers,
)

MOTIVATION_MAX = 5_000
SHORT_MAX = 200
CITY_MAX = 100
OTHER_FUNDING_MAX = 2_000

# The applicant may change anything in these states (until the deadline).
EDITABLE_STATES = (GrantState.DRAFT, GrantState.SUBMITTED, GrantState.INFO_NEEDED)

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
    application: GrantApplication | None,
    programme_questions: list[GrantQuestion],
) -> Proposal | None:
    """Every rule of what the applicant wrote: ValidationFailed with all that is wrong, else
    the proposal they present (if any)."""
    existing_answers = {a.question_id: a for a in application.answers} if application else {}
    errors, proposal = _check_person(programme, actor, data, submit=submit)
    errors.update(_check_amounts(programme, data, submit=submit))
    if data.own_contribution < 0:
        errors["own_contribution"] = _("Enter an amount of zero or more.")
    if len(data.other_funding.strip()) > OTHER_FUNDING_MAX:
        errors["other_funding"] = _("Keep this to %(n)s characters or fewer.", n=OTHER_FUNDING_MAX)
    errors.update(
        validate_answers(
            programme_questions, data.answers, data.files, existing_answers, submit=submit
        )
    )
    errors.update(data.input_errors)
    if errors:
        raise ValidationFailed(errors)
    return proposal


def _check_person(
    programme: GrantProgramme, actor: User, data: ApplicationInput, *, submit: bool
) -> tuple[dict[str, str], Proposal | None]:
    """Who applies and from where: motivation, role, the proposal they present, their
    country and city, and how much they need the support."""
    errors: dict[str, str] = {}
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
    return errors, proposal


def _check_amounts(
    programme: GrantProgramme, data: ApplicationInput, *, submit: bool
) -> dict[str, str]:
    """The amounts asked for, category by category and in all (the programme's cap)."""
    errors: dict[str, str] = {}
    currency = programme.currency
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
    return errors


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


class AlreadyApplied(WrongState):
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
        raise WrongState(
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
    lowering = False
    if application is None:
        _refuse_new(programme, actor, now=now)
    else:
        lowering = _refuse_edit(programme, actor, application, version=version, now=now)
        if application.state != GrantState.DRAFT:
            submit = False  # already with the committee: a second "submit" is just a save
    if submit:
        _refuse_submission(actor, programme)
    proposal = _validate(
        programme,
        actor,
        data,
        submit=submit or (application is not None and application.state != GrantState.DRAFT),
        application=application,
        programme_questions=programme_questions,
    )
    if lowering:
        assert application is not None
        _refuse_after_deadline_changes(application, data, proposal, programme_questions)
    stored = store_files(programme_questions, data.files, owner=actor, event=event, now=now)
    created = application is None
    before: dict[str, Any] = {"requested": {}}
    if application is None:
        application = _new_application(programme, actor, now=now)
    else:
        before = {**_content(application), "requested": dict(application.requested)}
    answers_before = snapshot(application.answers)
    _apply(application, data, proposal, programme)
    for question in programme_questions:
        value = data.answers.get(question.id)
        store_answer(application.answers, question, value, stored.get(question.id), new=GrantAnswer)
    _flush_once()
    after = {**_content(application), "requested": application.requested}
    changed = before != after or answers_before != snapshot(application.answers)
    if not created and (changed or submit):
        application.version += 1
    if changed or submit or created:
        application.updated_at = now
    if submit:
        application.state = GrantState.SUBMITTED
        application.submitted_at = now
    db.session.flush()
    _record_save(
        actor,
        application,
        before,
        after,
        action="submit" if submit else ("create" if created else "edit"),
        now=now,
    )
    if submit:
        tell_applicant(application, "grant_submitted", now=now)
    return application


def _record_save(
    actor: User,
    application: GrantApplication,
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    action: str,
    now: dt.datetime,
) -> None:
    """The audit entry of a save: what changed, but never what people write about their
    need (motivation, other funding). A new draft records no details."""
    details = audit.changes(before, after)
    details.pop("motivation", None)
    details.pop("other_funding", None)
    audit.record(
        action=f"grant_application.{action}",
        actor=actor,
        now=now,
        object_type="grant_application",
        object_id=application.id,
        event=application.programme.event,
        details={} if action == "create" else details,
    )


def _refuse_submission(actor: User, programme: GrantProgramme) -> None:
    if not actor.email_verified:
        raise WrongState(_("Confirm your email address before you submit (see your inbox)."))
    interests.refuse_team_submission(
        actor=actor, event=programme.event, allowed=programme.team_may_apply, what="grant"
    )


def _flush_once() -> None:
    """Flush a new application; the same person applying twice at the same moment is
    refused by the database's unique constraint."""
    try:
        db.session.flush()
    except IntegrityError as error:
        raise WrongState(
            _(
                "You have already applied to this programme, perhaps from another tab. "
                "Find your application under My applications."
            )
        ) from error


def _refuse_new(programme: GrantProgramme, actor: User, *, now: dt.datetime) -> None:
    """One application per person and programme, while the programme is open."""
    first = application_of(programme, actor)
    if first is not None:
        raise AlreadyApplied(first)
    if now < programme.opens_at:
        raise WrongState(_("This programme is not open for applications yet."))
    if now >= programme.closes_at:
        raise WrongState(_("The deadline has passed: this programme no longer takes applications."))


def _refuse_edit(
    programme: GrantProgramme,
    actor: User,
    application: GrantApplication,
    *,
    version: int | None,
    now: dt.datetime,
) -> bool:
    """Whether the applicant may change the application now, from a form opened at
    `version`; True when only lowering the amounts is left (after the deadline)."""
    permissions.require(permissions.is_applicant(actor, application))
    if application.programme_id != programme.id:
        raise NotFound()
    if application.state not in EDITABLE_STATES:
        raise WrongState(_("This application can no longer be changed."))
    if version is not None and version != application.version:
        raise WrongState(
            _(
                "This application was changed in another tab since you opened it. Your "
                "text is still in the form: copy what you need, then reload the page to "
                "see the newest version."
            )
        )
    lowering = now >= programme.closes_at
    if lowering and application.state == GrantState.DRAFT:
        raise WrongState(
            _("The deadline has passed: a draft can no longer be submitted or changed.")
        )
    return lowering


def _new_application(
    programme: GrantProgramme, actor: User, *, now: dt.datetime
) -> GrantApplication:
    application = GrantApplication(
        programme_id=programme.id,
        applicant_id=actor.id,
        state=GrantState.DRAFT,
        created_at=now,
        updated_at=now,
        version=1,
    )
    db.session.add(application)
    return application


def tell_applicant(
    application: GrantApplication,
    purpose: str,
    *,
    now: dt.datetime,
    context: dict[str, Any] | None = None,
    about: tuple[object, ...] | None = None,
) -> None:
    """Mail the applicant about their application, in their language: once per version of
    the application unless `about` says what else makes it one mail."""
    programme = application.programme
    notifications.tell(
        application.applicant,
        purpose,
        about=about or (application, application.version),
        context={
            "application": application,
            "applicant": application.applicant,
            "programme": programme,
            "application_url": external_url(
                "grants.application",
                event_slug=programme.event.slug,
                public_id=application.public_id,
            ),
            **(context or {}),
        },
        now=now,
        event=programme.event,
    )


# Withdrawing -------------------------------------------------------------------------------


def withdraw(*, actor: User, application: GrantApplication, now: dt.datetime) -> None:
    """The applicant withdraws, at any time until they accept an award. An offer they had
    not answered is given up, and its money goes back to the budget."""
    permissions.require(permissions.is_applicant(actor, application))
    if application.state == GrantState.WITHDRAWN:
        raise WrongState(_("This application is already withdrawn."))
    if application.state not in permissions.WITHDRAWABLE_GRANT_STATES:
        if application.state == GrantState.ACCEPTED:
            raise WrongState(
                _(
                    "You have accepted your grant, so the application cannot be withdrawn. "
                    "If you cannot come, write to the organizers."
                )
            )
        raise WrongState(_("This application is closed and cannot be withdrawn."))
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
        tell_applicant(application, "grant_withdrawn", now=now)
