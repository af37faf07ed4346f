"""Public pages that shared caches may keep, and the posts made from them.

A page an anonymous visitor reads (the schedule, a talk, a speaker, an event) sets no cookie,
so that a cache in front of the app can keep it: `shared_for_a_while` marks it
`Cache-Control: public, max-age=<PUBLIC_CACHE_SECONDS>` with `Vary: Cookie`, unless something
in it is the visitor's own (a session: flash messages, a form's token; or one of the page's
personal cookies, such as the agenda's), which makes it `private, no-store`.

Such a page cannot carry the session's CSRF token (making one sets the session cookie), so
the posts its buttons make (starring a session) are checked by `posted_from_this_site`
instead: the browser says where a request comes from (`Sec-Fetch-Site`, else `Origin`, else
`Referer`), and a post from another site is refused with the same 400 as a missing token. A
signed-in person's post needs the session's token as well, as every other form does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from organizer.extensions import csrf
from organizer.security_headers import CONTENT_SECURITY_POLICY

ViewT = TypeVar("ViewT", bound=Callable[..., Any])


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def _own_origins() -> set[str]:
    own = {_origin(request.host_url)}
    if current_app.config.get("BASE_URL"):
        own.add(_origin(current_app.config["BASE_URL"]))
    return own


def from_this_site() -> bool:
    """Did the browser send this request from one of this site's pages? Browsers send
    `Sec-Fetch-Site` (since 2020-23) and `Origin` with every cross-site post; a request
    showing neither nor a `Referer` is refused too, since only a page of ours may post."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")  # "none": typed or bookmarked by the user
    for header in ("Origin", "Referer"):
        value = request.headers.get(header)
        if value and value != "null":
            return _origin(value) in _own_origins()
    return False


def posted_from_this_site(view: ViewT) -> ViewT:
    """For a post made from a cacheable public page (see the module's docstring): exempt from
    the session-bound CSRF token for anonymous visitors, refused when it comes from another
    site. Off when CSRF protection is (`WTF_CSRF_ENABLED`, as in most tests)."""

    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            if not from_this_site():
                raise CSRFError("The request did not come from this site.")
            if current_user.is_authenticated:
                csrf.protect()  # their pages carry the session's token, as every form does
        return view(*args, **kwargs)

    csrf.exempt(checked)  # the global check would want a session; `checked` does the work
    return checked  # type: ignore[return-value]


def shared_for_a_while(response: Response, *, personal_cookies: tuple[str, ...] = ()) -> Response:
    """Let shared caches keep a public page (a 200) for PUBLIC_CACHE_SECONDS when nothing in it
    is the visitor's; otherwise keep it out of every cache. Signed-in pages are left as they
    are (`no-store`, set for every signed-in response by the app)."""
    if response.status_code != 200 or current_user.is_authenticated:
        return response
    response.vary.add("Cookie")
    if len(current_app.config["LOCALES"]) > 1:
        response.vary.add("Accept-Language")  # the page's language follows the browser's
    session_cookie = current_app.config["SESSION_COOKIE_NAME"]
    personal = any(request.cookies.get(name) for name in (session_cookie, *personal_cookies))
    if personal or session.modified or response.headers.get("Set-Cookie"):
        response.headers["Cache-Control"] = "private, no-store"
        return response
    response.cache_control.public = True
    response.cache_control.max_age = int(current_app.config["PUBLIC_CACHE_SECONDS"])
    return response


def embeddable(response: Response) -> Response:
    """Let other sites frame this page (the embedded schedule): the usual Content Security
    Policy with `frame-ancestors` from EMBED_FRAME_ANCESTORS ("*" by default) instead of
    'none' (the app then adds no X-Frame-Options, which cannot allow other sites)."""
    ancestors = str(current_app.config["EMBED_FRAME_ANCESTORS"]).strip() or "'none'"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "frame-ancestors 'none'", f"frame-ancestors {ancestors}"
    )
    return response


# --- responses the same for everyone ----------------------------------------------------------


def same_for_everyone() -> None:
    """Say that this request's response does not depend on the visitor's cookies (a public
    feed of a public event), so that `SessionInterface` leaves out `Vary: Cookie`: else a
    shared cache keeps one copy per visitor. Flask adds it whenever the session was read, and
    hooks read it on every request (the signed-in person, two-factor, the language)."""
    g.same_for_everyone = True


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, without `Vary: Cookie` on a response marked
    `same_for_everyone`, unless saving the session set a cookie: such a response is the
    visitor's, so it keeps `Vary: Cookie` and is made private."""

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        super().save_session(app, session, response)
        if not g.get("same_for_everyone"):
            return
        if response.headers.get("Set-Cookie"):
            response.cache_control.public = False
            response.cache_control.private = True
            return
        if "Cookie" in response.vary:
            response.vary.remove("Cookie")
