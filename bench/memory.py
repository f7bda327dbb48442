"""(c) Peak memory of a check over 10,000 manifests, and how it grows with the count.

    python bench/memory.py [--counts 2500,10000] [--jobs 0]

Each run is a fresh process that checks the tree in-process and reports its own peak resident
set and its largest worker's (getrusage). Target: <= 150 MB at 10,000 manifests, growing only
with the findings kept in the report."""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ENV, PY, TODAY, make_tree


def child(tree: str, jobs: int) -> None:
    import datetime as dt

    from aims_policy import data
    from aims_policy.api import Options, check
    from aims_policy.output import render

    report = check([tree], options=Options(today=dt.date.fromisoformat(TODAY), jobs=jobs,
                                           data=data.load()))  # fmt: skip
    render(report, "json")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"files": len(report.files), "findings": len(report.findings),
                      "parent_mb": own, "worker_mb": workers}))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--counts", default="2500,10000")
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.jobs)
        return
    rows = []
    for count in (int(c) for c in args.counts.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            tree = Path(tmp) / "tree"
            make_tree(tree, count)
            out = subprocess.run([PY, __file__, "--child", str(tree), "--jobs", str(args.jobs)], env=ENV,
                                 capture_output=True, text=True, check=True)  # fmt: skip
            row = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(f"{row['files']:>6} manifests, {row['findings']:>7} findings: parent peak "
                  f"{row['parent_mb']:6.1f} MB, largest worker {row['worker_mb']:6.1f} MB")
    last = rows[-1]
    print(f"RESULT peak memory at {last['files']} manifests = {last['parent_mb']:.1f} MB parent, "
          f"{last['worker_mb']:.1f} MB per worker (target <= 150 MB)")
    if len(rows) > 1:
        first = rows[0]
        extra = last["findings"] - first["findings"]
        grow = last["parent_mb"] - first["parent_mb"]
        per = grow * 1024 / extra if extra else 0.0
        print(f"growth {first['files']} -> {last['files']} manifests: {grow:+.1f} MB for "
              f"{extra} more findings ({per:.2f} KB per finding)")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
