"""Whether the event's organizing team may submit to the call or apply for a grant: set on the
call's and the programme's set-up pages, said on their public pages and forms, enforced by
the services (`services/conflicts.refuse_team_submission`)."""

import re

import pytest
from sqlalchemy import select

from organizer.enums import EventRoleName, GrantState, ProposalState
from organizer.errors import PermissionDenied
from organizer.extensions import db
from organizer.models import Cfp, GrantApplication, GrantProgramme, OutboxMessage, Proposal
from organizer.services.cfp import co_speakers, proposals
from organizer.services.grants import applications as grant_apps
from tests.cfp.test_services import data
from tests.cfp_setup.test_views import CALL_FORM
from tests.factories import (
    NOW,
    grant_role,
    login_as,
    make_cfp,
    make_event,
    make_programme,
    make_proposal,
    make_user,
)
from tests.grants.test_applications import data as grant_data
from tests.grants.test_views_admin import programme_form

MAY = "Members of the organizing team may submit; their proposals are reviewed and decided"
MAY_NOT = "Members of the organizing team (organizers, reviewers and grant reviewers) may not"
GRANTS_MAY = "Members of the organizing team may apply; their applications are reviewed"


class World:
    def __init__(self, *, allowed: bool):
        self.organizer = make_user(name="Otto Organizer")
        self.event = make_event(organizer=self.organizer)
        self.call = make_cfp(self.event, team_may_apply=allowed)
        self.programme = make_programme(self.event, team_may_apply=allowed)
        self.reviewer = make_user(name="Rita Reviewer")
        grant_role(self.reviewer, self.event, EventRoleName.REVIEWER)
        self.grant_reviewer = make_user(name="Gina Grantreviewer")
        grant_role(self.grant_reviewer, self.event, EventRoleName.GRANT_REVIEWER)
        self.outsider = make_user(name="Ann Applicant")
        # A role in another event does not count.
        grant_role(self.outsider, make_event(), EventRoleName.ORGANIZER)

    @property
    def team(self):
        return [self.organizer, self.reviewer, self.grant_reviewer, make_user(site_admin=True)]


def submit(w, person, *, proposal=None, now=NOW):
    return proposals.save_proposal(
        actor=person, event=w.event, proposal=proposal, data=data(w.event), submit=True, now=now
    )


def apply(w, person, *, submit=True):
    return grant_apps.save_application(
        actor=person,
        programme=w.programme,
        application=None,
        data=grant_data(),
        submit=submit,
        now=NOW,
    )


def test_by_default_the_team_may_take_part():
    event = make_event()
    assert make_cfp(event).team_may_apply is True
    assert make_programme(event).team_may_apply is True


def test_when_allowed_team_members_submit_and_apply():
    w = World(allowed=True)
    for person in w.team:
        assert submit(w, person).state == ProposalState.SUBMITTED
        assert apply(w, person).state == GrantState.SUBMITTED


def test_when_not_allowed_team_members_keep_a_draft_but_cannot_submit():
    w = World(allowed=False)
    for person in w.team:
        draft = proposals.save_proposal(
            actor=person, event=w.event, proposal=None, data=data(w.event), submit=False, now=NOW
        )
        with pytest.raises(PermissionDenied) as caught:
            submit(w, person, proposal=draft)
        assert "may not submit proposals to this call; you can still save it as a draft." in (
            caught.value.message
        )
        assert draft.state == ProposalState.DRAFT
        with pytest.raises(PermissionDenied) as caught:
            apply(w, person)
        assert "may not apply to this grant programme" in caught.value.message
    assert (
        db.session.scalar(select(Proposal.id).where(Proposal.state == ProposalState.SUBMITTED))
        is None
    )
    assert db.session.scalars(select(GrantApplication)).all() == []
    # Anyone else still can, a role in another event notwithstanding.
    assert submit(w, w.outsider).state == ProposalState.SUBMITTED
    assert apply(w, w.outsider).state == GrantState.SUBMITTED


