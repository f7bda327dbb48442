"""(b) Checking 2,000 manifests, as a multiple of PyYAML's C loader merely composing them.

    python bench/throughput.py [--count 2000] [--rounds 3] [--jobs 0] [--instructions]

Both sides run as fresh processes over the same tree (copies of manifests/ in subfolders), so
each pays its interpreter start-up once. Two trees: the copies with their evidence folders, and
the same copies without them (every evidence reference then fails: many findings). The compose
floor reads each file's bytes and lets each node graph go (handing the C loader a file object,
or keeping the graphs, would flatter the check). Targets: <= 1.5x with every core (--jobs 0),
<= 2.5x with --jobs 1, on both trees.

``--instructions`` counts the instructions of the compose floor and of ``--jobs 1`` once each
under valgrind instead (a proxy of cpu that a busy machine does not move, for comparing commits;
the targets are on time). The all-cores run is left out: its processes' instructions add up to
cpu, not to the wall time the target is about. Under valgrind a check runs some fifty times
slower: ``--count 200`` takes about five minutes (``--rounds`` and ``--jobs`` play no part)."""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from _common import COUNTED_NOTE, PY, TODAY, counted, interleaved, make_tree

TARGETS = {"all cores": 1.5, "--jobs 1": 2.5}

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
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count the floor's and --jobs 1's instructions once with valgrind instead of timing",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"with evidence": Path(tmp) / "tree", "without evidence": Path(tmp) / "bare"}
        files = make_tree(trees["with evidence"], args.count)
        shutil.copytree(trees["with evidence"], trees["without evidence"])
        for folder in sorted(trees["without evidence"].rglob("evidence"), reverse=True):
            shutil.rmtree(folder)

        def check(tree: Path, jobs: str) -> list[str]:
            return [PY, "-m", "aims_policy", "check", str(tree), "--root", str(tree),
                    "--today", TODAY, "--jobs", jobs]  # fmt: skip

        commands: dict[str, list[str]] = {}
        for label, tree in trees.items():
            commands[f"compose {label}"] = [PY, "-c", COMPOSE, str(tree)]
            if not args.instructions:
                commands[f"check {label}, all cores"] = check(tree, str(args.jobs))
            commands[f"check {label}, --jobs 1"] = check(tree, "1")
        medians = counted(commands) if args.instructions else interleaved(commands, args.rounds)
    scale, unit = (1e-6, "M instr") if args.instructions else (1, "s")
    print(f"{len(files)} manifests")
    for label in trees:
        base = medians[f"compose {label}"]
        for name, value in medians.items():
            if label in name:
                print(f"{name:<44} {value * scale:9.2f} {unit}  {value / base:5.2f}x compose")
    if args.instructions:
        print(COUNTED_NOTE)
    targets = {"--jobs 1": TARGETS["--jobs 1"]} if args.instructions else TARGETS
    for label in trees:
        base = medians[f"compose {label}"]
        ratios = {how: medians[f"check {label}, {how}"] / base for how in targets}
        print(
            f"RESULT throughput {label}: "
            + "; ".join(
                f"{ratio:.2f}x {how} (target <= {targets[how]}x)" for how, ratio in ratios.items()
            )
        )


if __name__ == "__main__":
    main()
