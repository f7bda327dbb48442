"""Shared helpers for the bench scripts: build a tree of manifest copies and time commands.

Benchmarks report ratios of commands run side by side in one session, never absolute timings:
machines differ, ratios travel."""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MANIFESTS = ROOT / "manifests"
TODAY = "2026-11-22"


def example_files() -> list[Path]:
    """The example manifests (YAML and JSON), without their evidence documents."""
    return sorted(p for p in MANIFESTS.rglob("*") if p.suffix in (".yaml", ".yml", ".json"))


def _rename_systems(path: Path, suffix: str) -> None:
    """Give the copy's systems names of their own, as a real repository would (copies that kept
    their names would all be reported as duplicates of each other)."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^(metadata:\s*\n\s+name:\s*)([a-z0-9-]+)\s*$", rf"\g<1>\2-{suffix}", text)
    text = re.sub(
        r'("metadata"\s*:\s*\{\s*"name"\s*:\s*")([a-z0-9-]+)"', rf'\g<1>\2-{suffix}"', text
    )
    path.write_text(text, encoding="utf-8")


def make_tree(target: Path, count: int, only: str | None = None) -> list[Path]:
    """``count`` manifest copies spread over subfolders of ``target`` (evidence copied once per
    folder so references still resolve), each system renamed to be unique. ``only`` limits the
    copies to the example files whose name contains it (e.g. the compliant one)."""
    examples = [p for p in example_files() if only is None or only in p.name]
    per_folder = len(examples)
    written: list[Path] = []
    folder_index = 0
    while len(written) < count:
        folder = target / f"team{folder_index // 20:03d}" / f"svc{folder_index:05d}"
        shutil.copytree(MANIFESTS, folder, ignore=shutil.ignore_patterns("README.md"))
        for path in examples[: min(per_folder, count - len(written))]:
            copy = folder / path.relative_to(MANIFESTS)
            _rename_systems(copy, f"{folder_index:05d}")
            written.append(copy)
        for extra in sorted(folder.rglob("*")):
            if extra.suffix in (".yaml", ".yml", ".json") and extra not in written:
                extra.unlink()
        folder_index += 1
    return written


# An installed package has its bytecode compiled (pip does it at install time); a machine that sets
# PYTHONDONTWRITEBYTECODE would make every run recompile every module and measure the compiler.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str], cwd: Path | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(
        cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    return time.perf_counter() - start


def interleaved(
    commands: dict[str, list[str]],
    rounds: int,
    cwd: Path | None = None,
    cwds: dict[str, Path] | None = None,
) -> dict[str, float]:
    """Median wall time of each command, running them in turn so that drift hits all alike
    (``cwds`` gives some commands a working directory of their own)."""
    where = {name: (cwds or {}).get(name, cwd) for name in commands}
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for name, cmd in commands.items():  # warm the page cache and .pyc files
        timed(cmd, where[name])
    for _ in range(rounds):
        for name, cmd in commands.items():
            samples[name].append(timed(cmd, where[name]))
    return {name: statistics.median(values) for name, values in samples.items()}


def _under_valgrind(
    commands: dict[str, list[str]],
    tool: list[str],
    read: Callable[[str, str], float],
    cwd: Path | None = None,
    cwds: dict[str, Path] | None = None,
) -> dict[str, float]:
    """Each command run once under valgrind with ``tool``'s options, and ``read`` of what
    valgrind reports on its standard error (the report, the command's name). Hash randomisation
    is fixed, as it changes the paths dict and set code takes."""
    if shutil.which("valgrind") is None:
        raise SystemExit("this needs valgrind (Debian: apt-get install valgrind)")
    env = {**ENV, "PYTHONHASHSEED": "0"}
    where = {name: (cwds or {}).get(name, cwd) for name in commands}
    out: dict[str, float] = {}
    for name, cmd in commands.items():
        timed(cmd, where[name])  # the .pyc files written, as an installed package has them
        done = subprocess.run(
            ["valgrind", *tool, *cmd],
            cwd=where[name], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, check=False,
        )  # fmt: skip
        out[name] = read(done.stderr, name)
    return out


def counted(
    commands: dict[str, list[str]],
    cwd: Path | None = None,
    cwds: dict[str, Path] | None = None,
) -> dict[str, float]:
    """Instructions each command executes, counted by valgrind's callgrind: the same for the same
    binary, inputs and environment however busy the machine is, where wall times on a shared
    machine spread by a quarter from run to run. A proxy for cpu time (it does not see system
    calls, cache misses or waits), for comparing commits and commands; the targets are set on
    time."""
    tool = ["--tool=callgrind", "--callgrind-out-file=/dev/null"]
    return _under_valgrind(commands, tool, _instructions, cwd, cwds)


def _instructions(report: str, name: str) -> float:
    found = re.search(r"Collected : (\d+)", report)
    if found is None:
        raise SystemExit(f"valgrind counted nothing for {name}: {report[-500:]}")
    return float(found.group(1))


def missed(commands: dict[str, list[str]], last_level: int) -> dict[str, float]:
    """Last-level cache misses (reads and writes) of each command, simulated by valgrind's
    cachegrind with a last-level cache of ``last_level`` bytes (16-way, 64-byte lines) and this
    machine's first-level caches: what instructions do not show, the memory a run reaches for
    that is no longer in the cache. A simulation of one core alone, without the other tenants
    that share a real machine's cache."""
    tool = ["--tool=cachegrind", "--cache-sim=yes", f"--LL={last_level},16,64",
            "--cachegrind-out-file=/dev/null"]  # fmt: skip
    return _under_valgrind(commands, tool, last_level_misses)


def last_level_misses(report: str, name: str = "the command") -> int:
    """The total of cachegrind's summary line ``LL misses: N (rd + wr)`` (instruction fetches
    are among the reads)."""
    found = re.search(r"LL misses:\s+([\d,]+)", report)
    if found is None:  # valgrind refused the options (a cache size it cannot simulate) or failed
        raise SystemExit(f"cachegrind gave no summary for {name}; it said: {report[-500:]}")
    return int(found.group(1).replace(",", ""))


#: Printed under counted figures: what they are, and that the targets stay on time.
COUNTED_NOTE = (
    "(instructions counted by callgrind: a noise-free proxy of cpu; the target is on time)"
)

PY = sys.executable


def regular_install(target: Path) -> str:
    """A Python that runs this checkout as a regular (non-editable) install, the way users get
    it, and whose start-up is a plain one: the python of a fresh virtual environment in
    ``target``, with this checkout installed into it by pip (bytecode compiled, as pip does) and
    the running environment's site-packages (PyYAML, pyrsistent, click) on its path.

    A development venv holds an editable install, whose finder is run by a ``.pth`` file at
    every interpreter start and imports pathlib, urllib.parse, ipaddress and importlib.util:
    the floor then pays for modules only the check needs, which flatters the ratio. Paths named
    by a ``.pth`` line are added as they are, their own ``.pth`` files (that finder's) unread."""
    import sysconfig

    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(target)], check=True)
    python = target / "bin" / "python"
    if not python.exists():  # Windows
        python = target / "Scripts" / "python.exe"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    package = target / "aims-policy"
    # Built from a copy: setuptools writes build/ and egg-info beside the sources it builds.
    source = target / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git",
            "build",
            "dist",
            "*.egg-info",
            "__pycache__",
            ".*_cache",
            ".venv",
            "node_modules",
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(package),
            str(source),
        ],
        env=ENV,
        check=True,
    )
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "aims-policy-bench.pth").write_text(
        "".join(f"{line}\n" for line in (str(package), *sorted(ours))), encoding="utf-8"
    )
    return str(python)
