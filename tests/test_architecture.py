"""Imports go one way (docs/rules.md, "Layout"): core ← touchpoints ← notifications ← audits ← scoring ← rewards ← demo.

The test reads every module of the top-level packages with `ast` — imports at module level and inside functions,
relative imports, and `import_module("...")` / `include("...")` strings — and fails on an import from a package above
the importing one, and on any cycle between packages.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Lowest first. A package may import only from packages before it in this list (and from itself).
LAYERS = ("core", "touchpoints", "notifications", "audits", "scoring", "rewards", "demo", "config")
RANK = {name: index for index, name in enumerate(LAYERS)}
STRING_IMPORTERS = {"import_module", "include"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported_modules(path: Path, module: str | None = None) -> list[tuple[int, str]]:
    """(line, dotted module) for every import the file makes, wherever it is written."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = module or _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            first = node.args[0] if node.args else None
            if name in STRING_IMPORTERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((node.lineno, first.value))
    return found


def _edges() -> dict[tuple[str, str], list[str]]:
    """(importing package, imported package) -> where, for imports between two different top-level packages."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for line, target in _imported_modules(path):
                top = target.split(".")[0]
                if top in RANK and top != layer:
                    edges[(layer, top)].append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    return edges


def test_the_walk_sees_function_level_and_string_imports(tmp_path) -> None:
    """The walk itself: an import inside a function and an import_module string are both found."""
    sample = tmp_path / "probe.py"
    sample.write_text(
        "from importlib import import_module\n\n"
        "def f():\n    from scoring import engine\n    import_module('rewards.ledger')\n    from ..audits import models\n"
    )
    targets = {target for _line, target in _imported_modules(sample, module="core.sub.probe")}
    assert {"scoring", "rewards.ledger", "core.audits"} <= targets


def test_no_package_imports_one_above_it() -> None:
    upward = [where for (importer, imported), wheres in _edges().items() if RANK[imported] > RANK[importer] for where in wheres]
    assert upward == [], "imports against the layering:\n" + "\n".join(upward)


def test_no_cycle_between_packages() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for importer, imported in _edges():
        graph[importer].add(imported)
    cycles = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" → ".join([*path[path.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in LAYERS:
        if node not in state:
            visit(node, [node])
    assert cycles == [], "package cycles:\n" + "\n".join(cycles)


# Role facts a scope carries; only the access module (and the organisation's scope builder) read them directly.
ROLE_FIELDS = {"operations", "hr", "admin"}
ROLE_FIELD_READERS = {"core/access.py", "touchpoints/scopes.py"}


def test_role_tests_are_spelled_only_in_the_access_module() -> None:
    """Views, selectors and services ask the scope's named predicates (can_operate, reads_board, ...)."""
    found = []
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative in ROLE_FIELD_READERS or "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Attribute)
                    and node.attr in ROLE_FIELDS
                    and isinstance(node.value, ast.Name)
                    and "scope" in node.value.id
                ):
                    found.append(f"{relative}:{node.lineno} reads scope.{node.attr}")
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for needle in ("scope.operations or", "scope.hr or", "scope.admin"):
            if needle in text:
                found.append(f"{path.relative_to(ROOT)} spells out {needle!r}")
    assert found == [], "\n".join(found)
