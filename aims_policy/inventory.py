"""The inventory rule: AI that AI discovery saw in the repository and no manifest covers.

AIMS-INV-001 reads two sets of facts and does no I/O: what ``discover_ai`` found (the files with
AI in them) and what the manifests say implements each system (``spec.implementation.paths``,
carried in each ``SystemInfo``). Like the schema and exception rules it is the pipeline's own,
not a pack rule: its input is the repository, not a manifest, so it has no manifest fixtures;
tests/test_discover_ai.py checks it on repositories built for the purpose.

One finding per file, at the first place AI was seen in it, listing everything seen there: a
file that imports five SDKs is one thing to register, not five. Its identity is the file's path
relative to the discovery root (no line number), so a baseline survives edits to the file.
"""

from collections.abc import Sequence

from aims_policy.model import AIFile, Discovery, Finding, Reference, RuleMeta, SystemInfo
from aims_policy.wording import plural

UNREGISTERED = RuleMeta(
    id="AIMS-INV-001",
    name="UnregisteredAIUse",
    title="AI used in the repository belongs to a system with a manifest",
    severity="warning",
    rationale="An AI management system can only govern the AI it knows about: clause 4.3 "
    "asks the organisation to determine which AI systems its management system covers, and "
    "A.4.2 to document the resources (AI SDKs, frameworks, models) that each system's life "
    "cycle uses. Code that calls an AI SDK, a dependency on an AI framework or a model file "
    "that no manifest's `spec.implementation.paths` covers is AI in use outside the "
    "inventory: nobody has classified it, assessed its risks or named its owner. It is a "
    "warning rather than an error because discovery recognises signs, not systems: a "
    "notebook, a test helper or a vendored tool may rightly be outside the inventory, which "
    "the configuration's `exclude` says once for all; raise it to an error with "
    "`severity: {AIMS-INV-001: error}` once the inventory is complete.",
    remediation="Add the file (or a folder or glob above it) to `spec.implementation.paths` "
    "of the manifest of the system it belongs to; if it belongs to none, write a manifest for "
    "it (`aims-policy init`); if it is not AI in use (an example, a test fixture, vendored "
    "code), list it under `exclude:` in .aims-policy.yaml.",
    controls=("A.4.2",),
    clauses=("4.3",),
    # GOVERN 1.6: mechanisms are in place to inventory AI systems (the crosswalk maps A.4.2 to it)
    nist_ai_rmf=(Reference("GOVERN 1.6"),),
    tags=("inventory",),
    applies_to="files in which `--discover-ai` sees AI (imports, dependencies, model files)",
)
INVENTORY_RULES: tuple[RuleMeta, ...] = (UNREGISTERED,)


def covering(ai_file: AIFile, root: str, systems: Sequence[SystemInfo]) -> tuple[str, ...]:
    """The systems whose implementation paths cover the file (``root``: the discovery root,
    absolute; each system's globs are relative to its own repository root)."""
    import os

    from aims_policy.config import glob_matches

    names: list[str] = []
    absolute = os.path.join(root, *ai_file.relative.split("/"))
    for system in systems:
        if not system.implementation:
            continue
        relative = os.path.relpath(absolute, system.root) if system.root else ai_file.relative
        if relative.startswith(".."):
            continue
        relative = relative.replace(os.sep, "/")
        if glob_matches(relative, system.implementation):
            names.append(system.name)
    return tuple(sorted(set(names)))


def judge(
    discovery: Discovery, root: str, systems: Sequence[SystemInfo]
) -> tuple[Discovery, list[Finding]]:
    """The discovery with each file's covering systems, and a finding for each file that none
    covers."""
    files = []
    findings = []
    for ai_file in discovery.files:
        covered = covering(ai_file, root, systems)
        files.append(ai_file._replace(covered_by=covered))
        if not covered:
            findings.append(_finding(ai_file))
    return discovery._replace(files=tuple(files)), findings


def _finding(ai_file: AIFile) -> Finding:
    seen = ai_file.seen
    listed = ", ".join(
        f"{s.what} (line {s.line})" if ai_file.kind != "model" else s.what for s in seen[:5]
    )
    if len(seen) > 5:
        listed += f" and {len(seen) - 5} more"
    what = {
        "source": plural(len(seen), "AI import"),
        "dependencies": plural(len(seen), "AI package"),
        "model": "a model file",
    }[ai_file.kind]
    return Finding(
        UNREGISTERED.id,
        UNREGISTERED.severity,
        f"{what} that no manifest covers: {listed}; add this path to the "
        "`spec.implementation.paths` of the manifest of its system, write a manifest for it, "
        "or exclude it in .aims-policy.yaml",
        ai_file.location,
        "",
        ai_file.relative,
        None,
        controls=UNREGISTERED.iso_refs,
    )
