"""The privacy rule, checked on the source: only services/representation/ (with the models,
the migrations and the demo loader) may use the Survey* models, and no template reaches a
survey through an attribute of another object."""

from __future__ import annotations

import re
from pathlib import Path

from organizer.models import representation as models

ROOT = Path(__file__).resolve().parents[2]
MODEL_NAMES = sorted(
    name
    for name in dir(models)
    if name.startswith("Survey") and isinstance(getattr(models, name), type)
    and name != "SurveyKind"
)  # fmt: skip
ALLOWED = {
    Path("organizer/services/demo/survey.py"),
}
ALLOWED_DIRS = (
    Path("organizer/models"),
    Path("migrations"),
    Path("organizer/services/representation"),
)
NAME = re.compile(r"\b(" + "|".join(MODEL_NAMES) + r")\b")
TABLE = re.compile(
    r"\bsurvey_(settings|consent_version|question|option|response|answer|link|target)\b"
)


def python_files():
    for path in sorted((ROOT / "organizer").rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative in ALLOWED or any(d in relative.parents for d in ALLOWED_DIRS):
            continue
        yield relative, path.read_text(encoding="utf-8")


def test_the_model_list_is_complete():
    assert {"SurveyResponse", "SurveyAnswer", "SurveyLink", "SurveySettings"} <= set(MODEL_NAMES)


def test_no_other_module_names_the_survey_models_or_tables():
    offenders = [
        f"{relative}: {match.group(0)}"
        for relative, text in python_files()
        for match in [*NAME.finditer(text), *TABLE.finditer(text)]
    ]
    assert offenders == []


def test_templates_do_not_reach_surveys_through_attributes():
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            for match in re.finditer(r"\.survey\w*|\bSurvey[A-Z]\w+", text):
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert offenders == []


def test_tests_other_than_the_service_tests_do_not_import_the_models():
    allowed = {Path("tests/representation/test_services.py"), Path(__file__).relative_to(ROOT)}
    offenders = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative in allowed:
            continue
        if NAME.search(path.read_text(encoding="utf-8")):
            offenders.append(str(relative))
    assert offenders == []
