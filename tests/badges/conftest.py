"""An event with confirmed registrations, and helpers to read badge PDFs back."""

from __future__ import annotations

import pytest

from organizer.enums import RegistrationState
from tests.factories import make_event, make_user
from tests.registration_factories import make_registration

BASE = "https://organizer.test"

# Seven scripts: Latin with accents, Greek, Cyrillic, Arabic, Hebrew, Devanagari, CJK.
NAMES = {
    "latin": "José Müller-Ñúñez",
    "greek": "Ελένη Παπαδοπούλου",
    "cyrillic": "Ольга Петрова",
    "arabic": "ليلى حداد",
    "hebrew": "נועה כהן",
    "devanagari": "अनन्या शर्मा",
    "cjk": "王芳",
}


@pytest.fixture(autouse=True)
def print_cache(app, tmp_path, monkeypatch):
    """Each test renders into its own cache folder (ids repeat across rolled-back tests)."""
    monkeypatch.setitem(app.config, "PRINT_CACHE_DIR", str(tmp_path / "print"))
    return tmp_path / "print"


@pytest.fixture
def organizer():
    return make_user(name="Olga Organizer")


@pytest.fixture
def event(organizer):
    return make_event(organizer=organizer, slug="badges-ws", name="Badge Workshop")


def confirmed(event, count: int, prefix: str = "Person"):
    return [make_registration(event, name=f"{prefix} {n:03d}") for n in range(count)]


def not_confirmed(event):
    """One registration in every state that gets no badge."""
    return [
        make_registration(event, name=f"Not {state.value}", state=state)
        for state in RegistrationState
        if state != RegistrationState.CONFIRMED
    ]
