"""The call's rules without HTTP: submission, deadlines, co-speakers, profiles, uploads."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from organizer.enums import EventRoleName, ProposalState, QuestionKind
from organizer.errors import NotFound, PermissionDenied, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import AuditEntry, OutboxMessage, Proposal, Upload
from organizer.services import uploads
from organizer.services.cfp import call as call_service
from organizer.services.cfp import co_speakers as co_speakers_service
from organizer.services.cfp import deadlines, profiles, proposals
from organizer.services.cfp.profiles import ProfileInput
from organizer.services.cfp.proposals import ProposalInput
from organizer.services.reviewing import questions
from organizer.services.reviewing.questions import FileInput
from tests.documents import make_image
from tests.factories import (
    CFP_CLOSES,
    NOW,
    grant_role,
    make_cfp,
    make_event,
    make_proposal,
    make_question,
    make_user,
    session_type,
    track,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


@pytest.fixture
def event():
    event = make_event()
    make_cfp(event)
    return event


def data(event, **changes) -> ProposalInput:
    values = {
        "title": "Robust priors for small data",
        "abstract": "We show how to choose priors.",
        "session_type_id": session_type(event).id,
        "track_id": track(event).id,
        "language": "en",
    }
    return ProposalInput(**{**values, **changes})


def outbox(purpose: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == purpose)))


def test_draft_then_submit_mails_the_speaker(event):
    speaker = make_user()
    draft = proposals.save_proposal(
        actor=speaker, event=event, proposal=None, data=data(event, abstract=""), submit=False,
        now=NOW,
    )  # fmt: skip
    assert draft.state == ProposalState.DRAFT
    assert outbox("proposal_submitted") == []
    with pytest.raises(ValidationFailed) as caught:  # an abstract is needed to submit
        proposals.save_proposal(
            actor=speaker, event=event, proposal=draft, data=data(event, abstract=""),
            submit=True, now=NOW,
        )  # fmt: skip
    assert "abstract" in caught.value.errors
    db.session.refresh(draft)
    submitted = proposals.save_proposal(
        actor=speaker, event=event, proposal=draft, data=data(event), submit=True, now=NOW
    )
    assert submitted.state == ProposalState.SUBMITTED
    assert submitted.submitted_at == NOW
    assert submitted.duration_minutes == 20
    [mail] = outbox("proposal_submitted")
    assert mail.to_address == speaker.email
    assert "Robust priors for small data" in mail.subject


def test_all_errors_at_once_and_the_abstract_limit_is_counted(event):
    too_long = "x" * 1005
    with pytest.raises(ValidationFailed) as caught:
        proposals.save_proposal(
            actor=make_user(), event=event, proposal=None,
            data=data(event, title="", abstract=too_long, session_type_id=None, language="xx"),
            submit=True, now=NOW,
        )  # fmt: skip
    errors = caught.value.errors
    assert set(errors) >= {"title", "abstract", "session_type_id", "language"}
    assert "1005 characters; the limit is 1000. Shorten it by 5" in errors["abstract"]
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_refused_edit_keeps_what_was_saved(event):
    speaker = make_user()
    proposal = proposals.save_proposal(
        actor=speaker, event=event, proposal=None, data=data(event), submit=True, now=NOW
    )
    with pytest.raises(ValidationFailed):
        proposals.save_proposal(
            actor=speaker, event=event, proposal=proposal, data=data(event, title="x" * 201),
            submit=False, now=NOW,
        )  # fmt: skip
    db.session.refresh(proposal)
    assert proposal.title == "Robust priors for small data"
    assert proposal.version == 1


def test_deadline_is_enforced_to_the_second(event):
    speaker = make_user()
    last_moment = CFP_CLOSES - dt.timedelta(seconds=1)
    proposal = proposals.save_proposal(
        actor=speaker, event=event, proposal=None, data=data(event), submit=True, now=last_moment
    )
    with pytest.raises(WrongState, match="deadline has passed"):
        proposals.save_proposal(
            actor=speaker, event=event, proposal=proposal, data=data(event, title="Later"),
            submit=False, now=CFP_CLOSES,
        )  # fmt: skip
    with pytest.raises(WrongState, match="deadline has passed"):
        proposals.withdraw(actor=speaker, proposal=proposal, now=CFP_CLOSES)
    assert not deadlines.is_editable(call_service.call_of(event), proposal, now=CFP_CLOSES)


def test_call_not_open_yet(event):
    with pytest.raises(WrongState, match="not open yet"):
        proposals.save_proposal(
            actor=make_user(), event=event, proposal=None, data=data(event), submit=True,
            now=dt.datetime(2026, 9, 30, tzinfo=dt.UTC),
        )  # fmt: skip


def test_a_personal_extension_opens_the_call_for_that_person_only(event):
    organizer, late, other = make_user(), make_user(), make_user()
    grant_role(organizer, event, EventRoleName.ORGANIZER)
    deadlines.grant_extension(
        actor=organizer, event=event, email=late.email.upper(),
        until=CFP_CLOSES + dt.timedelta(days=2), now=NOW,
    )  # fmt: skip
    after = CFP_CLOSES + dt.timedelta(days=1)
    proposal = proposals.save_proposal(
        actor=late, event=event, proposal=None, data=data(event), submit=True, now=after
    )
    assert proposal.state == ProposalState.SUBMITTED
    with pytest.raises(WrongState):
        proposals.save_proposal(
            actor=other, event=event, proposal=None, data=data(event), submit=True, now=after
        )
    with pytest.raises(ValidationFailed) as caught:
        deadlines.grant_extension(
            actor=organizer, event=event, email="nobody@example.org", until=CFP_CLOSES, now=NOW
        )
    assert set(caught.value.errors) == {"email", "until"}
    with pytest.raises(PermissionDenied):
        deadlines.grant_extension(actor=late, event=event, email=late.email, until=after, now=NOW)


def test_the_same_new_form_twice_makes_one_proposal(event):
    speaker = make_user()
    proposals.save_proposal(
        actor=speaker, event=event, proposal=None, data=data(event), submit=True, now=NOW,
        creation_key="k-123",
    )  # fmt: skip
    with pytest.raises(WrongState, match="already saved"):
        proposals.save_proposal(
            actor=speaker, event=event, proposal=None, data=data(event), submit=True, now=NOW,
            creation_key="k-123",
        )  # fmt: skip
    assert db.session.scalar(select(func.count(Proposal.id))) == 1


def test_a_stale_tab_cannot_overwrite_newer_text(event):
    speaker = make_user()
    proposal = proposals.save_proposal(
        actor=speaker, event=event, proposal=None, data=data(event), submit=True, now=NOW
    )
    proposals.save_proposal(
        actor=speaker, event=event, proposal=proposal, data=data(event, title="Tab one"),
        submit=False, now=NOW, version=1,
    )  # fmt: skip
    with pytest.raises(WrongState, match="another tab"):
        proposals.save_proposal(
            actor=speaker, event=event, proposal=proposal, data=data(event, title="Tab two"),
            submit=False, now=NOW, version=1,
        )  # fmt: skip
    assert proposal.title == "Tab one"
    assert proposal.version == 2


def test_others_cannot_edit_or_find_a_proposal(event):
    proposal = make_proposal(event)
    stranger = make_user()
    with pytest.raises(PermissionDenied):
        proposals.save_proposal(
            actor=stranger, event=event, proposal=proposal, data=data(event), submit=False,
            now=NOW,
        )  # fmt: skip
    with pytest.raises(NotFound):
        proposals.proposal_for_speaker(event, proposal.public_id, stranger)
    with pytest.raises(NotFound):
        proposals.proposal_for_speaker(event, "00000000-0000-4000-8000-000000000000", stranger)


def test_withdraw_mails_and_records(event):
    speaker = make_user()
    proposal = proposals.save_proposal(
        actor=speaker, event=event, proposal=None, data=data(event), submit=True, now=NOW
    )
    co = make_user()
    co_speakers_service.invite_co_speaker(actor=speaker, proposal=proposal, email=co.email, now=NOW)
    with pytest.raises(PermissionDenied):
        proposals.withdraw(
            actor=co, proposal=proposal, now=NOW
        )  # not a speaker yet, and not primary
    proposals.withdraw(actor=speaker, proposal=proposal, now=NOW)
    assert proposal.state == ProposalState.WITHDRAWN
    assert len(outbox("proposal_withdrawn")) == 1
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"proposal.submit", "proposal.withdraw"} <= actions
    with pytest.raises(WrongState):
        proposals.withdraw(actor=speaker, proposal=proposal, now=NOW)


def _token_from(message: OutboxMessage) -> str:
    link = next(w for w in message.body_text.split() if "/cfp/join/" in w)
    return link.rsplit("/", 1)[1]


def test_co_speaker_invitation_accepted_once(event):
    speaker, co = make_user(), make_user(email="co@example.org")
    proposal = make_proposal(event, speaker)
    co_speakers_service.invite_co_speaker(
        actor=speaker, proposal=proposal, email="CO@example.org", now=NOW
    )
    [mail] = outbox("co_speaker_invitation")
    token = _token_from(mail)
    with pytest.raises(WrongState, match=r"sent to co@example\.org"):
        co_speakers_service.accept_co_speaker(token=token, user=make_user(), now=NOW)
    co_speakers_service.accept_co_speaker(token=token, user=co, now=NOW)
    assert {s.user_id for s in proposal.speakers} == {speaker.id, co.id}
    with pytest.raises(WrongState, match="already accepted"):
        co_speakers_service.accept_co_speaker(token=token, user=co, now=NOW)
    with pytest.raises(NotFound):
        co_speakers_service.accept_co_speaker(token="forged", user=co, now=NOW)


def test_co_speaker_limit_comes_from_the_session_type(event):
    speaker = make_user()
    proposal = make_proposal(event, speaker)  # a Talk: at most 2 speakers
    co_speakers_service.invite_co_speaker(
        actor=speaker, proposal=proposal, email="a@example.org", now=NOW
    )
    with pytest.raises(ValidationFailed, match="at most 2 speakers"):
        co_speakers_service.invite_co_speaker(
            actor=speaker, proposal=proposal, email="b@example.org", now=NOW
        )
    with pytest.raises(ValidationFailed, match="already"):
        co_speakers_service.invite_co_speaker(
            actor=speaker, proposal=proposal, email="a@example.org", now=NOW
        )


def test_answers_are_validated_and_required_only_to_submit(event):
    choice = make_question(
        event, kind=QuestionKind.SINGLE_CHOICE, choices=["Yes", "No"], required=True
    )
    many = make_question(event, kind=QuestionKind.MULTIPLE_CHOICE, choices=["A", "B", "C"])
    speaker = make_user()
    draft = proposals.save_proposal(
        actor=speaker, event=event, proposal=None, data=data(event), submit=False, now=NOW
    )
    with pytest.raises(ValidationFailed) as caught:
        proposals.save_proposal(
            actor=speaker, event=event, proposal=draft,
            data=data(event, answers={many.id: ["A", "Z"]}), submit=True, now=NOW,
        )  # fmt: skip
    assert set(caught.value.errors) == {f"question-{choice.id}", f"question-{many.id}"}
    db.session.refresh(draft)
    proposals.save_proposal(
        actor=speaker, event=event, proposal=draft,
        data=data(event, answers={choice.id: "Yes", many.id: ["A", "C"]}), submit=True, now=NOW,
    )  # fmt: skip
    assert sorted((a.question_id, str(a.value)) for a in draft.answers) == sorted(
        [(choice.id, "Yes"), (many.id, "['A', 'C']")]
    )


def test_file_answers_are_checked_by_their_bytes_and_size(event, app):
    question = make_question(
        event, kind=QuestionKind.FILE, file_kinds=["pdf"], max_file_kb=1, required=True
    )
    speaker = make_user()
    wrong = {question.id: FileInput(io.BytesIO(PNG), "paper.pdf")}
    with pytest.raises(ValidationFailed, match="Accepted: PDF"):
        proposals.save_proposal(
            actor=speaker, event=event, proposal=None, data=data(event, files=wrong),
            submit=True, now=NOW,
        )  # fmt: skip
    big = {question.id: FileInput(io.BytesIO(b"%PDF-" + b"0" * 2000), "paper.pdf")}
    with pytest.raises(ValidationFailed, match="larger than 1 KB"):
        proposals.save_proposal(
            actor=speaker, event=event, proposal=None, data=data(event, files=big),
            submit=True, now=NOW,
        )  # fmt: skip
    good = {question.id: FileInput(io.BytesIO(PDF), "../../etc/My paper.pdf")}
    proposal = proposals.save_proposal(
        actor=speaker, event=event, proposal=None, data=data(event, files=good), submit=True,
        now=NOW,
    )  # fmt: skip
    [answer] = proposal.answers
    assert answer.upload.content_type == "application/pdf"
    assert answer.upload.filename == "My-paper.pdf"
    assert uploads.path_of(answer.upload).read_bytes() == PDF
    assert str(uploads.path_of(answer.upload)).startswith(app.config["UPLOAD_DIR"])
    # Editing without a new file keeps the one sent before.
    proposals.save_proposal(
        actor=speaker, event=event, proposal=proposal, data=data(event, title="New"),
        submit=False, now=NOW,
    )  # fmt: skip
    assert proposal.answers[0].upload_id == answer.upload_id
    assert db.session.scalar(select(func.count(Upload.id))) == 1


def test_changing_the_type_respects_the_speaker_limit(event):
    speaker, co1, co2 = make_user(), make_user(), make_user()
    tutorial = session_type(event, "Tutorial")
    proposal = make_proposal(event, speaker, session_type=tutorial, co_speakers=(co1, co2))
    with pytest.raises(ValidationFailed) as caught:
        proposals.save_proposal(
            actor=speaker, event=event, proposal=proposal, data=data(event), submit=False,
            now=NOW,
        )  # fmt: skip
    assert "at most 2 speakers" in caught.value.errors["session_type_id"]


def test_profile_availability_becomes_utc_intervals_across_dst(event):
    # Lisbon moves from UTC+0 to UTC+1 in the night of 27 to 28 March 2027.
    speaker = make_user()
    profile = profiles.save_profile(
        actor=speaker,
        event=event,
        data=ProfileInput(
            bio="I work on priors.",
            availability={"2027-03-27": "morning", "2027-03-28": "afternoon"},
            photo=FileInput(io.BytesIO(make_image("PNG")), "me.png"),
        ),
        now=NOW,
    )
    assert profiles.availability_intervals(event, profile) == [
        (dt.datetime(2027, 3, 27, 8, tzinfo=dt.UTC), dt.datetime(2027, 3, 27, 13, tzinfo=dt.UTC)),
        (dt.datetime(2027, 3, 28, 12, tzinfo=dt.UTC), dt.datetime(2027, 3, 28, 19, tzinfo=dt.UTC)),
    ]
    assert profile.photo.content_type == "image/jpeg"  # an opaque photo is kept as a JPEG
    with pytest.raises(ValidationFailed) as caught:
        profiles.save_profile(
            actor=speaker, event=event,
            data=ProfileInput(availability={"2027-04-01": "all"}, website="javascript:alert(1)"),
            now=NOW,
        )  # fmt: skip
    assert set(caught.value.errors) == {"availability", "website"}


def test_configuration_is_validated_and_organizers_only(event):
    organizer = make_user()
    grant_role(organizer, event, EventRoleName.ORGANIZER)
    settings = call_service.CallSettings(opens_at=CFP_CLOSES, closes_at=CFP_CLOSES)
    with pytest.raises(ValidationFailed, match="close after it opens"):
        call_service.save_call(actor=organizer, event=event, settings=settings, now=NOW)
    with pytest.raises(PermissionDenied):
        call_service.save_call(actor=make_user(), event=event, settings=settings, now=NOW)
    with pytest.raises(ValidationFailed, match="already a track"):
        call_service.save_track(
            actor=organizer, event=event, track=None, name="Methods", description="", now=NOW
        )
    question = questions.QuestionSettings(
        text="Pick", kind=QuestionKind.SINGLE_CHOICE, choices=("a",)
    )
    with pytest.raises(ValidationFailed, match="at least two"):
        call_service.save_question(
            actor=organizer, event=event, question=None, settings=question, now=NOW
        )
    make_proposal(event)
    with pytest.raises(WrongState, match="1 proposal uses"):
        call_service.delete_session_type(
            actor=organizer, event=event, session_type=session_type(event), now=NOW
        )


def test_move_swaps_neighbours(event):
    organizer = make_user()
    grant_role(organizer, event, EventRoleName.ORGANIZER)
    methods, applications = call_service.tracks(event)
    call_service.move(actor=organizer, event=event, item=applications, direction=-1)
    assert [t.name for t in call_service.tracks(event)] == ["Applications", "Methods"]
    call_service.move(
        actor=organizer, event=event, item=applications, direction=-1
    )  # already first
    assert [t.name for t in call_service.tracks(event)] == ["Applications", "Methods"]
    assert methods.position == 1


def test_proposal_data_is_frozen_dataclass():
    # The input object must not be changed by the service (views reuse it to re-render).
    value = ProposalInput(title="a", abstract="b", session_type_id=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.title = "c"  # type: ignore[misc]


def test_a_save_that_changes_nothing_keeps_the_version(event):
    speaker = make_user()
    proposal = proposals.save_proposal(
        actor=speaker, event=event, proposal=None, data=data(event), submit=True, now=NOW
    )
    proposals.save_proposal(
        actor=speaker, event=event, proposal=proposal, data=data(event), submit=False, now=NOW,
        version=1,
    )  # fmt: skip
    assert proposal.version == 1  # reviews of version 1 are still of the current text
    proposals.save_proposal(
        actor=speaker, event=event, proposal=proposal, data=data(event, notes="Need a mic"),
        submit=False, now=NOW, version=1,
    )  # fmt: skip
    assert proposal.version == 2
