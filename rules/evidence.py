"""Control of documented information: evidence references must lead to a file that exists and
that the repository controls (ISO/IEC 42001 clause 7.5.3): inside it, and tracked by git.

The file system and git were consulted once, before evaluation (aims_policy.evidence); these
rules only read the resulting statuses in ``ctx.evidence`` and ``ctx.tracking``, so they stay
pure."""

from __future__ import annotations

from collections.abc import Iterator

from aims_policy.engine import Context, Violation, eu, fact, identity, nist, rule
from aims_policy.evidence import ABSOLUTE, ESCAPES, IGNORED, MISSING, OUTSIDE, SCHEME
from aims_policy.paths import Path, value_at


def _with_status(ctx: Context, *statuses: str) -> Iterator[tuple[Path, str, str]]:
    # Sorted so that findings come out in a stable order whatever the resolver's walk order;
    # only the references with one of the statuses asked (most have none of them).
    chosen = [item for item in ctx.evidence.items() if item[1] in statuses]
    for path, status in sorted(chosen, key=lambda kv: [str(k) for k in kv[0]]):
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


@fact
def in_git_work_tree(ctx: Context) -> bool:
    """Systems whose manifest lies in a git work tree"""
    return ctx.tracking is not None and ctx.tracking.work_tree is not None


@rule(
    id="AIMS-EVD-003",
    title="Evidence files are tracked by git",
    severity="error",
    clauses=["7.5.3"],
    eu_ai_act=[eu("Art. 11, 18, 17(1)(k)", "high")],
    nist_ai_rmf=[nist("MAP 1.3")],
    tags=["evidence", "documentation"],
    applies=in_git_work_tree,
    rationale="""A document that exists in one working copy but not in git is not controlled
        documented information: the commit does not hold it, so every clone, reviewer and CI run
        lacks it and finds the manifest's claim unsupported, while the author's own check passed.
        A file git ignores is the same, and `git add` refuses it without being told.""",
    remediation="""Stage the document with the manifest (`git add PATH`; for a file that
        `.gitignore` excludes, `git add -f PATH` or narrow the ignore pattern), or cite a
        document that is in the repository.""",
)
def evidence_tracked(ctx: Context) -> Iterator[Violation]:
    tracking = ctx.tracking
    assert tracking is not None  # in_git_work_tree holds
    for untracked in tracking.untracked_files():
        value = value_at(ctx.input, untracked.reference)
        where = identity(ctx, untracked.reference)
        if untracked.why == IGNORED:
            ctx.note(f"git ignores {untracked.file}")
            yield ctx.at(untracked.reference).fail(
                f"evidence file {value} ({where}) is ignored by git, so no commit holds it; "
                f"stage it anyway with `git add -f {untracked.file}` or stop ignoring it"
            )
        elif untracked.why == OUTSIDE:
            ctx.note(f"{untracked.file} is outside the git work tree {tracking.work_tree}")
            yield ctx.at(untracked.reference).fail(
                f"evidence file {value} ({where}) is outside the git work tree of the manifest, "
                "so no commit of it holds it; move the document into the repository"
            )
        else:
            ctx.note(f"{untracked.file} is not in the git index")
            yield ctx.at(untracked.reference).fail(
                f"evidence file {value} ({where}) is not tracked by git, so the commit and "
                f"every clone lack it; stage it with `git add {untracked.file}`"
            )
