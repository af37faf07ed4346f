import csv
import datetime as dt
import io
import re

import pytest
from sqlalchemy import select

from organizer.enums import EventRoleName, ProposalState, QuestionKind
from organizer.extensions import db
from organizer.models import (
    Answer,
    ProposalInterest,
    Review,
    ReviewAssignment,
    ReviewCriterion,
    ReviewPhase,
)
from organizer.services import uploads
from organizer.services.cfp import review_setup, reviews
from tests.documents import make_pdf
from tests.factories import (
    NOW,
    grant_role,
    login_as,
    make_cfp,
    make_event,
    make_proposal,
    make_question,
    make_user,
    track,
)

# Helpers -------------------------------------------------------------------------------------


class Setup:
    def __init__(self, client, **cfp_fields):
        self.client = client
        self.organizer = make_user(name="Olga Organizer")
        self.event = make_event(organizer=self.organizer)
        self.cfp = make_cfp(self.event, **cfp_fields)
        self.reviewer = make_user(name="Rita Reviewer")
        grant_role(self.reviewer, self.event, EventRoleName.REVIEWER)
        self.criterion = db.session.scalars(
            select(ReviewCriterion).where(ReviewCriterion.event_id == self.event.id)
        ).one()
        login_as(client, self.reviewer)

    @property
    def base(self):
        return f"/review/{self.event.slug}"

    def url(self, proposal, suffix=""):
        return f"{self.base}/proposals/{proposal.public_id}{suffix}"

    def assign(self, proposal, reviewer=None):
        db.session.add(
            ReviewAssignment(proposal=proposal, reviewer=reviewer or self.reviewer, created_at=NOW)
        )
        db.session.flush()

    def review(self, proposal, reviewer, score=3, **fields):
        saved = reviews.save_review(
            actor=reviewer,
            proposal=proposal,
            scores={self.criterion.id: score},
            comment=fields.pop("comment", "Fine."),
            note_to_speaker="",
            abstain=fields.pop("abstain", False),
            now=NOW,
        )
        db.session.flush()
        return saved

    def other_reviewer(self, **fields):
        user = make_user(**fields)
        grant_role(user, self.event, EventRoleName.REVIEWER)
        return user


@pytest.fixture
def s(client):
    return Setup(client)


def field_error(html: str, field: str) -> str:
    match = re.search(rf'id="{field}-error">\s*<span[^>]*>[^<]*</span>\s*([^<]+)', html)
    assert match, f"no error shown for {field}"
    return match.group(1).strip()


def review_form_shown(html: str) -> bool:
    return 'aria-labelledby="my-review-title"' in html and "Save my review" in html


# The index and the next proposal -------------------------------------------------------------


def test_index_lists_my_assignments_with_my_status(s):
    first = make_proposal(s.event, title="First talk")
    second = make_proposal(s.event, title="Second talk", track=track(s.event, "Applications"))
    third = make_proposal(s.event, title="Third talk")
    make_proposal(s.event, title="Not mine")
    for proposal in (first, second, third):
        s.assign(proposal)
    s.review(second, s.reviewer, score=4)
    s.review(third, s.reviewer, abstain=True)
    s.review(first, s.other_reviewer())

    page = s.client.get(f"{s.base}/").text
    assert "Review is open" in page
    assert "First talk" in page and "Second talk" in page and "Third talk" in page
    assert "Not mine" not in page
    rows = re.findall(r"<tr>(.*?)</tr>", page, flags=re.S)
    first_row = next(r for r in rows if "First talk" in r)
    assert "Not started" in first_row and "Methods" in first_row and "Talk" in first_row
    assert re.search(r"<td>1</td>", first_row)  # one review so far
    assert "Scored" in next(r for r in rows if "Second talk" in r)
    assert "Applications" in next(r for r in rows if "Second talk" in r)
    assert "Abstained" in next(r for r in rows if "Third talk" in r)
    assert "Next proposal to review" in page
    assert f"{s.base}/proposals" in page and f"{s.base}/preferences" in page


