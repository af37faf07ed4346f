"""Deleting one's account (GDPR article 17), and the purge of what is kept for the accounts.

The account row is not removed: it becomes a pseudonymous stand-in ("Former participant
7f3a2c") with a meaningless address, no password and `deleted_at` set, so that everything
other people rely on keeps pointing somewhere: reviews and their scores, the counts of the
pipeline, grant budgets and payouts, released schedules.

What happens to each kind of data, and why, is the table in docs/accounts-and-events.md
("Deleting your account"); `delete_account` follows it section by section.

Refused while the person is the only organizer of an event (they hand it over first) or the
only site admin.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Text, cast, delete, func, or_, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified
from werkzeug.security import check_password_hash

from organizer.enums import (
    EventRoleName,
    GrantState,
    ProposalState,
    RegistrationState,
    SpeakerRole,
)
from organizer.errors import ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    Agenda,
    Answer,
    ApiToken,
    AuditEntry,
    CfpExtension,
    Event,
    EventRole,
    GrantAnswer,
    GrantApplication,
    GrantInterest,
    GrantMessage,
    GrantProgramme,
    GrantReview,
    LoginFailure,
    OutboxMessage,
    Payout,
    Proposal,
    ProposalInterest,
    ProposalSpeaker,
    Receipt,
    RecoveryCode,
    Registration,
    Review,
    ReviewAssignment,
    ScheduleRelease,
    SpeakerAvailability,
    SpeakerProfile,
    TeamInvitation,
    TwoFactor,
    TwoFactorFailure,
    Upload,
    User,
    reviewer_track,
)
from organizer.services import (
    accounts,
    audit,
    feeds,
    materials,
    notifications,
    schedule_page,
    text,
    uploads,
)
from organizer.services.print import booklet
from organizer.services.representation import answering, retention
from organizer.services.scheduling import release_snapshot

PSEUDONYM_PREFIX = "Former participant"
DELETED_DOMAIN = "deleted.invalid"  # RFC 2606: can never be a real address
UNUSABLE_PASSWORD = "!deleted"  # noqa: S105 (matches no password: not a werkzeug hash)
CONFIRMATION_PURPOSE = "account_deleted"

WITHDRAWN_WHEN = (ProposalState.SUBMITTED, ProposalState.WAITLISTED)
GRANT_WITHDRAWN_WHEN = (GrantState.SUBMITTED, GrantState.INFO_NEEDED, GrantState.WAITLISTED)


@dataclasses.dataclass(frozen=True)
class Preview:
    """What deletion would do to this person's data, for the page that explains it."""

    blocking_events: list[Event]  # they are the only organizer there
    only_site_admin: bool
    drafts: int
    withdrawn: int
    declined: int
    talks_kept: list[str]  # titles of confirmed talks that stay in the programme
    reviews_kept: int
    grant_applications_withdrawn: int
    grant_applications_kept: list[tuple[str, dt.date]]  # programme, kept until
    files: int
    survey_links: int

    @property
    def blocked(self) -> bool:
        return bool(self.blocking_events) or self.only_site_admin


def retention_end(event: Event, *, latest: dt.date | None = None) -> dt.date:
    """The last day receipts and payouts of a deleted account are kept: the end of the
    calendar year `accounting_retention_years` after the event's last day (or after the last
    payment or receipt, when later), as accounting law counts (e.g. 10 years in Germany's
    HGB §257 and France's Code de commerce L123-22, 6 in the UK's Companies Act 2006 s.388)."""
    start = max(event.ends_on, latest) if latest is not None else event.ends_on
    return dt.date(start.year + event.accounting_retention_years, 12, 31)


