"""Per-client rate limits (Flask-Limiter): the 429 page, per-client counting, every limited form.

Each test runs twice: with the in-memory storage of the embedded install, and against Redis
when --redis-url / ORGANIZER_TEST_REDIS_URL is set (CI sets it; otherwise that run is skipped).
The suite's app has the limits switched off; the `limits` fixture switches them on, rebinds the
limiter to the storage under test and puts everything back afterwards.
"""

from __future__ import annotations

import ast
import datetime as dt
import itertools
import re
import uuid
from pathlib import Path

import pytest
import redis
from werkzeug.middleware.proxy_fix import ProxyFix

from organizer.config import ConfigError, load_config
from organizer.extensions import limiter
from tests.conftest import TEST_RUN_ID
from tests.factories import PASSWORD, login_as, make_cfp, make_event, make_proposal, make_user

_addresses = itertools.count(1)


def new_address() -> str:
    """A client address no other test uses, so that counters in a shared Redis never mix."""
    n = next(_addresses)
    return f"10.{uuid.uuid4().int % 250}.{n // 250}.{n % 250 + 1}"


@pytest.fixture(params=["memory", "redis"])
def limits(request, app):
    if request.param == "redis":
        url = request.config.getoption("--redis-url")
        if not url:
            pytest.skip("no Redis: set ORGANIZER_TEST_REDIS_URL or --redis-url")
        storage = url
    else:
        storage = "memory://"
    saved = {
        key: app.config[key]
        for key in (
            "RATE_LIMITS_ENABLED",
            "RATELIMIT_STORAGE_URI",
            *tuple(f"RATE_LIMIT_{kind.upper()}" for kind in KINDS),
        )
    }
    app.config.update(RATE_LIMITS_ENABLED=True, RATELIMIT_STORAGE_URI=storage)
    for kind in KINDS:
        app.config[f"RATE_LIMIT_{kind.upper()}"] = "2 per minute"
    limiter.init_app(app)  # binds the storage named in the config (hooks are not added twice)
    try:
        yield request.param
    finally:
        app.config.update(saved)
        limiter.init_app(app)
        if request.param == "redis":
            connection = redis.Redis.from_url(storage)
            for key in connection.scan_iter(f"*organizer-test-{TEST_RUN_ID}*"):
                connection.delete(key)
            connection.close()


@pytest.fixture
def at():
    """at(client): give a test client its own address."""

    def place(client, address=None):
        client.environ_base["REMOTE_ADDR"] = address or new_address()
        return client

    return place


KINDS = ("sign_in", "register", "password_reset", "invitations", "mail")


def sign_in_attempt(client):
    return client.post("/login", data={"email": "kim@example.org", "password": "wrong-password"})


def assert_limited_page(response):
    assert response.status_code == 429
    html = response.text
    assert "<h1>Please wait</h1>" in html
    assert "sent too often from your network" in html and "Nothing was saved or sent" in html
    assert re.search(r"try again in \d+ (second|minute)s?\.", html)
    assert 'class="site-header' in html or "<header" in html  # the site's layout, not a bare page
    wait = int(response.headers["Retry-After"])
    assert 0 < wait <= 60


def test_sign_in_is_limited_per_client_with_a_clear_page(client, limits, at):
    at(client)
    make_user(email="kim@example.org")
    assert sign_in_attempt(client).status_code == 400
    assert sign_in_attempt(client).status_code == 400
    refused = sign_in_attempt(client)
    assert_limited_page(refused)
    # even the right password is not checked now
    right = client.post("/login", data={"email": "kim@example.org", "password": PASSWORD})
    assert right.status_code == 429
    assert client.get("/login").status_code == 200  # reading the form is not limited


def test_limits_count_each_client_on_its_own(app, client, limits, at):
    make_user(email="kim@example.org")
    at(client)
    for _ in range(2):
        sign_in_attempt(client)
    assert sign_in_attempt(client).status_code == 429
    neighbour = at(app.test_client())
    assert sign_in_attempt(neighbour).status_code == 400
    response = neighbour.post("/login", data={"email": "kim@example.org", "password": PASSWORD})
    assert response.status_code == 302