def test_index_shows_the_phase_and_an_empty_state(s):
    db.session.add(
        ReviewPhase(
            event_id=s.event.id,
            name="Second look",
            starts_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
            ends_at=dt.datetime(2100, 1, 1, tzinfo=dt.UTC),
            can_review=True,
        )
    )
    page = s.client.get(f"{s.base}/").text
    assert "Current phase: Second look" in page
    assert "No proposals are assigned to you yet" in page
    assert "Next proposal to review" not in page


def test_next_goes_to_the_proposal_with_fewest_reviews_then_says_when_done(s):
    busy = make_proposal(s.event)
    quiet = make_proposal(s.event)
    s.assign(busy)
    s.assign(quiet)
    s.review(busy, s.other_reviewer())

    response = s.client.get(f"{s.base}/next")
    assert response.status_code == 302
    assert response.location.endswith(s.url(quiet))

    s.review(quiet, s.reviewer)
    s.review(busy, s.reviewer)
    response = s.client.get(f"{s.base}/next", follow_redirects=True)
    assert response.request.path == f"{s.base}/"
    assert "You have reviewed everything assigned to you" in response.text


def test_the_index_runs_a_constant_number_of_queries(s, assert_constant_queries):
    other = s.other_reviewer()

    def grow():
        for _ in range(3):
            proposal = make_proposal(s.event)
            s.assign(proposal)
            s.review(proposal, other)
        s.review(proposal, s.reviewer)

    assert_constant_queries([f"{s.base}/", f"{s.base}/proposals"], grow)


# The proposal page and the review form ---------------------------------------------------------


def test_the_proposal_page_shows_the_form_and_saving_goes_to_the_next(s):
    proposal = make_proposal(s.event, title="Graph kernels", abstract="We count walks.")
    following = make_proposal(s.event)
    s.assign(proposal)
    s.assign(following)

    page = s.client.get(s.url(proposal)).text
    assert "<h1>Graph kernels</h1>" in page
    assert "We count walks." in page
    assert review_form_shown(page)
    assert re.search(r'<fieldset id="score-\d+"[^>]*>\s*<legend>Relevance</legend>', page)
    assert "1 (lowest)" in page and "5 (highest)" in page
    assert "may be sent to the speaker with the decision" in page
    assert "I abstain" in page

    response = s.client.post(
        s.url(proposal),
        data={f"score-{s.criterion.id}": "4", "comment": "Clear.", "note_to_speaker": "Nice."},
    )
    assert response.status_code == 302
    assert response.location.endswith(s.url(following))
    saved = reviews.review_of(proposal, s.reviewer)
    assert [x.score for x in saved.scores] == [4]
    assert (saved.comment, saved.note_to_speaker, saved.abstained) == ("Clear.", "Nice.", False)

    # The form comes back filled in, and the last save goes back to the index.
    page = s.client.get(s.url(proposal)).text
    assert re.search(r'value="4"[^>]*checked|checked[^>]*value="4"', page)
    assert "Clear." in page
    s.review(following, s.reviewer)
    response = s.client.post(s.url(proposal), data={f"score-{s.criterion.id}": "5"})
    assert response.location.endswith(f"{s.base}/")


def test_a_missing_score_is_shown_next_to_its_criterion_and_the_comment_stays(s):
    proposal = make_proposal(s.event)
    response = s.client.post(
        s.url(proposal), data={"comment": "Half-written thoughts", "note_to_speaker": "Hi"}
    )
    assert response.status_code == 400
    field = f"score-{s.criterion.id}"
    assert "Give a score for “Relevance”" in field_error(response.text, field)
    assert re.search(
        rf'<fieldset id="{field}"[^>]*aria-describedby="[^"]*{field}-error', response.text
    )
    assert "There is a problem" in response.text
    assert f'href="#{field}-0"' in response.text  # the first option, so focus lands there
    assert "Half-written thoughts" in response.text
    assert reviews.review_of(proposal, s.reviewer) is None


