"""(a) A one-manifest check with every rule, as a multiple of the fixed stack's import floor.

    python bench/startup.py [--rounds 30]

The floor is ``python -c "import yaml, pyrsistent, click"``: what any tool built on the design
card's stack pays before doing anything. Target: <= 1.5x. The checks run in a copy of
``manifests/`` in a temporary directory, once without a configuration file and once with a small
``.aims-policy.yaml`` (reading one is part of a configured repository's pre-commit run).

Inside a git work tree a check also asks git which evidence files it tracks (AIMS-EVD-003), and
the pre-commit hook runs ``check --changed``, which asks git what the commit deletes: a third
copy is a committed git repository, where the plain check and the hook's run of the same
manifest are timed side by side (the ratio of the two is the hook path's own cost)."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from _common import MANIFESTS, PY, TODAY, interleaved


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
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
                PY,
                "-m",
                "aims_policy",
                "check",
                str(where / name),
                "--root",
                str(where),
                "--today",
                TODAY,
            ]

        base = [PY, "-m", "aims_policy", "check"]
        commands = {
            "python -c pass": [PY, "-c", "pass"],
            "import floor (yaml, pyrsistent, click)": [PY, "-c", "import yaml, pyrsistent, click"],
            "check compliant manifest": check(plain, "document-summariser.yaml"),
            "check manifest with gaps": check(plain, "credit-scoring.yaml"),
            "check compliant, with a config file": check(configured, "document-summariser.yaml"),
            "git: check compliant manifest": [
                *base,
                "document-summariser.yaml",
                "--today",
                TODAY,
            ],
            "git: hook (check --changed) compliant": [
                *base,
                "--changed",
                "document-summariser.yaml",
                "--today",
                TODAY,
            ],
        }
        # the configured run finds its configuration from its working directory
        medians = interleaved(
            commands,
            args.rounds,
            cwd=plain,
            cwds={
                "check compliant, with a config file": configured,
                "git: check compliant manifest": repo,
                "git: hook (check --changed) compliant": repo,
            },
        )
    floor = medians["import floor (yaml, pyrsistent, click)"]
    for name, value in medians.items():
        print(f"{name:<42} {value * 1000:7.1f} ms  {value / floor:5.2f}x floor")
    print(
        f"RESULT startup ratio (compliant) = {medians['check compliant manifest'] / floor:.2f}x "
        f"(target <= 1.5x); with gaps = {medians['check manifest with gaps'] / floor:.2f}x; "
        f"with a configuration file = {medians['check compliant, with a config file'] / floor:.2f}x"
    )
    hook, plain_git = (
        medians["git: hook (check --changed) compliant"],
        medians["git: check compliant manifest"],
    )
    print(
        f"RESULT in a git work tree: check = {plain_git / floor:.2f}x floor, hook (check "
        f"--changed) = {hook / floor:.2f}x floor; hook / check = {hook / plain_git:.2f}x"
    )


if __name__ == "__main__":
    main()
