"""The treasurer's CSV: one row per awarded application with what was awarded per category,
approved, paid and when. No demographic data; the applicant's motivation (their need
statement) only when asked for with `include_need`."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from organizer.enums import GrantCategory, GrantState
from organizer.extensions import db
from organizer.models import GrantApplication, GrantAward, GrantProgramme
from organizer.services import money
from organizer.services.exports.cells import write_rows
from organizer.services.grants import reimbursement

CATEGORIES = [c.value for c in GrantCategory]


def awarded_applications(programme: GrantProgramme) -> list[GrantApplication]:
    """Awards that hold money: offered or accepted. Declined and expired offers released
    theirs, so summing the column gives what the programme owes or may owe."""
    return list(
        db.session.scalars(
            select(GrantApplication)
            .join(GrantAward, GrantAward.application_id == GrantApplication.id)
            .where(
                GrantApplication.programme_id == programme.id,
                GrantApplication.state.in_((GrantState.OFFERED, GrantState.ACCEPTED)),
            )
            .options(
                selectinload(GrantApplication.applicant),
                selectinload(GrantApplication.award),
                selectinload(GrantApplication.programme),
            )
            .order_by(GrantApplication.id)
        )
    )


def _major(amount: int, currency: str) -> str:
    """Amounts as the treasurer's spreadsheet reads them: major units, a dot, no sign."""
    return money.for_input(amount, currency)


def render(programme: GrantProgramme, *, include_need: bool = False) -> str:
    applications = awarded_applications(programme)
    by_id = reimbursement.summaries(applications)
    header = [
        _("Application"),
        _("Name"),
        _("Email"),
        _("Programme"),
        _("State"),
        *[_("Awarded: %(category)s", category=c) for c in CATEGORIES],
        _("Awarded total"),
        _("Approved claims"),
        _("Payable"),
        _("Paid"),
        _("Last payout"),
        _("Currency"),
    ]
    if include_need:
        header.append(_("Motivation and need"))
    rows: list[list[object]] = [header]
    currency = programme.currency
    for application in applications:
        award = application.award
        assert award is not None
        summary = by_id[application.id]
        row: list[object] = [
            application.public_id,
            application.applicant.display_name,
            application.applicant.email,
            programme.name,
            application.state.value,
            *[_major(award.amounts.get(c, 0), currency) for c in CATEGORIES],
            _major(award.total, currency),
            _major(summary.approved, currency),
            _major(summary.payable, currency),
            _major(summary.paid, currency),
            summary.last_paid_on.isoformat() if summary.last_paid_on else "",
            currency,
        ]
        if include_need:
            row.append(application.motivation)
        rows.append(row)
    return write_rows(rows)
