"""The bench scripts that run the program in a process of their own still get their figures back
from it. (No timing here: bench/ measures; this only sees that a script completes, so that a change
to how the program ends cannot leave a bench broken until someone next runs it.)"""

from __future__ import annotations

import importlib.util
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


def test_the_cache_miss_figure_is_read_from_cachegrinds_summary() -> None:
    # bench/linear.py --cache-misses reads this line of valgrind's report (reads + writes).
    # Loaded from its file under a name of its own: nothing named `_common` left in sys.modules.
    spec = importlib.util.spec_from_file_location("bench_common", ROOT / "bench" / "_common.py")
    assert spec is not None and spec.loader is not None
    common = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(common)
    last_level_misses = common.last_level_misses
    report = (
        "==6051== LL refs:          28,000,109  ( 27,259,013 rd   +     741,096 wr)\n"
        "==6051== LL misses:         1,236,622  (    831,996 rd   +     404,626 wr)\n"
        "==6051== LL miss rate:            0.1% (        0.1%     +         0.2%  )\n"
    )
    assert last_level_misses(report) == 1_236_622
    try:
        last_level_misses("==1== I refs: 5\n")
    except SystemExit as exc:
        assert "no summary" in str(exc)
    else:
        raise AssertionError("a report without the line was read as a figure")