def _sole_organizer_events(user: User) -> list[Event]:
    organizer = EventRoleName.ORGANIZER
    mine = select(EventRole.event_id).where(
        EventRole.user_id == user.id, EventRole.role == organizer
    )
    others = (
        select(EventRole.event_id)
        .where(EventRole.role == organizer, EventRole.user_id != user.id)
        .scalar_subquery()
    )
    return list(
        db.session.scalars(
            select(Event)
            .where(Event.id.in_(mine), Event.id.not_in(others))
            .order_by(Event.starts_on, Event.id)
        )
    )


def _only_site_admin(user: User) -> bool:
    if not user.is_site_admin:
        return False
    others = db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.is_site_admin.is_(True), User.id != user.id, User.deleted_at.is_(None))
    )
    return not others


def _speaker_rows(user: User) -> list[ProposalSpeaker]:
    return list(
        db.session.scalars(
            select(ProposalSpeaker)
            .where(ProposalSpeaker.user_id == user.id)
            .options(
                selectinload(ProposalSpeaker.proposal).selectinload(Proposal.speakers),
            )
            .order_by(ProposalSpeaker.id)
        )
    )


def _others(row: ProposalSpeaker) -> list[ProposalSpeaker]:
    return [s for s in row.proposal.speakers if s.id != row.id]


def _applications(user: User) -> list[tuple[GrantApplication, GrantProgramme, Event]]:
    return [
        (a, p, e)
        for a, p, e in db.session.execute(
            select(GrantApplication, GrantProgramme, Event)
            .join(GrantProgramme, GrantProgramme.id == GrantApplication.programme_id)
            .join(Event, Event.id == GrantProgramme.event_id)
            .where(GrantApplication.applicant_id == user.id)
            .order_by(GrantApplication.id)
        ).all()
    ]


def _kept_for_accounts(application: GrantApplication) -> bool:
    return application.state != GrantState.DRAFT and (
        application.state in (GrantState.ACCEPTED, GrantState.OFFERED)
        or bool(
            db.session.scalar(
                select(func.count())
                .select_from(Receipt)
                .where(Receipt.application_id == application.id)
            )
        )
    )


def preview(user: User) -> Preview:
    rows = _speaker_rows(user)
    drafts = withdrawn = declined = 0
    kept: list[str] = []
    for row in rows:
        state = row.proposal.state
        alone = not [s for s in _others(row) if s.user_id is not None]
        if state == ProposalState.DRAFT:
            drafts += 1 if alone else 0
        elif alone and state in WITHDRAWN_WHEN:
            withdrawn += 1
        elif alone and state == ProposalState.ACCEPTED:
            declined += 1
        elif state == ProposalState.CONFIRMED:
            kept.append(row.proposal.title)
    applications = _applications(user)
    return Preview(
        blocking_events=_sole_organizer_events(user),
        only_site_admin=_only_site_admin(user),
        drafts=drafts,
        withdrawn=withdrawn,
        declined=declined,
        talks_kept=kept,
        reviews_kept=int(
            db.session.scalar(
                select(func.count()).select_from(Review).where(Review.reviewer_id == user.id)
            )
            or 0
        )
        + int(
            db.session.scalar(
                select(func.count())
                .select_from(GrantReview)
                .where(GrantReview.reviewer_id == user.id)
            )
            or 0
        ),
        grant_applications_withdrawn=sum(
            1 for a, _p, _e in applications if a.state in GRANT_WITHDRAWN_WHEN
        ),
        grant_applications_kept=[
            (programme.name, retention_end(event))
            for application, programme, event in applications
            if _kept_for_accounts(application)
        ],
        files=int(
            db.session.scalar(
                select(func.count())
                .select_from(Upload)
                .where(
                    Upload.owner_id == user.id,
                    Upload.id.not_in(select(Receipt.upload_id)),
                    Upload.id.not_in(
                        select(Answer.redacted_upload_id).where(
                            Answer.redacted_upload_id.is_not(None)
                        )
                    ),
                )
            )
            or 0
        ),
        survey_links=len(answering.answered_events(user)),
    )


