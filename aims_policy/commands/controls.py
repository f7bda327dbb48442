"""``aims-policy controls``: the Annex A coverage matrix an auditor asks for."""

from __future__ import annotations

import json
import sys

import click

from aims_policy.commands._options import fail


@click.command()
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--rules",
    "rule_dirs",
    multiple=True,
    type=click.Path(),
    help="Include a custom rule pack directory.",
)
@click.option("--rule-pack", "rule_packs", multiple=True, help="Include an installed rule pack.")
def controls(fmt: str, rule_dirs: tuple[str, ...], rule_packs: tuple[str, ...]) -> None:
    """Show, for each of the 38 ISO/IEC 42001 Annex A controls, the rules that check it or the
    reason no system manifest can evidence it. Exits 1 if a control is neither."""
    from aims_policy import registry
    from aims_policy.coverage import matrix

    try:
        ruleset = registry.load(directories=rule_dirs, packs=rule_packs)
    except registry.RuleLoadError as exc:
        fail(str(exc))
    rows = matrix(r.meta for r in ruleset.all)
    covered = sum(1 for r in rows if r.status == "covered")
    declared = sum(1 for r in rows if r.status == "not-evidenced")
    gaps = [r.id for r in rows if r.status == "gap"]
    if fmt == "json":
        doc = {
            "controls": [
                {
                    "id": r.id,
                    "title": r.title,
                    "objective": r.objective,
                    "status": r.status,
                    "rules": list(r.rules),
                    "reason": r.reason,
                }
                for r in rows
            ],
            "summary": {
                "total": len(rows),
                "covered": covered,
                "notEvidenced": declared,
                "gaps": gaps,
            },
        }
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        for r in rows:
            what = (
                ", ".join(r.rules)
                if r.rules
                else (
                    f"not evidenced by a manifest: {r.reason}"
                    if r.reason
                    else "GAP: no rule, no reason"
                )
            )
            click.echo(f"{r.id:<8} {r.title}\n         {what}")
        click.echo(
            f"{len(rows)} controls: {covered} covered by rules, {declared} declared not "
            f"evidenced by a system manifest, {len(gaps)} gaps"
        )
    sys.exit(1 if gaps else 0)
