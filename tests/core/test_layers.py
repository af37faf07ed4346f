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


# --- No import cycles -------------------------------------------------------------------------


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(node: ast.AST):  # type: ignore[no-untyped-def]
    """Every node under `node` except those under `if TYPE_CHECKING:` (its `else` counts)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _type_checking(child.test):
            for other in child.orelse:
                yield other
                yield from _runtime_nodes(other)
            continue
        yield child
        yield from _runtime_nodes(child)


def _imported(node: ast.AST, package: str, modules: set[str]) -> list[str]:
    """The names an import statement depends on: `import a.b` on `a.b`; `from a import b` on
    `a.b` when that is a module, else on `a`. Relative imports are resolved from `package`."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:
        anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
        base = ".".join([*anchor, base] if base else anchor)
    return [
        f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
        for alias in node.names
    ]


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of organizer/ it imports, anywhere in its source (in functions
    too), except under `if TYPE_CHECKING:`. A package's `__init__` that imports its own
    submodules re-exports them (models/__init__, the scheduling rules' registry): those edges
    are left out, so a submodule may import from its package. Every other edge counts, also
    into a package `__init__` (e.g. a blueprint's `bp`)."""
    paths = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
    packages = {module_name(path) for path in PACKAGE.rglob("__init__.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name if name in packages else name.rpartition(".")[0]
        edges = set()
        for node in _runtime_nodes(ast.parse(path.read_text(), filename=str(path))):
            for target in _imported(node, package, set(paths)):
                while target and target not in paths:  # `import organizer.a.b.name`
                    target = target.rpartition(".")[0]
                if not target.startswith("organizer") or target == name:
                    continue
                if name in packages and target.startswith(name + "."):
                    continue  # a package re-exporting its own submodules
                edges.add(target)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative), each
    as one cycle through them: [a, b, ..., a]."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(_path_through(graph, component))
    return found


def _path_through(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """One cycle inside a strongly connected component, as a readable list of modules."""
    start = min(component)
    previous: dict[str, str] = {}
    queue = [start]
    while queue:  # breadth first, so the cycle shown is a shortest one through `start`
        node = queue.pop(0)
        for child in sorted(graph[node] & component):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [start, *reversed(path[:-1]), start]
            if child not in previous:
                previous[child] = node
                queue.append(child)
    return sorted(component)


def test_the_cycle_finder_sees_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert cycles(graph) == [["a", "b", "c", "a"]]


def test_no_import_cycles():
    """Every import among organizer's modules, function-local ones included, goes one way."""
    graph = import_graph()
    assert "organizer.services.feeds" in graph["organizer.services.scheduling.releases"]
    found = cycles(graph)
    assert not found, "import cycles: " + "; ".join(" -> ".join(cycle) for cycle in found)