def test_behind_a_proxy_the_forwarded_address_is_the_client(app, client, limits):
    make_user(email="kim@example.org")
    original = app.wsgi_app
    app.wsgi_app = ProxyFix(original, x_for=1, x_proto=1, x_host=1)
    try:
        proxy = new_address()
        client.environ_base["REMOTE_ADDR"] = proxy  # every request comes through the proxy
        first, second = new_address(), new_address()
        for _ in range(2):
            client.post(
                "/login",
                data={"email": "kim@example.org", "password": "wrong-password"},
                headers={"X-Forwarded-For": first},
            )
        blocked = client.post(
            "/login",
            data={"email": "kim@example.org", "password": "wrong"},
            headers={"X-Forwarded-For": first},
        )
        assert blocked.status_code == 429
        other = client.post(
            "/login",
            data={"email": "kim@example.org", "password": "wrong"},
            headers={"X-Forwarded-For": second},
        )
        assert other.status_code == 400  # another person behind the same proxy
    finally:
        app.wsgi_app = original


def test_a_refused_form_sends_no_mail(client, limits, at, mailbox):
    at(client)
    make_user(email="kim@example.org")
    for n in range(2):
        client.post("/forgot-password", data={"email": "kim@example.org"})
        assert len(mailbox.to("kim@example.org")) == 1  # the service's own 5-minute key
        assert n < 2
    refused = client.post("/forgot-password", data={"email": "kim@example.org"})
    assert_limited_page(refused)
    register = client.post(
        "/register",
        data={"display_name": "New", "email": "new@example.org", "password": PASSWORD},
    )
    assert register.status_code == 302  # another kind of form has its own limit
    assert len(mailbox.to("new@example.org")) == 1


def test_co_speaker_and_team_invitations_are_limited(client, limits, at, mailbox):
    at(client)
    speaker = make_user(email="speaker@example.org")
    event = make_event(organizer=speaker)  # organizer and speaker at once: both forms reachable
    now = dt.datetime.now(dt.UTC)
    make_cfp(event, opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=9))
    proposal = make_proposal(event, speaker)
    login_as(client, speaker)
    speakers_url = f"/{event.slug}/cfp/proposals/{proposal.public_id}/speakers"
    assert client.post(speakers_url, data={"email": "co1@example.org"}).status_code == 302
    team_url = f"/manage/{event.slug}/team"
    invited = client.post(team_url, data={"email": "rev1@example.org", "role": "reviewer"})
    assert invited.status_code == 302
    # both count towards one invitations limit of this client
    assert_limited_page(client.post(speakers_url, data={"email": "co2@example.org"}))
    assert_limited_page(
        client.post(team_url, data={"email": "rev2@example.org", "role": "reviewer"})
    )
    assert mailbox.to("co2@example.org") == [] and mailbox.to("rev2@example.org") == []
    assert len(mailbox.to("co1@example.org")) == len(mailbox.to("rev1@example.org")) == 1


def test_resend_verification_is_limited(client, limits, at, mailbox):
    at(client)
    user = make_user(email="new@example.org", verified=False)
    login_as(client, user)
    for _ in range(2):
        assert client.post("/verify/resend").status_code == 302
    assert_limited_page(client.post("/verify/resend"))


