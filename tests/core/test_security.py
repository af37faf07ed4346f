import re

import pytest
from flask import Flask
from sqlalchemy import select

from organizer import create_app
from organizer.enums import EventRoleName
from organizer.extensions import db
from organizer.models import Event
from organizer.services import team
from tests.factories import NOW, PASSWORD, login_as, make_event, make_user


def test_security_headers_on_every_response(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers  # only in production


def test_pages_for_signed_in_people_are_not_cached(client):
    login_as(client, make_user())
    assert client.get("/account").headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(client):
    make_user(email="c@example.org")
    response = client.post(
        "/login",
        data={
            "email": "c@example.org",
            "password": PASSWORD,
            "remember": "y",
        },
    )
    cookies = response.headers.getlist("Set-Cookie")
    assert all("HttpOnly" in c and "SameSite=Lax" in c for c in cookies), cookies
    assert any(c.startswith("remember_token=") for c in cookies)


def test_no_inline_script_or_style_in_pages(client):
    organizer = make_user(site_admin=True)
    make_event(organizer=organizer, slug="inline-check")
    login_as(client, organizer)
    for url in (
        "/",
        "/inline-check/",
        "/home/",
        "/manage/",
        "/manage/inline-check/settings",
        "/manage/inline-check/team",
        "/account",
    ):
        html = client.get(url).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert "<style" not in html and " style=" not in html, url


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def post_routes(app: Flask) -> list[str]:
    return sorted(rule.rule for rule in app.url_map.iter_rules() if "POST" in rule.methods)


def test_every_form_rejects_a_post_without_csrf_token(app, client, csrf_on):
    admin = make_user(site_admin=True, email="admin@example.org")
    event = make_event(organizer=admin, slug="csrf-event", name="Before")
    invitation = team.invite(
        actor=admin, event=event, email="i@example.org", role=EventRoleName.REVIEWER, now=NOW
    )
    values = {
        "event_slug": "csrf-event",
        "role_id": str(event.roles[0].id),
        "invitation_id": str(invitation.id),
        "token": "some-token",
        "public_id": "no-such-proposal",
        "speaker_id": "1",
    }
    login_as(client, admin)
    routes = post_routes(app)
    assert len(routes) >= 14
    for rule in routes:
        url = re.sub(
            r"<(?:\w+:)?(\w+)>",
            lambda m: values.get(m.group(1), "1" if m.group(1).endswith("id") else "x-y-z"),
            rule,
        )
        response = client.post(
            url,
            data={
                "name": "After",
                "email": "admin@example.org",
                "password": "x" * 12,
                "display_name": "X",
            },
        )
        assert response.status_code == 400, url
        assert "nothing was saved" in response.text, url
    assert db.session.scalar(select(Event.name).where(Event.slug == "csrf-event")) == "Before"


def test_a_form_with_its_token_is_accepted(client, csrf_on):
    user = make_user(name="Token Holder")
    login_as(client, user)
    page = client.get("/account").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/account", data={"csrf_token": token, "display_name": "Renamed", "locale": "en"}
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.display_name == "Renamed"


def test_friendly_error_pages(client):
    response = client.get("/no-such-event/")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert '<a class="skip-link"' in response.text


def test_unexpected_errors_render_a_friendly_500(tmp_path):
    application = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3", "SECRET_KEY": "k" * 40}
    )

    @application.route("/boom")
    def boom():
        raise RuntimeError("kaput")

    response = application.test_client().get("/boom")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert "kaput" not in response.text


def test_form_hints_and_errors_are_escaped_even_when_lazy(app):
    """Flask-Babel's lazy strings claim to be safe HTML; the form macros must not trust that."""
    from flask import render_template_string
    from flask_babel import lazy_gettext
    from flask_wtf import FlaskForm
    from wtforms import StringField

    class Form(FlaskForm):
        name = StringField(lazy_gettext("Name <i>"), description=lazy_gettext("Use <b>this</b>"))

    with app.test_request_context():
        form = Form(meta={"csrf": False})
        form.name.errors = [lazy_gettext("Bad <script>")]
        html = render_template_string(
            '{% from "macros/forms.html" import field, error_summary %}'
            "{{ error_summary(form) }}{{ field(form.name) }}",
            form=form,
        )
    assert "<b>" not in html and "&lt;b&gt;this&lt;/b&gt;" in html
    assert "<script>" not in html and "Bad &lt;script&gt;" in html
    assert "<i>" not in html