def test_a_score_outside_the_scale_is_refused(s):
    proposal = make_proposal(s.event)
    response = s.client.post(s.url(proposal), data={f"score-{s.criterion.id}": "9"})
    assert response.status_code == 400
    assert reviews.review_of(proposal, s.reviewer) is None


def test_abstaining_needs_no_score(s):
    proposal = make_proposal(s.event)
    response = s.client.post(s.url(proposal), data={"abstain": "y", "comment": "Too close."})
    assert response.status_code == 302
    saved = reviews.review_of(proposal, s.reviewer)
    assert saved.abstained and saved.scores == [] and saved.comment == "Too close."


def test_a_closed_phase_shows_no_form_and_refuses_a_post(s):
    proposal = make_proposal(s.event)
    db.session.add(
        ReviewPhase(
            event_id=s.event.id,
            name="Long ago",
            starts_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
            ends_at=dt.datetime(2000, 2, 1, tzinfo=dt.UTC),
        )
    )
    page = s.client.get(s.url(proposal)).text
    assert "Review is closed" in page
    assert not review_form_shown(page)
    assert "Review is closed" in s.client.get(f"{s.base}/").text

    response = s.client.post(s.url(proposal), data={f"score-{s.criterion.id}": "3"})
    assert response.status_code == 409
    assert "your review was not saved" in response.text
    assert reviews.review_of(proposal, s.reviewer) is None


def test_a_banner_says_when_the_proposal_changed_after_my_review(s):
    proposal = make_proposal(s.event)
    s.review(proposal, s.reviewer)
    assert "changed after your review" not in s.client.get(s.url(proposal)).text
    proposal.version += 1
    assert "changed after your review" in s.client.get(s.url(proposal)).text


def test_other_reviews_appear_after_my_own(s):
    proposal = make_proposal(s.event)
    s.review(proposal, s.other_reviewer(name="Visible Colleague"), score=2, comment="Weak method")
    page = s.client.get(s.url(proposal)).text
    assert "Weak method" not in page
    assert "once you have reviewed this proposal" in page
    s.review(proposal, s.reviewer)
    page = s.client.get(s.url(proposal)).text
    assert "Weak method" in page and "Reviewer 1" in page
    assert "2 out of 1\N{EN DASH}5" in page


def test_a_declared_conflict_replaces_the_form(s):
    proposal = make_proposal(s.event)
    reviews.declare_interest(actor=s.reviewer, proposal=proposal, reason="", now=NOW)
    page = s.client.get(s.url(proposal)).text
    assert "You declared a conflict of interest" in page
    assert not review_form_shown(page)
    response = s.client.post(s.url(proposal), data={f"score-{s.criterion.id}": "3"})
    assert response.status_code == 403


def test_speakers_are_shown_when_review_is_not_anonymous(client):
    s = Setup(client, anonymous_review=False)
    speaker = make_user(name="Ada Lovelace")
    proposal = make_proposal(s.event, speaker)
    page = s.client.get(s.url(proposal)).text
    assert "Ada Lovelace" in page


def test_answers_shown_to_reviewers_and_files_download_through_the_review_blueprint(s):
    speaker = make_user()
    proposal = make_proposal(s.event, speaker)
    shown = make_question(s.event, text="Which dataset?")
    hidden = make_question(s.event, text="Dietary needs?", visible_to_reviewers=False)
    slides = make_question(s.event, text="Slides", kind=QuestionKind.FILE, file_kinds=["pdf"])
    upload = uploads.store(
        stream=io.BytesIO(make_pdf(["Slides"], author="Ada Speaker")),
        filename="my-slides.pdf",
        field="slides",
        allowed=["pdf"],
        max_kb=100,
        owner=speaker,
        event=s.event,
        now=NOW,
    )
    db.session.add_all(
        [
            Answer(proposal=proposal, question=shown, value="ImageNet"),
            Answer(proposal=proposal, question=hidden, value="Vegan"),
            Answer(proposal=proposal, question=slides, upload=upload),
        ]
    )
    page = s.client.get(s.url(proposal)).text
    assert "Which dataset?" in page and "ImageNet" in page
    assert "Dietary needs?" not in page and "Vegan" not in page
    link = s.url(proposal, f"/files/{slides.id}")
    assert f'href="{link}"' in page

    with s.client.get(link) as response:
        assert response.status_code == 200
        assert response.data == uploads.reviewer_copy(upload).read_bytes()
        assert b"Ada Speaker" not in response.data  # the reviewer copy, not the original
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "attachment" in response.headers["Content-Disposition"]
        assert "my-slides" not in response.headers["Content-Disposition"]  # anonymous review
    assert s.client.get(s.url(proposal, f"/files/{hidden.id}")).status_code == 404
    assert s.client.get(s.url(proposal, f"/files/{shown.id}")).status_code == 404


