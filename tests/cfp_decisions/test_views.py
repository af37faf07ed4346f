import csv
import datetime as dt
import io
import re

import pytest
from sqlalchemy import select

from organizer.enums import EventRoleName, ProposalState
from organizer.extensions import db
from organizer.models import (
    AuditEntry,
    ProposalInterest,
    Review,
    ReviewAssignment,
    ReviewCriterion,
    ReviewScore,
    SpeakerProfile,
    Tag,
)
from organizer.services.cfp import decisions
from tests.factories import (
    NOW,
    grant_role,
    login_as,
    make_cfp,
    make_event,
    make_proposal,
    make_user,
    track,
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.fixture
def committee(client):
    organizer = make_user(name="Olga Organizer")
    event = make_event(organizer=organizer)
    make_cfp(event)
    login_as(client, organizer)
    return client, event, organizer


def criterion(event):
    return db.session.scalars(
        select(ReviewCriterion).where(ReviewCriterion.event_id == event.id)
    ).one()


def add_review(proposal, reviewer, score, *, event=None, **fields):
    """A scored review on the 1-5 "Relevance" criterion of make_cfp (1 -> 0, 5 -> 10)."""
    event = event or proposal.event
    if not any(r.event_id == event.id for r in reviewer.event_roles):
        grant_role(reviewer, event, EventRoleName.REVIEWER)
    review = Review(
        proposal=proposal,
        reviewer=reviewer,
        proposal_version=fields.pop("proposal_version", proposal.version),
        created_at=NOW,
        updated_at=NOW,
        **fields,
    )
    review.scores.append(ReviewScore(criterion_id=criterion(event).id, score=score))
    db.session.add(review)
    db.session.flush()
    return review


def audit_actions(proposal):
    return [
        e.action
        for e in db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == "proposal", AuditEntry.object_id == str(proposal.id))
            .order_by(AuditEntry.id)
        )
    ]


def titles_in_order(html, titles):
    """The titles as they appear in the page, first to last."""
    return sorted((t for t in titles if t in html), key=html.index)


# The list --------------------------------------------------------------------------------------


@pytest.fixture
def three(committee):
    client, event, _organizer = committee
    reviewer = make_user()
    alpha = make_proposal(
        event, make_user(name="Ada Lovelace"), title="Alpha graphs", track=track(event)
    )
    beta = make_proposal(event, title="Beta kernels", track=track(event, "Applications"))
    gamma = make_proposal(event, title="Gamma sampling", track=track(event))
    draft = make_proposal(event, title="Delta draft", state=ProposalState.DRAFT)
    add_review(alpha, reviewer, 5)
    add_review(beta, reviewer, 1)
    tag = Tag(event_id=event.id, name="industry")
    alpha.tags = [tag]
    gamma.pending_decision = "accepted"
    db.session.flush()
    return client, event, (alpha, beta, gamma, draft), tag


TITLES = ["Alpha graphs", "Beta kernels", "Gamma sampling", "Delta draft"]


def test_list_shows_submitted_proposals_with_their_figures(three):
    client, event, (alpha, *_rest), _tag = three
    response = client.get(f"/manage/{event.slug}/cfp/proposals")
    assert response.status_code == 200
    html = response.text
    assert titles_in_order(html, TITLES) == ["Alpha graphs", "Beta kernels", "Gamma sampling"]
    assert "<caption>3 proposals" in html
    assert "Ada Lovelace" in html
    assert "Pending: accepted" in html
    assert "10.0" in html  # alpha's mean
    assert f'value="{alpha.public_id}"' in html  # a checkbox per row
    assert 'aria-current="page"' in html and ">Proposals</a>" in html


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"state": "pending"}, ["Gamma sampling"]),
        ({"state": "submitted"}, ["Alpha graphs", "Beta kernels", "Gamma sampling"]),
        ({"q": "KERNELS"}, ["Beta kernels"]),
        ({"q": "lovelace"}, ["Alpha graphs"]),
        ({"min_score": "5"}, ["Alpha graphs"]),
        ({"min_score": "0"}, ["Alpha graphs", "Beta kernels"]),
    ],
)
def test_list_filters(three, args, expected):
    client, event, _proposals, _tag = three
    html = client.get(f"/manage/{event.slug}/cfp/proposals", query_string=args).text
    assert titles_in_order(html, TITLES) == expected
    for value in args.values():
        assert f'value="{value}"' in html  # the form keeps what was chosen


