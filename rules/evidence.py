"""Control of documented information: evidence references must lead to a file that exists and
that the repository controls (ISO/IEC 42001 clause 7.5.3).

The file system was consulted once, before evaluation (aims_policy.evidence); these rules only
read the resulting statuses in ``ctx.evidence``, so they stay pure."""

from __future__ import annotations

from collections.abc import Iterator

from aims_policy.engine import Context, Violation, eu, identity, nist, rule
from aims_policy.evidence import ABSOLUTE, ESCAPES, MISSING, SCHEME
from aims_policy.paths import Path, value_at


def _with_status(ctx: Context, *statuses: str) -> Iterator[tuple[Path, str, str]]:
    # Sorted so that findings come out in a stable order whatever the resolver's walk order.
    for path, status in sorted(ctx.evidence.items(), key=lambda kv: [str(k) for k in kv[0]]):
        if status in statuses:
            yield path, status, str(value_at(ctx.input, path))


@rule(
    id="AIMS-EVD-001",
    title="Every evidence file referenced by the manifest exists",
    severity="error",
    clauses=["7.5.3"],
    kinds=["AISystem", "AIManagementSystem"],
    eu_ai_act=[eu("Art. 11, 18, 17(1)(k)", "high")],
    nist_ai_rmf=[nist("MAP 1.3")],
    tags=["evidence", "documentation"],
    rationale="""A manifest claims controls by pointing at documents: an impact assessment, a
        DPIA, a test report. A reference to a file that is not there is a claim without
        evidence, and usually means the document was moved, renamed or never written.""",
    remediation="""Add the missing document at the referenced path (relative to the manifest),
        or correct the reference to where the document really is.""",
)
def evidence_exists(ctx: Context) -> Iterator[Violation]:
    for path, _status, value in _with_status(ctx, MISSING):
        yield ctx.at(path).fail(
            f"evidence file {value} does not exist relative to the manifest "
            f"({identity(ctx, path)}); add the document or correct the path"
        )


@rule(
    id="AIMS-EVD-002",
    title="Evidence references stay inside the repository",
    severity="error",
    clauses=["7.5.3"],
    kinds=["AISystem", "AIManagementSystem"],
    eu_ai_act=[eu("Art. 11, 18, 17(1)(k)", "high")],
    nist_ai_rmf=[nist("MAP 1.3")],
    tags=["evidence", "security"],
    rationale="""Documented information must be controlled: versioned, access-controlled and
        available to reviewers. A file outside the repository (an absolute path, a `file:` or
        other non-https URL, a `..` escape or a link leading out) is on one machine only or in an
        uncontrolled store, and reading it can expose files the manifest has no business with.""",
    remediation="""Copy the document into the repository and reference it by a path relative to
        the manifest that stays inside the repository, or use an https URL to the controlled
        document store.""",
)
def evidence_inside(ctx: Context) -> Iterator[Violation]:
    for path, status, value in _with_status(ctx, ABSOLUTE, ESCAPES, SCHEME):
        if status == SCHEME:
            why = f"is a {value.split(':', 1)[0].lower()}: URL, not a document in the repository"
        elif status == ABSOLUTE:
            why = "is an absolute path"
        else:
            why = "leads outside the repository"
        yield ctx.at(path).fail(
            f"evidence reference {value} ({identity(ctx, path)}) {why}; use a path "
            "inside the repository, relative to the manifest, or an https URL"
        )
