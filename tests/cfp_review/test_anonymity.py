"""Anonymous review: no page, header, download or mail a reviewer gets names a speaker.

The walk enumerates the review blueprint's routes from the URL map, so a new reviewer-facing
page is checked as soon as it exists (a route with a parameter this test cannot fill fails the
test, so that it gets taught).
"""

from __future__ import annotations

import io
import itertools
import re
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from organizer.enums import EventRoleName, ProposalState, QuestionKind, SpeakerRole
from organizer.extensions import db
from organizer.models import (
    Answer,
    OutboxMessage,
    Proposal,
    ProposalSpeaker,
    ReviewAssignment,
    ReviewCriterion,
    SpeakerProfile,
    User,
)
from organizer.services import uploads
from organizer.services.cfp import reviews
from organizer.services.reviewing import redaction
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
from tests.privacy import leaks

PDF = make_pdf(["Nothing identifying in here"])
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@dataclass
class Speaker:
    name: str
    email: str
    bio: str
    affiliation: str
    handle: str
    website: str
    pronouns: str


SPEAKERS = [
    Speaker(
        name="Zebulon Quartermaine",
        email="zebulon.quartermaine@quartermaine-lab.example",
        bio="Bio: grew up in Oaxaca, now counts mosses in wet forests.",
        affiliation="Instituto Xochicalco de Briología",
        handle="@zquartermaine@mastodon.example",
        website="https://zq-homepage.example/about",
        pronouns="ze/zir",
    ),
    Speaker(
        name="Philippa Okonkwo-Brandt",
        email="pob@brandtworks.example",
        bio="Bio: former lighthouse keeper on Skellig Michael.",
        affiliation="Brandtworks Collective",
        handle="@okonkwobrandt",
        website="https://okonkwo-brandt.example",
        pronouns="fae/faer",
    ),
    Speaker(
        name="Ignatius Vanterpool",
        email="ignatius@vanterpool-family.example",
        bio="Bio: keeps bees on a Tórshavn rooftop.",
        affiliation="Faroe Apiary Institute",
        handle="@vanterpool@fosstodon.example",
        website="https://vanterpool.example",
        pronouns="xe/xem",
    ),
]
PENDING_EMAIL = "not-yet-accepted@hidden-coauthor.example"
NOTES = "Notes to organizers: I am the author of the famous Quartermaine dataset"
HIDDEN_ANSWER = "Dietary needs of Mx Quartermaine: none"
SLIDES_NAME = "zebulon-quartermaine-slides.pdf"
PHOTO_NAME = "quartermaine-portrait.png"
LEAKY_ABSTRACT = "We extend Okonkwo-Brandt (2024), our own earlier method, to tide tables."
REDACTED_ABSTRACT = "We extend [redacted] (2024), an earlier method, to tide tables."
LEAKY_TITLE = "Okonkwo-Brandt's tide model, revisited"
REDACTED_TITLE = "A tide model, revisited"


def forbidden_terms(photo_ids: list[str]) -> list[str]:
    terms: list[str] = [PENDING_EMAIL, NOTES, HIDDEN_ANSWER, SLIDES_NAME, PHOTO_NAME, *photo_ids]
    for speaker in SPEAKERS:
        terms += [
            speaker.name,
            *speaker.name.split(),
            speaker.email,
            speaker.email.partition("@")[0],
            speaker.bio,
            speaker.bio.removeprefix("Bio: "),
            speaker.affiliation,
            speaker.handle,
            speaker.handle.lstrip("@").partition("@")[0],
            speaker.website,
            speaker.pronouns,
        ]
    terms += ["zebulon-quartermaine", "quartermaine-lab", "Oaxaca", "Skellig", "Tórshavn"]
    return sorted({t.lower() for t in terms if t})


@dataclass
class World:
    event: object
    organizer: User
    reviewer: User
    speakers: list[User]
    proposals: list[Proposal]
    neutral: Proposal
    redacted: Proposal
    file_question_id: int
    question_ids: list[int]
    photo_ids: list[str] = field(default_factory=list)


