"""Organizers configure the call: dates and text, session types, tracks, questions, review
criteria and phases, decision mails and personal extensions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from organizer import permissions
from organizer.blueprints._common import (
    access,
    attempt,
    event_route,
    paginate_list,
    utcnow,
)
from organizer.blueprints._setup_pages import Move, SetupPages
from organizer.blueprints._setup_views import (
    form_status,
    local_date_and_time,
    utc_from_local,
)
from organizer.blueprints.cfp_setup.forms import (
    CallForm,
    CriterionForm,
    ExtensionForm,
    MailTemplateForm,
    PhaseForm,
    QuestionForm,
    SessionTypeForm,
    TrackForm,
)
from organizer.blueprints.cfp_setup.items import ItemPages
from organizer.blueprints.cfp_setup.items import confirm_in_call_setup as _confirm_then
from organizer.enums import OthersReviews
from organizer.models import (
    CfpExtension,
    Event,
    Question,
    ReviewCriterion,
    ReviewPhase,
    SessionType,
    Track,
)
from organizer.services.cfp import call as call_service
from organizer.services.cfp import deadlines, decision_mails, review_setup
from organizer.services.reviewing.questions import QuestionSettings
from organizer.services.timefmt import in_zone

bp = Blueprint("cfp_setup", __name__, url_prefix="/manage")

DEFAULT_CALL_WEEKS = 6
# The ordered kinds of things the move buttons reorder, besides questions and criteria:
# URL name -> (model, list endpoint).
MOVABLE: dict[str, tuple[type[Any], str]] = {
    "types": (SessionType, "session_types"),
    "tracks": (Track, "tracks"),
}


def _item(model: type[Any], event: Event, item_id: int) -> Any:
    """The event's item with that id, or a 404 (also for another event's items)."""
    return call_service.item_in_event(model, event, item_id)


def _name(item: Any) -> str:
    return str(getattr(item, "name", None) or getattr(item, "text", ""))


def _redirect(endpoint: str, event: Event, **values: Any):  # type: ignore[no-untyped-def]
    return redirect(url_for(endpoint, event_slug=event.slug, **values))


# The call ------------------------------------------------------------------------------------


@access("organizer")
@bp.route("/<event_slug>/cfp", methods=["GET", "POST"])
@event_route(permissions.can_manage_cfp)
def settings(event: Event):
    call = call_service.call_of(event)
    form = CallForm(zone=event.timezone)
    if not form.is_submitted():
        if call is not None:
            form.opens_at.data, form.opens_time.data = local_date_and_time(call.opens_at, event)
            form.closes_at.data, form.closes_time.data = local_date_and_time(call.closes_at, event)
            form.text.data = call.text
            form.anonymous_review.data = call.anonymous_review
            form.team_may_apply.data = call.team_may_apply
            form.reviews_per_proposal.data = call.reviews_per_proposal
            form.others_reviews.data = OthersReviews(call.others_reviews).value
            form.abstract_max_length.data = call.abstract_max_length
            form.languages.data = ", ".join(call.languages)
        else:
            today = local_date_and_time(utcnow(), event)[0]
            assert today is not None
            form.opens_at.data, form.opens_time.data = today, dt.time(0, 0)
            form.closes_at.data = today + dt.timedelta(weeks=DEFAULT_CALL_WEEKS)
            form.closes_time.data = dt.time(23, 59)
            form.anonymous_review.data = True
            form.team_may_apply.data = True
            form.reviews_per_proposal.data = 3
            form.abstract_max_length.data = 1000
            form.languages.data = "en"
    if form.validate_on_submit():
        settings_ = call_service.CallSettings(
            opens_at=utc_from_local(form.opens_at.data, form.opens_time.data, event),
            closes_at=utc_from_local(form.closes_at.data, form.closes_time.data, event),
            text=form.text.data or "",
            anonymous_review=bool(form.anonymous_review.data),
            team_may_apply=bool(form.team_may_apply.data),
            reviews_per_proposal=form.reviews_per_proposal.data,
            others_reviews=OthersReviews(form.others_reviews.data),
            abstract_max_length=form.abstract_max_length.data,
            languages=form.language_codes(),
        )
        if attempt(
            lambda: call_service.save_call(
                actor=current_user, event=event, settings=settings_, now=utcnow()
            ),
            form=form,
            success=_("The call is saved.") if call else _("The call for talks is created."),
        ).ok:
            return _redirect("cfp_setup.settings", event)
    return render_template(
        "cfp_setup/settings.html", event=event, form=form, call=call, now=utcnow()
    ), form_status(form)


# Session types, tracks and review phases (their list, edit and delete pages: see items.py) ----


class SessionTypePages(ItemPages):
    path, listing, one, id_name = "types", "session_types", "session_type", "type_id"
    model = SessionType
    fields = "cfp_setup/_session_type_fields.html"

    def form(self, event: Event, item: Any = None) -> SessionTypeForm:
        return SessionTypeForm(obj=item)

    def items(self, event: Event) -> list[Any]:
        return call_service.session_types(event)

    def save(self, event: Event, item: Any, form: Any) -> object:
        return call_service.save_session_type(
            actor=current_user,
            event=event,
            session_type=item,
            name=form.name.data,
            description=form.description.data or "",
            duration_minutes=form.duration_minutes.data,
            max_speakers=form.max_speakers.data,
            now=utcnow(),
        )

    def delete(self, event: Event, item: Any) -> object:
        return call_service.delete_session_type(
            actor=current_user, event=event, session_type=item, now=utcnow()
        )

    def added(self, name: str) -> str:
        return _("The session type “%(name)s” is added.", name=name)

    def saved(self) -> str:
        return _("The session type is saved.")

    def edit_title(self, name: str) -> str:
        return _("Edit the session type “%(name)s”", name=name)

    def delete_texts(self, name: str) -> dict[str, str]:
        return {
            "done": _("The session type “%(name)s” is deleted.", name=name),
            "title": _("Delete a session type"),
            "question": _(
                "Delete the session type “%(name)s”? Speakers will no longer be able to choose it.",
                name=name,
            ),
            "button": _("Delete the session type"),
        }


class TrackPages(ItemPages):
    path, listing, one, id_name = "tracks", "tracks", "track", "track_id"
    model = Track
    fields = "cfp_setup/_track_fields.html"

    def form(self, event: Event, item: Any = None) -> TrackForm:
        return TrackForm(obj=item)

    def items(self, event: Event) -> list[Any]:
        return call_service.tracks(event)

    def save(self, event: Event, item: Any, form: Any) -> object:
        return call_service.save_track(
            actor=current_user,
            event=event,
            track=item,
            name=form.name.data,
            description=form.description.data or "",
            colour=form.colour.data or "",
            now=utcnow(),
        )

    def delete(self, event: Event, item: Any) -> object:
        return call_service.delete_track(actor=current_user, event=event, track=item, now=utcnow())

    def added(self, name: str) -> str:
        return _("The track “%(name)s” is added.", name=name)

    def saved(self) -> str:
        return _("The track is saved.")

    def edit_title(self, name: str) -> str:
        return _("Edit the track “%(name)s”", name=name)

    def delete_texts(self, name: str) -> dict[str, str]:
        question = _(
            "Delete the track “%(name)s”? Review criteria limited to it lose that limit; a "
            "criterion limited to this track alone then applies to every proposal.",
            name=name,
        )
        return {
            "title": _("Delete a track"),
            "question": question,
            "button": _("Delete the track"),
            "done": _("The track “%(name)s” is deleted.", name=name),
        }


class PhasePages(ItemPages):
    path, listing, one, id_name = "phases", "phases", "phase", "phase_id"
    model = ReviewPhase
    fields = "cfp_setup/_phase_fields.html"

    def form(self, event: Event, item: Any = None) -> PhaseForm:
        form = PhaseForm(obj=item, zone=event.timezone)
        if item is not None and not form.is_submitted():
            form.starts_at.data, form.starts_time.data = local_date_and_time(item.starts_at, event)
            form.ends_at.data, form.ends_time.data = local_date_and_time(item.ends_at, event)
            form.others_reviews.data = OthersReviews(item.others_reviews).value
        return form

    def items(self, event: Event) -> list[Any]:
        return review_setup.phases(event)

    def list_context(self, event: Event, form: Any) -> dict[str, Any]:
        return {
            "rules": review_setup.rules(event, cfp=call_service.call_of(event), now=utcnow()),
            "others_labels": {c.value: c.label for c in form.others_reviews.choices},
        }

    def save(self, event: Event, item: Any, form: Any) -> object:
        return review_setup.save_phase(
            actor=current_user,
            event=event,
            phase=item,
            name=form.name.data or "",
            starts_at=utc_from_local(form.starts_at.data, form.starts_time.data, event),
            ends_at=utc_from_local(form.ends_at.data, form.ends_time.data, event),
            can_review=bool(form.can_review.data),
            others_reviews=OthersReviews(form.others_reviews.data),
            now=utcnow(),
        )

    def delete(self, event: Event, item: Any) -> object:
        return review_setup.delete_phase(actor=current_user, phase=item, now=utcnow())

    def added(self, name: str) -> str:
        return _("The phase “%(name)s” is added.", name=name)

    def saved(self) -> str:
        return _("The phase is saved.")

    def edit_title(self, name: str) -> str:
        return _("Edit the phase “%(name)s”", name=name)

    def delete_texts(self, name: str) -> dict[str, str]:
        return {
            "done": _("The phase “%(name)s” is deleted.", name=name),
            "title": _("Delete a review phase"),
            "question": _("Delete the phase “%(name)s”?", name=name),
            "consequence": _(
                "Reviews written during it stay. If it was the last phase, review is open all "
                "the time again."
            ),
            "button": _("Delete the phase"),
        }


for _pages in (SessionTypePages(), TrackPages(), PhasePages()):
    _pages.register(bp)


# Decision mails ------------------------------------------------------------------------------


def _purpose_or_404(purpose: str) -> str:
    if purpose not in decision_mails.PURPOSES:
        abort(404)
    return purpose


def _sample_values(event: Event) -> dict[str, str]:
    """What the preview fills the placeholders with: made-up, in the event's own terms."""
    respond_by = in_zone(utcnow() + dt.timedelta(days=14), event.timezone)
    assert respond_by is not None
    proposal_url = url_for("public.event", event_slug=event.slug, _external=True) + "proposals/…"
    return {
        "speaker_name": _("Ada Lovelace"),
        "proposal_title": _("Learning from little data"),
        "event_name": event.name,
        "proposal_url": proposal_url,
        "confirm_url": proposal_url + "/respond",
        "respond_by": f"{respond_by:%Y-%m-%d %H:%M} ({event.timezone})",
        "notes_from_reviewers": _("Notes from the reviewers:\n\n- A clear, well-scoped proposal.")
        + "\n\n",
        "contact_email": event.contact_email or "team@example.org",
    }


