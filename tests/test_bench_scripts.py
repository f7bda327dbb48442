"""The bench scripts that run the program in a process of their own still get their figures back
from it. (No timing here: bench/ measures; this only sees that a script completes, so that a change
to how the program ends cannot leave a bench broken until someone next runs it.)"""

from __future__ import annotations

import subprocess
import sys

from _helpers import ROOT


def test_the_memory_bench_reports_every_figure_on_a_small_tree() -> None:
    # Its child runs the command line in-process and then reports its peaks: a run that ended
    # the process without returning (aims_policy.__main__.run skips the teardown) reported none.
    done = subprocess.run(
        [sys.executable, "bench/memory.py", "--counts", "6", "--reports", "6"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    results = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    for fmt in ("json", "sarif", "junit", "markdown"):
        assert any(line.startswith(f"RESULT report {fmt}: peak ") for line in results), results
    for tree in ("compliant", "examples", "no-set"):
        assert any(
            line.startswith(f"RESULT {tree}: peak memory at 6 manifests") for line in results
        )