def test_list_filters_by_track_and_tag(three):
    client, event, _proposals, tag = three
    applications = track(event, "Applications")
    html = client.get(
        f"/manage/{event.slug}/cfp/proposals", query_string={"track": applications.id}
    ).text
    assert titles_in_order(html, TITLES) == ["Beta kernels"]
    assert f'<option selected value="{applications.id}">' in html
    html = client.get(f"/manage/{event.slug}/cfp/proposals", query_string={"tag": tag.id}).text
    assert titles_in_order(html, TITLES) == ["Alpha graphs"]


def test_list_sorts(three):
    client, event, _proposals, _tag = three
    url = f"/manage/{event.slug}/cfp/proposals"
    by_score = client.get(url, query_string={"sort": "score"}).text
    assert titles_in_order(by_score, TITLES) == ["Alpha graphs", "Beta kernels", "Gamma sampling"]
    by_reviews = client.get(url, query_string={"sort": "reviews"}).text
    assert titles_in_order(by_reviews, TITLES)[0] == "Gamma sampling"  # no review yet


def test_pagination_keeps_the_filters(three, app, monkeypatch):
    client, event, _proposals, _tag = three
    monkeypatch.setitem(app.config, "PER_PAGE", 1)
    html = client.get(
        f"/manage/{event.slug}/cfp/proposals", query_string={"state": "submitted", "sort": "title"}
    ).text
    assert titles_in_order(html, TITLES) == ["Alpha graphs"]
    next_link = re.search(r'href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")
    assert "state=submitted" in next_link and "sort=title" in next_link
    assert titles_in_order(client.get(next_link).text, TITLES) == ["Beta kernels"]


def test_empty_list(committee):
    client, event, _organizer = committee
    html = client.get(f"/manage/{event.slug}/cfp/proposals").text
    assert "No proposals yet" in html
    assert "<table" not in html


def test_list_and_ranking_run_a_constant_number_of_queries(committee, assert_constant_queries):
    _client, event, _organizer = committee
    reviewers = [make_user(), make_user()]
    made = []

    def grow():
        for _ in range(2 if not made else 6):
            proposal = make_proposal(event, co_speakers=(make_user(),))
            proposal.tags = [Tag(event_id=event.id, name=f"tag {len(made)}")]
            for i, reviewer in enumerate(reviewers):
                add_review(proposal, reviewer, 1 + (len(made) + i) % 5)
            made.append(proposal)

    assert_constant_queries(
        [f"/manage/{event.slug}/cfp/proposals", f"/manage/{event.slug}/cfp/ranking"], grow
    )
    assert len(made) == 8


# CSV -------------------------------------------------------------------------------------------


def test_csv_export(three):
    client, event, (alpha, beta, _gamma, _draft), _tag = three
    speaker = alpha.speakers[0].user
    db.session.add(
        SpeakerProfile(
            event_id=event.id, user_id=speaker.id, bio="SECRET BIOGRAPHY TEXT", updated_at=NOW
        )
    )
    beta.title = '=HYPERLINK("https://evil.example","click")'
    beta.abstract = "@SUM(1+1)"
    response = client.get(f"/manage/{event.slug}/cfp/proposals.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{event.slug}-proposals.csv"'
    )
    assert "SECRET BIOGRAPHY" not in response.text
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == [
        "id", "title", "state", "pending decision", "session type", "track", "duration",
        "language", "level", "tags", "speakers", "speaker emails", "abstract", "reviews", "mean",
        "median", "normalised score",
    ]  # fmt: skip
    by_id = {row[0]: row for row in rows[1:]}
    assert set(by_id) == {p.public_id for p in three[2][:3]}
    assert by_id[beta.public_id][1] == '\'=HYPERLINK("https://evil.example","click")'
    assert by_id[beta.public_id][12] == "'@SUM(1+1)"
    assert by_id[alpha.public_id][9] == "industry"
    assert by_id[alpha.public_id][10] == "Ada Lovelace"
    assert by_id[alpha.public_id][11] == speaker.email
    assert by_id[alpha.public_id][13:15] == ["1", "10.0"]


def test_csv_honours_the_filters(three):
    client, event, (alpha, *_rest), _tag = three
    response = client.get(
        f"/manage/{event.slug}/cfp/proposals.csv", query_string={"min_score": "5"}
    )
    rows = list(csv.reader(io.StringIO(response.text)))
    assert [row[0] for row in rows[1:]] == [alpha.public_id]


# Who may ------------------------------------------------------------------------------------


def test_reviewers_get_403_on_every_committee_page_and_action(app, client):
    organizer = make_user()
    event = make_event(organizer=organizer)
    make_cfp(event)
    reviewer = make_user()
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    proposal = make_proposal(event, state=ProposalState.ACCEPTED)
    db.session.add(
        ReviewAssignment(proposal=proposal, reviewer=reviewer, automatic=False, created_at=NOW)
    )
    login_as(client, reviewer)
    values = {
        "event_slug": event.slug,
        "public_id": proposal.public_id,
        "reviewer_id": reviewer.id,
        "question_id": 1,
    }
    checked = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("cfp_decisions."):
            continue
        url = rule.build({k: v for k, v in values.items() if k in rule.arguments})[1]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            data = {"outcome": "undo", "tags": "x", "per_proposal": "1", "expected": "0"}
            response = client.open(url, method=method, data=data if method == "POST" else None)
            assert response.status_code == 403, (rule.endpoint, method, url)
            checked.add((rule.endpoint, method))
    assert len(checked) >= 16
    db.session.refresh(proposal)
    assert proposal.state == ProposalState.ACCEPTED
    assert proposal.tags == []


# Deciding -------------------------------------------------------------------------------------


def test_bulk_decide_and_undo_with_audit_entries(committee):
    client, event, _organizer = committee
    one, two, other = (make_proposal(event) for _ in range(3))
    url = f"/manage/{event.slug}/cfp/proposals/decide"
    back = f"/manage/{event.slug}/cfp/proposals?state=submitted"
    response = client.post(
        url,
        data={"proposals": [one.public_id, two.public_id], "outcome": "waitlisted", "back": back},
    )
    assert response.status_code == 302
    assert response.location == back
    assert "2 proposals marked" in client.get(back).text
    assert (one.pending_decision, two.pending_decision, other.pending_decision) == (
        "waitlisted",
        "waitlisted",
        None,
    )
    assert audit_actions(one) == ["decision.set"]

    client.post(url, data={"proposals": [one.public_id], "outcome": "undo"})
    assert one.pending_decision is None
    assert two.pending_decision == "waitlisted"
    assert audit_actions(one) == ["decision.set", "decision.undo"]


def test_bulk_decide_is_all_or_nothing(committee):
    client, event, _organizer = committee
    fresh = make_proposal(event)
    decided = make_proposal(event, state=ProposalState.REJECTED, title="Already rejected")
    client.post(
        f"/manage/{event.slug}/cfp/proposals/decide",
        data={"proposals": [fresh.public_id, decided.public_id], "outcome": "accepted"},
    )
    assert fresh.pending_decision is None
    assert decided.pending_decision is None
    html = client.get(f"/manage/{event.slug}/cfp/proposals").text
    assert "its decision cannot be changed now" in html
    response = client.post(f"/manage/{event.slug}/cfp/proposals/decide", data={"outcome": "undo"})
    assert response.status_code == 302
    assert "Select at least one proposal" in client.get(response.location).text


def publish_data(event, expected: str | None = None) -> dict[str, str]:
    """The publish form as the preview filled it in (or with a stale `expected`)."""
    day = (utcnow() + dt.timedelta(days=10)).date()
    fingerprint = decisions.pending_fingerprint(event) if expected is None else expected
    return {"respond_on": day.isoformat(), "respond_at": "18:00", "expected": fingerprint}


def test_publish_round_sends_the_mails_and_the_speaker_can_confirm(app, committee, mailbox):
    client, event, _organizer = committee
    speaker = make_user(name="Sam Speaker")
    proposal = make_proposal(event, speaker, title="Robust kernels")
    other = make_proposal(event, title="Maybe later")
    client.post(
        f"/manage/{event.slug}/cfp/proposals/{proposal.public_id}/decide",
        data={"outcome": "accepted"},
    )
    client.post(
        f"/manage/{event.slug}/cfp/proposals/{other.public_id}/decide",
        data={"outcome": "rejected"},
    )
    url = f"/manage/{event.slug}/cfp/decisions/publish"
    preview = client.get(url)
    assert preview.status_code == 200
    assert "Accepted: Robust kernels" in preview.text
    assert speaker.email in preview.text
    fingerprint = decisions.pending_fingerprint(event)
    assert f'name="expected" type="hidden" value="{fingerprint}"' in preview.text
    assert mailbox.messages == []  # a preview sends nothing

    response = client.post(url, data=publish_data(event))
    assert response.status_code == 302
    assert response.location == f"/manage/{event.slug}/cfp/decisions"
    assert "2 mails queued" in client.get(response.location).text
    assert proposal.state == ProposalState.ACCEPTED
    assert proposal.respond_by is not None
    message = mailbox.last(speaker.email)
    assert message["Subject"] == "Accepted: Robust kernels"
    link = mailbox.link(message, f"/{event.slug}/cfp/proposals/{proposal.public_id}/respond")

    speaker_client = app.test_client()
    login_as(speaker_client, speaker)
    assert speaker_client.get(link).status_code == 200
    response = speaker_client.post(link, data={"confirm": "Yes, I will give it"})
    assert response.status_code == 302
    db.session.refresh(proposal)
    assert proposal.state == ProposalState.CONFIRMED


def test_publish_refuses_a_stale_preview(committee, mailbox):
    client, event, _organizer = committee
    first, second = make_proposal(event), make_proposal(event)
    first.pending_decision = "accepted"
    second.pending_decision = "rejected"
    db.session.flush()
    seen = decisions.pending_fingerprint(event)
    first.pending_decision, second.pending_decision = "rejected", "accepted"  # swapped since
    db.session.flush()
    url = f"/manage/{event.slug}/cfp/decisions/publish"
    response = client.post(url, data=publish_data(event, seen))
    assert response.status_code == 409
    assert "Decisions changed since you opened the preview" in response.text
    now_seen = decisions.pending_fingerprint(event)
    assert f'name="expected" type="hidden" value="{now_seen}"' in response.text  # preview again
    assert first.state == ProposalState.SUBMITTED
    assert mailbox.messages == []


def test_publish_rejects_a_past_deadline_and_keeps_the_input(committee, mailbox):
    client, event, _organizer = committee
    make_proposal(event).pending_decision = "accepted"
    data = {**publish_data(event), "respond_on": "2020-01-01"}
    response = client.post(f"/manage/{event.slug}/cfp/decisions/publish", data=data)
    assert response.status_code == 400
    assert "must be in the future" in response.text
    assert 'value="2020-01-01"' in response.text
    assert mailbox.messages == []


def test_waitlist_promotion_then_publish(committee, mailbox):
    client, event, _organizer = committee
    speaker = make_user()
    proposal = make_proposal(event, speaker, state=ProposalState.WAITLISTED, title="Waiting")
    page = client.get(f"/manage/{event.slug}/cfp/decisions").text
    assert "Promote" in page
    response = client.post(
        f"/manage/{event.slug}/cfp/proposals/{proposal.public_id}/decide",
        data={"outcome": "accepted", "back": f"/manage/{event.slug}/cfp/decisions"},
    )
    assert response.location == f"/manage/{event.slug}/cfp/decisions"
    assert proposal.pending_decision == "accepted"
    assert "To accept (1)" in client.get(response.location).text
    client.post(f"/manage/{event.slug}/cfp/decisions/publish", data=publish_data(event))
    assert proposal.state == ProposalState.ACCEPTED
    assert mailbox.last(speaker.email)["Subject"] == "Accepted: Waiting"


def test_reminders_are_sent_once(committee, mailbox):
    client, event, _organizer = committee
    speaker, relaxed = make_user(), make_user()
    soon = make_proposal(event, speaker, state=ProposalState.ACCEPTED, title="Soon")
    soon.respond_by = utcnow() + dt.timedelta(days=2)
    later = make_proposal(event, relaxed, state=ProposalState.ACCEPTED, title="Later")
    later.respond_by = utcnow() + dt.timedelta(days=10)
    page = client.get(f"/manage/{event.slug}/cfp/decisions").text
    assert "Send reminders now" in page and "Soon" in page and "Later" in page
    url = f"/manage/{event.slug}/cfp/decisions/remind"
    response = client.post(url)
    assert response.status_code == 302
    assert "1 reminder sent" in client.get(response.location).text
    deadline = soon.respond_by.astimezone(event_zone(event))
    assert [m["Subject"] for m in mailbox.messages] == [
        f"Action required: confirm “Soon” by {deadline:%Y-%m-%d %H:%M} ({event.timezone})"
    ]
    client.post(url)
    assert len(mailbox.messages) == 1
    assert mailbox.to(relaxed.email) == []


def event_zone(event):
    from zoneinfo import ZoneInfo

    return ZoneInfo(event.timezone)


# One proposal --------------------------------------------------------------------------------


def test_proposal_page_shows_everything_and_its_forms_work(committee):
    client, event, _organizer = committee
    speaker = make_user(name="Bea Speaker")
    proposal = make_proposal(event, speaker, title="Graphs", abstract="Bea Speaker studies.")
    db.session.add(
        SpeakerProfile(
            event_id=event.id,
            user_id=speaker.id,
            bio="Bea *studies* graphs.",
            affiliation="Uni Lisboa",
            updated_at=NOW,
        )
    )
    reviewer = make_user(name="Rui Reviewer")
    add_review(proposal, reviewer, 4, comment="Solid.", note_to_speaker="Add examples.")
    conflicted = make_user(name="Carla Conflicted")
    grant_role(conflicted, event, EventRoleName.REVIEWER)
    db.session.add(
        ProposalInterest(
            proposal_id=proposal.id, user_id=conflicted.id, reason="Co-author", created_at=NOW
        )
    )
    url = f"/manage/{event.slug}/cfp/proposals/{proposal.public_id}"
    html = client.get(url).text
    for text in (
        "Declared conflicts of interest",
        'Carla Conflicted: <span class="pre-line">Co-author</span>',
        "Bea <em>studies</em> graphs.",
        "Uni Lisboa",
        "Rui Reviewer",
        "7.5 of 10",
        "Solid.",
        "Add examples.",
        "may name a speaker",
        "bea speaker",
        "empty to show the speaker",
        "nothing is sent until a round is published",
    ):
        assert text in html, text

    response = client.post(url + "/assign", data={"reviewer": conflicted.id})
    assert response.status_code == 400
    assert "declared a conflict of interest" in response.text
    # The abstract names the speaker: nobody is assigned until an organizer redacts it.
    response = client.post(url + "/assign", data={"reviewer": reviewer.id})
    assert response.status_code == 409
    assert "may name its speaker" in response.text
    client.post(url + "/redact", data={"title": "Graphs", "abstract": "A person studies."})
    response = client.post(url + "/assign", data={"reviewer": reviewer.id})
    assert response.status_code == 302
    assert "Rui Reviewer is assigned" in client.get(response.location).text
    client.post(url + f"/reviewers/{reviewer.id}/unassign")
    assert "Nobody is assigned yet" in client.get(url).text

    client.post(url + "/tags", data={"tags": "industry, needs mentor ,"})
    assert [t.name for t in proposal.tags] == ["industry", "needs mentor"]
    db.session.refresh(proposal)
    assert proposal.redacted_title is None  # same as the speaker's: cleared
    assert proposal.redacted_abstract == "A person studies."
    response = client.post(url + "/redact", data={"title": "t" * 201})
    assert response.status_code == 400
    assert "at most 200" in response.text

    history = client.get(url).text
    assert "proposal.tags" in history and "review.redact" in history
    assert "Olga Organizer" in history


def test_cancel_goes_through_a_confirmation(committee, mailbox):
    client, event, _organizer = committee
    speaker = make_user()
    proposal = make_proposal(event, speaker, state=ProposalState.CONFIRMED)
    url = f"/manage/{event.slug}/cfp/proposals/{proposal.public_id}/cancel"
    assert "Cancel the session" in client.get(url).text
    assert proposal.state == ProposalState.CONFIRMED
    response = client.post(url)
    assert response.status_code == 302
    assert proposal.state == ProposalState.CANCELLED
    assert len(mailbox.to(speaker.email)) == 1


def test_unknown_and_draft_proposals_are_404(committee):
    client, event, _organizer = committee
    draft = make_proposal(event, state=ProposalState.DRAFT)
    assert client.get(f"/manage/{event.slug}/cfp/proposals/nope").status_code == 404
    assert client.get(f"/manage/{event.slug}/cfp/proposals/{draft.public_id}").status_code == 404


# Reviewers and ranking --------------------------------------------------------------------------


def test_auto_assign_via_the_page(committee):
    client, event, _organizer = committee
    ann, bob = make_user(name="Ann"), make_user(name="Bob")
    for reviewer in (ann, bob):
        grant_role(reviewer, event, EventRoleName.REVIEWER)
    make_proposal(event, title="First")
    make_proposal(event, title="Second")
    url = f"/manage/{event.slug}/cfp/reviewers"
    page = client.get(url).text
    assert 'value="2"' in page  # the call's setting
    assert f"/manage/{event.slug}/team" in page

    response = client.post(url + "/assign", data={"per_proposal": "2"})
    assert response.status_code == 302
    html = client.get(response.location).text
    assert "4 assignments created" in html
    assert "Each reviewer now has 2\N{EN DASH}2 proposals" in html
    assert re.search(r"<th scope=\"row\">Ann</th>\s*<td>2</td>\s*<td>0</td>", html)

    html = client.get(client.post(url + "/assign", data={"per_proposal": "3"}).location).text
    assert "0 assignments created" in html
    assert "2 proposals could not get 3 reviewers: First; Second" in html

    response = client.post(url + "/assign", data={"per_proposal": "30"})
    assert response.status_code == 400
    assert "Choose from 1 to 20" in response.text


def test_ranking_marks_disagreement_and_changes(committee):
    client, event, _organizer = committee
    one, two = make_user(), make_user()
    split = make_proposal(event, title="Split opinions")
    agreed = make_proposal(event, title="Everybody agrees")
    add_review(split, one, 5)
    add_review(split, two, 1)
    add_review(agreed, one, 4, proposal_version=0)
    add_review(agreed, two, 4)
    html = client.get(f"/manage/{event.slug}/cfp/ranking").text
    assert html.count("Reviewers disagree") == 1
    assert html.count("Changed after review") == 1
    split_row = html[html.index("<tr", html.index("Split opinions") - 400) :]
    assert "row--disagree" in html[: html.index("Split opinions")].rsplit("<tr", 1)[1]
    assert "Reviewers disagree" in split_row[: split_row.index("</tr>")]
    assert "Normalised" in html and "harsh and generous" in html


def test_every_committee_form_needs_its_csrf_token(app, committee):
    client, event, _organizer = committee
    proposal = make_proposal(event)
    values = {
        "event_slug": event.slug,
        "public_id": proposal.public_id,
        "reviewer_id": 1,
        "question_id": 1,
    }
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        for rule in app.url_map.iter_rules():
            if rule.endpoint.startswith("cfp_decisions.") and "POST" in rule.methods:
                url = rule.build({k: v for k, v in values.items() if k in rule.arguments})[1]
                response = client.post(url, data={"outcome": "accepted", "tags": "x"})
                assert response.status_code == 400, url
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert proposal.pending_decision is None
    assert proposal.tags == []


def test_decide_and_send_now_mails_one_proposal_and_leaves_the_rest_pending(committee, mailbox):
    """Issue 16: the familiar flow beside the rounds. One proposal decided and its speaker
    mailed at once (a round of one); another written-down decision stays pending."""
    client, event, _organizer = committee
    speaker = make_user(name="Sam Speaker")
    proposal = make_proposal(event, speaker, title="Robust kernels")
    waiting = make_proposal(event, title="Written down")
    client.post(
        f"/manage/{event.slug}/cfp/proposals/{waiting.public_id}/decide",
        data={"outcome": "rejected"},
    )
    page = client.get(f"/manage/{event.slug}/cfp/proposals/{proposal.public_id}")
    assert "Decide and send the mail now" in page.text and "Two ways to decide." in page.text

    day = (utcnow() + dt.timedelta(days=10)).date().isoformat()
    response = client.post(
        f"/manage/{event.slug}/cfp/proposals/{proposal.public_id}/send-now",
        data={"outcome": "accepted", "respond_on": day, "respond_at": "18:00"},
    )
    assert response.status_code == 302
    assert "its mail to the speakers is queued" in client.get(response.location).text
    db.session.refresh(proposal)
    assert proposal.state == ProposalState.ACCEPTED and proposal.pending_decision is None
    assert proposal.respond_by is not None
    assert mailbox.last(speaker.email)["Subject"] == "Accepted: Robust kernels"
    assert waiting.pending_decision == "rejected" and waiting.state == ProposalState.SUBMITTED
    [only] = decisions.rounds(event)
    assert (only.accepted, only.rejected, only.waitlisted) == (1, 0, 0)


def test_decide_and_send_now_refuses_a_past_deadline_and_sends_nothing(committee, mailbox):
    client, event, _organizer = committee
    proposal = make_proposal(event, title="Too late")
    response = client.post(
        f"/manage/{event.slug}/cfp/proposals/{proposal.public_id}/send-now",
        data={"outcome": "accepted", "respond_on": "2020-01-01", "respond_at": "18:00"},
    )
    assert response.status_code == 400
    assert "The confirmation deadline must be in the future." in response.text
    db.session.refresh(proposal)
    assert proposal.state == ProposalState.SUBMITTED and proposal.pending_decision is None
    assert mailbox.messages == []


def test_a_waitlisted_proposal_does_not_read_as_undecided(committee):
    """The waiting list is a published decision: its page says so, and what is left to do,
    instead of "No decision yet" (found by the organizer's journey, tests/e2e/test_journeys.py)."""
    client, event, _organizer = committee
    proposal = make_proposal(event, make_user(), state=ProposalState.WAITLISTED)
    page = client.get(f"/manage/{event.slug}/cfp/proposals/{proposal.public_id}").text
    assert "No decision yet" not in page
    assert "On the waiting list: its speakers were told." in page
    assert "Promote: accept" in page
