"""A one-file check at a pre-commit prompt imports only what it uses (speed is measured by
bench/startup.py; this keeps the heavy or unneeded modules off the path without timing anything)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from _helpers import ROOT

# A fresh interpreter is the only way to see what a check imports.
pytestmark = pytest.mark.slow

# The probe reports with repr, not json: whether json is imported is itself a question here.
PROBE = """
import sys
sys.argv = ["aims-policy", "check", sys.argv[1], "--today", "2026-11-22"]
from aims_policy.cli import main
try:
    main()
except SystemExit:
    pass
sys.stderr.write(repr(sorted(sys.modules)))
"""

# Each would cost start-up time for nothing on a valid manifest: jsonschema (~150 ms) is only for
# invalid manifests, multiprocessing only for large runs, the rest only for other outputs or
# error paths.
NOT_ON_THE_CHECK_PATH = (
    "jsonschema",
    "multiprocessing",
    "difflib",
    "hashlib",
    "tempfile",
    "importlib.resources",
    "pkgutil",
    "xml.etree",
    "gzip",
    "dataclasses",
    "aims_policy.output.sarif",
    "aims_policy.output.junit",
    "fastjsonschema",
    # the tracer is for --explain, --why-not and `aims-policy test`: a plain check has none
    "aims_policy.trace",
    # a traceback is printed only for an internal error, on request
    "traceback",
    # .gitignore matching is for directory searches that meet an ignore file
    "pathspec",
    # the rules' example manifests and the rule reference are for `explain` and `docs`
    "aims_policy.examples",
    "aims_policy.docs",
    # --select/--ignore patterns, and the AI inventory of --discover-ai
    "aims_policy.selection",
    "aims_policy.inventory",
    # a UTF-8 byte order mark is dropped by the loader itself
    "encodings.utf_8_sig",
    # the unknown-field walk reads the schema copy in the generated validator
    "json",
    # only a report's rule results looked up by position (the JSON report's readers) need it
    "bisect",
)


def test_checking_a_valid_manifest_imports_nothing_it_does_not_use() -> None:
    # Run from the repository root, which has a .aims-policy.yaml: reading a configuration file
    # is part of the ordinary path too.
    assert (ROOT / ".aims-policy.yaml").is_file()
    manifest = ROOT / "manifests" / "document-summariser.yaml"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(manifest)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert "0 errors" in done.stdout, done.stdout + done.stderr
    modules = set(ast.literal_eval(done.stderr.strip().splitlines()[-1]))
    assert "yaml" in modules and "aims_policy.engine" in modules
    assert sorted(m for m in NOT_ON_THE_CHECK_PATH if m in modules) == []


def test_an_unknown_field_alone_is_found_without_jsonschema(tmp_path: Path) -> None:
    """A misspelt or future field blocks no rule: the compiled validator's path reports it,
    without importing jsonschema (issue 18)."""
    import shutil

    folder = tmp_path / "manifests"  # with the evidence its references name
    shutil.copytree(ROOT / "manifests", folder)
    text = (folder / "document-summariser.yaml").read_text("utf-8")
    (folder / "unknown.yaml").write_text(
        text.replace("\nspec:\n", "\nspec:\n  colour: blue\n", 1), "utf-8"
    )
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "unknown.yaml"],
        capture_output=True,
        text=True,
        cwd=folder,
        check=False,
    )
    assert done.stdout.startswith(
        "unknown.yaml:14:3: error AIMS-SCH-001 unknown field 'colour' in spec"
    ), done.stdout + done.stderr
    assert "1 file, 1 system checked: 1 error, 0 warnings" in done.stdout
    modules = set(ast.literal_eval(done.stderr.strip().splitlines()[-1]))
    assert "jsonschema" not in modules and "json" not in modules
    # No field of spec is spelt anything like it: nothing to suggest, and no difflib to ask
    # (tests/test_wording.py checks that the suggestions are still difflib's).
    assert "difflib" not in modules


PROBE_ARGS = """
import sys
sys.argv = ["aims-policy", "check", *sys.argv[1:], "--today", "2026-11-22"]
from aims_policy.cli import main
try:
    main()
