"""Commands that describe the tool itself: ``rules``, ``explain`` and ``schema``."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click

from aims_policy.commands._click import FILE, PATH, Command
from aims_policy.commands._options import fail
from aims_policy.model import RuleMeta

if TYPE_CHECKING:
    from aims_policy.examples import Example


def rule_dict(meta: RuleMeta) -> dict[str, Any]:
    def refs(values: Any) -> list[dict[str, Any]]:
        return [{"ref": r.ref, "confidence": r.confidence, "derived": r.derived} for r in values]

    return {
        "id": meta.id,
        "name": meta.name,
        "title": meta.title,
        "severity": meta.severity,
        "scope": meta.scope,
        "pack": meta.pack,
        "appliesTo": meta.applies_to,
        "iso42001": {"controls": list(meta.controls), "clauses": list(meta.clauses)},
        "euAiAct": refs(meta.eu_ai_act),
        "nistAiRmf": refs(meta.nist_ai_rmf),
        "tags": list(meta.tags),
        "rationale": meta.rationale,
        "remediation": meta.remediation,
    }


def report_rules(rule_metas: Any) -> list[RuleMeta]:
    """Every rule a report can contain: the schema rules, the given pack rules and the rules the
    policy stage reports itself (exceptions), in that order; with the inventory rule of AI
    discovery (``--discover-ai``) before the policy's."""
    from aims_policy.inventory import INVENTORY_RULES
    from aims_policy.policy import POLICY_RULES
    from aims_policy.validate import SCHEMA_RULES

    return [*SCHEMA_RULES, *rule_metas, *INVENTORY_RULES, *POLICY_RULES]


def _all_rules(rule_dirs: tuple[str, ...] = (), packs: tuple[str, ...] = ()) -> list[RuleMeta]:
    from aims_policy import registry

    try:
        ruleset = registry.load(directories=rule_dirs, packs=packs)
    except registry.RuleLoadError as exc:
        fail(str(exc))
    return report_rules(r.meta for r in ruleset.all)


@click.command(cls=Command)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--rules",
    "rule_dirs",
    multiple=True,
    type=PATH,
    help="Include a custom rule pack directory.",
)
@click.option("--rule-pack", "rule_packs", multiple=True, help="Include an installed rule pack.")
@click.option(
    "--select",
    multiple=True,
    metavar="PATTERN",
    help="Only these rules: id, id prefix, control (e.g. A.7.*) or tag:NAME (repeatable), as "
    "for check.",
)
@click.option("--ignore", multiple=True, metavar="PATTERN", help="Not these rules (same patterns).")
@click.option(
    "--min-severity",
    type=click.Choice(["error", "warning", "note"]),
    default=None,
    help="Only rules of this severity or above.",
)
def rules(
    fmt: str,
    rule_dirs: tuple[str, ...],
    rule_packs: tuple[str, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    min_severity: str | None,
) -> None:
    """List every rule with its severity and ISO/IEC 42001 references (or those selected)."""
    metas = _all_rules(rule_dirs, rule_packs)
    everything = len(metas)
    if select or ignore:
        from aims_policy.commands._options import check_patterns
        from aims_policy.selection import matches

        check_patterns(metas, select, ignore)  # a typo must not list nothing, quietly
        metas = [m for m in metas if (not select or matches(m, select)) and not matches(m, ignore)]
    if min_severity is not None:
        order = ("error", "warning", "note")
        metas = [m for m in metas if order.index(m.severity) <= order.index(min_severity)]
    if fmt == "json":
        click.echo(json.dumps([rule_dict(m) for m in metas], indent=2, ensure_ascii=False))
        return
    for m in metas:
        refs = ", ".join(m.iso_refs)
        click.echo(f"{m.id:<14} {m.severity:<8} {m.title} [{refs}]")
    shown = (
        f"{len(metas)} of {everything} rules" if len(metas) != everything else f"{everything} rules"
    )
    click.echo(shown)


def explain_text(m: RuleMeta) -> str:
    def refs(values: Any) -> str:
        def qualified(r: Any) -> str:
            notes = [
                n
                for n in (
                    r.confidence if r.confidence != "high" else "",
                    "derived" if r.derived else "",
                )
                if n
            ]
            return f"{r.ref} ({', '.join(notes)})" if notes else r.ref

        return ", ".join(qualified(r) for r in values) or "-"

    lines = [
        f"{m.id}  {m.title}",
        f"severity:     {m.severity}",
        f"applies to:   {m.applies_to}",
        f"ISO/IEC 42001: {', '.join(m.iso_refs) or '-'}",
        f"EU AI Act:    {refs(m.eu_ai_act)}",
        f"NIST AI RMF:  {refs(m.nist_ai_rmf)}",
    ]
    if m.tags:
        lines.append(f"tags:         {', '.join(m.tags)}")
    lines += ["", "Why it matters:", f"  {m.rationale}", "", "How to fix:", f"  {m.remediation}"]
    return "\n".join(lines)


@click.command(cls=Command)
@click.argument("rule_id")
@click.option(
    "--rules",
    "rule_dirs",
    multiple=True,
    type=PATH,
    help="Include a custom rule pack directory.",
)
@click.option("--rule-pack", "rule_packs", multiple=True, help="Include an installed rule pack.")
def explain(rule_id: str, rule_dirs: tuple[str, ...], rule_packs: tuple[str, ...]) -> None:
    """Print a rule's documentation."""
    metas = {m.id: m for m in _all_rules(rule_dirs, rule_packs)}
    meta = metas.get(rule_id.upper())
    if meta is None:
        from aims_policy.commands._options import did_you_mean

        hint = did_you_mean(rule_id.upper(), list(metas))
        click.echo(f"aims-policy: error: no rule {rule_id!r}{hint}", err=True)
        sys.exit(2)
    click.echo(explain_text(meta))
    example = _example(meta.id, rule_dirs, rule_packs)
    if example is not None:
        from aims_policy.examples import text

        click.echo("")
        click.echo(text(example))


def _example(
    rule_id: str, rule_dirs: tuple[str, ...], rule_packs: tuple[str, ...]
) -> Example | None:
    """The rule's complete example manifests (``aims_policy.examples``), or None."""
    from aims_policy import examples, registry

    locations = registry.pack_locations(directories=rule_dirs, packs=rule_packs)
    return examples.load(locations).get(rule_id)


@click.command(cls=Command)
@click.option("-o", "--output", type=FILE, help="Write the schema to this file.")
@click.option(
    "--kind",
    type=click.Choice(["AISystem", "AIManagementSystem"]),
    default="AISystem",
    show_default=True,
    help="The schema of system manifests, or of the organisation manifest.",
)
def schema(output: str | None, kind: str) -> None:
    """Print the manifest JSON Schema (draft 2020-12), or write it with --output."""
    from aims_policy.validate import MANIFEST, ORGANISATION
    from aims_policy.validate import schema as manifest_schema

    which = ORGANISATION if kind == "AIManagementSystem" else MANIFEST
    text = json.dumps(manifest_schema(which), indent=2, ensure_ascii=False) + "\n"
    if output:
        from aims_policy.output import write_atomic

        try:
            write_atomic(output, text)
        except OSError as exc:
            fail(f"{output}: cannot write the schema: {exc.strerror or exc}")
    else:
        sys.stdout.write(text)
