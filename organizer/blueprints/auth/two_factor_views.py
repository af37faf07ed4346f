"""Two-factor sign-in: the second sign-in step, enrolment from the account page, recovery
codes, switching it off, and the gate that sends people who need it to enrolment."""

from __future__ import annotations

from urllib.parse import quote

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from organizer import permissions
from organizer.blueprints._common import (
    access,
    attach_errors,
    attempt_then_redirect,
    client_address,
    commit,
    safe_next_url,
    show_domain_error,
    utcnow,
)
from organizer.blueprints._limits import rate_limited
from organizer.blueprints._sessions import sign_in, sign_in_again
from organizer.blueprints.auth import bp, pending
from organizer.blueprints.auth.two_factor_forms import (
    ConfirmTwoFactorForm,
    DisableTwoFactorForm,
    RegenerateRecoveryCodesForm,
    StartTwoFactorForm,
    TwoFactorSignInForm,
)
from organizer.errors import DomainError, ValidationFailed
from organizer.services import two_factor
from organizer.services.events import event_by_slug

# What someone who must set up two-factor sign-in can still open.
OPEN_ENDPOINTS = frozenset(
    {
        "static",
        "auth.two_factor",
        "auth.two_factor_start",
        "auth.two_factor_confirm",
        "auth.logout",
        "auth.verify_email",
        "health.healthz",  # probes: no session, no database (blueprints/health)
        "health.readyz",
    }
)
# An event's team pages, gated when the event requires two-factor sign-in of its team: those
# under these prefixes, and every route whose access rule (@access) lets the team in by its
# role, wherever its address is (cfp.file serves organizers every upload of the event).
TEAM_PAGE_PREFIXES = ("/manage/<event_slug>/", "/review/<event_slug>/")
TEAM_ACCESS_RULES = frozenset({"owner_or_organizer", "reviewer", "grant_reviewer", "organizer"})


def _next_url() -> str | None:
    return safe_next_url(request.args.get("next"))


def _is_team_page() -> bool:
    rule = request.url_rule
    if rule is None:
        return False
    view = current_app.view_functions.get(rule.endpoint)
    return (
        rule.rule.startswith(TEAM_PAGE_PREFIXES)
        or getattr(view, "access_rule", None) in TEAM_ACCESS_RULES
    )


@bp.before_app_request
def require_two_factor():  # type: ignore[no-untyped-def]
    """Send site admins without two-factor sign-in, and the team of an event that requires it,
    to enrolment; they can open nothing else (site admins) or none of that event's team pages."""
    if request.endpoint in OPEN_ENDPOINTS or not current_user.is_authenticated:
        return None
    if current_user.is_site_admin:
        if two_factor.is_enabled(current_user):
            return None
        message = _("Your account needs two-factor sign-in. Set it up to continue.")
    else:
        slug = (request.view_args or {}).get("event_slug")
        if not slug or not current_user.event_roles or not _is_team_page():
            return None
        event = event_by_slug(slug)
        if (
            event is None
            or not event.require_two_factor
            or not permissions.roles_in(current_user, event)
            or two_factor.is_enabled(current_user)
        ):
            return None
        message = _(
            "%(event)s asks everyone on its team to use two-factor sign-in. Set it up to continue.",
            event=event.name,
        )
    flash(message, "info")
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.two_factor", next=safe_next_url(target)))


@access("public")
@bp.route("/login/two-factor", methods=["GET", "POST"])
@rate_limited("sign_in")
def two_factor_login():
    if current_user.is_authenticated:
        return redirect(_next_url() or url_for("home.index"))
    user, remember = pending.pending()
    if user is None:
        pending.clear()
        flash(_("Sign in with your password first (the code step waits 10 minutes)."), "info")
        return redirect(url_for("auth.login", next=_next_url()))
    form = TwoFactorSignInForm()
    status = 200
    if form.validate_on_submit():
        now = utcnow()
        try:
            method = two_factor.verify(
                user=user, code=form.code.data, client=client_address(), now=now, at_sign_in=True
            )
        except ValidationFailed as error:
            commit()  # keep the failure: it counts towards the throttle
            attach_errors(form, error.errors)
            status = 400
        except DomainError as error:
            show_domain_error(error)
            status = error.status_code
        else:
            two_factor.complete_sign_in(user=user, method=method, now=now)
            pending.clear()
            sign_in(user, remember=remember)
            commit()
            if method == "recovery":
                flash(
                    _(
                        "You signed in with a recovery code; it does not work again. "
                        "%(count)d unused codes are left.",
                        count=two_factor.remaining_recovery_codes(user),
                    ),
                    "info",
                )
            return redirect(_next_url() or url_for("home.index"))
    elif form.errors:
        status = 400
    return render_template("auth/two_factor_login.html", form=form), status


