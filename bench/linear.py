"""(e) Linear at any size: cpu per manifest with `--jobs 1` at 10,000 manifests against 500, and
cpu per risk in one manifest of 10,000 risks against one of 1,000.

    python bench/linear.py [--small 500] [--large 10000] [--rounds 3]
                           [--risks-small 1000] [--risks-large 10000] [--risk-rounds 45]
                           [--instructions]

The trees are copies of every example manifest in subfolders (bench/_common.make_tree). Each
check is a fresh process; its cpu (user + system, from getrusage of the children) is what is
compared, less the cpu of checking one manifest of the same kind (start-up, which a per-manifest
figure should not spread over the manifests). Each round runs the checks in mirror order (one
item, small, large, small, one item); a round's per-item figure is a check's mean cpu in it less
the one-item check's, over the items, and the median over the rounds is kept. Target: each
per-item figure at the large size within 10% of the small one.

The 1,000-risk check is only about twice the one-risk check, so a few milliseconds of noise in
either (a shared machine's) move its per-risk figure by several percent: a single round's ratio
can land a third either way. Its runs are short, so it takes many rounds (``--risk-rounds``,
45 by default: about 80 s), and the medians of those decide. The spread of the per-round ratios
is printed too.

``--instructions`` counts each check's instructions once under valgrind instead (less the
one-item check's): the same figures however busy the machine, which is what linearity is about;
callgrind runs some fifty times slower, so give it smaller trees (``--small 200 --large 2000``).

``--cache-misses`` counts each check's last-level cache misses once, simulated by valgrind's
cachegrind with a last-level cache of ``--last-level`` bytes (default 2 MiB, this machine's
second-level cache per core): where the work per item is the same at both sizes and the time is
not, this shows how much more of it waits on memory once the data outgrows the cache. Slower
still than ``--instructions``: give it small trees too."""

from __future__ import annotations

import argparse
import copy
import resource
import statistics
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import yaml
from _common import ENV, MANIFESTS, PY, TODAY, counted, make_tree, missed

TARGET = 1.10