def new_pseudonym() -> str:
    return f"{PSEUDONYM_PREFIX} {secrets.token_hex(3)}"


def _check(user: User, *, password: str, confirmation: str) -> None:
    errors: dict[str, str] = {}
    if not password or not check_password_hash(user.password_hash, password):
        errors["password"] = _("That is not your password. Enter your current password.")
    if (confirmation or "").strip().lower() != user.email:
        errors["confirmation"] = _(
            "Type your email address exactly as shown, to confirm that you mean to delete "
            "your account."
        )
    if errors:
        raise ValidationFailed(errors)
    sole = _sole_organizer_events(user)
    if sole:
        raise WrongState(
            _(
                "You are the only organizer of %(events)s. Hand the event over first: invite "
                "another organizer on its Team page, then delete your account.",
                events=", ".join(event.name for event in sole),
            )
        )
    if _only_site_admin(user):
        raise WrongState(
            _(
                "You are the only site admin. Make someone else a site admin first "
                "(flask create-admin), then delete your account."
            )
        )


def _replace_text(value: Any, needles: list[str], pseudonym: str) -> Any:
    """`value` with every string containing a needle (name, address) replaced. A needle
    matches as whole words only, so that a short name ("Al") leaves "Digital" alone."""
    if isinstance(value, str):
        for needle in needles:
            if needle and re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", value, re.IGNORECASE):
                return pseudonym
        return value
    if isinstance(value, list):
        return [_replace_text(v, needles, pseudonym) for v in value]
    if isinstance(value, dict):
        return {k: _replace_text(v, needles, pseudonym) for k, v in value.items()}
    return value


def _rename_in_snapshot(value: Any, user_id: int, pseudonym: str) -> tuple[Any, bool]:
    """Release snapshots list speakers as {"id", "name"}: rename this person's."""
    if isinstance(value, list):
        changed = False
        out = []
        for item in value:
            new, did = _rename_in_snapshot(item, user_id, pseudonym)
            out.append(new)
            changed = changed or did
        return out, changed
    if isinstance(value, dict):
        changed = False
        out_dict: dict[str, Any] = {}
        for key, item in value.items():
            new, did = _rename_in_snapshot(item, user_id, pseudonym)
            out_dict[key] = new
            changed = changed or did
        if out_dict.get("id") == user_id and out_dict.get("name", pseudonym) != pseudonym:
            out_dict["name"] = pseudonym
            changed = True
        return out_dict, changed
    return value, False


@dataclasses.dataclass
class _Deletion:
    """What the steps of `delete_account` share: who is deleted, as whom they stay, and what
    the steps collect on the way (events to audit and to clean, files to remove)."""

    user: User
    uid: int
    old_email: str
    old_name: str
    pseudonym: str
    now: dt.datetime
    events: set[int]  # every event the person took part in
    talks_kept: dict[int, list[str]] = dataclasses.field(default_factory=dict)
    withdrawn: dict[int, int] = dataclasses.field(default_factory=dict)
    doomed_uploads: set[int] = dataclasses.field(default_factory=set)
    paths: list[Path] = dataclasses.field(default_factory=list)  # to remove after the commit


def delete_account(
    *, actor: User, password: str, confirmation: str, now: dt.datetime
) -> tuple[str, list[Path]]:
    """Delete the actor's own account as the module's docstring describes, one step per row
    of the table in the docs. Returns the pseudonym and the files to remove from disk once
    the transaction has committed (`remove_files`)."""
    user = actor
    _check(user, password=password, confirmation=confirmation)
    deletion = _Deletion(
        user=user,
        uid=user.id,
        old_email=user.email,
        old_name=user.display_name,
        pseudonym=new_pseudonym(),
        now=now,
        events={role.event_id for role in user.event_roles},
    )
    # Self-identification answers first, so that their stage flags are frozen as they were:
    # unlinked as at the survey's purge, never audited.
    retention.forget_person(user=user)
    for step in (
        _proposals,
        _speaker_data,
        _review_work,
        _team_and_sign_in,
        _grant_applications,
        _registrations,
        _files,
        _released_schedules,
        _outbox,
        _audit_trail,
        _confirmation,
        _stand_in,
        _record,
    ):
        step(deletion)
    return deletion.pseudonym, deletion.paths


