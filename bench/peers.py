"""(f) aims-policy beside a peer: the same ten rules written in Rego (bench/peers/aims.rego), run by
regopy on the same files, both as multiples of the same floors.

    python bench/peers.py [--count 2000] [--rounds 10] [--bulk-rounds 3]

regopy (rego-cpp's Python binding) is installed by this script into a virtual environment of its
own under the user's cache folder ($XDG_CACHE_HOME or ~/.cache, aims-policy-bench/), with the
PyYAML it reads the manifests with; it is never a dependency of aims-policy. The first run needs
the package registry; later runs reuse the environment.

* one file: the largest example manifest, against the stack floor
  (``python -c "import yaml, pyrsistent, click"``). aims-policy runs every rule, and then only
  the ten (``--select``); the Rego side loads the file with PyYAML's C loader, hands it to the
  interpreter as JSON and queries ``data.aims.deny``.
* many files: copies of the examples in subfolders (bench/_common.make_tree), against PyYAML's C
  loader composing them in one process; aims-policy with every core and with ``--jobs 1``, the
  Rego side in one process (one interpreter, the policy compiled once, a new input per file).

aims-policy and both floors run from a regular (non-editable) install of this checkout in a
temporary venv (bench/_common.regular_install), as bench/startup.py does: a development venv's
editable install slows every interpreter start, which would flatter both sides' ratios.

Commands alternate, each the median of its rounds."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import MANIFESTS, TODAY, example_files, interleaved, make_tree, regular_install

REGOPY = "regopy==1.5.2"
POLICY = Path(__file__).resolve().parent / "peers" / "aims.rego"
RULES = [
    "AIMS-OWN-001",
    "AIMS-OWN-002",
    "AIMS-RSK-001",
    "AIMS-RSK-002",
    "AIMS-RSK-003",
    "AIMS-RSK-004",
    "AIMS-RSK-005",
    "AIMS-DAT-001",
    "AIMS-LOG-001",
    "AIMS-TODO-001",
]

COMPOSE = """
import sys, yaml
from pathlib import Path
for path in sorted(Path(sys.argv[1]).rglob('*')):
    if path.suffix in ('.yaml', '.yml', '.json'):
        for _ in yaml.compose_all(path.read_bytes(), Loader=yaml.CSafeLoader):
            pass
"""

# The Rego side: every manifest under the path (or the one file), each document of it, loaded as
# aims-policy loads it (bytes to PyYAML's C loader), evaluated, its violations counted and
# printed.
REGO = """
import json, sys, yaml
from pathlib import Path
from regopy import Interpreter
rego = Interpreter()
rego.add_module("aims", Path(sys.argv[1]).read_text(encoding="utf-8"))
target = Path(sys.argv[2])
files = [target] if target.is_file() else sorted(
    p for p in target.rglob("*") if p.suffix in (".yaml", ".yml", ".json"))
found = 0
documents = 0
for path in files:
    for doc in yaml.load_all(path.read_bytes(), Loader=yaml.CSafeLoader):
        rego.set_input_term(json.dumps(doc, default=str))
        found += len(json.loads(str(rego.query("data.aims.deny")))["expressions"][0])
        documents += 1
