"""(b) Checking 2,000 manifests, as a multiple of PyYAML's C loader merely composing them.

    python bench/throughput.py [--count 2000] [--rounds 3] [--jobs 0]

Both sides run as fresh processes over the same tree (copies of manifests/ in subfolders), so
each pays its interpreter start-up once. The check may use every core (--jobs 0). Target: <= 2x."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from _common import PY, TODAY, interleaved, make_tree

COMPOSE = """
import sys, yaml
from pathlib import Path
for path in sorted(Path(sys.argv[1]).rglob('*')):
    if path.suffix in ('.yaml', '.yml', '.json'):
        for _ in yaml.compose_all(path.read_bytes(), Loader=yaml.CSafeLoader):
            pass
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        files = make_tree(tree, args.count)
        commands = {
            "compose only (C loader, 1 process)": [PY, "-c", COMPOSE, str(tree)],
            f"aims-policy check --jobs {args.jobs}": [
                PY,
                "-m",
                "aims_policy",
                "check",
                str(tree),
                "--root",
                str(tree),
                "--today",
                TODAY,
                "--jobs",
                str(args.jobs),
            ],
            "aims-policy check --jobs 1": [
                PY,
                "-m",
                "aims_policy",
                "check",
                str(tree),
                "--root",
                str(tree),
                "--today",
                TODAY,
                "--jobs",
                "1",
            ],
        }
        medians = interleaved(commands, args.rounds)
    base = medians["compose only (C loader, 1 process)"]
    print(f"{len(files)} manifests")
    for name, value in medians.items():
        print(f"{name:<40} {value:7.2f} s  {value / base:5.2f}x compose")
    ratio = medians[f"aims-policy check --jobs {args.jobs}"] / base
    print(f"RESULT throughput ratio = {ratio:.2f}x (target <= 2x)")


if __name__ == "__main__":
    main()
