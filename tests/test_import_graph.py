"""The services form a layered graph: no import cycle, and none hidden in a function body.

A cycle works only while the import order happens to suit it, and a function-local import is
the usual way to hide one, so both fail here with the modules named.
"""

import ast
from pathlib import Path

import avvikelse

PACKAGE_DIR = Path(avvikelse.__file__).parent
SERVICES = "avvikelse.services"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_of(path: Path, name: str) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def imported_modules(node: ast.Import | ast.ImportFrom, path: Path, name: str, known: set[str]):
    """Resolve relative imports; `from pkg import mod` names the submodule when there is one."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = package_of(path, name).split(".")
        package = package[: len(package) - node.level + 1]
        base = ".".join(package + ([base] if base else []))
    targets = []
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        targets.append(submodule if submodule in known else base)
    return targets


def import_graph() -> tuple[dict[str, set[str]], list[tuple[str, str, int]]]:
    """Edges between avvikelse modules, and the imports made inside a function body."""
    paths = {module_name(p): p for p in PACKAGE_DIR.rglob("*.py")}
    known = set(paths)
    graph: dict[str, set[str]] = {name: set() for name in known}
    local: list[tuple[str, str, int]] = []
    for name, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = [
            n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        in_function = {
            id(inner)
            for function in functions
            for inner in ast.walk(function)
            if isinstance(inner, ast.Import | ast.ImportFrom)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for target in imported_modules(node, path, name, known):
                if target in known and target != name:
                    graph[name].add(target)
                    if id(node) in in_function:
                        local.append((name, target, node.lineno))
    return graph, local


def find_cycle(graph: dict[str, set[str]], nodes: set[str]) -> list[str] | None:
    """Depth-first search restricted to `nodes`; returns the first cycle as a path."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node] & nodes):
            if state.get(target) == 1:
                return stack[stack.index(target) :] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(nodes):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_cycle_inside_services():
    graph, _ = import_graph()
    services = {name for name in graph if name.startswith(SERVICES + ".")}
    cycle = find_cycle(graph, services)
    assert cycle is None, "import cycle: " + " → ".join(cycle)


def test_services_import_avvikelse_modules_at_module_level():
    _, local = import_graph()
    hidden = sorted(
        {
            f"{name}:{line} imports {target}"
            for name, target, line in local
            if name.startswith(SERVICES + ".") or name == SERVICES
        }
    )
    assert hidden == []


def test_the_graph_sees_relative_and_function_local_imports():
    graph, local = import_graph()
    assert "avvikelse.services.dates" in graph["avvikelse.services.deviations"]
    assert "avvikelse.models" in graph["avvikelse.services.deviations"]
    assert all(target.startswith("avvikelse") for _, target, _ in local)
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}, {"a", "b", "c"}) == [
        "a",
        "b",
        "c",
        "a",
    ]
