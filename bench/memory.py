"""(c) Peak memory of `aims-policy check` over 10,000 manifests, and how it grows; (d) peak memory
of each report format with about 200,000 findings, against a text-only run of the same files.

    python bench/memory.py [--counts 2500,10000] [--jobs 0] [--reports 5000] [--only reports]

Two trees, each of uniquely named copies of the example manifests in subfolders:
* compliant: copies of the compliant example only. No findings, so any growth with the number
  of manifests is the tool's own.
* examples: copies of every example, gaps included (~36 findings per manifest). Memory grows
  with the findings the report must hold; the script prints the cost per finding. Target at
  10,000 manifests: <= 100 MB (issue 18).
* compliant without the cross-manifest rules (--ignore AIMS-SET and AIMS-ORG-030 to 036): what
  is left of the growth when nothing has to be remembered across manifests, only the report's
  row for each system.

Reports (--reports N, default 5,000 copies of every example without their evidence folders, about
200,000 findings; --jobs 1, so that one process holds everything): a text-only run, then one run
per format written to its file (--json, --sarif, --junit, --markdown) besides the same text on
standard output. Target: each <= 200 MB and <= 1.5x the text-only run. SARIF refuses a run of
more than GitHub's 25,000 results; the bench lifts that limit (in its own process) to measure
the rendering itself (the file may then still be refused for its gzipped size, after the last
result is written: the peak is measured all the same).

Each run is a fresh process running the command line in-process (text output to a file), which
reports its own peak resident set and its largest worker's (getrusage)."""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ENV, PY, TODAY, make_tree


def child(tree: str, jobs: int, out: str, extra: list[str]) -> None:
    # As the program runs (aims_policy.__main__.run): the cyclic collector off before anything
    # is imported. Not run() itself, which ends the process without returning here (no teardown).
    import gc

    gc.disable()

    import aims_policy.output.sarif
    from aims_policy.cli import main

    if "--sarif" in extra:  # measure the rendering, not GitHub's refusal (see above)
        aims_policy.output.sarif.MAX_RESULTS = 1 << 40

    stdout = sys.stdout
    with open(out, "w", encoding="utf-8") as sink:
        sys.stdout = sink
        sys.argv = ["aims-policy", "check", tree, "--root", tree, "--today", TODAY]
        sys.argv += ["--jobs", str(jobs), *extra]
        try:
            main()
        except SystemExit:
            pass
        finally:
            sys.stdout = stdout
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    summary = Path(out).read_text(encoding="utf-8").rstrip().splitlines()[-1]
    print(json.dumps({"parent_mb": own, "worker_mb": workers, "summary": summary}))


def measure(count: int, only: str | None, jobs: int, extra: list[str]) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        make_tree(tree, count, only)
        return run_child(tree, Path(tmp), count, jobs, extra)


def run_child(tree: Path, tmp: Path, count: int, jobs: int, extra: list[str]) -> dict[str, object]:
    """One check in a fresh process; its peaks, file count and findings."""
    proc = subprocess.run(
        [
            PY,
            __file__,
            "--child",
            str(tree),
            "--jobs",
            str(jobs),
            "--out",
            str(tmp / "out.txt"),
            *extra,
        ],
        env=ENV,
        capture_output=True,
        text=True,
        check=True,
    )
    row: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    summary = str(row["summary"])
    counts = [int(part.split()[0]) for part in summary.split(": ", 1)[1].split(", ")[:3]]
    row.update(files=count, findings=sum(counts))
    return row


# The cross-manifest rules: the duplicates and consistency rules and the reconciliation of the
# systems with the organisation manifest.
CROSS_MANIFEST = [
    arg
    for rule in ["AIMS-SET", *(f"AIMS-ORG-03{n}" for n in range(7))]
    for arg in ("--ignore", rule)
]
FORMAT_TARGET_MB = 200.0
FORMAT_TARGET_RATIO = 1.5


