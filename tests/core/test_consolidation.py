"""Rules that keep the code in one place each (issue 14), checked on the source.

Each rule failed on the tree before the consolidation; a failure names the file and line to fix
and the home that the code belongs in instead (see docs/development.md, "Where things go").
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "organizer"
TEMPLATES = ROOT / "templates"

MAX_MODULE_LINES = 800
MAX_FUNCTION_LINES = 80

# Functions that are declared data (a table written as code), not logic. Each needs a reason.
DATA_TABLES: dict[str, str] = {}


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_no_module_is_over_800_lines():
    long = {
        _relative(path): lines
        for path in _modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"split these by stage or topic (one module per stage): {long}"


def test_no_function_is_over_80_lines():
    long = {}
    for path in _modules():
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                name = f"{_relative(path)}:{node.name}"
                if lines > MAX_FUNCTION_LINES and name not in DATA_TABLES:
                    long[f"{name} (line {node.lineno})"] = lines
    assert not long, f"split these into named steps: {long}"


def _calls_named(tree: ast.AST, name: str) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called == name:
                lines.append(node.lineno)
    return lines


def test_mail_is_queued_only_through_notifications():
    """Every mail goes through services/notifications.py, which builds its idempotency key one
    way; only the outbox itself (services/mail.py) and notifications touch queue_mail or keys."""
    homes = {"organizer/services/mail.py", "organizer/services/notifications.py"}
    outside = []
    for path in _modules():
        if _relative(path) in homes:
            continue
        tree = _tree(path)
        outside += [f"{_relative(path)}:{n}" for n in _calls_named(tree, "queue_mail")]
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "idempotency_key":
                outside.append(f"{_relative(path)}:{node.value.lineno} idempotency_key=")
    assert not outside, f"queue mail with notifications.tell / tell_address: {outside}"


def _is_abort_404(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Call)
        and getattr(statement.value.func, "id", None) == "abort"
        and [getattr(a, "value", None) for a in statement.value.args] == [404]
    )


def test_views_do_not_catch_not_found_only_to_abort():
    """The error handler already turns NotFound into a 404 page with the service's message."""
    found = []
    for path in sorted((PACKAGE / "blueprints").rglob("*.py")):
        for node in ast.walk(_tree(path)):
            # A NotFound handler before a DomainError one keeps NotFound a 404: that one stays.
            if not isinstance(node, ast.Try) or len(node.handlers) != 1:
                continue
            handler = node.handlers[0]
            if (
                getattr(handler.type, "id", None) == "NotFound"
                and len(handler.body) == 1
                and _is_abort_404(handler.body[0])
            ):
                found.append(f"{_relative(path)}:{handler.lineno}")
    assert not found, f"let NotFound reach the error handler: {found}"


def test_permission_predicates_live_in_permissions():
    homes = {"organizer/permissions.py"}
    found = []
    for path in _modules():
        if _relative(path) in homes:
            continue
        for node in _tree(path).body:
            if isinstance(node, ast.FunctionDef) and re.match(r"_?can_", node.name):
                found.append(f"{_relative(path)}:{node.lineno} {node.name}")
    assert not found, f"move these to organizer/permissions.py: {found}"


def test_helpers_are_written_once():
    """The view and service helpers that used to be copied into each module."""
    names = {"_viewable_event", "_require", "_mail", "_mail_applicant", "_mail_speakers"}
    found = []
    for path in _modules():
        for node in _tree(path).body:
            if isinstance(node, ast.FunctionDef) and node.name in names:
                found.append(f"{_relative(path)}:{node.lineno} {node.name}")
    assert not found, (
        f"use _common.viewable_event, permissions.require and services.notifications: {found}"
    )


# A template that compares a state to pick what to offer decides a rule: it should ask a can_*.
# (A filter marking the current choice, `state == s.value`, compares a request value: allowed.)
STATE_COMPARISON = re.compile(r"\.state\s*(==|!=|\bin\b|\bnot in\b)|\bstate\s*==\s*['\"]")


def test_templates_ask_permissions_rather_than_compare_states():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for tag in re.findall(r"{%-?(.*?)-?%}|{{-?(.*?)-?}}", line):
                if STATE_COMPARISON.search(" ".join(tag)):
                    found.append(f"{_relative(path)}:{number}")
    assert not found, f"ask a can_* predicate from organizer/permissions.py: {found}"


def _enum_names() -> set[str]:
    return {
        node.name
        for node in _tree(PACKAGE / "enums.py").body
        if isinstance(node, ast.ClassDef)
        and any("Enum" in ast.unparse(base) for base in node.bases)
    }


def _is_text(node: ast.expr) -> bool:
    """A translatable text (a table of plain strings keyed by members is data, not labels)."""
    return isinstance(node, ast.Call) and getattr(node.func, "id", "") in {"_", "_l", "gettext"}


def test_enum_labels_are_defined_once():
    """A label of an enum member is its `label` (organizer/enums.py, translatable); no other
    module keeps a table of texts keyed by the members."""
    enums = _enum_names()
    found = []
    for path in _modules():
        if _relative(path) == "organizer/enums.py":
            continue
        for node in ast.walk(_tree(path)):
            if not isinstance(node, ast.Dict) or len(node.keys) < 2:
                continue
            keyed_by_members = all(
                isinstance(key, ast.Attribute) and getattr(key.value, "id", None) in enums
                for key in node.keys
            )
            if keyed_by_members and all(_is_text(value) for value in node.values):
                found.append(f"{_relative(path)}:{node.lineno}")
    assert not found, f"use the enum's .label (organizer/enums.py): {found}"


def test_enum_labels_are_extracted_for_translators():
    """Every label written in organizer/enums.py is in translations/messages.pot (run
    `make messages` after adding one)."""
    with (ROOT / "translations" / "messages.pot").open("rb") as handle:
        extracted = {message.id for message in read_po(handle)}
    labels = [
        node.args[0].value
        for node in ast.walk(_tree(PACKAGE / "enums.py"))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "_l"
        and isinstance(node.args[0], ast.Constant)
    ]
    assert len(labels) > 50
    missing = [label for label in labels if label not in extracted]
    assert not missing, f"run `make messages`: {missing}"


def test_navigation_is_included_once_per_area_layout():
    """Pages extend their audience's layout (templates/layouts/); only a layout includes a
    navigation."""
    found = [
        _relative(path)
        for path in sorted(TEMPLATES.rglob("*.html"))
        if path.parent.name != "layouts"
        and re.search(r"{%-?\s*include\s+[\"'][\w/]*_nav\.html", path.read_text(encoding="utf-8"))
    ]
    assert not found, f"extend the area's layout in templates/layouts/ instead: {found}"
