"""What a check depends on besides the files themselves.

Its own module, below every stage: the configuration (which builds options), the policy stage
(which reads them) and the library entry point all depend on it, and it depends on none of them.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aims_policy.model import EMPTY_MAP, FailOn, Location, Severity
from aims_policy.records import Record

if TYPE_CHECKING:
    from aims_policy.baseline import Baseline


class Options(Record):
    """How to check. Every field has a default: ``Options(select=("AIMS-OWN-001",))`` is a whole
    set of options. ``aims_policy.check`` fills in what is left open (``today``: the current UTC
    date; ``data``: the built-in data document) before any stage reads it."""

    today: _dt.date | None = None
    fail_on: FailOn = "error"
    # Scope: which files.
    skip_non_manifests: bool = False
    allow_empty: bool = False  # a directory search that finds no manifest is not an error
    include: tuple[str, ...] = ()  # globs for files found in directories
    exclude: tuple[str, ...] = ()  # globs for every file, named or found
    glob_base: str | None = None  # what the globs are relative to (the configuration's folder)
    root: str | None = None  # repository root for evidence paths (default: git work tree)
    # Hook mode (aims_policy.changes): the paths are files a change touches; manifests among
    # them are checked, and so are the manifests under ``search`` (default: the git work tree)
    # that cite a file the change deletes (named, or deleted in the git index).
    changed: bool = False
    search: tuple[str, ...] = ()
    jobs: int = 0  # worker processes; 0: every core
    # Also look for AI in the repository that no manifest's spec.implementation.paths covers
    # (aims_policy.discover_ai; findings of AIMS-INV-001).
    discover_ai: bool = False
    # Selection: which rules, and at what severity.
    select: tuple[str, ...] = ()  # also decides whether the policy's own rules (AIMS-EXC-*) run
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = EMPTY_MAP  # rule id -> override
    data: Mapping[str, Any] = EMPTY_MAP  # the organisation's thresholds (empty: built-in)
    # Explanations.
    explain: bool = False
    why_not: tuple[str, ...] = ()  # rule ids whose non-firing is explained too
    # Policy: exceptions from the configuration file, and the baseline.
    exceptions: tuple[tuple[str, Any, Location], ...] = ()
    baseline: Baseline | None = None
    # Audit: every finding is reported open; what exceptions and the baseline would suppress is
    # still judged and shown, but suppresses nothing (an auditor sees the unfiltered state).
    audit: bool = False
    # The run covers the configuration's own paths (none were named on the command line), so a
    # configuration exception for a system it did not see names no system at all.
    full_run: bool = False
    # Keep every evidence reference of each system in the report (SystemInfo.references): the
    # JSON report and the audit report list them. About 12 KB a system: `aims-policy check`
    # turns it off when it writes no JSON report.
    references: bool = True
    # Keep the Annex A controls each system's evidence shows and those its risk treatment relies
    # on (SystemInfo.evidence, .relies): the JSON report, the Statement of Applicability and the
    # audit report read them, and no rule does (rules have their own fact). About 1.2 M
    # instructions a system: `aims-policy check` turns it off when it writes no JSON report.
    controls: bool = True

    @property
    def day(self) -> _dt.date:
        """``today``, which ``aims_policy.check`` always sets before a stage reads it."""
        if self.today is None:
            raise ValueError("Options.today is not set; aims_policy.check() sets it")
        return self.today