def cpu(cmd: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def check(path: Path, root: Path) -> list[str]:
    return [PY, "-m", "aims_policy", "check", str(path), "--root", str(root), "--today", TODAY,
            "--jobs", "1"]  # fmt: skip


def works(cmd: list[str]) -> None:
    """Run once, untimed: a check that stops at a problem (exit 2) would be timed doing less."""
    done = subprocess.run(cmd, env=ENV, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout[-2000:]}")


def per_item(
    runs: dict[str, tuple[list[str], int]], base: list[str], rounds: int
) -> dict[str, list[float]]:
    """Each round's cpu per item of each command, less the base command's cpu in that round (a
    shared machine drifts between rounds)."""
    for cmd, _count in runs.values():
        works(cmd)
    # Each round runs in mirror order (base, small, large, small, base): a machine whose speed
    # drifts during the long large check then weighs on its neighbours alike before and after.
    names = list(runs)
    order = ["", *names, *reversed(names[:-1]), ""]
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        taken: dict[str, list[float]] = {name: [] for name in order}
        for name in order:
            taken[name].append(cpu(runs[name][0] if name else base))
        start = statistics.mean(taken[""])
        for name, (_cmd, count) in runs.items():
            samples[name].append((statistics.mean(taken[name]) - start) / count)
    return samples


def once_per_item(
    runs: dict[str, tuple[list[str], int]],
    base: list[str],
    measure: Callable[[dict[str, list[str]]], dict[str, float]],
) -> dict[str, list[float]]:
    """Each command's figure per item, measured once by ``measure`` (instructions or cache
    misses under valgrind: the same however busy the machine), less the base command's."""
    for cmd, _count in runs.values():
        works(cmd)
    figures = measure({"": base, **{name: cmd for name, (cmd, _n) in runs.items()}})
    return {name: [(figures[name] - figures[""]) / n] for name, (_cmd, n) in runs.items()}


def ratio(samples: dict[str, list[float]], large: str, small: str) -> tuple[float, str]:
    """The large size's median per-item cpu over the small one's, and the per-round ratios'
    spread (lowest, median, highest) for the reader to judge the noise by."""
    rounds = sorted(a / b for a, b in zip(samples[large], samples[small], strict=True))
    value = statistics.median(samples[large]) / statistics.median(samples[small])
    return value, f"rounds {rounds[0]:.2f}x / {statistics.median(rounds):.2f}x / {rounds[-1]:.2f}x"


def risky(target: Path, count: int) -> Path:
    """credit-scoring.yaml with its risks repeated to ``count`` (ids R-1 ... R-count), each
    shortened (a one-line description, no measures, residual rating or misuse links)."""
    doc = yaml.safe_load((MANIFESTS / "credit-scoring.yaml").read_text(encoding="utf-8"))
    risks = doc["spec"]["risks"]
    # Deep copies: shared objects would be written as YAML aliases, which the loader bounds.
    # Short descriptions, no list of measures, no residual rating nor misuse links: 10,000 risks
    # stay within the loader's limits (5 MiB, 200,000 values a document).
    doc["spec"]["risks"] = [
        {**copy.deepcopy(risks[n % len(risks)]), "id": f"R-{n + 1}", "description": f"Risk {n}"}
        for n in range(count)
    ]
    for risk in doc["spec"]["risks"]:
        risk.get("treatment", {}).pop("measures", None)
        risk.pop("residualRisk", None)
        risk.pop("misuse", None)
    path = target / f"risks-{count}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=500)
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--risks-small", type=int, default=1_000)
    parser.add_argument("--risks-large", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--risk-rounds", type=int, default=45)
    counting = parser.add_mutually_exclusive_group()
    counting.add_argument(
        "--instructions",
        action="store_true",
        help="count each check's instructions once with valgrind instead of timing rounds",
    )
    counting.add_argument(
        "--cache-misses",
        action="store_true",
        help="count each check's last-level cache misses once with valgrind's cachegrind",
    )
    parser.add_argument(
        "--last-level",
        type=int,
        default=2 * 1024 * 1024,
        help="bytes of the simulated last-level cache (16-way, 64-byte lines; the number of "
        "sets must be a power of two)",
    )
    args = parser.parse_args()

    def measure(
        runs: dict[str, tuple[list[str], int]], base: list[str], rounds: int
    ) -> dict[str, list[float]]:
        if args.cache_misses:
            return once_per_item(runs, base, lambda cmds: missed(cmds, args.last_level))
        if args.instructions:
            return once_per_item(runs, base, counted)
        return per_item(runs, base, rounds)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        small, large = root / "small", root / "large"
        make_tree(small, args.small)
        make_tree(large, args.large)
        one = root / "one"
        make_tree(one, 1, only="credit-scoring")
        manifests = measure(
            {
                f"{args.small} manifests": (check(small, small), args.small),
                f"{args.large} manifests": (check(large, large), args.large),
            },
            check(one, one),
            args.rounds,
        )
        folder = root / "risks"
        folder.mkdir()
        few, many = risky(folder, args.risks_small), risky(folder, args.risks_large)
        base = risky(folder, 1)
        risks = measure(
            {
                f"{args.risks_small} risks": (check(few, folder), args.risks_small),
                f"{args.risks_large} risks": (check(many, folder), args.risks_large),
            },
            check(base, folder),
            args.risk_rounds,
        )
    if args.cache_misses:
        unit, scale, what = (
            "last-level misses",
            1.0,
            f"last-level cache misses ({args.last_level:,} bytes)",
        )
    elif args.instructions:
        unit, scale, what = "M instructions", 1e-6, "instructions"
    else:
        unit, scale, what = "ms cpu", 1000.0, "cpu"
    for name, values in {**manifests, **risks}.items():
        print(f"{name:<18} {statistics.median(values) * scale:8.3f} {unit} each")
    m, m_spread = ratio(manifests, f"{args.large} manifests", f"{args.small} manifests")
    r, r_spread = ratio(risks, f"{args.risks_large} risks", f"{args.risks_small} risks")
    # The target is on cpu time; misses are what explains a time that grows while the work
    # does not, and have no target of their own.
    target = "why the time grows" if args.cache_misses else f"target <= {TARGET:.2f}x"
    print(
        f"RESULT {what} per manifest at {args.large} = {m:.2f}x that at {args.small} "
        f"({target}; {m_spread})"
    )
    print(
        f"RESULT {what} per risk at {args.risks_large} = {r:.2f}x that at {args.risks_small} "
        f"({target}; {r_spread})"
    )


if __name__ == "__main__":
    main()
