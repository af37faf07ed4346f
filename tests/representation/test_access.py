"""Nobody but the event's organizers reaches a representation page, and no page of the
review, committee or grants changes with whether an author answered the survey."""

from __future__ import annotations

import re

import pytest
from flask import url_for

from organizer.enums import EventRoleName
from organizer.services.representation import answering, survey_setup
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

PARAMS = {"question_key": "region", "option_key": "asia"}


@pytest.fixture
def organizer():
    return make_user()


@pytest.fixture
def event(organizer):
    event = make_event(organizer=organizer)
    make_cfp(event)
    survey_setup.ensure_survey(actor=organizer, event=event, now=NOW)
    return event


def representation_routes(app, event) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("representation."):
            continue
        url = rule.rule.replace("<event_slug>", event.slug)
        url = re.sub(
            r"<(?:\w+:)?(\w+)>",
            lambda m: PARAMS.get(m.group(1), "1" if "id" in m.group(1) else "x-y-z"),
            url,
        )
        routes.extend((method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"}))
    return routes


def outsiders(event):
    reviewer, grant_reviewer, applicant, other_organizer = (make_user() for _ in range(4))
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    grant_role(grant_reviewer, event, EventRoleName.GRANT_REVIEWER)
    make_proposal(event, applicant)
    make_application(make_programme(event), applicant)
    make_event(organizer=other_organizer)
    return {
        "reviewer": reviewer,
        "grant reviewer": grant_reviewer,
        "applicant": applicant,
        "organizer of another event": other_organizer,
    }


def test_only_organizers_reach_representation_routes(app, client, event, organizer):
    routes = representation_routes(app, event)
    assert len(routes) >= 8
    for method, url in routes:
        response = client.open(url, method=method)
        assert response.status_code == 302 and response.location.startswith("/login?next="), url
    for who, user in outsiders(event).items():
        login_as(client, user)
        for method, url in routes:
            status = client.open(url, method=method).status_code
            assert status in (403, 404), (who, method, url, status)
    login_as(client, organizer)
    assert client.get(f"/manage/{event.slug}/representation/setup").status_code == 200


def test_only_organizers_see_a_picked_question(client, event, organizer):
    """The overview and a picked question (the addresses organizers bookmark), with valid
    picks: the same rule as every representation route."""
    answer_survey = make_user()
    answering.save_response(
        actor=answer_survey,
        event=event,
        answers={"region": ["africa"]},
        self_described={},
        consent=True,
        response_public_id=None,
        now=NOW,
    )
    urls = [
        f"/manage/{event.slug}/representation",
        f"/manage/{event.slug}/representation/answers?question=region&stage=respondents",
        f"/manage/{event.slug}/representation/answers?question=region&stage=all",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.location.startswith("/login?next="), url
    for who, user in {**outsiders(event), "respondent": answer_survey}.items():
        login_as(client, user)
        for url in urls:
            assert client.get(url).status_code in (403, 404), (who, url)
    login_as(client, organizer)
    for url in urls:
        assert client.get(url).status_code == 200, url


def without_csrf(body: str) -> str:
    """CSRF tokens (signed, so they differ on each request) wherever a page carries them."""
    return re.sub(r'"[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}"', '"CSRF"', body)


def test_pages_render_the_same_whether_or_not_the_author_answered(client, event, organizer):
    speaker = make_user()
    proposal = make_proposal(event, speaker)
    reviewer, grant_reviewer = make_user(), make_user()
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    grant_role(grant_reviewer, event, EventRoleName.GRANT_REVIEWER)
    application = make_application(make_programme(event), speaker)
    pages = [
        (
            reviewer,
            url_for("cfp_review.proposal", event_slug=event.slug, public_id=proposal.public_id),
        ),
        (
            organizer,
            url_for("cfp_decisions.proposal", event_slug=event.slug, public_id=proposal.public_id),
        ),
        (organizer, url_for("cfp_decisions.export_csv", event_slug=event.slug)),
        (
            grant_reviewer,
            url_for(
                "grant_review.application", event_slug=event.slug, public_id=application.public_id
            ),
        ),
    ]

    def render() -> list[str]:
        bodies = []
        for user, url in pages:
            login_as(client, user)
            response = client.get(url)
            assert response.status_code == 200, url
            bodies.append(without_csrf(response.get_data(as_text=True)))
        return bodies

    before = render()
    answering.save_response(
        actor=speaker,
        event=event,
        answers={"gender_identity": ["woman"], "region": ["africa"], "first_time": ["yes"]},
        self_described={"gender_identity": "femme"},
        consent=True,
        response_public_id=None,
        now=NOW,
    )
    after = render()
    for (_, url), old, new in zip(pages, before, after, strict=True):
        assert old == new, url
