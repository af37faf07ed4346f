"""Export an event, import it into another instance (a second database), export it again:
the same rows in every table, the same amounts, the same files."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from organizer.extensions import db
from organizer.models import Event, Proposal, SessionMaterial, User
from organizer.services.archive import content, package
from tests.archive.data import PDF, rich_event
from tests.factories import NOW, make_user

MONEY = {
    "grant_programme": ("budget", "registration_fee", "request_cap"),
    "grant_application": ("requested_total", "own_contribution"),
    "grant_review": ("recommended_amount",),
    "allocation_line": ("total",),
    "grant_award": ("total",),
    "receipt": ("amount", "converted"),
    "payout": ("amount",),
}


def counts(event: Event) -> dict[str, int]:
    return {
        name: db.session.scalar(
            select(func.count())
            .select_from(content.table(name))
            .where(content.scope(name, event.id))
        )
        for _, name in content.all_tables()
    }


def amounts(event: Event) -> dict[str, int]:
    out = {}
    for name, columns in MONEY.items():
        t = content.table(name)
        for column in columns:
            out[f"{name}.{column}"] = db.session.scalar(
                select(func.coalesce(func.sum(t.c[column]), 0)).where(content.scope(name, event.id))
            )
    return out


def canonical(docs: dict) -> dict[str, list[str]]:
    """Every row without its keys, references to people as their address."""
    emails = {p["key"]: p["email"].lower() for p in docs["people.json"]["people"]}
    out = {}
    for document in content.DOCUMENTS:
        for name, rows in docs[f"{document}.json"]["tables"].items():
            kinds = {f.column.name: f.kind for f in content.fields_of(name)}
            shown = []
            for row in rows:
                kept = {}
                for column, value in row.items():
                    if kinds.get(column) in ("key", "ref"):
                        continue
                    kept[column] = emails.get(value, value) if kinds[column] == "person" else value
                shown.append(json.dumps(kept, sort_keys=True))
            out[name] = sorted(shown)
    return out


def test_every_table_survives_a_round_trip_between_two_instances(app, other_app):
    event = rich_event()
    before_counts, before_amounts = counts(event), amounts(event)
    assert all(before_counts.values()), [n for n, c in before_counts.items() if not c]
    archive = package.archive_of(event, now=NOW)
    docs_before, files = package.read_archive(archive)
    assert PDF in files.values()
    with other_app.app_context():
        admin = make_user(email="admin@other.test", site_admin=True)
        imported = package.import_event(archive=archive, slug=None, actor=admin, now=NOW)
        db.session.commit()
        assert imported.slug == event.slug
        assert counts(imported) == {
            **before_counts,
            "event_role": before_counts["event_role"] + 1,
        }
        assert amounts(imported) == before_amounts
        again, files_again = package.read_archive(package.archive_of(imported, now=NOW))
        assert files_again == files
        material = db.session.scalar(
            select(SessionMaterial).join(Proposal).where(Proposal.event_id == imported.id)
        )
        stored = Path(other_app.config["UPLOAD_DIR"]) / material.upload.public_id
        assert stored.read_bytes() == PDF
        assert {u.email for u in db.session.scalars(select(User))} >= {"extra.person@example.org"}
        # the released schedule reads on the other instance from its frozen copy
        client = other_app.test_client()
        for path in (f"/{imported.slug}/schedule/", f"/{imported.slug}/schedule.xml"):
            assert client.get(path).status_code == 200, path
    first, second = canonical(docs_before), canonical(again)
    for name in first:
        if name == "event_role":
            continue
        assert first[name] == second[name], name


def test_a_clone_exported_and_imported_elsewhere_keeps_its_configuration(app, other_app):
    """Clone, export and import: next year's edition made here from the demo, then moved to
    another instance, has the same configuration rows and amounts at each step, and none of
    the source's people's data."""
    from organizer.services import accounts
    from organizer.services.archive import cloning, config

    source = rich_event()
    organizer = accounts.user_by_email("organizer@example.org")
    clone = cloning.clone_event(
        source=source,
        slug="mangrove-2028",
        name="Mangrove 2028",
        start_date=source.starts_on.replace(year=source.starts_on.year + 1),
        actor=organizer,
        now=NOW,
    )
    db.session.commit()
    source_counts, clone_counts = counts(source), counts(clone)
    configuration = set(config.CONFIGURATION_TABLES) & set(clone_counts)
    copied = {n for n in configuration if clone_counts[n]}
    assert {"track", "session_type", "question", "review_criterion", "room"} <= copied
    assert {"grant_programme", "mail_template", "place_kind"} <= copied
    for name in copied:
        assert clone_counts[name] <= source_counts[name], name
    people_data = ("proposal", "review", "grant_application", "grant_award", "registration")
    assert all(clone_counts[n] == 0 for n in people_data if n in clone_counts)
    budgets = amounts(clone)["grant_programme.budget"]
    assert budgets == amounts(source)["grant_programme.budget"] > 0

    archive = package.archive_of(clone, now=NOW)
    with other_app.app_context():
        admin = make_user(email="clone-admin@other.test", site_admin=True)
        moved = package.import_event(archive=archive, slug=None, actor=admin, now=NOW)
        db.session.commit()
        assert moved.slug == "mangrove-2028"
        assert counts(moved) == {**clone_counts, "event_role": clone_counts["event_role"] + 1}
        assert amounts(moved)["grant_programme.budget"] == budgets