@access("organizer")
@bp.route("/<event_slug>/cfp/mails")
@event_route(permissions.can_manage_cfp)
def mail_templates(event: Event):
    templates = [
        (purpose, label, decision_mails.template_for(event, purpose))
        for purpose, label in decision_mails.PURPOSES.items()
    ]
    return render_template("cfp_setup/mail_templates.html", event=event, templates=templates)


@access("organizer")
@bp.route("/<event_slug>/cfp/mails/<purpose>", methods=["GET", "POST"])
@event_route(permissions.can_manage_cfp)
def edit_mail_template(event: Event, purpose: str):
    _purpose_or_404(purpose)
    template = decision_mails.template_for(event, purpose)
    form = MailTemplateForm(data={"subject": template.subject, "body": template.body})
    preview = None
    if form.validate_on_submit():
        if form.preview.data:
            values = _sample_values(event)
            preview = {
                "subject": decision_mails.fill(form.subject.data, values),
                "body": decision_mails.fill(form.body.data, values),
            }
        else:
            saved = attempt(
                lambda: decision_mails.save_template(
                    actor=current_user,
                    event=event,
                    purpose=purpose,
                    subject=form.subject.data,
                    body=form.body.data,
                    now=utcnow(),
                ),
                form=form,
                success=_(
                    "The %(mail)s mail is saved.",
                    mail=str(decision_mails.PURPOSES[purpose]).lower(),
                ),
            )
            if saved.ok:
                return _redirect("cfp_setup.edit_mail_template", event, purpose=purpose)
    return render_template(
        "cfp_setup/mail_template.html",
        event=event,
        form=form,
        purpose=purpose,
        label=decision_mails.PURPOSES[purpose],
        template=template,
        placeholders=decision_mails.PLACEHOLDERS,
        preview=preview,
    ), form_status(form)