def build_world(*, anonymous: bool) -> World:
    organizer = make_user(name="Olga Organizer")
    event = make_event(organizer=organizer)
    make_cfp(event, anonymous_review=anonymous)
    criterion = db.session.scalars(
        select(ReviewCriterion).where(ReviewCriterion.event_id == event.id)
    ).one()
    reviewer = make_user(name="Rita Reviewer", email="rita.reviewer@example.org")
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    colleague = make_user(name="Colin Colleague")
    grant_role(colleague, event, EventRoleName.REVIEWER)

    users = []
    photo_ids = []
    for n, speaker in enumerate(SPEAKERS):
        user = make_user(name=speaker.name, email=speaker.email)
        user.pronouns = speaker.pronouns
        photo = uploads.store(
            stream=io.BytesIO(PNG),
            filename=PHOTO_NAME if n == 0 else f"photo-{n}.png",
            field="photo",
            allowed=uploads.PHOTO_KINDS,
            max_kb=100,
            owner=user,
            event=event,
            now=NOW,
        )
        photo_ids.append(photo.public_id)
        db.session.add(
            SpeakerProfile(
                event_id=event.id,
                user_id=user.id,
                bio=speaker.bio,
                pronouns=speaker.pronouns,
                affiliation=speaker.affiliation,
                handle=speaker.handle,
                website=speaker.website,
                photo=photo,
                availability={},
                updated_at=NOW,
            )
        )
        users.append(user)
    zebulon, philippa, ignatius = users

    neutral = make_proposal(
        event,
        zebulon,
        co_speakers=(ignatius,),
        title="Counting mosses with few labels",
        abstract="Semi-supervised counting for **field surveys**.",
        description="## Plan\nWe compare three estimators.",
        notes=NOTES,
        level="intermediate",
    )
    neutral.speakers.append(
        ProposalSpeaker(user=None, email=PENDING_EMAIL, role=SpeakerRole.CO_SPEAKER, invited_at=NOW)
    )
    redacted = make_proposal(
        event,
        philippa,
        title=LEAKY_TITLE,
        abstract=LEAKY_ABSTRACT,
        description="Based on Philippa Okonkwo-Brandt's thesis.",
        track=track(event, "Applications"),
    )
    decided = make_proposal(
        event, ignatius, title="Bees and transformers", state=ProposalState.ACCEPTED
    )
    redaction.set_redaction(
        actor=organizer,
        proposal=redacted,
        title=REDACTED_TITLE,
        abstract=REDACTED_ABSTRACT,
        description="Based on [redacted]'s thesis.",
        now=NOW,
    )

    shown = make_question(event, text="Which data do you use?")
    hidden = make_question(event, text="Dietary needs?", visible_to_reviewers=False)
    slides = make_question(event, text="Slides", kind=QuestionKind.FILE, file_kinds=["pdf"])
    slides_upload = uploads.store(
        stream=io.BytesIO(PDF),
        filename=SLIDES_NAME,
        field="slides",
        allowed=["pdf"],
        max_kb=100,
        owner=zebulon,
        event=event,
        now=NOW,
    )
    db.session.add_all(
        [
            Answer(proposal=neutral, question=shown, value="Public herbarium scans"),
            Answer(proposal=neutral, question=hidden, value=HIDDEN_ANSWER),
            Answer(proposal=neutral, question=slides, upload=slides_upload),
            Answer(proposal=redacted, question=slides, upload=slides_upload),
        ]
    )
    proposals = [neutral, redacted, decided]
    for proposal in proposals:
        db.session.add(ReviewAssignment(proposal=proposal, reviewer=reviewer, created_at=NOW))
    db.session.flush()
    # Others' reviews become visible once the reviewer's own is in.
    for proposal in proposals:
        reviews.save_review(
            actor=colleague,
            proposal=proposal,
            scores={criterion.id: 4},
            comment="Solid work.",
            note_to_speaker="Thanks!",
            abstain=False,
            now=NOW,
        )
    reviews.save_review(
        actor=reviewer,
        proposal=neutral,
        scores={criterion.id: 3},
        comment="Fine.",
        note_to_speaker="",
        abstain=False,
        now=NOW,
    )
    reviews.declare_interest(actor=reviewer, proposal=decided, reason="", now=NOW)
    db.session.flush()
    return World(
        event=event,
        organizer=organizer,
        reviewer=reviewer,
        speakers=users,
        proposals=proposals,
        neutral=neutral,
        redacted=redacted,
        file_question_id=slides.id,
        question_ids=[shown.id, hidden.id, slides.id],
        photo_ids=photo_ids,
    )


def review_urls(app, world: World) -> list[str]:
    """Every GET route of the review blueprint, with every value its parameters can take."""
    values = {
        "event_slug": [world.event.slug],
        "public_id": [p.public_id for p in world.proposals],
        "question_id": [str(q) for q in world.question_ids],
    }
    urls = []
    endpoints = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("cfp_review.") or "GET" not in rule.methods:
            continue
        endpoints.add(rule.endpoint)
        names = sorted(rule.arguments)
        unknown = [n for n in names if n not in values]
        assert not unknown, f"teach this test to fill {unknown} of {rule.rule}"
        for combination in itertools.product(*(values[n] for n in names)):
            url = rule.rule
            for name, value in zip(names, combination, strict=True):
                url = re.sub(rf"<(?:[^:<>]+:)?{name}>", value, url)
            urls.append(url)
    assert {
        "cfp_review.index",
        "cfp_review.proposal",
        "cfp_review.export_csv",
        "cfp_review.file",
    } <= endpoints
    return urls


