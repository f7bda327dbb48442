"""(a) A one-manifest check with every rule, as a multiple of the fixed stack's import floor.

    python bench/startup.py [--rounds 30] [--instructions]

The floor is ``python -c "import yaml, pyrsistent, click"``: what any tool built on the design
card's stack pays before doing anything. Target: <= 1.3x for every example manifest, the worst
of them counts, including one whose only schema findings do not block the rules (an unknown
field). The checks run in a copy of ``manifests/`` in a temporary directory, each example
without a configuration file, and the compliant one once with a small ``.aims-policy.yaml``
(reading one is part of a configured repository's pre-commit run).

Inside a git work tree a check also asks git which evidence files it tracks (AIMS-EVD-003), and
the pre-commit hook runs ``check --changed``, which asks git what the commit deletes: a third
copy is a committed git repository, where the plain check and the hook's run of the same
manifest are timed side by side (the ratio of the two is the hook path's own cost).

Everything, the floor included, runs with a regular (non-editable) install of this checkout in
a temporary virtual environment (see ``_common.regular_install``): a development venv's
editable-install finder imports modules at every interpreter start that only the check needs,
which would hide their cost in the floor.

``--instructions`` counts each command's instructions once under valgrind instead of timing
rounds: the same figures on a busy machine as on a quiet one, to compare commits by."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from _common import (
    COUNTED_NOTE,
    MANIFESTS,
    TODAY,
    counted,
    example_files,
    interleaved,
    regular_install,
)

TARGET = 1.3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count each command's instructions once with valgrind instead of timing rounds",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        python = regular_install(Path(tmp) / "venv")
        plain, configured = Path(tmp) / "plain", Path(tmp) / "configured"
        for where in (plain, configured):
            shutil.copytree(MANIFESTS, where)
        (configured / ".aims-policy.yaml").write_text(
            "fail-on: error\nexclude: [drafts]\n", encoding="utf-8"
        )

        repo = Path(tmp) / "repo"
        shutil.copytree(MANIFESTS, repo)
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        for git_args in (
            ["init", "-q"],
            ["add", "."],
            ["-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-qm", "x"],
        ):
            subprocess.run(["git", *git_args], cwd=repo, env=env, check=True)

        def check(where: Path, name: str) -> list[str]:
            return [
                python,
                "-m",
                "aims_policy",
                "check",
                str(where / name),
                "--root",
                str(where),
                "--today",
                TODAY,
            ]

        # An unknown field: a finding that blocks no rule (every rule still evaluates).
        unknown = plain / "unknown-field.yaml"
        unknown.write_text(
            (plain / "document-summariser.yaml")
            .read_text(encoding="utf-8")
            .replace("\nspec:\n", "\nspec:\n  colour: blue\n", 1),
            encoding="utf-8",
        )
        floor_name = "import floor (yaml, pyrsistent, click)"
        commands = {
            "python -c pass": [python, "-c", "pass"],
            floor_name: [python, "-c", "import yaml, pyrsistent, click"],
        }
        checks = [str(p.relative_to(MANIFESTS)) for p in example_files()] + [unknown.name]
        for name in checks:
            commands[f"check {name}"] = check(plain, name)
        # A selection of one area's rules (--select imports only the modules that hold them).
        selected_name = "check credit-scoring.yaml --select AIMS-RSK"
        commands[selected_name] = [*check(plain, "credit-scoring.yaml"), "--select", "AIMS-RSK"]
        configured_name = "check document-summariser.yaml, with a config file"
        commands[configured_name] = check(configured, "document-summariser.yaml")
        base = [python, "-m", "aims_policy", "check"]
        git_check, git_hook = (
            "git: check compliant manifest",
            "git: hook (check --changed) compliant",
        )
        commands[git_check] = [*base, "document-summariser.yaml", "--today", TODAY]
        commands[git_hook] = [*base, "--changed", "document-summariser.yaml", "--today", TODAY]
        # the configured run finds its configuration from its working directory
        cwds = {configured_name: configured, git_check: repo, git_hook: repo}
        if args.instructions:
            medians = counted(commands, cwd=plain, cwds=cwds)
        else:
            medians = interleaved(commands, args.rounds, cwd=plain, cwds=cwds)
    floor = medians[floor_name]
    scale, unit = (1e-6, "M instr") if args.instructions else (1000, "ms")
    for name, value in medians.items():
        print(f"{name:<62} {value * scale:7.1f} {unit}  {value / floor:5.2f}x floor")
    if args.instructions:
        print(COUNTED_NOTE)
    worst = max(
        (
            n
            for n in medians
            if n.startswith("check ") and n not in (configured_name, selected_name)
        ),
        key=medians.__getitem__,
    )
    print(
        f"RESULT startup ratio: worst {medians[worst] / floor:.2f}x ({worst[6:]}; target <= "
        f"{TARGET}x); unknown field {medians['check unknown-field.yaml'] / floor:.2f}x; with a "
        f"configuration file {medians[configured_name] / floor:.2f}x; with --select AIMS-RSK "
        f"{medians[selected_name] / floor:.2f}x"
    )

    hook, plain_git = medians[git_hook], medians[git_check]
    print(
        f"RESULT in a git work tree: check = {plain_git / floor:.2f}x floor, hook (check "
        f"--changed) = {hook / floor:.2f}x floor; hook / check = {hook / plain_git:.2f}x"
    )


if __name__ == "__main__":
    main()
