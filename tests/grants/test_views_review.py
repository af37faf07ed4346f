"""The grants committee's pages: the review form, conflicts, the ranking, access, constant
queries, and the anonymity walk over every `grant_review.*` GET route."""

from __future__ import annotations

import io
import itertools
import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from organizer.enums import EventRoleName, GrantState, QuestionKind
from organizer.extensions import db
from organizer.models import (
    GrantAnswer,
    GrantCriterion,
    GrantInterest,
    GrantQuestion,
    GrantReview,
    OutboxMessage,
)
from organizer.services import uploads
from organizer.services.grants import review
from tests.documents import make_pdf, readable
from tests.factories import (
    NOW,
    grant_role,
    login_as,
    make_application,
    make_cfp,
    make_event,
    make_programme,
    make_proposal,
    make_user,
)
from tests.privacy import leaks


@dataclass
class Person:
    name: str
    email: str
    affiliation: str
    role: str
    proposal_title: str


PEOPLE = [
    Person(
        name="Zebulon Quartermaine",
        email="zebulon.quartermaine@quartermaine-lab.example",
        affiliation="Instituto Xochicalco de Briología",
        role="Chief Moss Counter",
        proposal_title="Counting mosses at Xochicalco with few labels",
    ),
    Person(
        name="Philippa Okonkwo-Brandt",
        email="pob@brandtworks.example",
        affiliation="Brandtworks Collective",
        role="Lighthouse Keeper Emerita",
        proposal_title="Okonkwo-Brandt tide tables, revisited",
    ),
]
PRONOUNS = "fae/faer"
HIDDEN_ANSWER = "Dietary needs of Mx Quartermaine: none"
SHOWN_ANSWER = "I maintain an open speech corpus."


def forbidden_terms() -> list[str]:
    terms = [HIDDEN_ANSWER, PRONOUNS]
    for person in PEOPLE:
        terms += [
            person.name,
            *person.name.split(),
            person.email,
            person.email.partition("@")[0],
            person.affiliation,
            person.role,
            person.proposal_title,
        ]
    terms += ["quartermaine-lab", "brandtworks"]
    return sorted({t.lower() for t in terms})


class World:
    def __init__(self, *, anonymous: bool = True):
        self.organizer = make_user(name="Olga Organizer")
        self.event = make_event(organizer=self.organizer)
        make_cfp(self.event)
        self.programme = make_programme(
            self.event, anonymous_review=anonymous, budget=100_000, category_caps={}
        )
        self.criteria = list(
            db.session.scalars(
                select(GrantCriterion)
                .where(GrantCriterion.programme_id == self.programme.id)
                .order_by(GrantCriterion.position)
            )
        )
        self.reviewer = make_user(name="Rita Reviewer", email="rita.reviewer@example.org")
        grant_role(self.reviewer, self.event, EventRoleName.GRANT_REVIEWER)
        self.colleague = make_user(name="Colin Colleague")
        grant_role(self.colleague, self.event, EventRoleName.GRANT_REVIEWER)
        shown = GrantQuestion(
            programme_id=self.programme.id, text="Open-source work?", kind=QuestionKind.TEXT
        )
        hidden = GrantQuestion(
            programme_id=self.programme.id,
            text="Dietary needs?",
            kind=QuestionKind.TEXT,
            visible_to_reviewers=False,
            position=1,
        )
        letter = GrantQuestion(
            programme_id=self.programme.id,
            text="Support letter",
            kind=QuestionKind.FILE,
            file_kinds=["pdf"],
            position=2,
        )
        db.session.add_all([shown, hidden, letter])
        db.session.flush()
        self.question_ids = [shown.id, hidden.id, letter.id]
        self.letter = letter
        self.applications = []
        for n, person in enumerate(PEOPLE):
            user = make_user(name=person.name, email=person.email)
            user.pronouns = PRONOUNS
            proposal = make_proposal(self.event, user, title=person.proposal_title)
            application = make_application(
                self.programme,
                user,
                requested={"travel": 40_000 + n * 10_000, "lodging": 20_000},
                affiliation=person.affiliation,
                role=person.role,
                presenting=True,
                proposal_id=proposal.id,
                city="Kumasi" if n == 0 else "Tórshavn",
                country="GH" if n == 0 else "FO",
            )
            # The letter's text is neutral; its metadata and its name are not.
            letter_upload = uploads.store(
                stream=io.BytesIO(
                    make_pdf(
                        ["To the committee: this applicant maintains a speech corpus."],
                        author=person.name,
                        creator=f"Microsoft Word for {person.email}",
                        xmp_creator=person.name,
                        comment_author=person.name,
                    )
                ),
                filename=f"{person.name.replace(' ', '-')}-letter.pdf",
                field="letter",
                allowed=["pdf"],
                max_kb=200,
                owner=user,
                event=self.event,
                now=NOW,
            )
            db.session.add_all(
                [
                    GrantAnswer(application=application, question=shown, value=SHOWN_ANSWER),
                    GrantAnswer(application=application, question=hidden, value=HIDDEN_ANSWER),
                    GrantAnswer(application=application, question=letter, upload=letter_upload),
                ]
            )
            self.applications.append(application)
        self.scored, self.conflicted = self.applications
        db.session.flush()
        for application in self.applications:
            self.review(application, self.colleague, 4, comment="Clear need.")
        self.review(self.scored, self.reviewer, 3, recommended_amount=50_000)
        review.declare_interest(
            actor=self.reviewer, application=self.conflicted, reason="", now=NOW
        )
        db.session.flush()

    def review(self, application, reviewer, score, **fields):
        return review.save_review(
            actor=reviewer,
            application=application,
            scores={c.id: score for c in self.criteria},
            comment=fields.pop("comment", ""),
            recommended_amount=fields.pop("recommended_amount", None),
            abstain=False,
            now=NOW,
        )

    @property
    def base(self):
        return f"/review/{self.event.slug}/grants"

    def url(self, application, suffix=""):
        return f"{self.base}/applications/{application.public_id}{suffix}"