def _proposals(d: _Deletion) -> None:
    """Drafts go (a shared one stays with the co-speakers); a talk of the person's alone is
    withdrawn or declined, a confirmed one stays under the pseudonym; answers and notes go."""
    for row in _speaker_rows(d.user):
        proposal = row.proposal
        d.events.add(proposal.event_id)
        others = [s for s in _others(row) if s.user_id is not None]
        if proposal.state == ProposalState.DRAFT:
            if others:  # a shared draft stays with the co-speakers
                if row.role == SpeakerRole.PRIMARY:
                    others[0].role = SpeakerRole.PRIMARY
                db.session.delete(row)
            else:
                d.doomed_uploads.update(a.upload_id for a in proposal.answers if a.upload_id)
                db.session.delete(proposal)
            continue
        row.email = ""  # replaced by the stand-in's address below
        if others:
            continue  # the talk is the co-speakers' too; the person stays as the pseudonym
        if proposal.state in WITHDRAWN_WHEN or proposal.state == ProposalState.ACCEPTED:
            proposal.state = (
                ProposalState.DECLINED
                if proposal.state == ProposalState.ACCEPTED
                else ProposalState.WITHDRAWN
            )
            proposal.pending_decision = None
            proposal.version += 1
            d.withdrawn[proposal.event_id] = d.withdrawn.get(proposal.event_id, 0) + 1
        elif proposal.state == ProposalState.CONFIRMED:
            d.talks_kept.setdefault(proposal.event_id, []).append(proposal.public_id)
        proposal.notes = ""
        d.doomed_uploads.update(a.upload_id for a in proposal.answers if a.upload_id)
        db.session.execute(delete(Answer).where(Answer.proposal_id == proposal.id))
    db.session.flush()
    # Invitations to the address on other people's proposals
    db.session.execute(
        delete(ProposalSpeaker).where(
            ProposalSpeaker.user_id.is_(None), ProposalSpeaker.email == d.old_email
        )
    )


def _speaker_data(d: _Deletion) -> None:
    """Profiles (and their photos), availability and deadline extensions; the slides and
    recordings the person added to talks (and their files)."""
    d.doomed_uploads.update(materials.forget_added_by(d.uid, d.now))
    d.doomed_uploads.update(
        db.session.scalars(
            select(SpeakerProfile.photo_id).where(
                SpeakerProfile.user_id == d.uid, SpeakerProfile.photo_id.is_not(None)
            )
        )
    )
    for model in (SpeakerProfile, SpeakerAvailability, CfpExtension):
        db.session.execute(delete(model).where(model.user_id == d.uid))


def _review_work(d: _Deletion) -> None:
    """Reviews written stay (under the pseudonym); open assignments, tracks and declared
    conflicts go."""
    uid = d.uid
    d.events.update(
        db.session.scalars(
            select(Proposal.event_id)
            .join(Review, Review.proposal_id == Proposal.id)
            .where(Review.reviewer_id == uid)
        )
    )
    reviewed = select(Review.proposal_id).where(Review.reviewer_id == uid)
    db.session.execute(
        delete(ReviewAssignment).where(
            ReviewAssignment.reviewer_id == uid, ReviewAssignment.proposal_id.not_in(reviewed)
        )
    )
    db.session.execute(delete(reviewer_track).where(reviewer_track.c.user_id == uid))
    db.session.execute(delete(ProposalInterest).where(ProposalInterest.user_id == uid))
    db.session.execute(delete(GrantInterest).where(GrantInterest.user_id == uid))
    d.events.update(
        db.session.scalars(
            select(GrantProgramme.event_id)
            .join(GrantApplication, GrantApplication.programme_id == GrantProgramme.id)
            .join(GrantReview, GrantReview.application_id == GrantApplication.id)
            .where(GrantReview.reviewer_id == uid)
        )
    )


