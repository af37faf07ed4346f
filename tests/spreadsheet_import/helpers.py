"""Spreadsheets as Google Forms and Microsoft Forms export them, written in the tests."""

from __future__ import annotations

import csv
import io

from organizer.extensions import db
from organizer.models import User
from tests.factories import NOW, make_cfp, make_event, make_user

GOOGLE_HEADERS = [
    "Timestamp",
    "Email Address",
    "Name",
    "Title of your talk",
    "Abstract",
    "Session type",
    "Track",
]


def csv_bytes(rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def proposal_row(n: int, **changes: str) -> list[str]:
    row = {
        "Timestamp": "11/20/2026 14:03:12",
        "Email Address": f"speaker{n}@example.org",
        "Name": f"Speaker {n}",
        "Title of your talk": f"Talk number {n}",
        "Abstract": "What we learnt.",
        "Session type": "Talk",
        "Track": "Methods",
        **changes,
    }
    return [row[h] for h in GOOGLE_HEADERS]


def proposals_file(count: int, **kwargs) -> bytes:
    return csv_bytes([GOOGLE_HEADERS] + [proposal_row(n) for n in range(1, count + 1)], **kwargs)


def organizer_and_event():
    organizer: User = make_user()
    event = make_event(organizer=organizer)
    make_cfp(event)
    db.session.flush()
    return organizer, event


__all__ = ["NOW"]
