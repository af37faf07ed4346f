"""A web process that serves the public pages loads neither OR-Tools nor WeasyPrint, nor the
other libraries only some requests or commands need (the PDF and image libraries of uploads,
QR codes, Alembic and Flask-Migrate): they are imported by the functions that use them, not by
the modules a request goes through. Its resident memory stays under `MAX_RSS_MIB` (about
117 MiB on the development machine, 137 MiB before these were deferred).

Run in fresh interpreters (the test process has imported both long ago): one seeds a SQLite
database with `demo.generate_synthetic(schedule=True)`, another builds the app on it, requests
every public page and feed with the test client and reports what it imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_RSS_MIB = 130
DEFERRED = ("ortools", "weasyprint", "pypdf", "pikepdf", "PIL", "segno", "alembic", "flask_migrate")

SEED = """
import datetime as dt, json, sys
from organizer import create_app
from organizer.extensions import db
from organizer.models import ScheduleRelease
from organizer.services import demo

app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "x" * 40})
with app.app_context():
    db.create_all()
    now = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    event = demo.generate_synthetic(size=12, now=now, schedule=True)
    db.session.commit()
    entries = db.session.scalars(db.select(ScheduleRelease.sessions)).one()
    talk = next(e for e in entries if e.get("code") and e.get("speakers"))
    print(json.dumps({"slug": event.slug, "talk": talk["code"]}))
"""

SERVE = """
import json, sys

def rss():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))

started = rss()
from organizer import create_app
from organizer.models import SpeakerProfile
from organizer.extensions import db

app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "x" * 40})
built = rss()
slug, talk = sys.argv[2], sys.argv[3]
with app.app_context():
    speaker = db.session.scalars(db.select(SpeakerProfile.code)).first()
client = app.test_client()
statuses = {}
for path in (
    "/", f"/{slug}/", f"/{slug}/schedule/", f"/{slug}/schedule/?view=list",
    f"/{slug}/talk/{talk}/", f"/{slug}/speakers/", f"/{slug}/speakers/{speaker}/",
    f"/{slug}/schedule/changes/", f"/{slug}/agenda/", f"/{slug}/schedule.ics",
    f"/{slug}/talk/{talk}.ics", f"/{slug}/speaker/{speaker}.ics",
    f"/{slug}/schedule.xml", f"/{slug}/schedule.json",
):
    statuses[path] = client.get(path).status_code
print(json.dumps({
    "statuses": statuses,
    "loaded": sorted(m for m in sys.argv[4].split(",") if m in sys.modules),
    "rss_kib": {"start": started, "app": built, "served": rss()},
}))
"""


def _python(script: str, *args: str, cwd: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ORGANIZER_INSTANCE_PATH": str(cwd)}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def test_serving_public_pages_loads_neither_the_solver_nor_the_pdf_libraries(tmp_path):
    url = f"sqlite:///{tmp_path / 'light.sqlite3'}"
    seeded = json.loads(_python(SEED, url, cwd=tmp_path))
    report = json.loads(
        _python(SERVE, url, seeded["slug"], seeded["talk"], ",".join(DEFERRED), cwd=tmp_path)
    )
    assert set(report["statuses"].values()) == {200}, report["statuses"]
    assert report["loaded"] == [], report
    print("RSS (KiB):", report["rss_kib"])
    served = report["rss_kib"]["served"] / 1024
    assert served <= MAX_RSS_MIB, (
        f"a web process uses {served:.1f} MiB resident after serving every public page and feed"
        f" (limit {MAX_RSS_MIB} MiB): something it imports grew or is no longer deferred;"
        " compare sys.modules after create_app with an earlier commit"
    )