def _team_and_sign_in(d: _Deletion) -> None:
    """Roles, invitations, sign-in failures, two-factor sign-in, API tokens and agendas."""
    uid = d.uid
    db.session.execute(delete(EventRole).where(EventRole.user_id == uid))
    db.session.expire(d.user, ["event_roles"])
    db.session.execute(delete(TeamInvitation).where(TeamInvitation.email == d.old_email))
    db.session.execute(delete(LoginFailure).where(LoginFailure.user_id == uid))
    # two-factor sign-in: the wrong-code rows hold a hash of the client's address, like
    # LoginFailure; the secret and recovery codes serve nobody once the account is gone
    # API tokens stop working with the account already (services/api_tokens.py); nobody
    # needs their names and dates afterwards
    for model in (TwoFactorFailure, RecoveryCode, TwoFactor, ApiToken):
        db.session.execute(delete(model).where(model.user_id == uid))
    db.session.execute(delete(Agenda).where(Agenda.user_id == uid))


def _registrations(d: _Deletion) -> None:
    """Registrations are cancelled (a seat held is freed for the waiting list) and emptied:
    badge name, pronouns, affiliation, answers and access needs go. The row stays under the
    pseudonym, like a withdrawn proposal, so that the pipeline's "registered" and "attended"
    counts do not change."""
    registrations = list(
        db.session.scalars(select(Registration).where(Registration.user_id == d.uid))
    )
    for registration in registrations:
        d.events.add(registration.event_id)
        if registration.state not in (RegistrationState.CANCELLED, RegistrationState.REJECTED):
            registration.state = RegistrationState.CANCELLED
            registration.cancelled_at = d.now
        registration.badge_name = registration.pronouns = registration.affiliation = ""
        registration.show_grantee_ribbon = False
        registration.search_name = text.fold_for_search(d.pseudonym)
        registration.respond_by = None
        registration.updated_at = d.now
        registration.access_needs = None  # delete-orphan: the row goes
        registration.answers.clear()
    db.session.flush()


def _grant_applications(d: _Deletion) -> None:
    """Drafts go; open applications are withdrawn, an open offer declined (the money returns
    to the budget); what the person wrote goes, the amounts stay for the accounts."""
    for application, _programme, event in _applications(d.user):
        d.events.add(event.id)
        d.doomed_uploads.update(a.upload_id for a in application.answers if a.upload_id)
        if application.state == GrantState.DRAFT:
            db.session.delete(application)
            continue
        if application.state in GRANT_WITHDRAWN_WHEN:
            application.state = GrantState.WITHDRAWN
        elif application.state == GrantState.OFFERED:
            application.state = GrantState.DECLINED  # the money returns to the budget
            if application.award is not None:
                application.award.responded_at = d.now
        application.motivation = ""
        application.role = ""
        application.affiliation = ""
        application.city = ""
        application.other_funding = ""
        application.version += 1
        application.updated_at = d.now
        db.session.execute(delete(GrantAnswer).where(GrantAnswer.application_id == application.id))
        db.session.execute(
            delete(GrantMessage).where(GrantMessage.application_id == application.id)
        )
    db.session.flush()


