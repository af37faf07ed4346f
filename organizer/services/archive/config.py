"""An event's configuration as plain JSON, and back: what cloning an edition copies, and the
first part of a whole-event archive (services/archive/package.py).

What is configuration is said once, in `SECTIONS` (and `EVENT_SETTINGS` for the event's own
columns); every other column of those tables follows from the models (services/archive/rows.py).

Copied (every date and instant moved by the shift, on the event's wall clock):
- the event's settings: description, code of conduct, contact address, time zone, currency,
  venue, accounting retention, two-factor requirement (a copy is never public at first);
- the call for talks (dates, text, review settings, languages), session types, tracks with
  their colours, organizers' tags, the call's questions with their options;
- review criteria (and the tracks they apply to), review phases;
- the event's mail templates and visa letter template;
- rooms with their accessibility details and opening windows, schedule settings, the days with
  their hours, and the day's fixed items (plenary items such as breaks, lunches and keynote
  placeholders, and empty containers such as a lightning-talk block; never talks);
- print settings;
- grant programmes (budget and caps in minor units of their currency, kinds, dates), their
  questions and criteria;
- registration settings (its code of conduct starts again at version 1), kinds of place,
  registration questions;
- the representation survey's set-up: settings, consent text, questions, options, targets
  (services/representation/config_copy.py).

Deliberately NOT copied, because it is people's data or the history of one edition:
proposals, speakers and their profiles, answers, uploads and session materials, reviews,
assignments, declared interests, personal deadline extensions, decision rounds, talks on the
grid, schedule releases, edits and suggestions, speakers' availability, agendas; grant
applications, reviews, allocation runs, awards, receipts, payouts, messages and exchange rates;
registrations, their answers and access needs, older code of conduct versions; survey
responses, answers and links, older consent versions; team roles and invitations; mail batches
and the outbox; the audit log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from organizer.enums import SlotKind
from organizer.extensions import db
from organizer.models import (
    Cfp,
    CodeOfConductVersion,
    Event,
    GrantCriterion,
    GrantProgramme,
    GrantQuestion,
    LetterTemplate,
    MailTemplate,
    PlaceKind,
    PrintSettings,
    Question,
    RegistrationQuestion,
    RegistrationSettings,
    ReviewCriterion,
    ReviewPhase,
    Room,
    RoomWindow,
    ScheduleDay,
    ScheduleSettings,
    SessionType,
    Slot,
    Tag,
    Track,
)
from organizer.services.archive import rows, values
from organizer.services.archive.rows import Section
from organizer.services.representation import config_copy as survey_copy

CONFIG_VERSION = 1

# The event's own columns that are configuration. Its name, address (slug) and dates belong to
# the new edition; `is_public` always starts off.
EVENT_SETTINGS = (
    "description",
    "code_of_conduct",
    "contact_email",
    "timezone",
    "currency",
    "venue",
    "accounting_retention_years",
    "require_two_factor",
)
EVENT_IDENTITY = ("slug", "name", "starts_on", "ends_on")


def _first_code_of_conduct_version(event: Event, _settings: Any, now: dt.datetime) -> None:
    db.session.add(
        CodeOfConductVersion(
            event_id=event.id, version=1, text=event.code_of_conduct or "", created_at=now
        )
    )


def _fixed_schedule_items() -> Any:
    return (Slot.kind != SlotKind.TALK) & Slot.parent_id.is_(None)


SECTIONS: list[Section] = [
    Section(name="cfp", model=Cfp),
    Section(name="session_types", model=SessionType),
    Section(name="tracks", model=Track),
    Section(name="tags", model=Tag),
    Section(name="questions", model=Question),
    Section(name="review_criteria", model=ReviewCriterion, links={"tracks": "tracks"}),
    Section(name="review_phases", model=ReviewPhase),
    Section(name="mail_templates", model=MailTemplate),
    Section(name="letter_template", model=LetterTemplate),
    Section(name="print_settings", model=PrintSettings),
    Section(name="schedule_settings", model=ScheduleSettings),
    Section(name="rooms", model=Room),
    Section(name="room_windows", model=RoomWindow, owner="rooms", owner_column="room_id"),
    Section(name="schedule_days", model=ScheduleDay),
    Section(
        name="schedule_items",
        model=Slot,
        refs={"room_id": "rooms"},
        reset={"proposal_id": None, "parent_id": None, "updated_by_id": None, "version": 1},
        only=_fixed_schedule_items,
    ),
    Section(name="grant_programmes", model=GrantProgramme, history=("exchange_rate",)),
    Section(
        name="grant_questions",
        model=GrantQuestion,
        owner="grant_programmes",
        owner_column="programme_id",
    ),
    Section(
        name="grant_criteria",
        model=GrantCriterion,
        owner="grant_programmes",
        owner_column="programme_id",
    ),
    Section(
        name="registration_settings",
        model=RegistrationSettings,
        reset={"code_of_conduct_version": 1, "access_purged_at": None},
        after_load=_first_code_of_conduct_version,
        history=("code_of_conduct_version",),
    ),
    Section(name="place_kinds", model=PlaceKind),
    Section(name="registration_questions", model=RegistrationQuestion),
    *survey_copy.SECTIONS,
]

SECTION_NAMES = tuple(section.name for section in SECTIONS)

# The tables of the event's configuration, as the whole-event archive's config.json carries
# them (services/archive/content.py): SECTIONS' tables, with their history.
CONFIGURATION_TABLES = rows.tables_of(SECTIONS)


def dump_config(event: Event) -> dict[str, Any]:
    """The event's configuration as JSON-able data:
    `{"version": 1, "event": {...}, "sections": {name: [row, ...]}}`. Each row has a `key`
    (its id as a string) that other rows, and an archive's content, refer to."""
    settings = {name: rows.to_json(getattr(event, name)) for name in EVENT_IDENTITY}
    settings.update({name: rows.to_json(getattr(event, name)) for name in EVENT_SETTINGS})
    return {
        "version": CONFIG_VERSION,
        "event": settings,
        "sections": rows.dump_rows(event, SECTIONS),
    }


def load_config(
    event: Event, data: dict[str, Any], *, shift: dt.timedelta = dt.timedelta(0), now: dt.datetime
) -> dict[str, dict[str, object]]:
    """Create the configuration in `data` on `event` (new, with no configuration yet),
    moving every date by `shift` (whole days, kept on the event's wall clock). The event's
    settings are applied too; its slug, name, dates and public flag are left as they are.
    Returns {section: {key: new row}} so that content can be mapped onto the new rows."""
    version = data.get("version")
    if version != CONFIG_VERSION:
        raise ValueError(f"unsupported configuration version {version!r}")
    columns = Event.__table__.columns
    for name in EVENT_SETTINGS:
        if name in data.get("event", {}):
            setattr(event, name, values.from_json(columns[name], data["event"][name]))
    event.updated_at = now
    db.session.flush()
    made: dict[str, dict[str, object]] = {}
    rows.load_rows(event, data.get("sections", {}), SECTIONS, shift=shift, now=now, made=made)
    return made
