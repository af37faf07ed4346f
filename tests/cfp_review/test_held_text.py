"""A proposal whose text names its speaker is held from reviewers as a whole, not only its
files: under anonymous review any reviewer may open any proposal, so holding back only the
assignment would let them read the flagged title and abstract from the list or by its URL."""

from __future__ import annotations

from organizer.enums import EventRoleName
from organizer.extensions import db
from organizer.services.cfp import assignment
from organizer.services.reviewing import redaction
from tests.cfp_review.test_blind_files import open_event
from tests.factories import NOW, grant_role, login_as, make_proposal, make_user

NAME = "Zebulon Quartermaine"


def test_flagged_text_is_not_shown_to_reviewers_until_an_organizer_resolves_it(client):
    event, organizer = open_event()
    reviewer = make_user(name="Rita Reviewer")
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    speaker = make_user(name=NAME)
    proposal = make_proposal(
        event,
        speaker,
        title=f"The {NAME} method for mosses",
        abstract=f"I am {NAME} and I count mosses.",
    )
    db.session.commit()
    assert redaction.held_back(event) == {proposal.id}  # the test can fail
    login_as(client, reviewer)
    listing = client.get(f"/review/{event.slug}/proposals")
    assert listing.status_code == 200 and "Quartermaine" not in listing.text
    page = client.get(f"/review/{event.slug}/proposals/{proposal.public_id}")
    assert page.status_code == 200
    assert "Quartermaine" not in page.text
    assert "The organizers are checking this proposal" in page.text

    # The organizer dismisses the flag: reviewers read it, with the notice.
    redaction.dismiss_flags(actor=organizer, proposal=proposal, now=NOW)
    db.session.commit()
    page = client.get(f"/review/{event.slug}/proposals/{proposal.public_id}")
    assert "I count mosses" in page.text and "may identify its speaker" in page.text
    assert "Quartermaine" in client.get(f"/review/{event.slug}/proposals").text


def test_an_assigned_proposal_edited_to_name_its_speaker_leaves_the_reviewers_lists(client):
    event, organizer = open_event()
    reviewer = make_user(name="Rita Reviewer")
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    speaker = make_user(name=NAME)
    proposal = make_proposal(event, speaker, title="Counting mosses", abstract="On mosses.")
    assignment.assign(actor=organizer, proposal=proposal, reviewer=reviewer, now=NOW)
    proposal.abstract = f"Joint work with my student; I am {NAME}."
    db.session.commit()
    login_as(client, reviewer)
    for url in (f"/review/{event.slug}/", f"/review/{event.slug}/assigned.csv"):
        response = client.get(url)
        assert response.status_code == 200 and "Quartermaine" not in response.text, url