def _files(d: _Deletion) -> None:
    """What nothing kept refers to any more (receipts stay for the accounts)."""
    candidates = set(db.session.scalars(select(Upload.id).where(Upload.owner_id == d.uid)))
    candidates |= d.doomed_uploads
    still_used = (
        set(db.session.scalars(select(Receipt.upload_id).where(Receipt.upload_id.in_(candidates))))
        | set(db.session.scalars(select(Answer.upload_id).where(Answer.upload_id.in_(candidates))))
        | set(  # redacted versions an organizer made: reviewers keep getting them
            db.session.scalars(
                select(Answer.redacted_upload_id).where(Answer.redacted_upload_id.in_(candidates))
            )
        )
        | set(
            db.session.scalars(
                select(GrantAnswer.upload_id).where(GrantAnswer.upload_id.in_(candidates))
            )
        )
    )
    to_remove = candidates - still_used
    d.paths += [
        path
        for upload in db.session.scalars(select(Upload).where(Upload.id.in_(to_remove)))
        for path in uploads.stored_paths(upload)
    ]
    db.session.execute(delete(Upload).where(Upload.id.in_(to_remove)))


def _released_schedules(d: _Deletion) -> None:
    """The frozen copies name speakers: renamed, and what was written from them goes."""
    for release in db.session.scalars(
        select(ScheduleRelease).where(ScheduleRelease.event_id.in_(d.events))
    ):
        sessions, changed_sessions = _rename_in_snapshot(release.sessions, d.uid, d.pseudonym)
        changes, changed_changes = _rename_in_snapshot(release.changes, d.uid, d.pseudonym)
        if changed_sessions or changed_changes:
            release.sessions = sessions
            release.changes = changes
            flag_modified(release, "sessions")
            flag_modified(release, "changes")
            release.digest = release_snapshot.digest(sessions, changes)
            release.vevents = {}  # written again from the renamed copy
            release.rendered_key = ""
            release.frab_xml = ""
            release.frab_json = ""
            event = db.session.get(Event, release.event_id)
            if event is not None:
                event.updated_at = d.now  # new keys for printed programmes
                # and the booklets and signs printed with the name go from the disk
                folder = booklet.cache_dir()
                d.paths += sorted(folder.glob(f"{event.id}-*"))
                d.paths += sorted(folder.glob(f"signs-{event.id}-*"))
    feeds.clear_cache()
    schedule_page.clear_cache()  # (its keys hold event.updated_at too; this frees the memory)


def _outbox(d: _Deletion) -> None:
    """Drop what the outbox holds for the address."""
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.to_address == d.old_email))


def _audit_trail(d: _Deletion) -> None:
    """The pseudonym, never the name or address."""
    needles = [d.old_email, d.old_name]
    db.session.execute(
        update(AuditEntry)
        .where(AuditEntry.object_type == "user", AuditEntry.object_id == str(d.uid))
        .values(details={})
    )
    # Others' entries name the person too (an organizer assigning them as a reviewer writes
    # their name), so every entry of the events they took part in is looked at.
    for entry in db.session.scalars(
        select(AuditEntry).where(
            or_(
                AuditEntry.actor_id == d.uid,
                AuditEntry.event_id.in_(d.events),
                cast(AuditEntry.details, Text).contains(d.old_email),
            )
        )
    ):
        cleaned = _replace_text(entry.details, needles, d.pseudonym)
        if cleaned != entry.details:
            entry.details = cleaned
            flag_modified(entry, "details")


def _confirmation(d: _Deletion) -> None:
    """The confirmation, to the old address, queued before the address is erased."""
    notifications.tell_address(
        d.old_email,
        CONFIRMATION_PURPOSE,
        about=[d.user],
        context={"name": d.old_name, "pseudonym": d.pseudonym},
        now=d.now,
        locale=d.user.locale,
    )


def _stand_in(d: _Deletion) -> None:
    """The account becomes the pseudonymous stand-in: no address, password or session."""
    user = d.user
    user.email = f"deleted-{secrets.token_hex(8)}@{DELETED_DOMAIN}"
    user.display_name = d.pseudonym
    user.pronouns = None
    user.password_hash = UNUSABLE_PASSWORD
    user.email_verified_at = None
    user.is_site_admin = False
    accounts.end_all_sessions(user=user)  # every browser, and the remember-me cookies
    user.deleted_at = d.now
    db.session.execute(
        update(ProposalSpeaker).where(ProposalSpeaker.user_id == d.uid).values(email=user.email)
    )
    db.session.flush()