# Every form that signs in, creates an account or sends mail, with its kind. A limit is checked
# before the view runs, so anonymous posts with made-up ids are enough to see it.
LIMITED = {
    "account_data.delete": ("/account/delete", "mail"),
    "auth.login": ("/login", "sign_in"),
    "auth.register": ("/register", "register"),
    "auth.two_factor_login": ("/login/two-factor", "sign_in"),
    "auth.two_factor_confirm": ("/account/two-factor/confirm", "mail"),
    "auth.two_factor_recovery_codes": ("/account/two-factor/recovery-codes", "mail"),
    "auth.two_factor_disable": ("/account/two-factor/disable", "mail"),
    "auth.forgot_password": ("/forgot-password", "password_reset"),
    "auth.reset_password": ("/reset-password/x", "password_reset"),
    "auth.claim_account": ("/account/claim/x", "password_reset"),
    "auth.resend_verification": ("/verify/resend", "mail"),
    "auth.change_password": ("/account/password", "mail"),
    "cfp.submit": ("/e/cfp/submit", "mail"),
    "cfp.proposal": ("/e/cfp/proposals/x", "mail"),
    "cfp.withdraw": ("/e/cfp/proposals/x/withdraw", "mail"),
    "cfp.respond": ("/e/cfp/proposals/x/respond", "mail"),
    "cfp.invite": ("/e/cfp/proposals/x/speakers", "invitations"),
    "manage.team_page": ("/manage/e/team", "invitations"),
    "grants.apply": ("/e/grants/x/apply", "mail"),
    "grants.application": ("/e/grants/applications/x", "mail"),
    "grants.reply": ("/e/grants/applications/x/messages", "mail"),
    "grants.withdraw": ("/e/grants/applications/x/withdraw", "mail"),
    "cfp_decisions.remind": ("/manage/e/cfp/decisions/remind", "mail"),
    "cfp_decisions.cancel": ("/manage/e/cfp/proposals/x/cancel", "mail"),
    "cfp_decisions.publish": ("/manage/e/cfp/decisions/publish", "mail"),
    "cfp_decisions.send_now": ("/manage/e/cfp/proposals/x/send-now", "mail"),
    "bulk_mail.send": ("/manage/e/mail/x/send", "mail"),
    "releases.index": ("/manage/e/schedule/releases/", "mail"),
    "schedule_import.preview": ("/manage/e/import/schedule/x/", "mail"),
    "scheduler.index": ("/manage/e/schedule/suggest", "mail"),
    "grant_decisions.allocation_page": ("/manage/e/grants/p/allocation", "mail"),
    "grant_decisions.application": ("/manage/e/grants/p/applications/x", "mail"),
    "grant_decisions.reject": ("/manage/e/grants/p/applications/x/reject", "mail"),
    "grant_decisions.send_offers": ("/manage/e/grants/p/allocation/send", "mail"),
    "grant_decisions.offer_next": ("/manage/e/grants/p/offers/next", "mail"),
    "grant_decisions.expire": ("/manage/e/grants/p/offers/expire", "mail"),
    "grant_decisions.remind": ("/manage/e/grants/p/offers/remind", "mail"),
    "registration.register": ("/e/register/", "mail"),
    "registration.mine": ("/e/registration/", "mail"),
    "registration.cancel": ("/e/registration/cancel", "mail"),
    "registration.answer_offer": ("/e/registration/offer", "mail"),
    "registration.cancel_by_link": ("/e/registration/cancel/x", "mail"),
    "registration.invite_reserved": ("/manage/e/registration/invite-reserved", "mail"),
    "registration_setup.settings": ("/manage/e/registration/settings", "mail"),
    "registration_setup.place_kinds": ("/manage/e/registration/places", "mail"),
    "registration_setup.edit_place_kind": ("/manage/e/registration/places/1", "mail"),
    "attendees.decide": ("/manage/e/registrations/x/decide", "mail"),
    "spreadsheet_import.confirm": ("/manage/e/import/x/import", "mail"),
}


def test_the_table_names_real_endpoints(app):
    adapter = app.url_map.bind("organizer.test")
    for endpoint, (path, _kind) in LIMITED.items():
        # Named by blueprint and view function (an endpoint may be named otherwise).
        matched = adapter.match(path, method="POST")[0]
        blueprint = matched.split(".")[0]
        assert f"{blueprint}.{app.view_functions[matched].__name__}" == endpoint, path


@pytest.mark.parametrize("endpoint", sorted(LIMITED))
def test_every_form_that_sends_mail_is_limited(app, client, limits, at, endpoint):
    path, kind = LIMITED[endpoint]
    app.config[f"RATE_LIMIT_{kind.upper()}"] = "1 per minute"
    at(client)
    first = client.post(path)
    assert first.status_code != 429
    assert_limited_page(client.post(path))