@access("organizer")
@bp.route("/<event_slug>/cfp/mails/<purpose>/reset", methods=["GET", "POST"])
@event_route(permissions.can_manage_cfp)
def reset_mail_template(event: Event, purpose: str):
    _purpose_or_404(purpose)
    label = str(decision_mails.PURPOSES[purpose]).lower()
    return _confirm_then(
        event,
        lambda: decision_mails.reset_template(
            actor=current_user, event=event, purpose=purpose, now=utcnow()
        ),
        done=_("The %(mail)s mail uses the built-in text again.", mail=label),
        after="cfp_setup.mail_templates",
        title=_("Go back to the built-in mail"),
        question=_("Throw away your wording of the %(mail)s mail?", mail=label),
        consequence=_("From now on the built-in text is sent. This cannot be undone."),
        button=_("Use the built-in text"),
        back=url_for("cfp_setup.edit_mail_template", event_slug=event.slug, purpose=purpose),
    )


# Personal extensions -------------------------------------------------------------------------


@access("organizer")
@bp.route("/<event_slug>/cfp/extensions", methods=["GET", "POST"])
@event_route(permissions.can_manage_cfp)
def extensions(event: Event):
    call = call_service.call_of(event)
    form = ExtensionForm(zone=event.timezone)
    if not form.is_submitted() and call is not None:
        day, _clock = local_date_and_time(call.closes_at + dt.timedelta(days=7), event)
        form.until.data, form.until_time.data = day, dt.time(23, 59)
    if form.validate_on_submit() and (
        attempt(
            lambda: deadlines.grant_extension(
                actor=current_user,
                event=event,
                email=form.email.data,
                until=utc_from_local(form.until.data, form.until_time.data, event),
                now=utcnow(),
            ),
            form=form,
            success=_(
                "%(email)s may now submit and edit until the new deadline.",
                email=form.email.data.strip().lower(),
            ),
        ).ok
    ):
        return _redirect("cfp_setup.extensions", event)
    return render_template(
        "cfp_setup/extensions.html",
        event=event,
        form=form,
        call=call,
        page=paginate_list(deadlines.extensions(event)),
    ), form_status(form)