except SystemExit:
    pass
sys.stderr.write(repr(sorted(sys.modules)))
"""


def _modules(folder: Path, *args: str) -> tuple[str, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE_ARGS, *args],
        capture_output=True,
        text=True,
        cwd=folder,
        check=False,
    )
    return done.stdout, set(ast.literal_eval(done.stderr.strip().splitlines()[-1]))


def test_git_is_asked_only_when_a_selected_rule_reads_what_it_tracks(tmp_path: Path) -> None:
    """AIMS-EVD-003 is the only reader of git's index: a check outside a git work tree, or one
    whose --select leaves that rule out, never starts git (nor imports subprocess to do so),
    while the same check with the rule selected still asks and finds the untracked file."""
    import shutil

    plain = tmp_path / "plain"
    shutil.copytree(ROOT / "manifests", plain)
    out, modules = _modules(plain, "document-summariser.yaml")
    assert "0 errors" in out, out
    assert "subprocess" not in modules
    # Learning that there is no work tree takes no part of the module that runs git.
    assert "aims_policy.git" not in modules
    # Nor is locale imported (subprocess would): gettext's first look-up imports it, and the
    # commands word their help option and path types themselves (commands/_click.py).
    assert "locale" not in modules

    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "manifests", repo)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)  # nothing tracked yet
    out, modules = _modules(repo, "document-summariser.yaml", "--select", "AIMS-EVD-001")
    assert "0 errors" in out, out
    assert "subprocess" not in modules
    out, modules = _modules(repo, "document-summariser.yaml", "--select", "AIMS-EVD-003")
    assert "AIMS-EVD-003" in out, out
    assert "subprocess" in modules


def test_the_program_runs_without_the_cyclic_collector_and_main_leaves_it_alone() -> None:
    # aims_policy.__main__.run (the console script, python -m) turns the collector off before
    # anything is imported; main(), which library callers and tests run, does not touch it.
    probe = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: sys.stderr.write(f'collector={gc.isenabled()}'))\n"
        "sys.argv = ['aims-policy', '--version']\n"
        "import aims_policy.__main__ as program\n"
        "assert 'click' not in sys.modules and gc.isenabled()\n"
        "program.run()\n"
    )
    said = _stderr_of(probe)
    assert said.endswith("collector=False"), said
    library = (
        "import gc, sys\n"
        "sys.argv = ['aims-policy', '--version']\n"
        "from aims_policy.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write(f'collector={gc.isenabled()}')\n"
    )
    said = _stderr_of(library)
    assert said.endswith("collector=True"), said
    # ... and the console script is run (pre-commit's hook and the GitHub Action start it).
    import configparser

    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg", encoding="utf-8")
    scripts = setup["options.entry_points"]["console_scripts"]
    assert "aims-policy = aims_policy.__main__:run" in scripts.splitlines()


KNOT_PACK = """
from aims_policy.engine import rule


class Knot:
    def __init__(self):
        self.me = self  # a reference cycle: reference counting never frees it


@rule(id="KNOT-001", title="Ties a knot", severity="note", clauses=["7.5"],
      controls=["A.6.2.7"], rationale="Leaves a reference cycle behind on every manifest.",
      remediation="None.")
def ties(ctx):
    Knot()
    return iter(())
