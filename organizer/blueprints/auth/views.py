"""Accounts: register, verify, sign in and out, reset and change the password, profile.
Two-factor sign-in is in two_factor_views.py; both take `bp` from the package."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from organizer.blueprints._common import (
    access,
    attempt,
    client_address,
    commit,
    safe_next_url,
    show_domain_error,
    utcnow,
)
from organizer.blueprints._limits import rate_limited
from organizer.blueprints._sessions import sign_in, sign_out
from organizer.blueprints.auth import (
    bp,
    pending,
    two_factor_views,  # noqa: F401  (its routes, on bp)
)
from organizer.blueprints.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    LogoutForm,
    ProfileForm,
    RegisterForm,
    ResendVerificationForm,
    ResetPasswordForm,
    SignOutEverywhereForm,
)
from organizer.errors import DomainError, Throttled, ValidationFailed
from organizer.services import accounts, two_factor
from organizer.services.imports import people


@access("public")
@bp.route("/register", methods=["GET", "POST"])
@rate_limited("register")
def register():
    # ?next= (an invitation, say) rides along: in the form's URL, the verification link and
    # the sign-in after it, so that a new account ends where the person started
    next_url = safe_next_url(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("public.home"))
    form = RegisterForm()
    if (
        form.validate_on_submit()
        and attempt(
            lambda: accounts.register(
                email=form.email.data,
                password=form.password.data,
                display_name=form.display_name.data,
                now=utcnow(),
                next_url=next_url,
            ),
            form=form,
        ).ok
    ):
        return redirect(url_for("auth.check_inbox", next=next_url))
    return render_template("auth/register.html", form=form, next_url=next_url), (
        400 if form.errors else 200
    )


@access("public")
@bp.route("/register/check-inbox")
def check_inbox():
    return render_template(
        "auth/check_inbox.html", next_url=safe_next_url(request.args.get("next"))
    )


@access("token")
@bp.route("/verify/<token>")
def verify_email(token: str):
    if not attempt(
        lambda: accounts.verify_email(token=token, now=utcnow()),
        success=_("Thank you: your email address is verified."),
    ).ok:
        return render_template("auth/verify_failed.html"), 400
    # the page registration started from, checked again: the link only signs what was checked
    next_url = safe_next_url(accounts.verification_next_url(token))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("home.index"))
    return redirect(url_for("auth.login", next=next_url))


@access("signed_in")
@bp.post("/verify/resend")
@rate_limited("mail")
@login_required
def resend_verification():
    if ResendVerificationForm().validate_on_submit():
        accounts.send_verification(user=current_user, now=utcnow())
        commit()
        flash(
            _("A new verification link is on its way to %(email)s.", email=current_user.email),
            "success",
        )
    return redirect(url_for("auth.profile"))


@access("public")
@bp.route("/login", methods=["GET", "POST"])
@rate_limited("sign_in")
def login():
    if current_user.is_authenticated:
        return redirect(safe_next_url(request.args.get("next")) or url_for("home.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(
                email=form.email.data,
                password=form.password.data,
                client=client_address(),
                now=utcnow(),
            )
        except Throttled as error:
            show_domain_error(error)
            status = error.status_code
        except ValidationFailed as error:
            commit()  # keep the failure: it counts towards the throttle
            form.password.errors = [error.message]
            status = 400
        else:
            next_url = safe_next_url(request.args.get("next"))
            if two_factor.is_enabled(user):  # the second step signs in; until then, nothing
                commit()
                pending.start(user, remember=form.remember.data)
                return redirect(url_for("auth.two_factor_login", next=next_url))
            sign_in(user, remember=form.remember.data)
            commit()
            return redirect(next_url or url_for("home.index"))
    elif form.errors:
        status = 400
    return render_template(
        "auth/login.html", form=form, next_url=safe_next_url(request.args.get("next"))
    ), status


@access("signed_in")
@bp.post("/logout")
@login_required
def logout():
    if LogoutForm().validate_on_submit():
        accounts.record_logout(user=current_user, now=utcnow())
        commit()
        sign_out()
        flash(_("You are signed out."), "success")
    return redirect(url_for("public.home"))


@access("public")
@bp.route("/forgot-password", methods=["GET", "POST"])
@rate_limited("password_reset")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(email=form.email.data, now=utcnow())
        commit()
        flash(
            _(
                "If an account exists for %(email)s, we sent it a link to choose a new password. "
                "It works for %(minutes)d minutes.",
                email=form.email.data.strip(),
                minutes=current_app.config["RESET_TOKEN_MAX_AGE"] // 60,
            ),
            "success",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), 400 if form.errors else 200


@access("token")
@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@rate_limited("password_reset")
def reset_password(token: str):
    try:
        accounts.user_for_reset_token(token)
    except DomainError as error:
        show_domain_error(error)
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()

    def reset_and_sign_in():  # type: ignore[no-untyped-def]
        user = accounts.reset_password(token=token, new_password=form.password.data, now=utcnow())
        if two_factor.is_enabled(user):  # a mailbox alone must not get past the second step
            return user
        sign_in(user)  # every other session ended with the old password
        return None

    if form.validate_on_submit():
        done = attempt(
            reset_and_sign_in,
            form=form,
            success=lambda second_step: (
                _("Your new password is saved. Enter a code to sign in.")
                if second_step
                else _("Your new password is saved and you are signed in.")
            ),
        )
        if done.ok and done.value is not None:
            pending.start(done.value, remember=False)
            return redirect(url_for("auth.two_factor_login"))
        if done.ok:
            return redirect(url_for("home.index"))
    return render_template("auth/reset_password.html", form=form), 400 if form.errors else 200


@access("token")
@bp.route("/account/claim/<token>", methods=["GET", "POST"])
@rate_limited("password_reset")
def claim_account(token: str):
    """An imported speaker or applicant chooses a password for the account made for them."""
    try:
        person = people.user_for_claim_token(token)
    except DomainError as error:
        show_domain_error(error)
        return redirect(url_for("auth.login"))
    form = ResetPasswordForm()

    def claim_and_sign_in() -> None:
        sign_in(people.claim_account(token=token, new_password=form.password.data, now=utcnow()))

    if form.validate_on_submit():
        done = attempt(
            claim_and_sign_in,
            form=form,
            success=_("Your account is yours now, and you are signed in."),
        )
        if done.ok:
            return redirect(url_for("home.index"))
    page = render_template("auth/claim_account.html", form=form, person=person)
    return page, 400 if form.errors else 200


@access("signed_in")
@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if (
        form.validate_on_submit()
        and attempt(
            lambda: accounts.update_profile(
                user=current_user,
                display_name=form.display_name.data,
                pronouns=form.pronouns.data,
                locale=form.locale.data,
                now=utcnow(),
            ),
            form=form,
            success=_("Your profile is saved."),
        ).ok
    ):
        return redirect(url_for("auth.profile"))
    return render_template(
        "auth/profile.html",
        form=form,
        resend_form=ResendVerificationForm(),
        session_count=accounts.active_session_count(user=current_user, now=utcnow()),
        two_factor_on=two_factor.is_enabled(current_user),
    ), 400 if form.errors else 200


@access("signed_in")
@bp.route("/account/sign-out-everywhere", methods=["GET", "POST"])
@login_required
def sign_out_everywhere():
    """Asks first (GET), then ends every session of the account, this browser's too (POST)."""
    form = SignOutEverywhereForm()
    if form.validate_on_submit():
        accounts.sign_out_everywhere(user=current_user, now=utcnow())
        commit()
        sign_out()
        flash(_("You are signed out on every device and browser."), "success")
        return redirect(url_for("auth.login"))
    return render_template(
        "auth/sign_out_everywhere.html",
        form=form,
        session_count=accounts.active_session_count(user=current_user, now=utcnow()),
    ), 400 if form.errors else 200


@access("signed_in")
@bp.route("/account/password", methods=["GET", "POST"])
@rate_limited("mail")
@login_required
def change_password():
    form = ChangePasswordForm()

    def change_and_sign_in() -> None:
        accounts.change_password(
            user=current_user,
            current_password=form.current_password.data,
            new_password=form.new_password.data,
            now=utcnow(),
        )
        sign_in(current_user._get_current_object())  # every session ended; a new one here

    if (
        form.validate_on_submit()
        and attempt(
            change_and_sign_in,
            form=form,
            success=_("Your password is changed. Other devices have been signed out."),
        ).ok
    ):
        return redirect(url_for("auth.profile"))
    return render_template("auth/change_password.html", form=form), 400 if form.errors else 200