# Preferences and conflicts ---------------------------------------------------------------------


def test_preferences_choose_tracks_and_none_means_all(s):
    methods, applications = track(s.event, "Methods"), track(s.event, "Applications")
    page = s.client.get(f"{s.base}/preferences").text
    assert re.search(r"<fieldset[^>]*>\s*<legend>Tracks I would like to review</legend>", page)
    assert "Methods" in page and "Applications" in page

    response = s.client.post(f"{s.base}/preferences", data={"track_ids": [str(applications.id)]})
    assert response.status_code == 302
    assert review_setup.reviewer_tracks(s.event, s.reviewer) == {applications.id}
    page = s.client.get(f"{s.base}/preferences").text
    assert re.search(
        rf'checked[^>]*value="{applications.id}"|value="{applications.id}"[^>]*checked', page
    )
    assert not re.search(rf'value="{methods.id}"[^>]*checked', page)

    s.client.post(f"{s.base}/preferences", data={})
    assert review_setup.reviewer_tracks(s.event, s.reviewer) == set()

    other_event = make_event()
    make_cfp(other_event)
    response = s.client.post(
        f"{s.base}/preferences", data={"track_ids": [str(track(other_event).id)]}
    )
    assert response.status_code == 400
    assert review_setup.reviewer_tracks(s.event, s.reviewer) == set()


def test_all_proposals_lists_reviewable_ones_and_declares_and_withdraws_conflicts(s):
    proposal = make_proposal(s.event, title="Assigned talk")
    make_proposal(s.event, title="Draft talk", state=ProposalState.DRAFT)
    make_proposal(s.event, title="Withdrawn talk", state=ProposalState.WITHDRAWN)
    mine = make_proposal(s.event, s.reviewer, title="My own talk")
    s.assign(proposal)

    page = s.client.get(f"{s.base}/proposals").text
    assert "Assigned talk" in page
    assert "Draft talk" not in page and "Withdrawn talk" not in page
    assert "My own talk" not in page and s.url(mine) not in page  # my own is left out
    conflict_url = s.url(proposal, "/conflict")
    assert conflict_url in page

    page = s.client.get(conflict_url).text
    assert "Declare a conflict of interest" in page and 'name="reason"' in page
    response = s.client.post(
        conflict_url, data={"action": "declare", "reason": "My former student"}
    )
    assert response.status_code == 302
    conflict = db.session.scalars(select(ProposalInterest)).one()
    assert (conflict.user_id, conflict.reason) == (s.reviewer.id, "My former student")
    assert db.session.scalars(select(ReviewAssignment)).all() == []  # unstarted: dropped
    assert "Declared" in s.client.get(f"{s.base}/proposals").text

    # A double-click does not withdraw it again.
    s.client.post(conflict_url, data={"action": "declare", "reason": "My former student"})
    assert db.session.scalars(select(ProposalInterest)).one()

    assert "Withdraw my declaration" in s.client.get(conflict_url).text
    response = s.client.post(conflict_url, data={"action": "withdraw"})
    assert response.status_code == 302
    assert db.session.scalars(select(ProposalInterest)).all() == []