def _settings_page(**forms):  # type: ignore[no-untyped-def]
    user = current_user._get_current_object()
    state = two_factor.state_of(user)
    context = {
        "state": state,
        "enabled": state is not None and state.enabled_at is not None,
        "required": two_factor.required_for(user),
        "next_url": _next_url(),
        "start_form": forms.get("start_form") or StartTwoFactorForm(),
    }
    if context["enabled"]:
        context["key_readable"] = two_factor.key_readable(user)
        context["remaining"] = two_factor.remaining_recovery_codes(user)
        context["regenerate_form"] = forms.get("regenerate_form") or RegenerateRecoveryCodesForm()
        context["disable_form"] = forms.get("disable_form") or DisableTwoFactorForm()
    elif state is not None:
        secret = two_factor.pending_secret(user)
        if secret is not None:
            uri = two_factor.provisioning_uri(user=user, secret=secret)
            context["secret"] = secret
            context["secret_groups"] = [secret[i : i + 4] for i in range(0, len(secret), 4)]
            context["qr_code"] = two_factor.qr_code_data_uri(uri)
            context["confirm_form"] = forms.get("confirm_form") or ConfirmTwoFactorForm()
    has_errors = any(form.errors for form in forms.values())
    return render_template("auth/two_factor.html", **context), 400 if has_errors else 200


def _codes_page(codes: list[str]):  # type: ignore[no-untyped-def]
    text = "\n".join(
        [
            _("Recovery codes for %(email)s", email=current_user.email),
            _("Each code works once, in place of the code from your app."),
            "",
            *codes,
            "",
        ]
    )
    return render_template(
        "auth/recovery_codes.html",
        codes=codes,
        download_uri="data:text/plain;charset=utf-8," + quote(text),
        next_url=_next_url(),
    )


def _attempt(form, call, *, success: str):  # type: ignore[no-untyped-def]
    """Run a settings change that needs a code: (True, its result) once committed and
    `success` flashed, or (False, None) with the wrong code shown on the form and kept (it
    counts towards the throttle). Any other refusal is flashed and answered with a redirect
    to the settings page."""
    try:
        result = call()
    except ValidationFailed as error:
        commit()
        attach_errors(form, error.errors)
        return False, None
    except DomainError as error:
        show_domain_error(error)
        abort(redirect(url_for("auth.two_factor", next=_next_url())))
    commit()
    flash(success, "success")
    return True, result


@access("signed_in")
@bp.get("/account/two-factor", endpoint="two_factor")
@login_required
def two_factor_page():
    return _settings_page()


@access("signed_in")
@bp.post("/account/two-factor/start")
@login_required
def two_factor_start():
    form = StartTwoFactorForm()
    to = url_for("auth.two_factor", next=_next_url())
    if form.validate_on_submit():
        return attempt_then_redirect(
            lambda: two_factor.start_enrolment(user=current_user, now=utcnow()), to=to
        )
    return redirect(to)


@access("signed_in")
@bp.post("/account/two-factor/confirm")
@rate_limited("mail")
@login_required
def two_factor_confirm():
    form = ConfirmTwoFactorForm()
    if form.validate_on_submit():

        def confirm_and_sign_in_again():  # type: ignore[no-untyped-def]
            codes = two_factor.confirm_enrolment(
                user=current_user, code=form.code.data, client=client_address(), now=utcnow()
            )
            sign_in_again(current_user._get_current_object())  # every session ended
            return codes

        done, codes = _attempt(
            form,
            confirm_and_sign_in_again,
            success=_("Two-factor sign-in is on. Other devices have been signed out."),
        )
        if done:
            return _codes_page(codes)
    return _settings_page(confirm_form=form)


@access("signed_in")
@bp.post("/account/two-factor/recovery-codes")
@rate_limited("mail")
@login_required
def two_factor_recovery_codes():
    form = RegenerateRecoveryCodesForm()
    if form.validate_on_submit():
        done, codes = _attempt(
            form,
            lambda: two_factor.regenerate_recovery_codes(
                user=current_user, code=form.code.data, client=client_address(), now=utcnow()
            ),
            success=_("New recovery codes are made; the old ones no longer work."),
        )
        if done:
            return _codes_page(codes)
    return _settings_page(regenerate_form=form)


@access("signed_in")
@bp.post("/account/two-factor/disable")
@rate_limited("mail")
@login_required
def two_factor_disable():
    form = DisableTwoFactorForm()
    if form.validate_on_submit():
        done, _result = _attempt(
            form,
            lambda: two_factor.disable(
                user=current_user,
                password=form.password.data,
                code=form.code.data,
                client=client_address(),
                now=utcnow(),
            ),
            success=_("Two-factor sign-in is off."),
        )
        if done:
            return redirect(url_for("auth.two_factor"))
    return _settings_page(disable_form=form)