@access("organizer")
@bp.route("/<event_slug>/cfp/extensions/<int:extension_id>/revoke", methods=["GET", "POST"])
@event_route(permissions.can_manage_cfp)
def revoke_extension(event: Event, extension_id: int):
    item = _item(CfpExtension, event, extension_id)
    return _confirm_then(
        event,
        lambda: deadlines.revoke_extension(
            actor=current_user, event=event, extension=item, now=utcnow()
        ),
        done=_("The extension is revoked."),
        after="cfp_setup.extensions",
        title=_("Revoke an extension"),
        question=_(
            "Revoke the extension of %(name)s (%(email)s)?",
            name=item.user.display_name,
            email=item.user.email,
        ),
        consequence=_("Their deadline becomes the call's closing time again."),
        button=_("Revoke the extension"),
    )


# Questions, review criteria and moving items up and down ----------------------------------------


class CallSetupPages(SetupPages):
    """The call's questions and criteria (shared with the grant programmes; see
    `_setup_pages`); its session types and tracks move with the same buttons."""

    prefix = "/<event_slug>/cfp"
    permission = staticmethod(permissions.can_manage_cfp)
    layout = "layouts/cfp_setup.html"
    tabs = "cfp_setup/_tabs.html"
    question_form_class = QuestionForm

    def owner(self, event: Event, values: dict[str, Any]) -> Event:
        return event

    def texts(self) -> dict[str, str]:
        return {
            "questions_intro": _(
                "Your own questions, asked with every proposal after the title and abstract, "
                "in this order."
            ),
            "questions_caption": _("Questions, in the order speakers see them"),
            "questions_empty": _(
                "No questions of your own: speakers give a title, an abstract and a description."
            ),
            "criteria_intro": _(
                "What reviewers score, in this order. A review's overall score, from 0 to 10, "
                "is the mean of its criteria weighted by their weights, each score placed on its "
                "own scale."
            ),
            "criteria_empty": _(
                "No criteria yet: reviewers can only comment. Add at least one so that "
                "proposals can be ranked."
            ),
            "criterion_deleted": _(
                "Every score given for it is deleted too, and the ranking is computed without it."
            ),
        }

    def questions(self, owner: Event) -> list[Question]:
        return call_service.questions(owner)

    def question(self, owner: Event, question_id: int) -> Question:
        return call_service.item_in_event(Question, owner, question_id)

    def answer_count(self, question: Question) -> int:
        return call_service.answer_count(question)

    def save_question(self, owner: Event, question: Any, settings: QuestionSettings) -> None:
        call_service.save_question(
            actor=current_user, event=owner, question=question, settings=settings, now=utcnow()
        )

    def delete_question(self, owner: Event, question: Question) -> None:
        call_service.delete_question(
            actor=current_user, event=owner, question=question, now=utcnow()
        )

    def move_question(self, owner: Event, question: Question, direction: int) -> None:
        call_service.move(actor=current_user, event=owner, item=question, direction=direction)

    def criteria(self, owner: Event) -> list[ReviewCriterion]:
        return review_setup.event_criteria(owner)  # tracks eager-loaded

    def criterion(self, owner: Event, criterion_id: int) -> ReviewCriterion:
        return call_service.item_in_event(ReviewCriterion, owner, criterion_id)

    def criterion_form(self, owner: Event, criterion: Any = None) -> CriterionForm:
        form = CriterionForm(obj=criterion, tracks=call_service.tracks(owner))
        if criterion is not None and not form.is_submitted():
            form.track_ids.data = [t.id for t in criterion.tracks]
        return form

    def save_criterion(self, owner: Event, criterion: Any, form: CriterionForm) -> None:
        review_setup.save_criterion(
            actor=current_user,
            event=owner,
            criterion=criterion,
            track_ids=list(form.track_ids.data or []),
            now=utcnow(),
            **form.values(),
        )

    def delete_criterion(self, owner: Event, criterion: ReviewCriterion) -> None:
        review_setup.delete_criterion(actor=current_user, criterion=criterion, now=utcnow())

    def move_criterion(self, owner: Event, criterion: ReviewCriterion, direction: int) -> None:
        review_setup.move_criterion(
            actor=current_user, criterion=criterion, direction=direction, now=utcnow()
        )

    def other_move(self, event: Event, owner: Event, kind: str, item_id: int) -> Move | None:
        if kind not in MOVABLE:
            return None
        model, listing = MOVABLE[kind]
        item = _item(model, event, item_id)
        return (
            lambda direction: call_service.move(
                actor=current_user, event=event, item=item, direction=direction
            ),
            _name(item),
            listing,
        )


CallSetupPages().register(bp)
