"""The application factory: the only place that wires things together. Nothing runs at import."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

from flask import (
    Flask,
    Response,
    current_app,
    g,
    has_app_context,
    has_request_context,
    jsonify,
    render_template,
    request,
)
from flask_babel import format_date, format_datetime, format_timedelta, get_locale, gettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from organizer import permissions
from organizer.blueprints import BLUEPRINTS
from organizer.blueprints._caching import SessionInterface
from organizer.blueprints._common import rollback, utcnow
from organizer.blueprints._forms import refuse_unsafe_text
from organizer.blueprints._limits import seconds_until_retry
from organizer.cli import register_commands
from organizer.config import instance_path, load_config
from organizer.enums import category_label
from organizer.errors import DomainError
from organizer.extensions import babel, csrf, db, limiter, login_manager, migrate
from organizer.logs import configure_logging
from organizer.paths import PROJECT_ROOT
from organizer.queue import WRITES, init_queue
from organizer.request_bodies import (
    BodyRefused,
    OrganizerJSONProvider,
    OrganizerRequest,
    read_form_body,
)
from organizer.security_headers import CONTENT_SECURITY_POLICY
from organizer.services import money
from organizer.services.accounts import load_user_for_session
from organizer.services.cfp.call import language_name, level_label
from organizer.services.text import render_markdown
from organizer.services.timefmt import event_date_range, in_zone, machine_time

ROOT = PROJECT_ROOT


def N_(text: str) -> str:
    """Mark a string for extraction where it is translated later, not here."""
    return text


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        "organizer",
        root_path=str(ROOT / "organizer"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(instance_path(ROOT / "instance", overrides)),
        instance_relative_config=True,
    )
    app.config.update(load_config(Path(app.instance_path), overrides))
    configure_logging(app)  # first: its request id hook runs before every other one
    app.request_class = OrganizerRequest  # strict about malformed forms (request_bodies.py)
    app.json = OrganizerJSONProvider(app)
    app.session_interface = SessionInterface()  # no Vary: Cookie where it means nothing
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]

    _install_sqlite_fixes()
    _init_extensions(app)
    init_queue(app)
    _register_blueprints(app)
    app.before_request(_mark_writing_requests)
    app.before_request(read_form_body)  # a malformed form is a 400 before any view
    app.before_request(refuse_unsafe_text)  # path, query and JSON text: the forms' rule
    _register_template_helpers(app)
    _register_security_headers(app)
    _register_error_pages(app)
    _register_cli(app)
    return app


def _locale() -> str:
    if not has_request_context():  # commands and jobs: mail sets its recipient's locale itself
        return current_app.config["DEFAULT_LOCALE"]
    supported = current_app.config["LOCALES"]
    # On an error page from 500 up the database may be gone: the browser's language only.
    signed_in = not g.get("no_user_lookup") and current_user.is_authenticated
    if signed_in and current_user.locale in supported:
        return current_user.locale
    return request.accept_languages.best_match(supported) or current_app.config["DEFAULT_LOCALE"]


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # Flask-Login translates its prompt with localize_callback when it flashes it.
    login_manager.login_message = N_("Please sign in to see that page.")
    login_manager.localize_callback = gettext
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    login_manager.user_loader(lambda session_id: load_user_for_session(session_id, now=utcnow()))


def _install_sqlite_fixes() -> None:
    if not sa_event.contains(Engine, "connect", _sqlite_pragmas):
        sa_event.listen(Engine, "connect", _sqlite_pragmas)
        sa_event.listen(Engine, "begin", _sqlite_begin)


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Foreign keys on, and let SQLAlchemy (not pysqlite) manage transactions so that
    SAVEPOINTs work; see the SQLAlchemy docs on pysqlite's transactional behaviour.

    The web server and the queue worker share the file: write-ahead logging lets readers
    and one writer work at the same time, and a writer waits up to 30 s for another."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def _sqlite_begin(connection: Any) -> None:
    """A transaction that will write takes the write lock when it begins (BEGIN IMMEDIATE),
    so it waits its turn (busy_timeout) instead of failing with "database is locked" when
    it turns from reading to writing while another process writes. Reads begin deferred."""
    if connection.dialect.name == "sqlite":
        writes = has_app_context() and g.get(WRITES, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _mark_writing_requests() -> None:
    g.setdefault(WRITES, request.method not in {"GET", "HEAD", "OPTIONS"})


def _register_blueprints(app: Flask) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)


def _format_datetime(value: Any, format: str | None = None, rebase: bool = False) -> str:
    """Flask-Babel's format_datetime converts to BABEL_DEFAULT_TIMEZONE (UTC) first, which
    would undo `|in_zone(event.timezone)`. Times are converted explicitly, so no rebase."""
    return format_datetime(value, format, rebase=rebase)


def _register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals.update(can=permissions, get_locale=get_locale)
    app.jinja_env.filters.update(
        markdown=render_markdown,
        date_range=event_date_range,
        in_zone=in_zone,
        machine_time=machine_time,
        format_date=format_date,
        format_datetime=_format_datetime,
        language_name=language_name,
        money=money.fmt,
        level_label=level_label,
        category_label=category_label,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


def _register_security_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):  # type: ignore[no-untyped-def]
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if "frame-ancestors 'none'" in headers.get("Content-Security-Policy", ""):
            headers.setdefault("X-Frame-Options", "DENY")  # the embedded schedule allows framing
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config["ENV"] == "production":
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if g.get("no_user_lookup"):  # error pages from 500 up, probes: never cached
            headers["Cache-Control"] = "no-store"
        elif current_user.is_authenticated and "Cache-Control" not in headers:
            headers["Cache-Control"] = "no-store"  # pages with personal data stay out of caches
        return response


ERROR_MESSAGES = {
    400: _l("The request could not be understood. Go back and try again."),
    403: _l(
        "You do not have permission to see this page. If you think you should, "
        "ask the event's organizers."
    ),
    404: _l("There is nothing at this address. It may have moved, or the link may be incomplete."),
    405: _l("This page does not accept that kind of request."),
    409: _l("Something changed since you opened this page. Reload it and try again."),
    413: _l("That upload is too large."),
    429: _l("Too many attempts. Wait a few minutes and try again."),
    500: _l("Something went wrong on our side. It has been logged; please try again later."),
    503: _l(
        "The site is temporarily unavailable. Your last saved change is kept; "
        "please try again in a minute."
    ),
}
# The database could not be reached (or the connection broke, or no connection was free in
# time): 503 with Retry-After, rather than a 500.
DATABASE_DOWN = (OperationalError, InterfaceError, PoolTimeout)
RETRY_AFTER_SECONDS = 30


def _render_error(code: int, message: Any = None) -> Response:
    """The error page. From 500 up it is a page that reads nothing from the database (the
    database may be why we are here), in the visitor's browser language."""
    text = str(message or ERROR_MESSAGES[code])
    if code >= 500:
        g.no_user_lookup = True  # read by _locale and the security headers
        # Anonymous for the rest of the request: Flask-Login's template context would otherwise
        # try again to load a signed-in person whose loading has just failed.
        login_manager._update_request_context_with_user()
    template = "errors/server_error.html" if code >= 500 else "errors/error.html"
    try:
        return current_app.make_response((render_template(template, code=code, message=text), code))
    except Exception:  # e.g. an untrusted Host: no URL can be built for the page
        current_app.logger.exception("error page %s could not be rendered", code)
        body = f"<!doctype html><html lang=en><title>Error {code}</title><p>{escape(text)}</p>"
        return Response(body, code, mimetype="text/html")