def test_a_too_long_conflict_reason_is_shown_next_to_the_field(s):
    proposal = make_proposal(s.event)
    response = s.client.post(
        s.url(proposal, "/conflict"), data={"action": "declare", "reason": "x" * 301}
    )
    assert response.status_code == 400
    assert "at most 300" in field_error(response.text, "reason")
    assert db.session.scalars(select(ProposalInterest)).all() == []


def test_the_list_of_all_proposals_is_paginated(s, app):
    for n in range(app.config["PER_PAGE"] + 1):
        make_proposal(s.event, title=f"Numbered {n:03d}")
    first = s.client.get(f"{s.base}/proposals").text
    second = s.client.get(f"{s.base}/proposals?page=2").text
    assert "Numbered 000" in first and "Numbered 000" not in second
    assert f"Numbered {app.config['PER_PAGE']:03d}" in second


# CSV export ------------------------------------------------------------------------------------


def test_the_csv_has_my_assigned_proposals_and_guards_against_formulas(s):
    proposal = make_proposal(s.event, title="=HYPERLINK(1)", abstract="+cmd")
    s.assign(proposal)
    s.review(proposal, s.reviewer, score=5, comment="-bad")
    make_proposal(s.event, title="Unassigned")
    response = s.client.get(f"{s.base}/assigned.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:5] == ["Title", "Abstract", "Track", "Type", "My status"]
    assert "Relevance" in rows[0]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Title"] == "'=HYPERLINK(1)"
    assert row["Abstract"] == "'+cmd"
    assert row["My comment"] == "'-bad"
    assert row["Relevance"] == "5"
    assert row["My status"] == "Scored"


# Who may see what ----------------------------------------------------------------------------


def test_a_reviewer_of_another_event_gets_403_and_404(s):
    other_event = make_event()
    make_cfp(other_event)
    theirs = make_proposal(other_event)
    ours = make_proposal(s.event)
    for path in ["/", "/next", "/proposals", "/preferences", "/assigned.csv"]:
        assert s.client.get(f"/review/{other_event.slug}{path}").status_code == 403, path
    assert (
        s.client.get(f"/review/{other_event.slug}/proposals/{theirs.public_id}").status_code == 403
    )
    # Event B's proposal under event A's address does not exist.
    for suffix in ["", "/conflict", "/files/1"]:
        assert s.client.get(f"{s.base}/proposals/{theirs.public_id}{suffix}").status_code == 404
    response = s.client.post(
        f"{s.base}/proposals/{theirs.public_id}", data={f"score-{s.criterion.id}": "3"}
    )
    assert response.status_code == 404
    assert db.session.scalars(select(Review)).all() == []
    assert s.client.get(s.url(ours)).status_code == 200


def test_a_reviewer_who_speaks_on_a_proposal_gets_404_for_it(s):
    co_speaker_of = make_proposal(s.event, co_speakers=(s.reviewer,))
    for suffix in ["", "/conflict", "/files/1"]:
        assert s.client.get(s.url(co_speaker_of, suffix)).status_code == 404, suffix
    response = s.client.post(s.url(co_speaker_of), data={f"score-{s.criterion.id}": "3"})
    assert response.status_code == 404
    response = s.client.post(s.url(co_speaker_of, "/conflict"), data={"action": "declare"})
    assert response.status_code == 404
    assert db.session.scalars(select(Review)).all() == []
    assert db.session.scalars(select(ProposalInterest)).all() == []


@pytest.mark.parametrize("state", [ProposalState.DRAFT, ProposalState.WITHDRAWN])
def test_proposals_not_open_for_review_are_404(s, state):
    proposal = make_proposal(s.event, state=state)
    assert s.client.get(s.url(proposal)).status_code == 404


def test_a_non_reviewer_applicant_gets_403(s):
    applicant = make_user()
    make_proposal(s.event, applicant)
    login_as(s.client, applicant)
    for path in ["/", "/next", "/proposals", "/preferences", "/assigned.csv"]:
        assert s.client.get(f"{s.base}{path}").status_code == 403, path


def test_an_organizer_who_is_not_a_reviewer_gets_403(s):
    login_as(s.client, s.organizer)
    assert s.client.get(f"{s.base}/").status_code == 403
