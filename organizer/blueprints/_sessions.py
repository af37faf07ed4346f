"""Signing a browser in and out: the only places that call Flask-Login's login_user and
logout_user, so that every sign-in gets a fresh server-side session (services.accounts)."""

from __future__ import annotations

from flask import current_app, request, session
from flask_login import login_user, logout_user

from organizer.blueprints._common import utcnow
from organizer.models import User
from organizer.services import accounts


def sign_in(user: User, *, remember: bool = False) -> None:
    """Start a new session for this browser. Whatever the cookie held before (an anonymous
    session, a planted one, another account's) is dropped: no session fixation. The caller
    commits."""
    session.clear()
    accounts.start_session(user=user, now=utcnow())
    login_user(user, remember=remember)


def sign_out() -> None:
    """Forget the account in this browser's cookies. The server-side session is ended by the
    service the view called (accounts.record_logout or accounts.sign_out_everywhere)."""
    session.clear()
    logout_user()  # after clear(): it marks the remember-me cookie for deletion in the session


def sign_in_again(user: User) -> None:
    """After a change that ended every session of the account (two-factor sign-in switched
    on): a new session for this browser, remembered if the browser had asked for that."""
    cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    sign_in(user, remember=cookie in request.cookies)