def _render_refusal(code: int, message: Any) -> Response:
    """JSON for the scripts that send JSON (the schedule editor, the agenda's stars), else
    the error page."""
    if request.is_json:
        response = jsonify(error=str(message))
        response.status_code = code
        return response
    return _render_error(code, message)


def _rollback_quietly() -> None:
    """Roll back after a failure; with the database gone, that fails too, which changes
    nothing (the server discards the transaction of a lost connection)."""
    try:
        rollback()
    except Exception:
        current_app.logger.warning("rollback after an error failed too", exc_info=True)


def _register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):  # type: ignore[no-untyped-def]
        return _render_error(
            400,
            _(
                "This form had expired or came from another site, so nothing was saved. "
                "Go back, reload the page and submit it again."
            ),
        )

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(error: RateLimitExceeded):  # type: ignore[no-untyped-def]
        wait = seconds_until_retry()
        when = format_timedelta(dt.timedelta(seconds=wait), threshold=1, add_direction=True)
        response = _render_error(
            429,
            _(
                "This form was sent too often from your network, so we stopped it for a while "
                "to protect everyone's accounts and inboxes. Nothing was saved or sent this "
                "time. Please try again %(when)s.",
                when=when,
            ),
        )
        response.headers["Retry-After"] = str(wait)
        return response

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):  # type: ignore[no-untyped-def]
        rollback()
        code = error.status_code if error.status_code in ERROR_MESSAGES else 400
        return _render_error(code, error.message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        code = error.code or 500
        if code not in ERROR_MESSAGES:
            return error
        return _render_error(code)

    _register_fault_pages(app)


def _discard_session_quietly(error: BaseException | None) -> None:
    """End the request's session before Flask-SQLAlchemy does (teardowns run last registered
    first). Its rollback fails when the server has ended the connection since the request's
    last query (PostgreSQL restarting); outside every error handler, that failure would turn
    a request already answered into gunicorn's bare 500. The server has dropped that
    transaction anyway: the session and its connection are discarded."""
    try:
        db.session.remove()
    except DATABASE_DOWN as failure:
        current_app.logger.warning(
            "the database connection was lost at the end of the request (%s)",
            type(getattr(failure, "orig", None) or failure).__name__,
        )
        with contextlib.suppress(Exception):
            db.session.invalidate()
        db.session.registry.clear()


def _register_fault_pages(app: Flask) -> None:
    app.teardown_appcontext(_discard_session_quietly)

    @app.errorhandler(BodyRefused)
    def body_refused(error: BodyRefused):  # type: ignore[no-untyped-def]
        _rollback_quietly()
        return _render_refusal(400, error.message)

    def database_down(error: Exception):  # type: ignore[no-untyped-def]
        g.no_user_lookup = True
        cause = getattr(error, "orig", None) or error
        first_line = (str(cause).strip().splitlines() or [""])[0]
        app.logger.warning("database unavailable (%s): %s", type(cause).__name__, first_line)
        _rollback_quietly()
        response = _render_refusal(503, ERROR_MESSAGES[503])
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    for kind in DATABASE_DOWN:
        app.register_error_handler(kind, database_down)

    @app.errorhandler(500)
    def server_error(error: Exception):  # type: ignore[no-untyped-def]
        _rollback_quietly()
        return _render_error(500)


def _register_cli(app: Flask) -> None:
    register_commands(app)
