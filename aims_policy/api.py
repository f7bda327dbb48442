"""The library entry point: ``aims_policy.check(paths, ...) -> Report``.

The whole job, in the order the data flows; each stage is a module of its own:

    discover        the files to check (paths, directories, include/exclude globs)
    worker          each file: intake (read, triage), load with positions, validate, freeze,
                    evaluate the rules (in worker processes when there are many files)
    assemble        fold the files' results in as they arrive, run the cross-manifest rules
    policy          exceptions, baseline and severity overrides: each finding's final state
    -> Report       which every output format renders (aims_policy.output)
"""

import datetime as _dt
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from aims_policy.model import FailOn, Notification, Report
from aims_policy.options import Options
from aims_policy.registry import RuleSet

if TYPE_CHECKING:
    from aims_policy.discover import Candidate, Scan
    from aims_policy.model import Discovery

__all__ = ["Options", "check"]

#: The code of the problem a directory search that found no manifest reports (exit 2).
NO_MANIFEST = "no-manifest"


def check(
    paths: Sequence[str],
    *,
    options: Options | None = None,
    today: _dt.date | str | None = None,
    fail_on: FailOn | None = None,
    ruleset: RuleSet | None = None,
    cwd: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    stdin: bytes | None = None,
    stdin_filename: str | None = None,
) -> Report:
    """Check manifests and return the report, exactly as ``aims-policy check`` would.

    ``options`` says how (rule selection, severity overrides, data document, exceptions,
    baseline...; see :class:`Options`); ``today`` and ``fail_on``, when given, take the place of
    the options' own (``today`` defaults to the current UTC date). ``ruleset`` defaults to the
    built-in pack; ``options.select``/``ignore`` choose among its rules. ``progress(done,
    total)`` is called after each file (the CLI's progress indicator).

    ``stdin`` is one file's bytes handed over instead of ``paths`` (``aims-policy check -``),
    checked as if it were the file ``stdin_filename`` (relative to ``cwd``; the name findings
    carry, and the folder its evidence paths are relative to), or as ``<stdin>`` in ``cwd``.

    With ``options.changed`` (``check --changed``, the pre-commit hooks), ``paths`` are the
    files a change touches: the manifests among them are checked, and so is every manifest that
    cites a file the change deletes (see :mod:`aims_policy.changes`).

    >>> report = check(["manifests/"], today="2026-11-22")   # doctest: +SKIP
    >>> report.exit_code                                       # doctest: +SKIP
    """
    from aims_policy import data as data_document
    from aims_policy import registry
    from aims_policy.assemble import assemble
    from aims_policy.discover import Scan, scan, stdin_candidate
    from aims_policy.evidence import clear_caches
    from aims_policy.worker import Worker, run

    options = options or Options()
    day = _dt.date.fromisoformat(today) if isinstance(today, str) else today
    options = options._replace(
        today=day or options.today or _dt.datetime.now(_dt.timezone.utc).date(),
        fail_on=fail_on or options.fail_on,
        data=options.data or data_document.load(),
    )
    ruleset = registry.selected(
        ruleset if ruleset is not None else registry.load(select=options.select, by_kind=True),
        options.select,
        options.ignore,
    )
    cwd = cwd or os.getcwd()
    clear_caches()
    if stdin is not None:
        if paths:
            raise ValueError("check(): give paths or stdin, not both")
        found = Scan([stdin_candidate(stdin, stdin_filename, cwd)], [])
    elif options.changed:
        from aims_policy.changes import affected

        # Whatever a change touches that is not a manifest is skipped, never an error.
        options = options._replace(skip_non_manifests=True)
        change = affected(paths, cwd, options.search)
        found = scan(change.paths, cwd)
        found = found._replace(problems=[*change.problems, *found.problems])
    else:
        found = scan(list(paths), cwd)
    candidates, notifications = found.candidates, found.problems
    if options.include or options.exclude:
        from aims_policy.config import keep_candidates

        candidates = keep_candidates(candidates, options, cwd)
    left_out = len(found.candidates) - len(candidates)
    options = _with_organisation(candidates, options)
    discovery = None
    if options.discover_ai and stdin is None:
        discovery = _discover_ai(options, cwd)
    worker = Worker(ruleset, options)
    report = assemble(run(candidates, worker, progress), notifications, worker, options, discovery)
    if found.directories and not report.files and not options.allow_empty:
        # No pass by omission: a search that found nothing to check says where it looked
        # (also when AI discovery found AI: a repository with AI and no manifest is not clean).
        return report._replace(
            notifications=(_nothing_found(report, found, left_out), *report.notifications)
        )
    return report


