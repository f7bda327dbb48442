"""Merging the JSON reports of many repositories (issue 19, point 5): 1,000 reports of 10 systems
each, the examples' report (with the organisation manifest it carries) under 1,000 origins,
into one Statement of Applicability and one audit report, beside merely decoding the same files with ``json.loads`` (the floor).

    python bench/merge_reports.py [--count 1000] [--rounds 3]

Every command runs as a fresh process over the same files and pays its start-up once; the
figures are medians of interleaved rounds, printed in seconds and as ratios to the floor."""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from _common import MANIFESTS, PY, TODAY, interleaved

DECODE = """
import json, sys
for path in sys.argv[1:]:
    with open(path, 'rb') as handle:
        json.loads(handle.read())
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    import subprocess

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        repo = base / "repo"
        shutil.copytree(MANIFESTS, repo)
        (repo / ".git").mkdir()
        one = base / "one.json"
        subprocess.run(
            [PY, "-m", "aims_policy", "check", str(repo), "--today", TODAY, "--no-config",
             "--json", str(one), "-q"],
            check=False, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        doc = json.loads(one.read_text(encoding="utf-8"))
        systems = len(doc["systems"])
        reports = []
        for index in range(args.count):
            doc["origin"] = f"git.example.com/team-{index:04d}"
            path = base / "reports" / f"team-{index:04d}.json"
            path.parent.mkdir(exist_ok=True)
            path.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
            reports.append(str(path))
        size = sum(Path(p).stat().st_size for p in reports)
        commands = {
            "json.loads of every report (floor)": [PY, "-c", DECODE, *reports],
            "aims-policy soa --format csv": [
                PY, "-m", "aims_policy", "soa", "--format", "csv", "--today", TODAY,
                "-o", str(base / "soa.csv"), *reports,
            ],
            "aims-policy report -o audit.html": [
                PY, "-m", "aims_policy", "report", "--today", TODAY, "--no-config",
                "-o", str(base / "audit.html"), *reports,
            ],
        }  # fmt: skip
        times = interleaved(commands, args.rounds)
        floor = times["json.loads of every report (floor)"]
        html = (base / "audit.html").stat().st_size
        print(
            f"{args.count} JSON reports of {systems} systems each "
            f"({args.count * systems} systems, {size / 2**20:.0f} MB of JSON)"
        )
        for name, seconds in times.items():
            print(f"  {name:<40} {seconds:6.2f} s  {seconds / floor:5.2f}x")
        print(f"  audit report: {html / 2**20:.0f} MB of HTML")


if __name__ == "__main__":
    main()
