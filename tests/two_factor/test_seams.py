"""Where two-factor sign-in meets the other features of this round: every way to an event's
team data goes through the gate, not only the pages under /manage and /review."""

from __future__ import annotations

import io

from organizer.enums import EventRoleName, GrantState
from organizer.extensions import db
from organizer.services.grants import reimbursement
from organizer.services.questions import FileInput
from tests.factories import (
    NOW,
    enrol_two_factor,
    grant_role,
    login_as,
    make_application,
    make_event,
    make_programme,
    make_user,
)
from tests.grants.test_reimbursement import PDF, SPENT, award


def a_receipt_in(event):
    grantee = make_user(name="Ama Grantee")
    application = make_application(make_programme(event), grantee, state=GrantState.ACCEPTED)
    award(application, {"travel": 30_000})
    return reimbursement.add_receipt(
        actor=grantee,
        application=application,
        file=FileInput(io.BytesIO(PDF), "passport-and-ticket.pdf"),
        category="travel",
        amount=10_000,
        currency="EUR",
        spent_on=SPENT,
        description="",
        now=NOW,
    )


def test_an_unenrolled_organizer_cannot_fetch_the_teams_files_through_the_speakers_address(
    client,
):
    """cfp.file lets organizers read every upload of their event (receipts and file answers
    included); under /<slug>/cfp/files it sat outside the team-page prefixes of the gate."""
    enrolled = make_user()
    enrol_two_factor(enrolled)
    event = make_event(organizer=enrolled, require_two_factor=True)
    receipt = a_receipt_in(event)
    unenrolled = make_user()
    grant_role(unenrolled, event, EventRoleName.ORGANIZER)
    db.session.commit()
    upload_id = receipt.upload.public_id

    login_as(client, unenrolled)
    for path in (
        f"/{event.slug}/cfp/files/{upload_id}",
        f"/{event.slug}/grants/receipts/{receipt.public_id}/file",
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.location.startswith("/account/two-factor?next="), path

    # once enrolled, the same address serves the file
    enrol_two_factor(unenrolled)
    db.session.commit()
    response = client.get(f"/{event.slug}/cfp/files/{upload_id}")
    assert response.status_code == 200 and response.data == PDF
    response.close()
