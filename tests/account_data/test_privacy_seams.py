"""Seams between the data download, deletion and the committee's audit trail (privacy audit)."""

from __future__ import annotations

import io
import json
import zipfile

from organizer.enums import EventRoleName, ProposalState
from organizer.extensions import db
from organizer.models import AuditEntry
from organizer.services import cfp, decisions, personal_data, review
from organizer.services.grants import offers
from tests.factories import NOW, grant_role, make_proposal, make_user


def _data(user) -> str:
    raw = personal_data.archive(user=user, now=NOW)
    return zipfile.ZipFile(io.BytesIO(raw)).read("data.json").decode()


def test_the_download_does_not_name_the_reviewers_of_ones_proposal(world):
    # Blind review: the organizer assigns Rita to Ana's proposal; the audit entry on Ana's
    # proposal names Rita. Ana's download must not tell her who reviews her.
    rita = make_user(name="Rita Reviewer", email="rita@example.org")
    grant_role(rita, world.event, EventRoleName.REVIEWER)
    mine = make_proposal(world.event, world.ana, title="Tidal energy", abstract="On tides.")
    review.assign(actor=world.organizer, proposal=mine, reviewer=rita, now=NOW)
    # ...and pencils in a decision that is not published yet
    decisions.decide(actor=world.organizer, proposal=mine, outcome=ProposalState.ACCEPTED, now=NOW)
    db.session.flush()
    text = _data(world.ana)
    assert "Rita Reviewer" not in text
    assert f'"reviewer_id": {rita.id}' not in text
    assert "pending_decision" not in text and "decision.set" not in text


def test_the_download_holds_no_co_speakers_address_and_no_committee_pins(world):
    # Bo invites Cara onto a proposal Ana shares: Cara's address is Cara's data.
    cfp.invite_co_speaker(actor=world.ana, proposal=world.draft, email="cara@example.org", now=NOW)
    entry = db.session.query(AuditEntry).filter_by(action="proposal.co_speaker.invite").one()
    entry.actor_id = world.bo.id  # as if the other speaker had invited her
    offers.set_pin(actor=world.organizer, application=world.application, pin="fund", now=NOW)
    db.session.flush()
    data = json.loads(_data(world.ana))
    text = json.dumps(data)
    assert "cara@example.org" not in text
    assert "grant.pin" not in text and '"fund"' not in text