"""


def test_the_program_frees_the_reference_cycles_a_user_pack_leaves(tmp_path: Path) -> None:
    # With the collector off, a user's rule that leaves a cycle on each manifest would keep every
    # one until the run ends; the program sweeps them file by file.
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "knots.py").write_text(KNOT_PACK, "utf-8")
    tree = tmp_path / "tree"
    source = (ROOT / "manifests" / "document-summariser.yaml").read_text("utf-8")
    for n in range(30):
        (tree / f"d{n}").mkdir(parents=True)
        (tree / f"d{n}" / "system.yaml").write_text(source, "utf-8")
    probe = (
        "import atexit, gc, sys\n"
        "def knots():\n"
        "    alive = sum(type(o).__name__ == 'Knot' for o in gc.get_objects())\n"
        "    sys.stderr.write(f'collector={gc.isenabled()} knots={alive}')\n"
        "atexit.register(knots)\n"
        f"sys.argv = ['aims-policy', 'check', '--jobs', '1', '--rules', {str(pack)!r},"
        f" {str(tree)!r}]\n"
        "import aims_policy.__main__ as program\n"
        "program.run()\n"
    )
    said = _stderr_of(probe)
    assert said.endswith("collector=False knots=0"), said


def _stderr_of(program: str) -> str:
    """What a fresh interpreter running ``program`` wrote to standard error."""
    return _run(program).stderr


def _run(program: str, *args: str) -> subprocess.CompletedProcess[str]:
    """A fresh interpreter running ``program`` with ``args`` as its arguments."""
    return subprocess.run(
        [sys.executable, "-c", program, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


PROGRAM = "import sys\nsys.argv = ['aims-policy', *sys.argv[1:]]\n{before}\n{call}\n"
BY_RUN = "import aims_policy.__main__ as program\nprogram.run()"
BY_MAIN = "from aims_policy.cli import main\nmain()"


def test_the_program_ends_without_teardown_yet_says_and_exits_as_main_does(tmp_path: Path) -> None:
    # run() leaves by os._exit: every byte written must still arrive, and the exit code must
    # be main()'s, whatever the command (output larger than a pipe's buffer, findings, usage).
    tree = tmp_path / "tree"
    source = (ROOT / "manifests" / "credit-scoring.yaml").read_text("utf-8")
    for n in range(12):
        (tree / f"d{n}").mkdir(parents=True)
        (tree / f"d{n}" / "system.yaml").write_text(source, "utf-8")
    report = tmp_path / "report.sarif"
    sizes = []
    for args, code in (
        (("check", "--jobs", "1", "--today", "2026-11-22", str(tree)), 1),
        (("check", "--jobs", "1", "--format", "json", "--today", "2026-11-22", str(tree)), 1),
        (
            ("check", "--sarif", str(report), str(ROOT / "manifests" / "document-summariser.yaml")),
            0,
        ),
        (("check", "--no-such-flag"), 2),
        (("--version",), 0),
    ):
        by_run = _run(PROGRAM.format(before="", call=BY_RUN), *args)
        by_main = _run(PROGRAM.format(before="", call=BY_MAIN), *args)
        assert (by_run.returncode, by_main.returncode) == (code, code), (args, by_run.stderr)
        assert by_run.stdout == by_main.stdout and by_run.stderr == by_main.stderr, args
        sizes.append(len(by_run.stdout))
    assert sizes[1] > 65536  # more than a pipe holds: written while the reader reads
    assert report.read_text("utf-8").rstrip().endswith("}")


def test_the_program_still_runs_exit_handlers_and_waits_for_threads() -> None:
    # What teardown does that can be seen: exit handlers run, and a thread still working is
    # waited for (the process then ends the usual way); a flushed stream loses nothing.
    handler = "import atexit\natexit.register(lambda: print('handler ran', flush=True))"
    said = _run(PROGRAM.format(before=handler, call=BY_RUN), "--version")
    assert said.returncode == 0 and said.stdout.endswith("handler ran\n"), said
    thread = (
        "import threading, time\n"
        "def late():\n"
        "    time.sleep(0.3)\n"
        "    print('thread finished', flush=True)\n"
        "threading.Thread(target=late).start()"
    )
    said = _run(PROGRAM.format(before=thread, call=BY_RUN), "--version")
    assert said.returncode == 0 and said.stdout.endswith("thread finished\n"), said
    unflushed = "import sys\nsys.stdout.write('pending ')"
    said = _run(PROGRAM.format(before=unflushed, call=BY_RUN), "--version")
    assert said.returncode == 0 and said.stdout.startswith("pending "), said