def _discover_ai(options: Options, cwd: str) -> "tuple[Discovery, str]":
    """AI discovery over the repository (``--root``, else the git work tree of the working
    directory, else the working directory), with the configuration's ``exclude`` applied the
    way it is to manifests. Manifests are never read by it: it reads no YAML or JSON file but
    package.json and the npm and pnpm lock files."""
    from aims_policy.config import glob_matches
    from aims_policy.discover_ai import discover_ai
    from aims_policy.evidence import repository_root

    root = os.path.abspath(os.path.join(cwd, options.root)) if options.root else None
    root = root or repository_root(cwd)
    base = os.path.abspath(options.glob_base or cwd)
    patterns = options.exclude

    def excluded(path: str) -> bool:
        relative = os.path.relpath(path, base).replace(os.sep, "/")
        return not relative.startswith("../") and glob_matches(relative, patterns)

    found = discover_ai(root, cwd, options.data, excluded if patterns else None)
    return found, root


def _with_organisation(candidates: "list[Candidate]", options: Options) -> Options:
    """The options with the authorities of the organisation manifest among ``candidates`` in
    the data document: who may accept risks of each level (``risk.acceptanceAuthorityByLevel``)
    and approve exceptions (``exceptions.approversBySeverity``). The organisation manifest is
    the AIMS's record of them (ISO/IEC 42001 5.3), so it wins over the data document's defaults
    for what it names. With none, or several (AIMS-ORG-020 reports that), nothing changes."""
    from aims_policy.intake import organisation_documents

    # Two are as good as any number: several organisation manifests change nothing here.
    documents = organisation_documents(candidates, options.root, enough=2)
    if len(documents) != 1:
        return options
    authorities = documents[0].data["spec"].get("authorities") or {}
    data = dict(options.data)
    by_level = {k: v for k, v in (authorities.get("riskAcceptance") or {}).items() if v}
    if by_level:
        risk = dict(data["risk"])
        risk["acceptanceAuthorityByLevel"] = {**risk["acceptanceAuthorityByLevel"], **by_level}
        data["risk"] = risk
    approvers = authorities.get("waiverApproval")
    if approvers:
        waivers = dict(data["exceptions"])
        waivers["approversBySeverity"] = {s: list(approvers) for s in ("error", "warning", "note")}
        data["exceptions"] = waivers
    return options._replace(data=data)


def _nothing_found(report: Report, found: "Scan", left_out: int) -> Notification:
    from aims_policy.wording import plural

    looked = report.not_manifests
    not_manifests = "1 not a manifest" if looked == 1 else f"{looked} not manifests"
    what = [f"{plural(looked, 'file')} looked at" + (f": {not_manifests}" if looked else "")]
    if found.ignored:
        what.append(f"{found.ignored} ignored by .gitignore")
    if left_out:
        what.append(f"{left_out} left out by include/exclude")
    if found.skipped:
        what.append(f"{plural(found.skipped, 'hidden, virtualenv or node_modules folder')} skipped")
    return Notification(
        "usage",
        NO_MANIFEST,
        f"no manifest found in {', '.join(found.directories)} ({'; '.join(what)}); name "
        "manifests, or allow an empty result with --allow-empty (configuration: "
        "allow-empty: true)",
    )
