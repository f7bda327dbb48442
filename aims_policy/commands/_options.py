"""Options shared by ``check``, ``baseline`` and ``config``: what to evaluate and how, and the
configuration file they default to. One declaration keeps the three commands in step, so a
baseline is always recorded under the same selection a check later applies."""

from __future__ import annotations

import datetime as _dt
import os
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from aims_policy.commands._click import DIRECTORY, FILE, PATH
from aims_policy.records import Record
from aims_policy.wording import escape_controls

if TYPE_CHECKING:
    from aims_policy.config import Effective
    from aims_policy.options import Options
    from aims_policy.registry import RuleSet

F = TypeVar("F", bound=Callable[..., Any])
_LEVELS = ["error", "warning", "note"]
NO_CONFIG_RULES_ENV = "AIMS_POLICY_NO_CONFIG_RULES"


_DECLARATIONS: list[Callable[[Any], Any]] = [
    click.option(
        "--config",
        "config_file",
        type=FILE,
        metavar="FILE",
        help="Configuration file (default: .aims-policy.yaml in the working directory or "
        "at the top of the git work tree).",
    ),
    click.option("--no-config", is_flag=True, help="Ignore any configuration file."),
    click.option(
        "--no-config-rules",
        is_flag=True,
        envvar=NO_CONFIG_RULES_ENV,
        help="Refuse rule packs named by the configuration file (they are code; CI "
        "running on untrusted changes should set this, or $"
        + NO_CONFIG_RULES_ENV
        + "=1). Packs given with --rules/--rule-pack still load.",
    ),
    click.option(
        "--today",
        "today",
        metavar="YYYY-MM-DD",
        help="Judge dates as of this day (default: today, UTC).",
    ),
    click.option(
        "--fail-on",
        type=click.Choice([*_LEVELS, "never"]),
        default=None,
        help="Lowest severity that fails the run (default: error).",
    ),
    click.option(
        "--skip-non-manifests",
        is_flag=True,
        default=None,
        help="Silently skip named files that are not manifests (for hooks that pass "
        "every YAML file).",
    ),
    click.option(
        "--allow-empty",
        is_flag=True,
        default=None,
        help="Pass when the directories searched hold no manifest (default: exit 2, so that "
        "a misplaced or ignored folder never passes unnoticed).",
    ),
    click.option(
        "--discover-ai/--no-discover-ai",
        default=None,
        help="Also report AI in the repository (imports of AI SDKs, AI packages in dependency "
        "files, model files) that no manifest's spec.implementation.paths covers "
        "(AIMS-INV-001; default: off, configuration: discover-ai).",
    ),
    click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=0),
        default=0,
        show_default=True,
        help="Worker processes for many files (0: every core).",
    ),
    click.option(
        "--root",
        type=DIRECTORY,
        help="Repository root for evidence paths (default: the git work tree containing the "
        "manifest, else the manifest's folder; never the working directory).",
    ),
    click.option(
        "--data",
        "data_files",
        multiple=True,
        type=FILE,
        help="Organisation data document overriding rule thresholds (repeatable; "
        "replaces the configuration's data).",
    ),
    click.option(
        "--rules",
        "rule_dirs",
        multiple=True,
        type=PATH,
        help="Load a custom rule pack directory (repeatable).",
    ),
    click.option(
        "--rule-pack",
        "rule_packs",
        multiple=True,
        help="Load an installed rule pack by entry-point name.",
    ),
    click.option(
        "--select",
        multiple=True,
        metavar="PATTERN",
        help="Only these rules: id, id prefix, control (e.g. A.7.*) or tag:NAME "
        "(replaces the configuration's select).",
    ),
    click.option(
        "--ignore",
        multiple=True,
        metavar="PATTERN",
        help="Not these rules: id, id prefix, control or tag:NAME (replaces the "
        "configuration's ignore).",
    ),
    click.option(
        "--severity",
        "severity",
        multiple=True,
        metavar="RULE=LEVEL",
        help="Override a rule's severity (on top of the configuration's).",
    ),
]


def evaluation_options(fn: F) -> F:
    """Declare the shared options on a command (they arrive as keyword arguments)."""
    for declare in reversed(_DECLARATIONS):
        fn = declare(fn)
    return fn


