"""The read API: bearer tokens only, scopes, read-only refusal, the permission matrix per role
and endpoint, pagination, constant query counts, JSON escaping, rate limits. Every response a
test here receives through `api` is checked against the OpenAPI document (tests/api/conftest.py)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from organizer.enums import EventRoleName, ProposalState
from organizer.extensions import db, limiter
from organizer.models import ApiToken, Cfp, GrantProgramme
from organizer.services import api_tokens
from tests.api.conftest import real_now, token_for
from tests.api.openapi_check import document
from tests.factories import (
    grant_role,
    login_as,
    make_application,
    make_event,
    make_proposal,
    make_schedule_event,
    make_user,
)
from tests.registration_factories import make_registration

E = "/api/v1/events/api-event"
ENDPOINTS = {
    "events": "/api/v1/events",
    "proposals": f"{E}/proposals",
    "proposal": None,  # filled with the world's proposal
    "reviews": f"{E}/reviews",
    "speakers": f"{E}/speakers",
    "grant-applications": f"{E}/grant-applications",
    "registrations": f"{E}/registrations",
    "schedule": f"{E}/schedule",
}

# role -> endpoint -> status. "events" lists only the events where one has a role.
MATRIX = {
    "organizer": dict.fromkeys(ENDPOINTS, 200),
    "reviewer": {
        **dict.fromkeys(ENDPOINTS, 403),
        "events": 200,
        "proposals": 200,
        "proposal": 200,
        "reviews": 200,
        "schedule": 200,
    },
    "grant_reviewer": {
        **dict.fromkeys(ENDPOINTS, 403),
        "events": 200,
        "grant-applications": 200,
        "schedule": 200,
    },
    "applicant": {**dict.fromkeys(ENDPOINTS, 403), "events": 200, "schedule": 200},
    "stranger": {**dict.fromkeys(ENDPOINTS, 403), "events": 200, "schedule": 200},
}


def url_of(name, world):
    return ENDPOINTS[name] or f"{E}/proposals/{world.proposal.public_id}"


@pytest.mark.parametrize("role", sorted(MATRIX))
def test_each_role_reads_what_its_pages_show(api, world, role):
    secret = token_for(getattr(world, role))
    for name, status in MATRIX[role].items():
        response = api.get(url_of(name, world), secret)
        assert response.status_code == status, (role, name, response.body)
    listed = api.get("/api/v1/events", secret).body
    assert [e["slug"] for e in listed["items"]] == (
        [] if role in ("applicant", "stranger") else ["api-event"]
    )


def test_a_draft_event_is_not_found_for_people_outside_its_team(api, world):
    world.event.is_public = False
    db.session.commit()
    response = api.get(f"{E}/schedule", token_for(world.stranger))
    assert response.status_code == 404
    assert api.get(f"{E}/schedule", token_for(world.reviewer)).status_code == 200


def test_without_a_usable_token_every_endpoint_answers_401(api, world, client):
    for name in ENDPOINTS:
        response = api.get(url_of(name, world))
        assert response.status_code == 401, name
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.mimetype == "application/problem+json"
    assert api.get("/api/v1/events", "org_not-a-real-token").status_code == 401


def test_a_signed_in_browser_session_does_not_authenticate(api, world, client):
    login_as(client, world.organizer)
    assert client.get("/account").status_code == 200  # the session works for pages
    for name in ENDPOINTS:
        assert api.get(url_of(name, world)).status_code == 401, name
    # with a token as well, the session is not even read: no cookie comes back
    answered = api.get("/api/v1/events", token_for(world.organizer))
    assert answered.status_code == 200 and not answered.headers.get_all("Set-Cookie")
    assert answered.headers["Cache-Control"] == "no-store"


def test_revoked_and_expired_tokens_are_refused(api, world):
    secret = token_for(world.organizer)
    assert api.get("/api/v1/events", secret).status_code == 200
    token = db.session.scalar(select(ApiToken).where(ApiToken.prefix == secret[:8]))
    api_tokens.revoke_api_token(actor=world.organizer, token_id=token.id, now=real_now())
    db.session.commit()
    assert api.get("/api/v1/events", secret).status_code == 401
    expired = token_for(world.organizer, expires_at=real_now() + dt.timedelta(seconds=1))
    token = db.session.scalar(select(ApiToken).where(ApiToken.prefix == expired[:8]))
    token.expires_at = real_now() - dt.timedelta(seconds=1)
    db.session.commit()
    assert api.get("/api/v1/events", expired).status_code == 401


def test_a_token_limited_to_one_event_reads_only_that_one(api, world):
    other = make_schedule_event(world.organizer, slug="api-other")
    make_proposal(other, make_user())
    db.session.commit()
    scoped = token_for(world.organizer, event=world.event)
    listed = api.get("/api/v1/events", scoped).body
    assert [e["slug"] for e in listed["items"]] == ["api-event"]
    refused = api.get("/api/v1/events/api-other/proposals", scoped)
    assert refused.status_code == 403 and "another event" in refused.body["detail"]
    assert api.get(f"{E}/proposals", scoped).status_code == 200
    everywhere = token_for(world.organizer)
    slugs = {e["slug"] for e in api.get("/api/v1/events", everywhere).body["items"]}
    assert slugs == {"api-event", "api-other"}


def test_a_read_only_token_is_refused_anything_but_get(api, world):
    secret = token_for(world.organizer)
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = api.request(method, f"{E}/proposals", secret, json={"title": "x"})
        assert response.status_code == 403, method
        assert "read-only" in response.get_json()["detail"]
    writer = token_for(world.organizer, read_only=False)
    response = api.request("POST", f"{E}/proposals", writer)
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    nowhere = api.client.get("/api/v1/nothing-here", headers={"Authorization": f"Bearer {writer}"})
    assert nowhere.status_code == 404 and nowhere.mimetype == "application/problem+json"


def test_blind_review_hides_speakers_and_notes_from_reviewers(api, world):
    world.proposal.notes = "Only for the organizers"
    db.session.commit()
    secret = token_for(world.reviewer)
    body = api.get(f"{E}/proposals", secret).body
    (item,) = body["items"]
    assert "speakers" not in item and "notes" not in item
    assert "Ana Applicant" not in json.dumps(body) and "ana@example.org" not in json.dumps(body)
    db.session.scalar(select(Cfp).where(Cfp.event_id == world.event.id)).anonymous_review = False
    db.session.commit()
    (item,) = api.get(f"{E}/proposals", secret).body["items"]
    assert item["speakers"] == [{"name": "Ana Applicant", "role": "primary"}]  # no address
    organizer = api.get(f"{E}/proposals", token_for(world.organizer)).body["items"][0]
    assert organizer["notes"] == "Only for the organizers"
    assert organizer["speakers"][0]["email"] == "ana@example.org"


def test_reviewers_do_not_read_their_own_proposal_or_others_reviews(api, world):
    make_proposal(world.event, world.reviewer, title="A talk by a team member")
    other_reviewer = make_user()
    grant_role(other_reviewer, world.event, EventRoleName.REVIEWER)
    db.session.commit()
    secret = token_for(other_reviewer)
    titles = [p["title"] for p in api.get(f"{E}/proposals", secret).body["items"]]
    assert "A talk by a team member" in titles
    mine = token_for(world.reviewer)
    titles = [p["title"] for p in api.get(f"{E}/proposals", mine).body["items"]]
    assert "A talk by a team member" not in titles
    assert api.get(f"{E}/reviews", secret).body["items"] == []
    assert len(api.get(f"{E}/reviews", mine).body["items"]) == 1


def test_grant_reviewers_see_no_identity_under_anonymous_review(api, world):
    reviewer = token_for(world.grant_reviewer)
    (item,) = api.get(f"{E}/grant-applications", reviewer).body["items"]
    assert "applicant" not in item and item["city"] == "Accra"
    assert item["requested"] == {"lodging": 20_000, "travel": 40_000}
    assert item["currency"] == "EUR" and item["requested_total"] == 60_000
    programme = db.session.scalar(select(GrantProgramme))
    programme.anonymous_review = False
    db.session.commit()
    (item,) = api.get(f"{E}/grant-applications", reviewer).body["items"]
    assert item["applicant"]["name"] == "Ana Applicant"
    own = make_application(programme, world.grant_reviewer)
    db.session.commit()
    ids = [a["public_id"] for a in api.get(f"{E}/grant-applications", reviewer).body["items"]]
    assert own.public_id not in ids


def test_registrations_never_carry_access_needs(api, world):
    response = api.get(f"{E}/registrations", token_for(world.organizer))
    assert "step_free" not in response.text and "secret access note" not in response.text
    (item,) = response.body["items"]
    assert item["name"] == "Ana Applicant" and "access_needs" not in item


def test_the_schedule_is_the_draft_for_organizers_and_the_release_for_others(api, world):
    draft = api.get(f"{E}/schedule", token_for(world.organizer)).body
    released = api.get(f"{E}/schedule", token_for(world.applicant)).body
    assert draft["status"] == "draft" and released["status"] == "released"
    assert released["release"] == 1 and released["released_at"].endswith("Z")
    (session,) = released["items"]
    assert session["title"] == "Speech for all"
    assert session["starts_at"] == "2027-03-27T10:00:00Z"  # 10:00 in Lisbon in March is UTC
    assert released["event"]["timezone"] == "Europe/Lisbon"
    unreleased = make_event(organizer=world.organizer, slug="api-unreleased")
    db.session.commit()
    missing = api.get(f"/api/v1/events/{unreleased.slug}/schedule", token_for(world.applicant))
    assert missing.status_code == 404


def test_pagination_pages_through_everything_once(api, world):
    for n in range(6):
        make_proposal(world.event, make_user(), title=f"Extra {n}")
    db.session.commit()
    secret = token_for(world.organizer)
    url, seen, pages = f"{E}/proposals?per_page=3", [], 0
    while url:
        body = api.get(url, secret).body
        assert body["total"] == 7 and body["per_page"] == 3
        seen += [p["public_id"] for p in body["items"]]
        url, pages = body["next"], pages + 1
    assert pages == 3 and len(seen) == len(set(seen)) == 7
    for bad in ("per_page=101", "per_page=0", "page=0", "page=two"):
        response = api.get(f"{E}/proposals?{bad}", secret)
        assert response.status_code == 400, bad
    beyond = api.get(f"{E}/proposals?page=9&per_page=3", secret).body
    assert beyond["items"] == [] and beyond["next"] is None


def test_query_counts_do_not_grow_with_the_data(app, client, queries, world):
    secret = token_for(world.organizer)
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    programme = db.session.scalar(select(GrantProgramme))
    urls = [url_of(name, world) for name in ENDPOINTS]

    event = db.session.get(type(world.event), world.event.id)

    def grow():
        for _ in range(3):
            speaker = make_user()
            make_proposal(event, speaker, state=ProposalState.SUBMITTED)
            make_application(programme, speaker)
            make_registration(event, speaker)
        db.session.commit()

    def count(url):
        db.session.commit()
        queries.clear()
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return len(queries)

    client.get("/api/v1/events")  # the token's first use writes its last use, once a minute
    grow()
    before = {url: count(url) for url in urls}
    grow()
    after = {url: count(url) for url in urls}
    assert before == after, f"query counts grew with the data: {before} -> {after}"


def test_text_comes_back_exactly_as_json(api, world):
    tricky = '</script><img src=x onerror=alert(1)> "quoted" \\ Ünïcødé 日本'
    world.proposal.title = tricky
    db.session.commit()
    response = api.get(f"{E}/proposals/{world.proposal.public_id}", token_for(world.organizer))
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.body["title"] == tricky


def test_the_document_is_public_and_describes_every_route(api, app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json() == document()
    assert document()["openapi"].startswith("3.1")
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            template = rule.rule
            for argument in rule.arguments:
                template = template.replace(f"<{argument}>", f"{{{argument}}}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes.add((template, method.lower()))
    described = {
        (path, method)
        for path, item in document()["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert routes == described


@pytest.fixture(params=["memory", "redis"])
def api_limit(request, app):
    """The limit on, in the embedded install's memory storage and in Redis (when the run has
    one: --redis-url), as tests/core/test_rate_limits.py does for the forms."""
    storage = "memory://"
    if request.param == "redis":
        storage = request.config.getoption("--redis-url")
        if not storage:
            pytest.skip("no Redis: set ORGANIZER_TEST_REDIS_URL or --redis-url")
    keys = ("RATE_LIMITS_ENABLED", "RATE_LIMIT_API", "RATELIMIT_STORAGE_URI")
    saved = {k: app.config[k] for k in keys}
    app.config.update(
        RATE_LIMITS_ENABLED=True, RATE_LIMIT_API="3 per minute", RATELIMIT_STORAGE_URI=storage
    )
    limiter.init_app(app)
    try:
        yield request.param
    finally:
        app.config.update(saved)
        limiter.init_app(app)


def test_each_token_has_its_own_rate_limit(api, world, api_limit):
    first, second = token_for(world.organizer), token_for(world.organizer)
    for _ in range(3):
        assert api.get("/api/v1/events", first).status_code == 200
    refused = api.get(f"{E}/proposals", first)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert api.get("/api/v1/events", second).status_code == 200


def test_the_checker_refuses_what_the_document_does_not_allow():
    from flask import Response

    from tests.api.openapi_check import check_response

    def answer(body, status=200, mimetype="application/json"):
        return Response(json.dumps(body), status=status, mimetype=mimetype)

    good = {"items": [], "page": 1, "per_page": 50, "total": 0, "next": None}
    assert check_response("GET", "/api/v1/events", answer(good)) == good
    wrong = [
        ("GET", "/api/v1/events", answer({**good, "total": "0"})),  # a string, not a number
        ("GET", "/api/v1/events", answer({**good, "extra": 1})),  # not described
        ("GET", "/api/v1/events", answer({**good, "items": [{"slug": "x"}]})),  # incomplete
        ("GET", "/api/v1/events", answer(good, status=418)),  # status not declared
        ("GET", "/api/v1/events", answer(good, mimetype="text/html")),
        ("GET", "/api/v1/elsewhere", answer(good)),  # path not described
        ("POST", "/api/v1/events", answer(good)),  # method not described
    ]
    for method, url, response in wrong:
        with pytest.raises(AssertionError):
            check_response(method, url, response)


@pytest.mark.parametrize("role", ["reviewer", "grant_reviewer"])
def test_query_counts_do_not_grow_for_the_review_committees_either(client, queries, world, role):
    person = getattr(world, role)
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(person)}"
    urls = [url_of(name, world) for name, status in MATRIX[role].items() if status == 200]
    event = db.session.get(type(world.event), world.event.id)
    programme = db.session.scalar(select(GrantProgramme))

    def grow():
        for _ in range(3):
            speaker = make_user()
            make_proposal(event, speaker, state=ProposalState.SUBMITTED)
            make_application(programme, speaker)
        db.session.commit()

    def count(url):
        db.session.commit()
        queries.clear()
        assert client.get(url).status_code == 200, url
        return len(queries)

    client.get("/api/v1/events")
    grow()
    before = {url: count(url) for url in urls}
    grow()
    assert before == {url: count(url) for url in urls}


def test_organizers_see_the_award_in_minor_units_and_grant_reviewers_do_not(api, world):
    from tests.grants.test_reimbursement import award

    award(world.application, {"travel": 30_000, "lodging": 12_345})
    db.session.commit()
    (item,) = api.get(f"{E}/grant-applications", token_for(world.organizer)).body["items"]
    assert item["award"]["amounts"] == {"lodging": 12_345, "travel": 30_000}
    assert item["award"]["total"] == 42_345 and item["currency"] == "EUR"
    (item,) = api.get(f"{E}/grant-applications", token_for(world.grant_reviewer)).body["items"]
    assert "award" not in item