def test_no_reviewer_page_names_a_speaker_when_review_is_anonymous(app, client, mailbox):
    world = build_world(anonymous=True)
    terms = forbidden_terms(world.photo_ids)
    login_as(client, world.reviewer)

    checked = {}
    for url in [*review_urls(app, world), f"/review/{world.event.slug}/proposals?page=2"]:
        with client.get(url) as response:
            assert response.status_code in (200, 302, 404), (url, response.status_code)
            assert not leaks(response, terms), (url, leaks(response, terms))
            checked[url] = response.status_code
            location = response.location
        if location:
            with client.get(location) as followed:
                assert not leaks(followed, terms), (location, leaks(followed, terms))
    # Every reviewable proposal was really shown, and its file really served.
    for proposal in world.proposals:
        assert checked[f"/review/{world.event.slug}/proposals/{proposal.public_id}"] == 200
    file_url = (
        f"/review/{world.event.slug}/proposals/{world.neutral.public_id}"
        f"/files/{world.file_question_id}"
    )
    assert checked[file_url] == 200
    assert checked[f"/review/{world.event.slug}/assigned.csv"] == 200

    # What reviewers do see: the proposal, and the organizers' redaction instead of the text.
    page = client.get(f"/review/{world.event.slug}/proposals/{world.neutral.public_id}").text
    assert "Counting mosses with few labels" in page
    assert "Semi-supervised counting for **field surveys**." in page  # plain text
    assert "Public herbarium scans" in page and "Intermediate" in page
    page = client.get(f"/review/{world.event.slug}/proposals/{world.redacted.public_id}").text
    assert REDACTED_TITLE in page and REDACTED_ABSTRACT.replace("'", "&#39;") in page
    assert LEAKY_TITLE.lower() not in page.lower()
    assert f"<title>{REDACTED_TITLE} ·" in page
    index = client.get(f"/review/{world.event.slug}/").text
    assert REDACTED_TITLE in index
    csv_text = client.get(f"/review/{world.event.slug}/assigned.csv").text
    assert REDACTED_TITLE in csv_text and REDACTED_ABSTRACT in csv_text

    # Pages rendered after a POST (an error, a confirmation) do not leak either.
    base = f"/review/{world.event.slug}/proposals/{world.redacted.public_id}"
    for url, data in [
        (base, {"comment": "No score given"}),
        (f"{base}/conflict", {"action": "declare", "reason": "x" * 400}),
        (f"/review/{world.event.slug}/preferences", {"track_ids": ["999999"]}),
    ]:
        response = client.post(url, data=data, follow_redirects=True)
        assert response.status_code == 400, url
        assert not leaks(response, terms), (url, leaks(response, terms))
    for url, data in [
        (base, {"abstain": "y"}),
        (f"{base}/conflict", {"action": "declare"}),
        (f"/review/{world.event.slug}/preferences", {}),
    ]:
        response = client.post(url, data=data, follow_redirects=True)
        assert response.status_code == 200, url
        assert not leaks(response, terms), (url, leaks(response, terms))

    # Reviewers get no mail from any of this, so no mail can carry a speaker's name to them.
    assert mailbox.to(world.reviewer.email) == []
    assert (
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.to_address == world.reviewer.email)
        ).all()
        == []
    )
    reviewer_mail = [
        m
        for m in db.session.scalars(select(OutboxMessage))
        if "rita" in (m.to_address + m.body_text).lower()
    ]
    assert reviewer_mail == []


def test_the_leak_test_can_fail_the_names_show_when_review_is_not_anonymous(app, client):
    world = build_world(anonymous=False)
    login_as(client, world.reviewer)
    page = client.get(f"/review/{world.event.slug}/proposals/{world.neutral.public_id}").text
    for speaker in (SPEAKERS[0], SPEAKERS[2]):
        assert speaker.name in page
        assert speaker.bio in page
        assert speaker.affiliation in page
    assert "ze/zir" in page
    # Redaction is for anonymous review only: the speaker's own words are shown.
    page = client.get(f"/review/{world.event.slug}/proposals/{world.redacted.public_id}").text
    assert "Okonkwo-Brandt" in page
    # Still never the notes to organizers, the hidden answers or a pending invitation.
    assert NOTES not in page and HIDDEN_ANSWER not in page and PENDING_EMAIL not in page
    with client.get(
        f"/review/{world.event.slug}/proposals/{world.neutral.public_id}"
        f"/files/{world.file_question_id}"
    ) as response:
        assert SLIDES_NAME in response.headers["Content-Disposition"]


@pytest.mark.parametrize("anonymous", [True])
def test_the_walk_covers_every_review_route(app, anonymous):
    world = build_world(anonymous=anonymous)
    urls = review_urls(app, world)
    assert any(url.endswith("/next") for url in urls)
    assert any(url.endswith("/preferences") for url in urls)
    assert any("/conflict" in url for url in urls)
