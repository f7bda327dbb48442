"""(c) Peak memory of `aims-policy check` over 10,000 manifests, and how it grows.

    python bench/memory.py [--counts 2500,10000] [--jobs 0]

Two trees, each of uniquely named copies of the example manifests in subfolders:
* compliant: copies of the compliant example only. No findings, so any growth with the number
  of manifests is the tool's own: this is the figure held to the 150 MB target.
* examples: copies of every example, gaps included (~36 findings per manifest). Memory grows
  with the findings the report must hold; the script prints the cost per finding.
* compliant without the cross-manifest rules (--ignore AIMS-SET): what is left of the growth
  when nothing has to be remembered across manifests, only the report's row for each system.

Each run is a fresh process running the command line in-process (text output to a file), which
reports its own peak resident set and its largest worker's (getrusage)."""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ENV, PY, TODAY, make_tree


def child(tree: str, jobs: int, out: str, extra: list[str]) -> None:
    from aims_policy.cli import main

    stdout = sys.stdout
    with open(out, "w", encoding="utf-8") as sink:
        sys.stdout = sink
        try:
            main(["check", tree, "--root", tree, "--today", TODAY, "--jobs", str(jobs), *extra])
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
        proc = subprocess.run(
            [
                PY,
                __file__,
                "--child",
                str(tree),
                "--jobs",
                str(jobs),
                "--out",
                str(Path(tmp) / "out.txt"),
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--counts", default="2500,10000")
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args, check_args = parser.parse_known_args()  # a child passes the rest on to the check
    if args.child:
        child(args.child, args.jobs, args.out, check_args)
        return
    counts = [int(c) for c in args.counts.split(",")]
    cases: tuple[tuple[str, str | None, list[str]], ...] = (
        ("compliant", "document-summariser", []),
        ("examples", None, []),
        ("no-set", "document-summariser", ["--ignore", "AIMS-SET"]),
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
            f"worker (target <= 150 MB{' for the tool itself' if label == 'compliant' else ''})"
        )
        if label == "no-set":
            print(
                "RESULT no-set: the growth left without the cross-manifest rules is the report's "
                "row for each system (name, file, title, risk level, not-applicable rules)"
            )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
