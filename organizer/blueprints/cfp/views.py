"""Applicants: the call page, proposals, co-speakers, the speaker profile, confirmations."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from organizer import permissions
from organizer.blueprints import _materials
from organizer.blueprints._common import (
    Outcome,
    access,
    attachment,
    attempt,
    attempt_then_redirect,
    commit,
    paginate_list,
    safe_next_url,
    show_domain_error,
    utcnow,
    viewable_event,
)
from organizer.blueprints._limits import rate_limited
from organizer.blueprints._setup_views import form_status
from organizer.blueprints.cfp.forms import (
    LEVEL_LABELS,
    ConfirmForm,
    InviteForm,
    RespondForm,
    language_name,
    profile_form,
    proposal_form,
)
from organizer.enums import SpeakerRole
from organizer.errors import DomainError, NotFound
from organizer.models import Cfp, Event, Proposal
from organizer.services import uploads
from organizer.services.cfp import call as call_service
from organizer.services.cfp import (
    co_speakers,
    confirmation,
    deadlines,
    profiles,
    proposals,
)

bp = Blueprint("cfp", __name__)


def _call_or_404(event: Event) -> Cfp:
    cfp = call_service.call_of(event)
    if cfp is None:
        abort(404)
    return cfp


def speaker_route(view: Callable[..., Any]) -> Callable[..., Any]:
    """Sign-in required; loads `event_slug` (404 unless visible and with a call) into
    `event` and `cfp`."""

    @functools.wraps(view)
    @login_required
    def wrapper(event_slug: str, **kwargs: Any) -> Any:
        event = viewable_event(event_slug)
        return view(event=event, cfp=_call_or_404(event), **kwargs)

    return wrapper


def _own_proposal(event: Event, public_id: str) -> Proposal:
    return proposals.proposal_for_speaker(event, public_id, current_user)


def _proposal_url(event: Event, proposal: Proposal) -> str:
    return url_for("cfp.proposal", event_slug=event.slug, public_id=proposal.public_id)


# The call ----------------------------------------------------------------------------------


@access("public")
@bp.route("/<event_slug>/cfp")
def call(event_slug: str):
    event = viewable_event(event_slug)
    cfp = _call_or_404(event)
    now = utcnow()
    deadline = cfp.closes_at
    extension = None
    if current_user.is_authenticated:
        extension = deadlines.extension_of(event, current_user)
        if extension is not None and extension.until > deadline:
            deadline = extension.until
        else:
            extension = None
    return render_template(
        "cfp/call.html",
        event=event,
        cfp=cfp,
        now=now,
        deadline=deadline,
        extension=extension,
        is_open=cfp.opens_at <= now < deadline,
        session_types=call_service.session_types(event),
        tracks=call_service.tracks(event),
        languages=[language_name(code) for code in cfp.languages],
    )


# Proposals ---------------------------------------------------------------------------------


def _form_for(event: Event, cfp: Cfp, proposal: Proposal | None = None, **kwargs: Any):  # type: ignore[no-untyped-def]
    return proposal_form(
        cfp,
        call_service.session_types(event),
        call_service.tracks(event),
        call_service.questions(event),
        proposal=proposal,
        **kwargs,
    )


@access("signed_in")
@bp.route("/<event_slug>/cfp/submit", methods=["GET", "POST"])
@rate_limited("mail")
@speaker_route
def submit(event: Event, cfp: Cfp):
    form = _form_for(event, cfp)
    if form.validate_on_submit():
        saved = _save_proposal(form, event, None, now=utcnow())
        if saved.ok:
            proposal = saved.value
            target = _proposal_url(event, proposal)
            if profiles.profile_of(event, current_user) is None:
                flash(
                    _(
                        "One more step: tell the organizers about yourself in your speaker "
                        "profile. It is shared by all your proposals to this event."
                    ),
                    "info",
                )
                return redirect(url_for("cfp.profile", event_slug=event.slug, next=target))
            return redirect(target)
    if not form.creation_key.data:
        form.creation_key.data = secrets.token_urlsafe(24)
    now = utcnow()
    deadline = deadlines.deadline_for(cfp, [current_user])
    return render_template(
        "cfp/submit.html",
        event=event,
        cfp=cfp,
        form=form,
        deadline=deadline,
        is_open=cfp.opens_at <= now < deadline,
        not_yet_open=now < cfp.opens_at,
    ), form_status(form)


def _save_proposal(
    form: Any, event: Event, proposal: Proposal | None, *, now: Any
) -> Outcome[Proposal]:
    """Save the form as the speaker's proposal: a new one (once per `creation_key`, against a
    double click) when `proposal` is None, else the version the form was opened at."""
    submitting = bool(form.submit_proposal.data)
    if proposal is None:
        keys: dict[str, Any] = {"creation_key": form.creation_key.data or None}
    else:
        keys = {"version": _int_or_none(form.version.data)}
    return attempt(
        lambda: proposals.save_proposal(
            actor=current_user,
            event=event,
            proposal=proposal,
            data=form.as_input(),
            submit=submitting,
            now=now,
            **keys,
        ),
        form=form,
        success=lambda saved: _saved(saved, submitting),
    )


def _saved(proposal: Proposal, submitting: bool) -> str:
    if permissions.is_draft_proposal(proposal):
        return _("Your draft is saved. Reviewers see it only once you submit it.")
    if submitting:
        return _(
            "Your proposal is submitted. We sent a confirmation to %(email)s.",
            email=current_user.email,
        )
    return _("Your changes are saved.")


@access("signed_in")
@bp.route("/<event_slug>/cfp/mine")
@speaker_route
def mine(event: Event, cfp: Cfp):
    page = paginate_list(proposals.my_proposals(event, current_user))
    return render_template(
        "cfp/mine.html",
        event=event,
        cfp=cfp,
        page=page,
        now=utcnow(),
    )


@access("owner")
@bp.route("/<event_slug>/cfp/proposals/<public_id>", methods=["GET", "POST"])
@rate_limited("mail")
@speaker_route
def proposal(event: Event, cfp: Cfp, public_id: str):
    proposal = _own_proposal(event, public_id)
    now = utcnow()
    editable = deadlines.is_editable(cfp, proposal, now=now)
    form = _form_for(event, cfp, proposal) if editable or request.method == "POST" else None
    if request.method == "POST":
        assert form is not None
        if form.validate_on_submit() and _save_proposal(form, event, proposal, now=now).ok:
            return redirect(_proposal_url(event, proposal))
    return _proposal_page(
        event, cfp, proposal, form=form, status=form_status(form) if form else 200
    )


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _proposal_page(  # type: ignore[no-untyped-def]
    event: Event,
    cfp: Cfp,
    proposal: Proposal,
    *,
    form=None,
    invite_form: InviteForm | None = None,
    material_form: _materials.MaterialForm | None = None,
    status: int = 200,
):
    now = utcnow()
    editable = deadlines.is_editable(cfp, proposal, now=now)
    if form is None and editable:
        form = _form_for(event, cfp, proposal)
    is_primary = permissions.is_primary_speaker(current_user, proposal)
    if invite_form is None and editable and is_primary:
        invite_form = InviteForm(formdata=None)
    answers = proposals.answers_of(proposal)
    return render_template(
        "cfp/proposal.html",
        event=event,
        cfp=cfp,
        proposal=proposal,
        form=form,
        invite_form=invite_form if editable and is_primary else None,
        editable=editable,
        is_primary=is_primary,
        deadline=deadlines.proposal_deadline(cfp, proposal),
        answers=answers,
        level_label=LEVEL_LABELS.get(proposal.level, ""),
        language=language_name(proposal.language),
        SpeakerRole=SpeakerRole,
        **_materials.section(proposal, form=material_form),
    ), status


@access("owner")
@bp.route("/<event_slug>/cfp/proposals/<public_id>/withdraw", methods=["GET", "POST"])
@rate_limited("mail")
@speaker_route
def withdraw(event: Event, cfp: Cfp, public_id: str):
    proposal = _own_proposal(event, public_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        return attempt_then_redirect(
            lambda: proposals.withdraw(actor=current_user, proposal=proposal, now=utcnow()),
            to=_proposal_url(event, proposal),
            success=_("Your proposal “%(title)s” is withdrawn.", title=proposal.title),
        )
    return render_template("cfp/confirm_withdraw.html", event=event, proposal=proposal, form=form)


# Slides and recordings ---------------------------------------------------------------------


@access("owner")
@bp.route("/<event_slug>/cfp/proposals/<public_id>/materials", methods=["POST"])
@speaker_route
def add_material(event: Event, cfp: Cfp, public_id: str):
    proposal = _own_proposal(event, public_id)
    if not permissions.can_edit_materials(current_user, proposal):
        abort(403)
    form = _materials.MaterialForm()
    done = _materials.add(proposal, form, back=_proposal_url(event, proposal))
    if done is not None:
        return done
    return _proposal_page(
        event, cfp, proposal, material_form=form, status=_materials.status_of(form)
    )


@access("owner")
@bp.route(
    "/<event_slug>/cfp/proposals/<public_id>/materials/<material_id>/remove",
    methods=["GET", "POST"],
)
@speaker_route
def remove_material(event: Event, cfp: Cfp, public_id: str, material_id: str):
    proposal = _own_proposal(event, public_id)
    return _materials.remove(
        event,
        proposal,
        material_id,
        back=_proposal_url(event, proposal),
        template="cfp/confirm_remove_material.html",
    )


# Co-speakers -------------------------------------------------------------------------------


@access("owner")
@bp.route("/<event_slug>/cfp/proposals/<public_id>/speakers", methods=["POST"])
@rate_limited("invitations")
@speaker_route
def invite(event: Event, cfp: Cfp, public_id: str):
    proposal = _own_proposal(event, public_id)
    form = InviteForm()
    if not form.validate_on_submit():
        return _proposal_page(event, cfp, proposal, invite_form=form, status=400)
    invited = attempt(
        lambda: co_speakers.invite_co_speaker(
            actor=current_user, proposal=proposal, email=form.email.data, now=utcnow()
        ),
        form=form,
        success=_(
            "An invitation is on its way to %(email)s.", email=form.email.data.strip().lower()
        ),
    )
    if not invited.ok:
        return _proposal_page(event, cfp, proposal, invite_form=form, status=invited.status)
    return redirect(_proposal_url(event, proposal) + "#speakers-title")


@access("owner")
@bp.route(
    "/<event_slug>/cfp/proposals/<public_id>/speakers/<int:speaker_id>/remove",
    methods=["GET", "POST"],
)
@speaker_route
def remove_speaker(event: Event, cfp: Cfp, public_id: str, speaker_id: int):
    proposal = _own_proposal(event, public_id)
    if not permissions.is_primary_speaker(current_user, proposal):
        abort(403)
    speaker = co_speakers.speaker_in_proposal(proposal, speaker_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        return attempt_then_redirect(
            lambda: co_speakers.remove_speaker(actor=current_user, speaker=speaker, now=utcnow()),
            to=_proposal_url(event, proposal),
            success=_("%(email)s is no longer a speaker.", email=speaker.email),
        )
    return render_template(
        "cfp/confirm_remove_speaker.html",
        event=event,
        proposal=proposal,
        speaker=speaker,
        form=form,
    )


@access("token")
@bp.route("/<event_slug>/cfp/join/<token>", methods=["GET", "POST"])
def join(event_slug: str, token: str):
    """The link in a co-speaker invitation. Signed in, the invitee accepts here. Anyone else
    holding the link learns who invites them to what, and signs in or creates an account from
    here: both come back to this page (?next=, carried through registration and verification)."""
    event = viewable_event(event_slug)
    _call_or_404(event)
    try:
        invitation = co_speakers.invitation_for_token(token)
    except NotFound as error:
        return render_template(
            "cfp/join.html", event=event, invitation=None, message=error.message, form=None
        ), 404
    proposal = invitation.proposal
    if proposal.event_id != event.id:
        abort(404)
    inviter = next((s.user for s in proposal.speakers if s.role == SpeakerRole.PRIMARY), None)
    if not current_user.is_authenticated:  # accepting needs an account; a POST changes nothing
        here = url_for("cfp.join", event_slug=event.slug, token=token)
        return render_template(
            "cfp/join.html",
            event=event,
            invitation=invitation,
            inviter=inviter,
            message=None,
            form=None,
            sign_in_url=url_for("auth.login", next=here),
            register_url=url_for("auth.register", next=here),
        )
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            co_speakers.accept_co_speaker(token=token, user=current_user, now=utcnow())
        except DomainError as error:  # the page says why, instead of a flash message
            show_domain_error(error)
            return render_template(
                "cfp/join.html",
                event=event,
                invitation=invitation,
                inviter=inviter,
                message=error.message,
                form=None,
            ), error.status_code
        commit()
        flash(_("You are now a speaker of “%(title)s”.", title=proposal.title), "success")
        return redirect(
            url_for("cfp.profile", event_slug=event.slug, next=_proposal_url(event, proposal))
        )
    return render_template(
        "cfp/join.html",
        event=event,
        invitation=invitation,
        inviter=inviter,
        message=None,
        form=form,
        already_mine=invitation.user_id == current_user.id,
    )


# The speaker profile -----------------------------------------------------------------------


@access("signed_in")
@bp.route("/<event_slug>/cfp/profile", methods=["GET", "POST"])
@speaker_route
def profile(event: Event, cfp: Cfp):
    profile = profiles.profile_of(event, current_user)
    days = profiles.event_days(event)
    if profile is not None:
        initial: dict[str, Any] = {
            "bio": profile.bio,
            "pronouns": profile.pronouns,
            "affiliation": profile.affiliation,
            "handle": profile.handle,
            "website": profile.website,
        }
        for day in days:
            part = profile.availability.get(day.isoformat())
            if part:
                initial[f"availability-{day.isoformat()}"] = part
    else:
        initial = {"pronouns": current_user.pronouns or ""}
    form = profile_form(
        days, has_photo=bool(profile and profile.photo_id), event=event, profile=profile, **initial
    )
    next_url = safe_next_url(request.args.get("next"))
    if (
        form.validate_on_submit()
        and attempt(
            lambda: profiles.save_profile(
                actor=current_user, event=event, data=form.as_input(), now=utcnow()
            ),
            form=form,
            success=_("Your speaker profile is saved."),
        ).ok
    ):
        return redirect(next_url or url_for("cfp.mine", event_slug=event.slug))
    return render_template(
        "cfp/profile.html",
        event=event,
        cfp=cfp,
        form=form,
        profile=profile,
        next_url=next_url,
    ), form_status(form)


# Confirming an accepted proposal -----------------------------------------------------------


@access("owner")
@bp.route("/<event_slug>/cfp/proposals/<public_id>/respond", methods=["GET", "POST"])
@rate_limited("mail")
@speaker_route
def respond(event: Event, cfp: Cfp, public_id: str):
    proposal = _own_proposal(event, public_id)
    form = RespondForm()
    status = 200
    if form.validate_on_submit():
        confirm = bool(form.confirm.data)
        answered = attempt(
            lambda: confirmation.respond(
                actor=current_user, proposal=proposal, confirm=confirm, now=utcnow()
            ),
            success=_("Thank you: your session is confirmed. See you there!")
            if confirm
            else _("We have noted that you cannot give this session."),
        )
        if answered.ok:
            return redirect(_proposal_url(event, proposal))
        status = answered.status
    now = utcnow()
    return render_template(
        "cfp/respond.html",
        event=event,
        proposal=proposal,
        form=form,
        can_respond=permissions.proposal_awaits_speakers_answer(proposal)
        and (proposal.respond_by is None or now < proposal.respond_by),
    ), status


# Files -------------------------------------------------------------------------------------


@access("owner_or_organizer")
@bp.route("/<event_slug>/cfp/files/<upload_public_id>")
@login_required
def file(event_slug: str, upload_public_id: str):
    event = viewable_event(event_slug)
    upload = uploads.upload_by_public_id(event, upload_public_id)
    if upload is None or not permissions.can_download_upload(current_user, upload):
        abort(404)
    path = uploads.path_of(upload)
    if not path.is_file():
        abort(404)
    return attachment(path, content_type=upload.content_type, name=upload.filename)