def test_limits_are_kept_in_the_configured_storage(app, client, limits, at, request):
    at(client)
    sign_in_attempt(client)
    if limits == "redis":
        connection = redis.Redis.from_url(request.config.getoption("--redis-url"))
        keys = list(connection.scan_iter(f"*organizer-test-{TEST_RUN_ID}*"))
        connection.close()
        assert keys, "no counter reached Redis"
    else:
        assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_settings_choose_the_storage_and_check_the_limits(tmp_path, monkeypatch):
    base = {"SECRET_KEY": "x" * 40}
    monkeypatch.delenv("ORGANIZER_REDIS_URL", raising=False)
    assert load_config(tmp_path, base)["RATELIMIT_STORAGE_URI"] == "memory://"
    monkeypatch.setenv("ORGANIZER_REDIS_URL", "redis://127.0.0.1:6379/3")
    assert load_config(tmp_path, base)["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
    monkeypatch.setenv("ORGANIZER_RATE_LIMIT_SIGN_IN", "lots")
    with pytest.raises(ConfigError, match="ORGANIZER_RATE_LIMIT_SIGN_IN"):
        load_config(tmp_path, base)


def test_the_suite_runs_with_limits_off(app, client, at):
    """Outside these tests the limits are off, so that no test trips over them by accident."""
    assert app.config["RATE_LIMITS_ENABLED"] is False
    at(client)
    make_user(email="kim@example.org")
    for _ in range(12):
        assert sign_in_attempt(client).status_code in (400, 429)
    # only the per-address throttle of services/accounts.py answers 429 here
    assert "Too many failed sign-in attempts" in sign_in_attempt(client).text


# Completeness: a view that (through any service) queues mail must carry @rate_limited. Mail is
# found by reading the code: a function that calls queue_mail or queue_text, or calls such a
# function, queues mail; names are matched across modules, which errs on the side of limiting.
PACKAGE = Path(__file__).resolve().parents[2] / "organizer"
QUEUES = {"queue_mail", "queue_text"}


def _called_names(node: ast.AST) -> set[str]:
    names = set()
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            if isinstance(call.func, ast.Name):
                names.add(call.func.id)
            elif isinstance(call.func, ast.Attribute):
                names.add(call.func.attr)
    return names


def _functions(paths) -> dict[tuple[str, str], ast.FunctionDef]:
    found = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):  # nested helpers and methods too
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found[(str(path), node.name)] = node
    return found


def _mailing(functions, known: set[str], *, spread=lambda node: True) -> set[tuple[str, str]]:
    """The functions that queue mail, to a fixpoint; `known` grows with the names of those for
    which spread(node) holds (views: only helpers, since no view calls another view)."""
    mailing: set[tuple[str, str]] = set()
    while True:
        new = {
            key
            for key, node in functions.items()
            if key not in mailing and _called_names(node) & (known | QUEUES)
        }
        if not new:
            return mailing
        mailing |= new
        known |= {name for (path, name) in new if spread(functions[(path, name)])}


def _is_route(node: ast.FunctionDef) -> bool:
    return any(
        isinstance(d, ast.Call)
        and isinstance(d.func, ast.Attribute)
        and d.func.attr in {"route", "post", "get", "put", "patch", "delete"}
        for d in node.decorator_list
    )


def _is_limited(node: ast.FunctionDef) -> bool:
    return any(
        isinstance(d, ast.Call) and isinstance(d.func, ast.Name) and d.func.id == "rate_limited"
        for d in node.decorator_list
    )


# Views the name matching above takes for mailing, checked by hand.
SENDS_NO_MAIL = {
    "grants.respond": "offers.respond mails nobody (its namesake decisions.respond does)",
    "scheduler.cancel_solve": "solves.cancel mails nobody (its namesakes for proposals do)",
    "grant_decisions.cancel_solve": "solves.cancel mails nobody (its namesakes do)",
}


def test_every_view_that_queues_mail_is_limited():
    names: set[str] = set()
    services = _functions((PACKAGE / "services").rglob("*.py"))
    mailing_services = _mailing(services, names)
    assert {"register", "invite_co_speaker", "publish_round"} <= names  # the reading works
    # the daily command is no web form; expire_offers and send_offer_reminders, which it
    # calls, are also behind organizers' buttons (grant_decisions.expire and .remind)
    names -= {"run_daily"}
    views = _functions((PACKAGE / "blueprints").rglob("*.py"))
    mailing_views = _mailing(views, set(names), spread=lambda node: not _is_route(node))
    unlimited = sorted(
        f"{Path(path).parent.name}.{name}"
        for path, name in mailing_views
        if _is_route(views[(path, name)]) and not _is_limited(views[(path, name)])
    )
    unlimited = [view for view in unlimited if view not in SENDS_NO_MAIL]
    assert mailing_services and not unlimited, f"views that send mail without a limit: {unlimited}"
    limited = {
        f"{Path(path).parent.name}.{name}"
        for (path, name), node in views.items()
        if _is_route(node) and _is_limited(node)
    }
    assert limited == set(LIMITED), "keep LIMITED above in step with the decorated views"
