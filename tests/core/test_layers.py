"""The layering rules of DESIGN.md, checked on the source so that they cannot drift."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "organizer"
REQUEST_NAMES = {"request", "session", "g", "flash"}


def imports(path: Path) -> list[tuple[str, set[str]]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, {alias.name for alias in node.names}))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, set()) for alias in node.names)
    return found


def sources(*parts: str) -> list[Path]:
    return sorted(PACKAGE.joinpath(*parts).rglob("*.py"))


@pytest.mark.parametrize("path", sources("models") + sources("services"), ids=lambda p: p.name)
def test_models_and_services_do_not_touch_the_request(path):
    for module, names in imports(path):
        assert module != "flask" or not names & REQUEST_NAMES, f"{path.name} imports {names}"
        assert not module.startswith("organizer.blueprints"), f"{path.name} imports {module}"


@pytest.mark.parametrize("path", sources("models"), ids=lambda p: p.name)
def test_models_do_not_import_services(path):
    for module, _ in imports(path):
        assert not module.startswith(("organizer.services", "organizer.permissions")), path.name


@pytest.mark.parametrize("path", sources("blueprints"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_blueprints_do_not_import_each_other(path):
    own = path.relative_to(PACKAGE / "blueprints").parts[0]
    for module, _ in imports(path):
        if module.startswith("organizer.blueprints."):
            other = module.split(".")[2]
            shared = other.startswith("_")  # _common.py, _setup_forms.py, ...
            assert other == own or shared or path.name == "__init__.py", (path, module)


def test_enums_import_nothing_from_the_app():
    assert not [m for m, _ in imports(PACKAGE / "enums.py") if m.startswith("organizer")]