def test_when_not_allowed_a_team_member_cannot_accept_a_co_speaker_invitation():
    w = World(allowed=False)
    proposal = make_proposal(w.event, w.outsider)
    co_speakers.invite_co_speaker(
        actor=w.outsider, proposal=proposal, email=w.reviewer.email, now=NOW
    )
    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.purpose == "co_speaker_invitation")
    ).one()
    token = next(word for word in mail.body_text.split() if "/cfp/join/" in word).rsplit("/")[-1]
    with pytest.raises(PermissionDenied, match="cannot accept this invitation"):
        co_speakers.accept_co_speaker(token=token, user=w.reviewer, now=NOW)
    assert [s.user_id for s in proposal.speakers] == [w.outsider.id, None]
    w.call.team_may_apply = True
    co_speakers.accept_co_speaker(token=token, user=w.reviewer, now=NOW)
    assert w.reviewer.id in {s.user_id for s in proposal.speakers}


# Pages ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("allowed", [True, False])
def test_the_public_pages_and_forms_say_it(client, allowed):
    w = World(allowed=allowed)
    login_as(client, w.outsider)
    pages = {
        f"/{w.event.slug}/cfp": False,
        f"/{w.event.slug}/cfp/submit": False,
        f"/{w.event.slug}/grants": True,
        f"/{w.event.slug}/grants/{w.programme.public_id}/apply": True,
    }
    for path, grants in pages.items():
        page = client.get(path).text
        expected = (GRANTS_MAY if grants else MAY) if allowed else MAY_NOT
        assert expected in page, path
        assert (MAY_NOT in page) != allowed, path


def test_a_refused_submission_is_shown_and_loses_nothing(client):
    w = World(allowed=False)
    login_as(client, w.reviewer)
    form = {
        "title": "My own idea",
        "abstract": "Kept.",
        "session_type_id": str(data(w.event).session_type_id),
        "track_id": str(data(w.event).track_id),
        "language": "en",
        "creation_key": "k1",
        "submit_proposal": "y",
    }
    response = client.post(f"/{w.event.slug}/cfp/submit", data=form)
    assert response.status_code == 403
    assert "may not submit proposals to this call" in response.text
    assert "My own idea" in response.text  # still in the form
    assert db.session.scalars(select(Proposal)).all() == []


def test_the_set_up_pages_edit_the_setting(client):
    organizer = make_user()
    event = make_event(organizer=organizer)
    login_as(client, organizer)
    page = client.get(f"/manage/{event.slug}/cfp").text
    assert "Members of the organizing team may submit proposals" in page
    assert re.search(r'<input[^>]*checked[^>]*name="team_may_apply"', page)  # ticked at first
    assert client.post(f"/manage/{event.slug}/cfp", data=CALL_FORM).status_code == 302
    call = db.session.scalars(select(Cfp).where(Cfp.event_id == event.id)).one()
    assert call.team_may_apply is False  # the box was left unticked
    form = {**CALL_FORM, "team_may_apply": "y"}
    assert client.post(f"/manage/{event.slug}/cfp", data=form).status_code == 302
    db.session.refresh(call)
    assert call.team_may_apply is True

    page = client.get(f"/manage/{event.slug}/grants/new").text
    assert "Members of the organizing team may apply" in page
    assert re.search(r'<input[^>]*checked[^>]*name="team_may_apply"', page)
    response = client.post(
        f"/manage/{event.slug}/grants/new", data=programme_form(team_may_apply="y")
    )
    assert response.status_code == 302
    programme = db.session.scalars(select(GrantProgramme)).one()
    assert programme.team_may_apply is True
    response = client.post(
        f"/manage/{event.slug}/grants/{programme.public_id}", data=programme_form()
    )
    assert response.status_code == 302
    db.session.refresh(programme)
    assert programme.team_may_apply is False
