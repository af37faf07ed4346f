"""The demo workshop plus one row in each table the demo leaves empty, so that a round trip
covers every table the archive carries (and a container slot holding a talk, a file upload)."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
from pathlib import Path

from flask import current_app
from sqlalchemy import insert, select

from organizer.enums import ContainerKind, MaterialKind, PlenaryKind, SlotKind
from organizer.extensions import db
from organizer.models import (
    AllocationLine,
    AllocationRun,
    CfpExtension,
    Event,
    ExchangeRate,
    GrantApplication,
    GrantInterest,
    GrantProgramme,
    MailTemplate,
    PrintSettings,
    Proposal,
    ProposalInterest,
    Room,
    RoomWindow,
    SessionMaterial,
    Slot,
    Tag,
    Track,
    Upload,
    proposal_tag,
    reviewer_track,
)
from organizer.services import accounts
from organizer.services.demo import load_demo, read_fixture
from organizer.services.representation import survey, survey_setup
from tests.factories import NOW, make_user

PDF = b"%PDF-1.4\n% slides of the archive's round trip\n%%EOF\n"


def rich_event() -> Event:
    load_demo(data=read_fixture(), now=NOW)
    event = db.session.scalar(select(Event).where(Event.slug == "mangrove-2027"))
    assert event is not None
    person = make_user(email="Extra.Person@Example.org", name="Ünïcode Persön")
    proposal = db.session.scalars(select(Proposal).where(Proposal.event_id == event.id)).first()
    track = db.session.scalars(select(Track).where(Track.event_id == event.id)).first()
    room = db.session.scalars(select(Room).where(Room.event_id == event.id)).first()
    programme = db.session.scalar(select(GrantProgramme).where(GrantProgramme.event_id == event.id))
    application = db.session.scalars(
        select(GrantApplication).where(GrantApplication.programme_id == programme.id)
    ).first()
    tag = Tag(event_id=event.id, name="needs mentor")
    upload = Upload(
        event_id=event.id,
        owner_id=person.id,
        filename="slides.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
        created_at=NOW,
    )
    db.session.add_all([tag, upload])
    db.session.flush()
    Path(current_app.config["UPLOAD_DIR"]).mkdir(parents=True, exist_ok=True)
    (Path(current_app.config["UPLOAD_DIR"]) / upload.public_id).write_bytes(PDF)
    db.session.execute(insert(proposal_tag).values(proposal_id=proposal.id, tag_id=tag.id))
    db.session.execute(insert(reviewer_track).values(user_id=person.id, track_id=track.id))
    # A survey target, through the representation service (the only way tests reach surveys).
    question = survey.questions_of(event)[0]
    survey_setup.set_target(
        actor=accounts.user_by_email("organizer@example.org"),
        event=event,
        question_key=question.key,
        option_key=question.options[0].key,
        stage_key="proposal_submitted",
        percent=30,
        now=NOW,
    )
    container = Slot(
        event_id=event.id,
        kind=SlotKind.CONTAINER,
        container_kind=ContainerKind.LIGHTNING,
        title="Lightning talks",
        duration_minutes=60,
        room_id=room.id,
        starts_at=NOW + dt.timedelta(days=30),
        created_at=NOW,
        updated_at=NOW,
    )
    db.session.add(container)
    db.session.flush()
    run = AllocationRun(programme_id=programme.id, budget=500_00, created_at=NOW)
    db.session.add(run)
    db.session.flush()
    db.session.add_all(
        [
            MailTemplate(
                event_id=event.id, purpose="accepted", subject="Yes", body="Hi", updated_at=NOW
            ),
            PrintSettings(event_id=event.id, sections=["talks"], updated_at=NOW),
            RoomWindow(room_id=room.id, starts_at=NOW, ends_at=NOW + dt.timedelta(hours=8)),
            ExchangeRate(
                programme_id=programme.id,
                currency="USD",
                on_date=dt.date(2027, 3, 1),
                rate=decimal.Decimal("0.91234567"),
                created_at=NOW,
            ),
            SessionMaterial(
                event_id=event.id,
                proposal_id=proposal.id,
                kind=MaterialKind.SLIDES,
                title="Slides",
                upload_id=upload.id,
                added_by_id=person.id,
                created_at=NOW,
            ),
            CfpExtension(
                event_id=event.id,
                user_id=person.id,
                until=NOW + dt.timedelta(days=3),
                created_at=NOW,
            ),
            ProposalInterest(
                proposal_id=proposal.id, user_id=person.id, reason="friend", created_at=NOW
            ),
            GrantInterest(
                application_id=application.id, user_id=person.id, reason="colleague", created_at=NOW
            ),
            AllocationLine(
                run_id=run.id,
                application_id=application.id,
                amounts={"travel": 123_45},
                total=123_45,
            ),
            Slot(
                event_id=event.id,
                kind=SlotKind.PLENARY,
                plenary_kind=PlenaryKind.OTHER,
                title="Short demo",
                duration_minutes=10,
                parent_id=container.id,
                created_at=NOW,
                updated_at=NOW,
            ),
        ]
    )
    db.session.flush()
    return event