class Prepared(Record):
    paths: list[str]
    ruleset: RuleSet
    options: Options
    effective: Effective


def parse_today(value: str | None) -> _dt.date:
    if not value:
        return _dt.datetime.now(_dt.timezone.utc).date()
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write YYYY-MM-DD") from None


def parse_severity(values: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for value in values:
        rule_id, sep, level = value.partition("=")
        if not sep or level not in _LEVELS:
            raise click.BadParameter(f"{value!r}: write RULE-ID=error|warning|note")
        out[rule_id] = level
    return out


def say(message: str) -> None:
    """One line on standard error. Messages carry paths and values from files a pull request
    may control: control characters are shown as \\xNN, so that no line break can start a line
    a CI runner would read as a workflow command (``::error ...``, ``::add-mask::``)."""
    click.echo(f"aims-policy: {escape_controls(message)}", err=True)


def color_wanted(flag: bool | None, stream: Any) -> bool:
    """Whether to colour what goes to ``stream``: ``--color``/``--no-color`` when given; else
    off when NO_COLOR is set and not empty (no-color.org: an empty one does not count), on when
    FORCE_COLOR is set and not empty (for CI logs, which render colour but are no terminal);
    else off for TERM=dumb, and on for a terminal. NO_COLOR wins over FORCE_COLOR, as in
    CPython's own colouring."""
    if flag is not None:
        return flag
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def fail(message: str) -> NoReturn:
    """A usage or input problem: one line, exit 2."""
    say(f"error: {message}")
    sys.exit(2)


def cli_values(
    params: Mapping[str, Any], paths: tuple[str, ...] = (), output: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The command line in the configuration's vocabulary (unset flags are ``None``/empty)."""
    return {
        "paths": list(paths),
        "select": params.get("select") or (),
        "ignore": params.get("ignore") or (),
        "severity": parse_severity(tuple(params.get("severity") or ())),
        "fail-on": params.get("fail_on"),
        "data-files": params.get("data_files") or (),
        "rules": params.get("rule_dirs") or (),
        "rule-packs": params.get("rule_packs") or (),
        "root": params.get("root"),
        "skip-non-manifests": params.get("skip_non_manifests"),
        "allow-empty": params.get("allow_empty"),
        "discover-ai": params.get("discover_ai"),
        "baseline": params.get("baseline_file"),
        "output": dict(output or {}),
    }


def effective_config(params: Mapping[str, Any], cli: Mapping[str, Any], cwd: str) -> Effective:
    from aims_policy import config

    path = None
    if params.get("config_file"):
        path = params["config_file"]
    elif not params.get("no_config"):
        path = config.find(cwd)
    try:
        loaded = config.load(path, cwd) if path else config.Config()
    except config.ConfigError as exc:
        fail(str(exc))
    return config.resolve(loaded, cli)


def prepare(
    paths: tuple[str, ...], params: Mapping[str, Any], output: Mapping[str, Any] | None = None
) -> Prepared:
    """Configuration + flags -> the rules and options of a run; usage problems exit 2."""
    from aims_policy import config, registry
    from aims_policy import data as data_document
    from aims_policy.options import Options

    cwd = os.getcwd()
    cli = cli_values(params, paths, output)
    effective = effective_config(params, cli, cwd)
    values = effective.values
    if params.get("no_config_rules"):
        refused = config.config_rule_packs(effective, cli)
        if refused:
            fail(
                f"{effective.config.file} names rule packs ({'; '.join(refused)}); rule packs are "
                "Python code and --no-config-rules refuses code from the configuration. Name the "
                "packs you trust on the command line (--rules DIR, --rule-pack NAME) or remove "
                "them from the configuration"
            )
    today = params.get("today")
    try:
        if today == "":
            # parse_today reads "no --today" as the real today; an empty one (an unset variable in
            # `--today "$DAY"`) would otherwise judge every date as of another day, silently.
            raise click.BadParameter("'' is not a date; write YYYY-MM-DD")
        day = parse_today(today)
    except click.BadParameter as exc:
        # Raised outside click's own parsing, so click cannot tell which option it was about.
        raise click.BadParameter(exc.message, param_hint="'--today'") from None
    try:
        data = data_document.load(
            values["data-files"],
            values["data"] or None,
            lambda path: effective.config.where(".".join(("data", *path))),
        )
    except data_document.DataError as exc:
        fail(str(exc))
    select, ignore = tuple(values["select"]), tuple(values["ignore"])
    try:
        # Each built-in module is imported when the run meets a manifest its rules read, unless
        # --why-not names rules, which are looked up before anything is read.
        ruleset = registry.load(
            directories=values["rules"],
            packs=values["rule-packs"],
            select=select,
            by_kind=not params.get("why_not"),
        )
    except registry.RuleLoadError as exc:
        fail(str(exc))
    check_targets(ruleset, select, ignore, values["severity"], cli, effective.config)
    why_not = tuple(rule_id.upper() for rule_id in params.get("why_not") or ())
    known = [r.id for r in registry.selected(ruleset, select, ignore).rules] if why_not else []
    for rule_id in why_not:
        if rule_id not in known:
            fail(
                f"--why-not {rule_id}: no such rule among those evaluated{did_you_mean(rule_id, known)}"
            )
    options = Options(
        full_run=not paths,
        today=day,
        fail_on=values["fail-on"],
        skip_non_manifests=bool(values["skip-non-manifests"]),
        allow_empty=bool(values["allow-empty"]),
        discover_ai=bool(values["discover-ai"]),
        jobs=params.get("jobs") or 0,
        explain=bool(params.get("explain")),
        audit=bool(params.get("audit")),
        why_not=why_not,
        root=values["root"],
        data=data,
        severity=values["severity"],
        select=select,
        ignore=ignore,
        include=tuple(values["include"]),
        exclude=tuple(values["exclude"]),
        glob_base=effective.config.base,
        exceptions=effective.config.exceptions,
    )
    return Prepared(list(values["paths"]), ruleset, options, effective)


def check_targets(
    ruleset: RuleSet,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    severity: Mapping[str, Any],
    cli: Mapping[str, Any],
    file: Any,
) -> None:
    """A selection pattern that matches no rule, or a severity for an unknown rule, is a usage
    error: a typo must not quietly check nothing (or everything)."""
    if not (select or ignore or severity):
        return  # the usual run: nothing to look up, nothing to import
    from aims_policy.inventory import INVENTORY_RULES
    from aims_policy.policy import POLICY_RULES
    from aims_policy.selection import Selectable
    from aims_policy.validate import SCHEMA_RULES

    metas: list[Selectable] = [
        *SCHEMA_RULES,
        *(r.meta for r in ruleset.all),
        *ruleset.unloaded,
        *ruleset.deferred,
        *INVENTORY_RULES,
        *POLICY_RULES,
    ]
    ids = {m.id for m in metas}

    def where(key: str, given: Any) -> str:
        if given:  # the flag replaces (select/ignore) or wins for this rule (severity)
            return f"--{key}"
        return f"{file.where(key)}: {key}"

    check_patterns(
        metas,
        select,
        ignore,
        (where("select", cli.get("select")), where("ignore", cli.get("ignore"))),
    )
    for rule in severity:
        if rule not in ids:
            fail(
                f"{where('severity', rule in (cli.get('severity') or {}))} {rule}: no such rule"
                f"{did_you_mean(rule, sorted(ids))}"
            )


def check_patterns(
    metas: Any,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    names: tuple[str, str] = ("--select", "--ignore"),
) -> None:
    """Every selection pattern matches some rule of ``metas``, else a usage error naming the
    closest pattern that would (``names``: how the select and ignore patterns were given)."""
    from aims_policy.selection import matches

    ids = {m.id for m in metas}
    candidates = sorted(
        {
            *ids,
            *(i.rsplit("-", 1)[0] for i in ids),
            *(ref for m in metas for ref in m.iso_refs),
            *(f"tag:{t}" for m in metas for t in m.tags),
        }
    )
    for name, patterns in zip(names, (select, ignore), strict=True):
        for pattern in patterns:
            if not any(matches(m, (pattern,)) for m in metas):
                fail(f"{name} {pattern}: matches no rule{did_you_mean(pattern, candidates)}")


def did_you_mean(word: str, choices: list[str]) -> str:
    """The end of a "no such rule" message: the closest known name, or where to find them all."""
    from aims_policy import wording

    return wording.did_you_mean(word, choices, "; `aims-policy rules` lists them", quote=False)
