"""(a) A one-manifest check with every rule, as a multiple of the fixed stack's import floor.

    python bench/startup.py [--rounds 30]

The floor is ``python -c "import yaml, pyrsistent, click"``: what any tool built on the design
card's stack pays before doing anything. Target: <= 1.5x."""

from __future__ import annotations

import argparse

from _common import MANIFESTS, PY, TODAY, interleaved


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    manifest = MANIFESTS / "document-summariser.yaml"
    with_gaps = MANIFESTS / "credit-scoring.yaml"
    commands = {
        "python -c pass": [PY, "-c", "pass"],
        "import floor (yaml, pyrsistent, click)": [PY, "-c", "import yaml, pyrsistent, click"],
        "check compliant manifest": [PY, "-m", "aims_policy", "check", str(manifest), "--today", TODAY],
        "check manifest with gaps": [PY, "-m", "aims_policy", "check", str(with_gaps), "--today", TODAY],
    }
    medians = interleaved(commands, args.rounds)
    floor = medians["import floor (yaml, pyrsistent, click)"]
    for name, value in medians.items():
        print(f"{name:<42} {value * 1000:7.1f} ms  {value / floor:5.2f}x floor")
    print(f"RESULT startup ratio (compliant) = {medians['check compliant manifest'] / floor:.2f}x "
          f"(target <= 1.5x); with gaps = {medians['check manifest with gaps'] / floor:.2f}x")


if __name__ == "__main__":
    main()