def reports(count: int) -> None:
    """Each file format's peak against a text-only run of the same tree."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        make_tree(tree, count)
        for evidence in sorted(tree.rglob("evidence"), reverse=True):
            shutil.rmtree(evidence)  # every evidence reference now fails: many findings
        out = Path(tmp) / "report"
        rows = {"text only": run_child(tree, Path(tmp), count, 1, [])}
        for fmt in ("json", "sarif", "junit", "markdown"):
            rows[fmt] = run_child(tree, Path(tmp), count, 1, [f"--{fmt}", str(out)])
            if not out.exists():
                rows[fmt]["size"] = "(refused: beyond GitHub's 10 MB gzipped)"
                continue
            size = out.stat().st_size / 1048576
            rows[fmt]["size"] = f"{size:.0f} MB file" if size >= 1 else f"{size * 1024:.0f} KB file"
            out.unlink()
    text = float(rows["text only"]["parent_mb"])  # type: ignore[arg-type]
    print(f"reports: {count} manifests, {rows['text only']['findings']} findings, --jobs 1")
    for name, row in rows.items():
        peak = float(row["parent_mb"])  # type: ignore[arg-type]
        print(f"  {name:<10} peak {peak:6.1f} MB  {peak / text:4.2f}x text  {row.get('size', '')}")
    for fmt in ("json", "sarif", "junit", "markdown"):
        peak = float(rows[fmt]["parent_mb"])  # type: ignore[arg-type]
        print(
            f"RESULT report {fmt}: peak {peak:.1f} MB (target <= {FORMAT_TARGET_MB:.0f} MB), "
            f"{peak / text:.2f}x the text-only run (target <= {FORMAT_TARGET_RATIO}x)"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--counts", default="2500,10000")
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--reports", type=int, default=5000, help="manifests for the formats")
    parser.add_argument("--only", choices=["growth", "reports"], help="run one part only")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args, check_args = parser.parse_known_args()  # a child passes the rest on to the check
    if args.child:
        child(args.child, args.jobs, args.out, check_args)
        return
    if args.only != "growth":
        reports(args.reports)
    if args.only == "reports":
        return
    counts = [int(c) for c in args.counts.split(",")]
    cases: tuple[tuple[str, str | None, list[str]], ...] = (
        ("compliant", "document-summariser", []),
        ("examples", None, []),
        ("no-set", "document-summariser", CROSS_MANIFEST),
    )
    for label, only, extra in cases:
        rows = [measure(count, only, args.jobs, extra) for count in counts]
        for row in rows:
            print(
                f"{label:<10} {row['files']:>6} manifests, {row['findings']:>7} findings: parent peak "
                f"{row['parent_mb']:6.1f} MB, largest worker {row['worker_mb']:6.1f} MB"
            )
        first, last = rows[0], rows[-1]
        grow = float(last["parent_mb"]) - float(first["parent_mb"])  # type: ignore[arg-type]
        more = int(last["findings"]) - int(first["findings"])  # type: ignore[call-overload]
        added = int(last["files"]) - int(first["files"])  # type: ignore[call-overload]
        per = (
            f", {grow * 1024 / more:.2f} KB per added finding"
            if more
            else f", {grow * 1024 / added:.2f} KB per added manifest"
            if added
            else ""
        )
        print(
            f"{label:<10} growth {first['files']} -> {last['files']} manifests: {grow:+.1f} MB{per}"
        )
        print(
            f"RESULT {label}: peak memory at {last['files']} manifests = "
            f"{float(last['parent_mb']):.1f} MB parent, {float(last['worker_mb']):.1f} MB per "  # type: ignore[arg-type]
            f"worker (target <= 100 MB)"
        )
        if label == "no-set":
            print(
                "RESULT no-set: the growth left without the cross-manifest rules is the report's "
                "row for each system (name, file, title, risk level, not-applicable rules)"
            )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
