"""The package's shape: imports point one way. Every import counts, at the top of a module, inside
a function or under ``TYPE_CHECKING``: a circle hidden in a lazy import is still a circle for a
reader, and a library module that imports the command line drags click into library users."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"aims_policy": ROOT / "aims_policy", "aims_policy.rules": ROOT / "rules"}


def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for name, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((name, *parts))] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project's modules that ``name`` imports, wherever the import statement stands."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import mod` depends on pkg.mod; `from pkg import name` on pkg itself.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        for target in targets:
            # `import a.b.c` and `from a.b import c` both depend on the deepest known module.
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_circle_finder_finds_circles() -> None:
    # What makes the real check below mean something.
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_the_import_graph_sees_lazy_and_type_checking_imports() -> None:
    edges = graph()
    assert "aims_policy.registry" in edges["aims_policy.api"]  # top level
    assert "aims_policy.worker" in edges["aims_policy.api"]  # inside check()
    assert "aims_policy.options" in edges["aims_policy.policy"]  # under TYPE_CHECKING
    assert "aims_policy.rules.facts" in edges["aims_policy.rules.ownership"]  # relative


def test_no_import_circles() -> None:
    assert circles(graph()) == []


def test_the_architecture_document_names_every_module() -> None:
    """docs/ARCHITECTURE.md is a newcomer's map: a module it does not mention is a room the map
    leaves out."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text("utf-8")
    missing = []
    for path in sorted((ROOT / "aims_policy").rglob("*.py")):
        name = path.relative_to(ROOT / "aims_policy").as_posix()
        if path.name.startswith("_") or ("/" in name and not name.startswith("output/")):
            continue  # package inits, generated validators; commands/ and data/ go as folders
        if name not in text and path.name not in text:
            missing.append(name)
    assert missing == []