def _record(d: _Deletion) -> None:
    """An audit entry in every event the person took part in, and one for the site."""
    for event in db.session.scalars(select(Event).where(Event.id.in_(d.events))):
        details: dict[str, Any] = {"pseudonym": d.pseudonym}
        if d.withdrawn.get(event.id):
            details["proposals_withdrawn"] = d.withdrawn[event.id]
        if d.talks_kept.get(event.id):
            details["confirmed_talks_kept"] = d.talks_kept[event.id]
        audit.record(
            action="account.deleted",
            actor=d.user,
            now=d.now,
            object_type="user",
            object_id=d.uid,
            event=event,
            details=details,
        )
    audit.record(
        action="account.deleted",
        actor=d.user,
        now=d.now,
        object_type="user",
        object_id=d.uid,
        details={"pseudonym": d.pseudonym},
    )
    db.session.flush()


def remove_files(paths: Iterable[Path]) -> int:
    """Remove files of deleted uploads, after the commit that deleted their rows."""
    removed = 0
    for path in paths:
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            pass
    return removed


def purge_accounting(*, now: dt.datetime) -> tuple[dict[str, int], list[Path]]:
    """Remove the receipts (and their files) and payouts of deleted accounts once the
    event's accounting period is over (`retention_end`). The award and the application's
    amounts stay, without a name, so that budgets and totals still add up. Returns counts
    and the files to remove after the commit."""
    today = now.date()
    counts = {"applications": 0, "receipts": 0, "payouts": 0}
    paths: list[Path] = []
    rows = db.session.execute(
        select(GrantApplication, Event)
        .join(GrantProgramme, GrantProgramme.id == GrantApplication.programme_id)
        .join(Event, Event.id == GrantProgramme.event_id)
        .join(User, User.id == GrantApplication.applicant_id)
        .where(User.deleted_at.is_not(None))
    ).all()
    ids = [application.id for application, _event in rows]
    latest: dict[int, dt.date] = {}
    for application_id, day in db.session.execute(
        select(Payout.application_id, func.max(Payout.paid_on))
        .where(Payout.application_id.in_(ids))
        .group_by(Payout.application_id)
    ):
        latest[application_id] = day
    for application_id, day in db.session.execute(
        select(Receipt.application_id, func.max(Receipt.spent_on))
        .where(Receipt.application_id.in_(ids))
        .group_by(Receipt.application_id)
    ):
        latest[application_id] = max(day, latest.get(application_id, day))
    purged_events: dict[int, Event] = {}
    for application, event in rows:
        if application.id not in latest:
            continue  # nothing kept
        if today <= retention_end(event, latest=latest[application.id]):
            continue
        receipts = list(
            db.session.scalars(select(Receipt).where(Receipt.application_id == application.id))
        )
        upload_ids = [r.upload_id for r in receipts]
        paths += [
            path
            for u in db.session.scalars(select(Upload).where(Upload.id.in_(upload_ids)))
            for path in uploads.stored_paths(u)
        ]
        counts["receipts"] += db.session.execute(
            delete(Receipt).where(Receipt.application_id == application.id)
        ).rowcount
        db.session.execute(delete(Upload).where(Upload.id.in_(upload_ids)))
        counts["payouts"] += db.session.execute(
            delete(Payout).where(Payout.application_id == application.id)
        ).rowcount
        counts["applications"] += 1
        purged_events[event.id] = event
    for event in purged_events.values():
        audit.record(
            action="accounting.purged",
            actor=None,
            now=now,
            object_type="event",
            object_id=event.id,
            event=event,
            details={"retention_years": event.accounting_retention_years},
        )
    db.session.flush()
    return counts, paths