def grant_review_urls(app, world: World) -> list[str]:
    """Every GET route of the grant_review blueprint, with every value its parameters take."""
    values = {
        "event_slug": [world.event.slug],
        "programme_public_id": [world.programme.public_id],
        "public_id": [a.public_id for a in world.applications],
        "question_id": [str(q) for q in world.question_ids],
    }
    urls = []
    endpoints = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("grant_review.") or "GET" not in rule.methods:
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
    assert endpoints == {
        "grant_review.index",
        "grant_review.applications",
        "grant_review.application",
        "grant_review.conflict",
        "grant_review.ranking",
        "grant_review.file",
    }
    return urls


# Anonymity -----------------------------------------------------------------------------------


def test_no_committee_page_names_an_applicant_when_review_is_anonymous(app, client):
    world = World(anonymous=True)
    terms = forbidden_terms()
    login_as(client, world.reviewer)
    checked = {}
    for url in [*grant_review_urls(app, world), f"{world.base}/{world.programme.public_id}?page=2"]:
        with client.get(url, follow_redirects=True) as response:
            # Files: only the visible question's, and not the conflicted application's.
            assert response.status_code == (404 if "/files/" in url else 200) or (
                url == world.url(world.scored, f"/files/{world.letter.id}")
                and response.status_code == 200
            ), (url, response.status_code)
            assert not leaks(response, terms), (url, leaks(response, terms))
            checked[url] = response.status_code
    with client.get(world.url(world.scored, f"/files/{world.letter.id}")) as response:
        assert response.mimetype == "application/pdf"
        assert "this applicant maintains a speech corpus" in readable(
            response.data, "application/pdf"
        )
    # What the committee does see: where from, what for, the visible answers.
    page = client.get(world.url(world.scored)).text
    assert "Kumasi, Ghana" in page and SHOWN_ANSWER in page
    assert "€400.00" in page and "€600.00" in page
    assert "Clear need." in page  # others' reviews after my own
    assert review.reference(world.scored) in page

    # Pages rendered after a POST (an error, a confirmation) do not leak either.
    for url, data, status in [
        (world.url(world.scored), {"comment": "No scores"}, 400),
        (world.url(world.scored), {"recommended_amount": "-5", "abstain": ""}, 400),
        (world.url(world.scored, "/conflict"), {"action": "declare", "reason": "x" * 400}, 400),
        (world.url(world.scored), {"abstain": "y"}, 200),
        (world.url(world.conflicted, "/conflict"), {"action": "withdraw"}, 200),
    ]:
        response = client.post(url, data=data, follow_redirects=True)
        assert response.status_code == status, (url, response.status_code)
        assert not leaks(response, terms), (url, leaks(response, terms))
    assert not db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == world.reviewer.email)
    ).all()


def test_the_leak_test_can_fail_names_show_when_review_is_not_anonymous(app, client):
    world = World(anonymous=False)
    login_as(client, world.reviewer)
    page = client.get(world.url(world.scored)).text
    person = PEOPLE[0]
    for term in (person.name, person.affiliation, person.role, person.proposal_title):
        assert term in page
    assert HIDDEN_ANSWER not in page and person.email not in page
    ranking = client.get(f"{world.base}/{world.programme.public_id}/ranking").text
    assert person.name in ranking


def test_the_walk_reaches_every_application(app):
    world = World()
    urls = grant_review_urls(app, world)
    for application in world.applications:
        assert world.url(application) in urls
        assert world.url(application, "/conflict") in urls


# Reviewing -----------------------------------------------------------------------------------


