"""The view helpers every blueprint shares: `attempt`, `attempt_then_redirect`,
`viewable_event` and the services' `permissions.require`."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages
from werkzeug.exceptions import NotFound as HTTPNotFound
from wtforms import StringField

from organizer import permissions
from organizer.blueprints._common import attempt, attempt_then_redirect, viewable_event
from organizer.blueprints._forms import Form
from organizer.errors import NotFound, PermissionDenied, ValidationFailed
from organizer.extensions import db
from organizer.models import User
from tests.factories import make_event, make_user


class TitleForm(Form):
    title = StringField("Title")


def test_attempt_commits_and_flashes_what_the_service_returned(app):
    with app.test_request_context(method="POST"):
        user = make_user()
        outcome = attempt(lambda: user.email, success=lambda email: f"Saved for {email}.")
        assert outcome.ok and outcome.value == user.email and outcome.status == 200
        assert get_flashed_messages(with_categories=True) == [
            ("success", f"Saved for {user.email}.")
        ]
        db.session.expire_all()
        assert db.session.get(User, user.id) is not None


def test_attempt_rolls_back_and_puts_messages_next_to_their_fields(app):
    with app.test_request_context(method="POST", data={"title": ""}):
        form = TitleForm(meta={"csrf": False})

        def refuse() -> None:
            make_user(email="half-done@example.org")
            raise ValidationFailed({"title": "Give the talk a title.", "": "Also this."})

        outcome = attempt(refuse, form=form, success="never shown")
        assert not outcome.ok and outcome.status == 400 and outcome.value is None
        assert form.title.errors == ["Give the talk a title."]
        assert form.failed_status == 400
        assert get_flashed_messages(with_categories=True) == [("error", "Also this.")]
        assert db.session.scalar(db.select(User).filter_by(email="half-done@example.org")) is None


def test_attempt_then_redirect_flashes_a_refusal_and_goes_back(app):
    with app.test_request_context(method="POST"):

        def refuse() -> None:
            permissions.require(False, "Only organizers may do that.")

        response = attempt_then_redirect(refuse, to="/back", success="never shown")
        assert response.status_code == 302 and response.location == "/back"
        assert get_flashed_messages(with_categories=True) == [
            ("error", "Only organizers may do that.")
        ]


def test_attempt_lets_other_errors_through(app):
    with app.test_request_context(method="POST"):

        def broken() -> None:
            raise KeyError("bug")

        with pytest.raises(KeyError):
            attempt(broken)


def test_require_raises_permission_denied_only_when_not_allowed():
    permissions.require(True)
    with pytest.raises(PermissionDenied):
        permissions.require(False)


def test_viewable_event_hides_a_draft_from_visitors(app):
    with app.test_request_context():
        event = make_event(is_public=False)
        with pytest.raises(HTTPNotFound):
            viewable_event(event.slug)
        with pytest.raises(HTTPNotFound):
            viewable_event("no-such-event")


def test_a_service_not_found_is_the_error_page_404(app):
    # Views do not catch NotFound to abort(404): the DomainError handler answers 404 itself.
    with app.test_request_context():
        response = app.make_response(app.handle_user_exception(NotFound()))
        assert response.status_code == 404
