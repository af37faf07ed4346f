"""Deny by default: a route is open to anonymous visitors only if it is listed here."""

import re

import pytest
from flask import Flask

PUBLIC_ENDPOINTS = {
    "static",
    "public.home",
    "public.event",
    "cfp.call",
    "grants.index",
    "programme.changes",
    "feeds.event_ics",
    "feeds.track_ics",
    "feeds.room_ics",
    "feeds.speaker_ics",
    "feeds.session_ics",
    "feeds.agenda_ics",
    "feeds.frab_xml",
    "feeds.frab_json",
    "programme.schedule",
    "programme.session",
    "programme.speakers",
    "programme.speaker",
    "programme.agenda",
    "programme.agenda_token",
    "programme.stars",
    "programme.sync",
    "programme.replace_token",
    "printed.booklet",
    "printed.signs",
    "auth.register",
    "auth.check_inbox",
    "auth.verify_email",
    "auth.login",
    "auth.two_factor_login",  # the second sign-in step; without a pending password, back to login
    "auth.forgot_password",
    "auth.reset_password",
}


def routes(app: Flask) -> list[tuple[str, str, str]]:
    return sorted(
        (rule.endpoint, rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


def test_public_list_names_real_endpoints(app):
    assert {endpoint for endpoint, _, _ in routes(app)} >= PUBLIC_ENDPOINTS


def test_every_other_route_sends_anonymous_visitors_to_sign_in(app, client):
    checked = []
    for endpoint, rule, method in routes(app):
        if endpoint in PUBLIC_ENDPOINTS:
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
