"""A person's own data, as one archive (GDPR articles 15 and 20: access and portability).

`archive(user=..., now=...)` gives a zip with `data.json` (everything the app holds about the
person, in the shape documented in docs/accounts-and-events.md, "Your data") and the files
they uploaded under `files/`. It runs a fixed number of queries whatever the amount of data
(tests/account_data/test_export.py counts them), and it holds nothing about anyone else:

- proposals and grant applications are named by their public ids; the other speakers of a
  shared proposal are not listed (their names and addresses are their data);
- reviews the person wrote name the proposal or application only by its public id;
- what the committee wrote about the person (others' reviews, internal notes, pins) is the
  committee's working record and is not included; an audit entry the person caused is listed
  without its details when those are about something else (a decision on someone's proposal);
- self-identification answers come only through `representation.answering.own_answers_for_export`,
  i.e. only while the survey still links them to the person (after the purge nobody can find
  them, the person included).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from typing import Any

from sqlalchemy import select

from organizer.extensions import db
from organizer.models import Upload, User
from organizer.services import uploads
from organizer.services.personal_data import account, grants, registrations, talks
from organizer.services.personal_data.person import Person, file_path
from organizer.services.representation import answering

FORMAT = "organizer-personal-data/1"

# Every top-level key of data.json, in order; the docs list the same (a test compares them).
SECTIONS = (
    "format",
    "generated_at",
    "account",
    "event_roles",
    "team_invitations",
    "proposals",
    "speaker_profiles",
    "availability",
    "deadline_extensions",
    "review_assignments",
    "reviews",
    "conflicts_declared",
    "grant_applications",
    "grant_reviews",
    "registrations",
    "agendas",
    "mail",
    "audit_entries",
    "failed_sign_ins",
    "survey_responses",
    "files",
)


def collect(user: User, *, now: dt.datetime) -> dict[str, Any]:
    """Everything about `user`, as JSON-ready data (see the module's docstring): one function
    per section of data.json, in the order of SECTIONS."""
    person = Person.of(user)
    proposals, proposal_ids = talks.proposals(person)
    data: dict[str, Any] = {
        "format": FORMAT,
        "generated_at": now.isoformat(),
        "account": account.account(user),
        "event_roles": account.event_roles(person),
        "team_invitations": account.team_invitations(person),
        "proposals": proposals,
        "speaker_profiles": talks.speaker_profiles(person),
        "availability": talks.availability(person),
        "deadline_extensions": talks.deadline_extensions(person),
        "review_assignments": talks.review_assignments(person),
        "reviews": talks.reviews(person),
        "conflicts_declared": talks.conflicts_declared(person),
        "grant_applications": grants.applications(person),
        "grant_reviews": grants.reviews(person.uid, person.slugs),
        "registrations": registrations.registrations(person),
        "agendas": account.agendas(person),
        "mail": account.mail(person),
        "audit_entries": account.audit_entries(person.uid, person.slugs, proposal_ids),
        "failed_sign_ins": account.failed_sign_ins(person),
        "survey_responses": answering.own_answers_for_export(user),
        "files": account.files(person),
    }
    assert tuple(data) == SECTIONS
    return data


def archive(*, user: User, now: dt.datetime) -> bytes:
    """The zip: data.json, a short README, and each uploaded file under files/."""
    data = collect(user, now=now)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive_file:
        archive_file.writestr(
            "data.json", json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
        )
        archive_file.writestr("README.txt", README)
        uploads_by_path = {entry["path"]: entry for entry in data["files"]}
        for upload in db.session.scalars(
            select(Upload).where(Upload.owner_id == user.id).order_by(Upload.id)
        ):
            path = uploads.path_of(upload)
            if path.is_file() and file_path(upload) in uploads_by_path:
                archive_file.write(path, file_path(upload))
    return buffer.getvalue()


README = """\
Your data from organizer.

data.json holds everything this site keeps about you, as JSON (UTF-8). Each top-level key is
explained in the site's documentation, docs/accounts-and-events.md, section "Your data".
Amounts of money are integers in the smallest unit of their currency (cents for EUR).
Times are in UTC, in ISO 8601.

files/ holds every file you uploaded, as you sent it, under files/<id>/<name>; data.json
refers to each by this path.
"""


__all__ = ["SECTIONS", "archive", "collect"]
