"""A clone anywhere runs the suite: no code, test or build file names a path of one machine
(the frab schemas the feeds are checked against live in tests/reference, with their origin)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKED = {".py", ".html", ".js", ".txt", ".toml", ".cfg", ".ini", ".yaml", ".yml", ".sh"}
# Home folders and workspaces of particular machines (/srv/organizer in an operator example is
# a suggestion, not a path the code reads). System programs (/usr/bin/chromium) and
# the PostgreSQL configuration folder (/etc/postgresql) are the same on every Debian machine.
MACHINE_PATH = re.compile(r"(?<![\w.:/])/(home|work|root|Users|opt|mnt)/[\w.-]+")


def _tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    names = [name for name in listed.split("\0") if name]
    return [
        ROOT / name
        for name in names
        if Path(name).suffix in CHECKED or name in {"Makefile", ".ci/run"}
    ]


def test_the_finder_sees_a_machine_path():
    home = "/" + "home"  # written in two parts, so that this file does not find itself
    assert MACHINE_PATH.search(f'SCHEMA = Path("{home}/ci/shared/reference/schedule.xml.xsd")')
    assert not MACHINE_PATH.search('CHROMIUM = "/usr/bin/chromium"')
    assert not MACHINE_PATH.search("https://example.org/opt/page")


def test_no_file_names_a_path_of_one_machine():
    files = _tracked_files()
    assert len(files) > 300
    found = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            if MACHINE_PATH.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert not found, "use a path relative to the repository:\n" + "\n".join(found)
