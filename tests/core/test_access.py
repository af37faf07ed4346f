"""Deny by default: a route is open to anonymous visitors only if its `@access(...)`
declaration says so (the authorization matrix checks every declaration in detail)."""

import re

import pytest
from flask import Flask

from organizer.blueprints._common import ACCESS_RULES


def public_endpoints(app: Flask) -> set[str]:
    """The routes declared open without sign-in (`@access("public")` or `("token")`)."""
    return {"static"} | {
        endpoint
        for endpoint, view in app.view_functions.items()
        if getattr(view, "access_rule", None) in ACCESS_RULES
        and not ACCESS_RULES[view.access_rule].sign_in
    }


def routes(app: Flask) -> list[tuple[str, str, str]]:
    return sorted(
        (rule.endpoint, rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


def test_the_public_routes_are_the_ones_expected(app):
    """A route newly declared public is a decision worth a second look: add it here too."""
    assert public_endpoints(app) == {
        "static",
        "health.healthz",  # probes for a load balancer: say nothing but "ok" or what failed
        "health.readyz",
        "public.home",
        "public.event",
        "cfp.call",
        "grants.index",
        "public_schedule.changes",
        "feeds.event_ics",
        "feeds.track_ics",
        "feeds.room_ics",
        "feeds.speaker_ics",
        "feeds.session_ics",
        "feeds.agenda_ics",
        "feeds.frab_xml",
        "feeds.frab_json",
        "public_schedule.schedule",
        "public_schedule.embed",  # for other sites' frames: the days and sessions alone
        "public_schedule.embed_theme",  # its accent colour, a stylesheet
        "public_schedule.track_colours",  # the tracks' colours, a stylesheet
        "public_schedule.session",
        "public_schedule.material_file",  # a released talk's slides (404 until released)
        "public_schedule.speakers",
        "public_schedule.speaker",
        "public_schedule.speaker_photo",  # only with consent, of a speaker in the release
        "public_schedule.agenda",
        "public_schedule.agenda_token",
        "public_schedule.stars",
        "registration.cancel_by_link",  # the one-click cancel link in mail (a signed token)
        "public_schedule.sync",
        "public_schedule.replace_token",
        "printed.booklet",
        "printed.signs",
        "badges.verify",  # a certificate's verification: its name, event and dates, or "not valid"
        "auth.register",
        "auth.check_inbox",
        "auth.verify_email",
        "auth.login",
        "auth.two_factor_login",  # without a pending password step, back to login
        "auth.forgot_password",
        "auth.reset_password",
        "auth.claim_account",
        # the invitation links: a visitor sees who invites them to what, and links to sign in
        # or register that lead back; accepting needs an account
        "cfp.join",
        "manage.invitation",
    }


def test_every_other_route_sends_anonymous_visitors_to_sign_in(app, client):
    checked = []
    public = public_endpoints(app)
    for endpoint, rule, method in routes(app):
        if endpoint in public:
            continue
        url = re.sub(r"<(?:int:)?(\w+)>", lambda m: "1" if "id" in m.group(1) else "x-y-z", rule)
        response = client.open(url, method=method)
        assert response.status_code == 302, (endpoint, method, url, response.status_code)
        assert response.location.startswith("/login?next="), (endpoint, response.location)
        checked.append(endpoint)
    assert len(set(checked)) >= 12


@pytest.mark.parametrize(
    "url", ["/", "/login", "/register", "/forgot-password", "/register/check-inbox"]
)
def test_public_pages_render_for_anonymous_visitors(client, url):
    assert client.get(url).status_code == 200
