"""Templates ask permissions.py which actions a state allows, and extend their area's layout
instead of including a navigation by hand (issue 14). Checked for the folders converted so
far; add a folder here once its templates follow the rules."""

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
CONVERTED = [
    "attendees",
    "auth",
    "badges",
    "bulk_mail",
    "cfp",
    "check_in",
    "grants",
    "grant_money",
    "manage",
    "macros",
    "layouts",
    "mail",
    "registration",
    "registration_setup",
]
STATE_COMPARISON = re.compile(r"\.state(\.value)?\s*(==|!=|\bin\b|\bnot in\b)")
NAVIGATIONS = re.compile(r'include "[\w/]*_nav\.html"')


def _templates(folder: str) -> list[Path]:
    return sorted((TEMPLATES / folder).rglob("*.html"))


@pytest.mark.parametrize("folder", CONVERTED)
def test_templates_compare_no_states(folder: str):
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}"
        for path in _templates(folder)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if STATE_COMPARISON.search(line)
    ]
    assert not offenders, "ask a can.* predicate instead:\n" + "\n".join(offenders)


@pytest.mark.parametrize("folder", [f for f in CONVERTED if f != "layouts"])
def test_pages_include_no_navigation_by_hand(folder: str):
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in _templates(folder)
        if NAVIGATIONS.search(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, "extend the area's layout (templates/layouts/) instead: " + ", ".join(
        offenders
    )
