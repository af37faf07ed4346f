"""Download my data, and delete my account. Both only for the signed-in person's own data."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from organizer.blueprints import _common
from organizer.blueprints._common import access, attempt, utcnow
from organizer.blueprints._limits import rate_limited
from organizer.blueprints._sessions import sign_out
from organizer.blueprints.account_data.forms import DeleteAccountForm
from organizer.services import account_deletion, personal_data

bp = Blueprint("account_data", __name__)


@access("signed_in")
@bp.get("/account/data.zip")
@login_required
def download():
    """A GET behind sign-in: it changes nothing, and the archive holds only what the person
    can already see on their pages (deletion, which cannot be undone, asks for the password)."""
    now = utcnow()
    data = personal_data.archive(user=current_user, now=now)
    return _common.download(
        data, content_type="application/zip", name=f"my-data-{now:%Y-%m-%d}.zip"
    )


@access("signed_in")
@bp.route("/account/delete", methods=["GET", "POST"])
@rate_limited("mail")
@login_required
def delete():
    form = DeleteAccountForm()
    preview = account_deletion.preview(current_user)
    status = 200
    if form.validate_on_submit():
        done = attempt(
            lambda: account_deletion.delete_account(
                actor=current_user,
                password=form.password.data,
                confirmation=form.confirmation.data,
                now=utcnow(),
            ),
            form=form,
        )
        if done.ok:
            _pseudonym, files = done.value
            account_deletion.remove_files(files)
            sign_out()  # clears the session: the message is flashed after it
            flash(
                _(
                    "Your account is deleted. We sent a confirmation to your old address. "
                    "Thank you for taking part."
                ),
                "success",
            )
            return redirect(url_for("public.home"))
        status = done.status
    elif form.errors:
        status = 400
    return render_template(
        "account_data/delete.html", form=form, preview=preview, email=current_user.email
    ), status
