"""``aims-policy controls``: the Annex A coverage matrix an auditor asks for."""

from __future__ import annotations

import json
import re
import sys

import click

from aims_policy.commands._click import DIRECTORY, PATH, Command
from aims_policy.commands._options import fail, say
from aims_policy.wording import plural


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
    "--root",
    type=DIRECTORY,
    help="Repository root for the evidence of PATHS (default: the git work tree).",
)
@click.argument("paths", nargs=-1, type=PATH)
def controls(
    fmt: str,
    rule_dirs: tuple[str, ...],
    rule_packs: tuple[str, ...],
    root: str | None,
    paths: tuple[str, ...],
) -> None:
    """Show, for each of the 38 ISO/IEC 42001 Annex A controls, the rules that check it or the
    reason no system manifest can evidence it. Exits 1 if a control is neither.

    With PATHS (manifests or folders), also show per control which systems evidence it with
    operational evidence (a record, test, assessment... that resolves) and which only with
    policy documents (policies, procedures, plans)."""
    from aims_policy import registry
    from aims_policy.coverage import matrix

    try:
        ruleset = registry.load(directories=rule_dirs, packs=rule_packs)
    except registry.RuleLoadError as exc:
        fail(str(exc))
    rows = matrix(r.meta for r in ruleset.all)
    evidence = _evidence(paths, ruleset, root) if paths else None
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
                    **(
                        {"evidence": _as_json(evidence.get(r.id, {}))}
                        if evidence is not None
                        else {}
                    ),
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
            if evidence is not None:
                click.echo(f"         evidence: {_as_text(evidence.get(r.id, {}))}")
        # A pack that declares controls no manifest can evidence says how many; the built-in
        # pack covers every control (A.2.4 on the organisation manifest) and declares none.
        declared_text = f"{declared} declared not evidenced by a manifest, " if declared else ""
        click.echo(
            f"{len(rows)} controls: {covered} covered by rules, {declared_text}{len(gaps)} gaps"
        )
        if evidence is not None:
            shown = [evidence.get(r.id, {}) for r in rows]
            operational = sum(1 for e in shown if e.get("operational"))
            policy = sum(1 for e in shown if e.get("policy") and not e.get("operational"))
            organisation = sum(
                1
                for e in shown
                if e.get("organisation") and not (e.get("operational") or e.get("policy"))
            )
            none = len(rows) - operational - policy - organisation
            click.echo(
                f"evidence in these manifests: {plural(operational, 'control')} with operational "
                f"evidence, {policy} with policy documents only, {organisation} at organisation "
                f"level only, {none} with none"
            )
    sys.exit(1 if gaps else 0)


def _evidence(
    paths: tuple[str, ...], ruleset: object, root: str | None
) -> dict[str, dict[str, list[str]]]:
    """control -> {"operational": systems, "policy": systems} over the manifests in ``paths``.
    A run that cannot check them (a missing path, an unreadable file) exits 2."""
    import os

    from aims_policy import api
    from aims_policy.options import Options
    from aims_policy.registry import RuleSet

    assert isinstance(ruleset, RuleSet)
    options = Options(root=os.path.abspath(root) if root else None)
    report = api.check(list(paths), options=options, ruleset=ruleset, fail_on="never")
    if report.notifications or not report.systems:
        for note in report.notifications:
            say(note.message)
        fail("the manifests could not all be read; the evidence shown would be incomplete")
    out: dict[str, dict[str, list[str]]] = {}
    for system in report.systems:
        for control, kind in system.evidence:
            out.setdefault(control, {}).setdefault(kind, []).append(system.name)
    # The organisation manifest's Statement of Applicability cites evidence per control (the AI
    # policy for A.2.2, the concerns procedure for A.3.3): shown at organisation level, which is
    # where a control such as A.2.4 (the policy's review) can only be evidenced.
    for organisation in report.organisations:
        for reference in organisation.references:
            cited = _SOA_EVIDENCE.match(reference.path)
            if cited and reference.status in ("ok", "url"):
                names = out.setdefault(cited.group(1), {}).setdefault("organisation", [])
                if organisation.name not in names:
                    names.append(organisation.name)
    return out


#: An organisation manifest's Statement of Applicability evidence, by its identity path.
_SOA_EVIDENCE = re.compile(r"spec\.statementOfApplicability\[([^\]]+)\]\.evidence\[")


def _as_json(found: dict[str, list[str]]) -> dict[str, list[str]]:
    return {
        "operational": found.get("operational", []),
        "policyOnly": found.get("policy", []),
        "organisation": found.get("organisation", []),
    }


def _as_text(found: dict[str, list[str]]) -> str:
    parts = []
    if found.get("operational"):
        parts.append(f"operational in {', '.join(found['operational'])}")
    if found.get("policy"):
        parts.append(f"only policy documents in {', '.join(found['policy'])}")
    if found.get("organisation"):
        parts.append(f"organisation-level in {', '.join(found['organisation'])}")
    return "; ".join(parts) or "none in these manifests"