print(f"{len(files)} files, {documents} documents, {found} violations")
"""


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "aims-policy-bench"


def regopy_python() -> str:
    """The interpreter of the environment that has regopy, created on first use."""
    venv = cache_dir() / REGOPY.replace("==", "-")
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not python.exists():
        print(f"installing {REGOPY} into {venv} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", REGOPY, "pyyaml"], check=True)
    return str(python)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--bulk-rounds", type=int, default=3)
    args = parser.parse_args()
    rego_py = regopy_python()
    select = [x for rule in RULES for x in ("--select", rule)]
    largest = max(example_files(), key=lambda p: p.stat().st_size)
    with tempfile.TemporaryDirectory() as tmp:
        # aims-policy and the floors from a regular install (see _common.regular_install): a
        # development venv's editable install slows every interpreter start, the floors' too,
        # which would flatter both sides' ratios.
        python = regular_install(Path(tmp) / "venv")
        one, bulk, files = _measure(args, python, rego_py, select, largest, Path(tmp) / "tree")
    _print(one, bulk, files, largest.name)


def _measure(
    args: argparse.Namespace,
    python: str,
    rego_py: str,
    select: list[str],
    largest: Path,
    tree: Path,
) -> tuple[dict[str, float], dict[str, float], list[Path]]:
    def check(target: Path, *extra: str) -> list[str]:
        return [python, "-m", "aims_policy", "check", str(target), "--root", str(target.parent
                if target.is_file() else target), "--today", TODAY, *extra]  # fmt: skip

    def works(cmd: list[str]) -> str:
        """Run once, untimed: a side that fails would be timed doing nothing."""
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode not in (0, 1):  # aims-policy: 1 is findings
            raise SystemExit(f"{cmd[0]} ... failed ({done.returncode}):\n{done.stderr[-2000:]}")
        return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""

    def agree(target: Path) -> None:
        """Both sides must find the same violations of the ten rules (a side that judged less
        would be timed doing less): each side's count, and whether they are equal."""
        theirs = works([rego_py, "-c", REGO, str(POLICY), str(target)])
        report = subprocess.run(
            check(target, *select, "--format", "json"), capture_output=True, text=True, check=False
        )
        findings = json.loads(report.stdout)["findings"]
        ours = sum(finding["rule"] in RULES for finding in findings)
        found = int(theirs.rsplit(" ", 2)[-2])
        verdict = "the same" if ours == found else "NOT the same: the policies differ"
        print(f"{target.name}: regopy {theirs}; aims-policy {ours} findings of the ten: {verdict}")

    agree(largest)
    one = interleaved(
        {
            FLOOR: [python, "-c", "import yaml, pyrsistent, click"],
            "aims-policy, every rule": check(largest),
            "aims-policy, the ten rules": check(largest, *select),
            "regopy, the ten rules": [rego_py, "-c", REGO, str(POLICY), str(largest)],
        },
        args.rounds,
        cwd=MANIFESTS,
    )
    files = make_tree(tree, args.count)
    agree(tree)
    bulk = interleaved(
        {
            COMPOSE_FLOOR: [python, "-c", COMPOSE, str(tree)],
            "aims-policy, the ten rules, every core": check(tree, *select, "--jobs", "0"),
            "aims-policy, the ten rules, --jobs 1": check(tree, *select, "--jobs", "1"),
            "regopy, the ten rules (1 process)": [rego_py, "-c", REGO, str(POLICY), str(tree)],
        },
        args.bulk_rounds,
    )
    return one, bulk, files


FLOOR = "import floor (yaml, pyrsistent, click)"
COMPOSE_FLOOR = "compose only (C loader, 1 process)"


def _print(one: dict[str, float], bulk: dict[str, float], files: list[Path], largest: str) -> None:
    floor, compose = FLOOR, COMPOSE_FLOOR
    print(f"one file: {largest}")
    for name, value in one.items():
        print(f"  {name:<42} {value * 1000:8.1f} ms  {value / one[floor]:5.2f}x floor")
    print(f"{len(files)} files")
    for name, value in bulk.items():
        print(f"  {name:<42} {value:8.2f} s   {value / bulk[compose]:5.2f}x compose")
    ours, theirs = one["aims-policy, the ten rules"], one["regopy, the ten rules"]
    print(
        f"RESULT one file: aims-policy {ours / one[floor]:.2f}x the floor "
        f"({one['aims-policy, every rule'] / one[floor]:.2f}x with every rule), regopy "
        f"{theirs / one[floor]:.2f}x (target: aims-policy below regopy, and <= 1.3x)"
    )
    ours, theirs = (
        bulk["aims-policy, the ten rules, every core"],
        bulk["regopy, the ten rules (1 process)"],
    )
    print(
        f"RESULT {len(files)} files: aims-policy {ours / bulk[compose]:.2f}x compose "
        f"({bulk['aims-policy, the ten rules, --jobs 1'] / bulk[compose]:.2f}x with --jobs 1), "
        f"regopy {theirs / bulk[compose]:.2f}x"
    )


if __name__ == "__main__":
    main()