def test_reviewing_with_scores_comment_and_a_recommended_amount(client):
    world = World()
    target = world.conflicted
    review.withdraw_interest(actor=world.reviewer, application=target, now=NOW)
    login_as(client, world.reviewer)
    page = client.get(world.url(target)).text
    assert "Other reviews appear here once you have reviewed" in page
    assert "Clear need." not in page
    data = {c_name: "4" for c_name in (f"score-{c.id}" for c in world.criteria)}
    response = client.post(
        world.url(target),
        data={**data, "comment": "Good case", "recommended_amount": "450.50"},
    )
    assert response.status_code == 302
    saved = db.session.scalars(
        select(GrantReview).where(
            GrantReview.application_id == target.id, GrantReview.reviewer_id == world.reviewer.id
        )
    ).one()
    assert saved.recommended_amount == 45_050 and saved.comment == "Good case"
    assert sorted(s.score for s in saved.scores) == [4, 4]
    page = client.get(world.url(target)).text
    assert 'value="450.50"' in page and "Clear need." in page and "€450.50" in page


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("abc", "Enter a number"),
        ("-3", "zero or more"),
        ("12.345", "decimal places"),
        ("700", "at most what was requested"),
    ],
)
def test_bad_recommended_amounts_keep_the_input(client, amount, message):
    world = World()
    login_as(client, world.reviewer)
    data = {f"score-{c.id}": "2" for c in world.criteria}
    response = client.post(
        world.url(world.scored),
        data={**data, "comment": "Keep me", "recommended_amount": amount},
    )
    assert response.status_code == 400
    assert message.lower() in response.text.lower()
    assert "Keep me" in response.text and f'value="{amount}"' in response.text
    assert 'aria-invalid="true"' in response.text


def test_missing_scores_are_errors_next_to_the_criterion(client):
    world = World()
    login_as(client, world.reviewer)
    response = client.post(world.url(world.scored), data={"comment": "x"})
    assert response.status_code == 400
    assert f'href="#score-{world.criteria[0].id}-0"' in response.text
    assert "Give a score for “Need”" in response.text


def test_conflict_pages_declare_and_withdraw(client):
    world = World()
    login_as(client, world.reviewer)
    url = world.url(world.scored, "/conflict")
    page = client.get(url).text
    assert "Declare the conflict" in page
    response = client.post(url, data={"action": "declare", "reason": "A former student"})
    assert response.status_code == 302
    conflict = db.session.scalars(
        select(GrantInterest).where(GrantInterest.application_id == world.scored.id)
    ).one()
    assert conflict.reason == "A former student"
    page = client.get(world.url(world.scored)).text
    assert "You declared a conflict of interest" in page and "Clear need." not in page
    assert "Withdraw my declaration" in client.get(url).text
    assert client.post(url, data={"action": "withdraw"}).status_code == 302
    assert review.interests_of(world.programme, world.reviewer) == {world.conflicted.id}


def test_the_ranking_shows_the_budget_line(client):
    world = World()  # budget 1,000.00: 600 + 700 requested
    login_as(client, world.organizer)
    page = client.get(f"{world.base}/{world.programme.public_id}/ranking").text
    assert "The budget of €1,000.00 runs out here." in page
    assert "After rank 1 of 2." in page
    assert page.count("Within budget") == 1 and page.count("Over budget") == 1
    assert page.index("Within budget") < page.index("runs out here") < page.index("Over budget")
    assert "€500.00" in page  # the recommended amount


def test_index_shows_my_progress(client):
    world = World()
    login_as(client, world.reviewer)
    page = client.get(f"/review/{world.event.slug}/grants").text
    assert world.programme.name in page and "1 of 2" in page


# Access ----------------------------------------------------------------------------------------


def test_only_the_committee_gets_in_and_nobody_reviews_their_own(client):
    world = World()
    applicant = world.scored.applicant
    login_as(client, applicant)
    assert client.get(f"/review/{world.event.slug}/grants").status_code == 403
    assert client.get(world.url(world.scored)).status_code == 403
    # A grant reviewer who applied sees their own application listed but cannot open it.
    grant_role(applicant, world.event, EventRoleName.GRANT_REVIEWER)
    login_as(client, applicant)
    assert client.get(world.url(world.scored)).status_code == 404
    assert client.get(world.url(world.scored, "/conflict")).status_code == 404
    listing = client.get(f"{world.base}/{world.programme.public_id}").text
    assert world.url(world.scored) not in listing and world.url(world.conflicted) in listing
    # Drafts and withdrawn applications, and other events' programmes: not found.
    draft = make_application(world.programme, state=GrantState.DRAFT)
    assert client.get(world.url(draft)).status_code == 404
    other = make_event(organizer=make_user())
    elsewhere = make_programme(other)
    assert client.get(f"{world.base}/{elsewhere.public_id}").status_code == 404
    assert client.get(f"{world.base}/{elsewhere.public_id}/ranking").status_code == 404


def test_lists_run_a_constant_number_of_queries(client, assert_constant_queries):
    world = World()
    login_as(client, world.reviewer)

    def grow():
        for _ in range(3):
            application = make_application(world.programme, make_user())
            world.review(application, world.colleague, 3, recommended_amount=100)
            world.review(application, world.reviewer, 2)
            review.declare_interest(
                actor=world.reviewer,
                application=make_application(world.programme),
                reason="",
                now=NOW,
            )

    assert_constant_queries(
        [
            f"/review/{world.event.slug}/grants",
            f"{world.base}/{world.programme.public_id}",
            f"{world.base}/{world.programme.public_id}/ranking",
        ],
        grow,
    )
