"""Find and load rules: the built-in pack, and packs the user names (never merely installed ones).

Rule modules declare rules as module-level values; loading a module registers nothing by side
effect. We collect every :class:`Rule` and :class:`SetRule` a module defines, in source order.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, NamedTuple

from aims_policy.engine import Rule, SetRule

if TYPE_CHECKING:
    from pathlib import Path

AnyRule = Rule | SetRule
ENTRY_POINT_GROUP = "aims_policy.packs"


class RuleLoadError(Exception):
    """A rule pack that cannot be used (missing, broken, or colliding IDs)."""


class RuleSet(NamedTuple):
    rules: tuple[Rule, ...]
    set_rules: tuple[SetRule, ...]

    @property
    def all(self) -> tuple[AnyRule, ...]:
        return (*self.rules, *self.set_rules)


def rules_of(module: ModuleType, pack: str = "builtin") -> list[AnyRule]:
    found: list[AnyRule] = []
    for value in vars(module).values():
        if isinstance(value, (Rule, SetRule)) and value not in found:
            found.append(value if pack == "builtin" else _in_pack(value, pack))
    return found


def _in_pack(item: AnyRule, pack: str) -> AnyRule:
    return item._replace(meta=item.meta._replace(pack=pack))


_BUILTIN = "aims_policy.rules"


def builtin_package() -> ModuleType:
    """The built-in rule pack, ``aims_policy.rules``.

    An install maps the top-level ``rules/`` folder onto that subpackage (setup.cfg's
    ``package_dir``), but a source checkout imported from its own root (``python -m aims_policy``
    there, which puts the checkout first on the import path) has no ``aims_policy/rules``: the
    pack is then the checkout's ``rules/`` folder, loaded under the same name so its relative
    imports work. Only a folder with setup.cfg beside the package counts as a checkout, so a
    broken install never picks up an unrelated top-level ``rules`` package from site-packages."""
    if _BUILTIN in sys.modules:
        return sys.modules[_BUILTIN]
    try:
        return importlib.import_module(_BUILTIN)
    except ModuleNotFoundError as exc:
        if exc.name != _BUILTIN:
            raise
    from importlib.util import module_from_spec, spec_from_file_location

    checkout = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    folder = os.path.join(checkout, "rules")
    init = os.path.join(folder, "__init__.py")
    spec = spec_from_file_location(_BUILTIN, init, submodule_search_locations=[folder])
    if (
        not (os.path.isfile(os.path.join(checkout, "setup.cfg")) and os.path.isfile(init))
        or spec is None
        or spec.loader is None
    ):
        raise RuleLoadError(
            "the built-in rule pack (aims_policy.rules) is missing; reinstall aims-policy"
        )
    module = module_from_spec(spec)
    sys.modules[_BUILTIN] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[_BUILTIN]
        raise
    return module


def builtin_modules() -> list[ModuleType]:
    package = builtin_package()
    # A directory listing, not pkgutil: this runs on every check and pkgutil costs more to import.
    names = sorted(
        name[:-3]
        for directory in package.__path__
        for name in os.listdir(directory)
        if name.endswith(".py") and not name.startswith("_")
    )
    return [importlib.import_module(f"{package.__name__}.{name}") for name in names]


def load_directory(directory: str | Path) -> list[AnyRule]:
    """Load every ``*.py`` module of a user pack directory (rules are code: only paths the user
    names are ever loaded)."""
    import hashlib
    import importlib.util
    from pathlib import Path

    root = Path(directory)
    if not root.is_dir():
        raise RuleLoadError(f"{directory}: rule pack directory not found")
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:10]
    pack = root.name or str(root)
    package = f"aims_policy_pack_{digest}"
    if package not in sys.modules:
        # A parent package whose path is this directory alone, so that pack modules can share
        # helpers with relative imports (``from . import _common``).
        parent = ModuleType(package)
        setattr(parent, "__path__", [str(root.resolve())])  # noqa: B010 - ModuleType declares no __path__
        sys.modules[package] = parent
    found: list[AnyRule] = []
    for file in sorted(root.glob("*.py")):
        if file.name.startswith("_"):
            continue
        name = f"aims_policy_pack_{digest}.{file.stem}"
        spec = importlib.util.spec_from_file_location(name, file)
        if spec is None or spec.loader is None:  # pragma: no cover - glob only yields .py files
            raise RuleLoadError(f"{file}: cannot load")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            raise RuleLoadError(
                f"{file}: rule pack failed to load: {type(exc).__name__}: {exc}"
            ) from exc
        found.extend(rules_of(module, pack))
    if not found:
        raise RuleLoadError(f"{directory}: no rules found (a pack module defines @rule functions)")
    return found


def load_entry_point(name: str) -> list[AnyRule]:
    """Load an installed pack by its entry point name (group ``aims_policy.packs``)."""
    from importlib.metadata import entry_points

    matches = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
    if not matches:
        raise RuleLoadError(
            f"rule pack {name!r} is not installed (no entry point in group {ENTRY_POINT_GROUP!r})"
        )
    try:
        module = matches[0].load()
    except Exception as exc:
        raise RuleLoadError(
            f"rule pack {name!r} failed to load: {type(exc).__name__}: {exc}"
        ) from exc
    if not isinstance(module, ModuleType):
        raise RuleLoadError(f"rule pack {name!r}: the entry point must name a module")
    found = rules_of(module, name)
    import pkgutil

    for sub in (getattr(module, "__path__", None) and pkgutil.iter_modules(module.__path__)) or ():
        found.extend(rules_of(importlib.import_module(f"{module.__name__}.{sub.name}"), name))
    return found


def load(
    *, builtin: bool = True, directories: Sequence[str | Path] = (), packs: Sequence[str] = ()
) -> RuleSet:
    """The rules to evaluate. Rule IDs must be unique across every pack."""
    from aims_policy.validate import SCHEMA_RULES

    found: list[AnyRule] = []
    if builtin:
        for module in builtin_modules():
            found.extend(rules_of(module))
    for directory in directories:
        found.extend(load_directory(directory))
    for name in packs:
        found.extend(load_entry_point(name))
    seen: dict[str, str] = {r.id: "builtin (schema)" for r in SCHEMA_RULES}
    for item in found:
        where = item.meta.pack if item.meta.pack != "builtin" else item.__class__.__name__
        if item.id in seen:
            raise RuleLoadError(
                f"rule id {item.id} is defined twice ({seen[item.id]} and "
                f"{item.meta.pack}); rule ids must be unique"
            )
        seen[item.id] = where if item.meta.pack != "builtin" else "builtin"
    return RuleSet(
        tuple(sorted((r for r in found if isinstance(r, Rule)), key=lambda r: r.id)),
        tuple(sorted((r for r in found if isinstance(r, SetRule)), key=lambda r: r.id)),
    )


def pack_locations(
    *, builtin: bool = True, directories: Sequence[str | Path] = (), packs: Sequence[str] = ()
) -> list[Path]:
    """Where the named packs keep their modules and fixtures: a directory to search, or for an
    installed single-module pack the module file itself (its fixtures sit beside it as
    ``<module>.fixtures.yaml``; we never search the whole site-packages it lives in)."""
    from pathlib import Path

    out: list[Path] = []
    if builtin:
        out.extend(Path(p) for p in builtin_package().__path__)
    out.extend(Path(d) for d in directories)
    if packs:
        from importlib.metadata import entry_points

        for name in packs:
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                if ep.name == name:
                    module = importlib.import_module(ep.value.partition(":")[0].strip())
                    paths = getattr(module, "__path__", None)
                    if paths:
                        out.extend(Path(p) for p in paths)
                    else:
                        out.append(Path(str(module.__file__)))
                    break
    return out


def select(ruleset: RuleSet, keep: Iterable[str]) -> RuleSet:
    """The rules whose ids are in ``keep``."""
    wanted = set(keep)
    return RuleSet(
        tuple(r for r in ruleset.rules if r.id in wanted),
        tuple(r for r in ruleset.set_rules if r.id in wanted),
    )


def selected(ruleset: RuleSet, select_: Sequence[str], ignore: Sequence[str]) -> RuleSet:
    """The rules ``--select``/``--ignore`` patterns keep (see aims_policy.selection)."""
    if not select_ and not ignore:
        return ruleset
    from aims_policy.selection import matches

    return select(
        ruleset,
        (
            r.id
            for r in ruleset.all
            if (not select_ or matches(r.meta, select_)) and not matches(r.meta, ignore)
        ),
    )
