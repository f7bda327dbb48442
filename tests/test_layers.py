"""The library does not depend on its command line: only the CLI (``aims_policy.cli``, the
``python -m aims_policy`` entry point and ``aims_policy.commands``) may import the CLI, so that
library code stays usable without click's commands and free of their start-up cost."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "aims_policy"
CLI = ("aims_policy.cli", "aims_policy.commands")
CLI_FILES = {PACKAGE / "cli.py", PACKAGE / "__main__.py"}


def _imports(tree: ast.AST) -> list[str]:
    out: list[str] = []
    for node in ast.walk(tree):  # every import: top-level, in functions, under TYPE_CHECKING
        if isinstance(node, ast.Import):
            out.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.append(node.module)
            out.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return out


def test_no_library_module_imports_the_cli() -> None:
    offenders = []
    for file in sorted(PACKAGE.rglob("*.py")):
        if file in CLI_FILES or (PACKAGE / "commands") in file.parents:
            continue
        for name in _imports(ast.parse(file.read_text(encoding="utf-8"))):
            if any(name == cli or name.startswith(cli + ".") for cli in CLI):
                offenders.append(f"{file.relative_to(PACKAGE.parent).as_posix()}: {name}")
    assert offenders == []
