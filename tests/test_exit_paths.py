"""Every way out of the command line is a documented exit code with at most one line of its own on
standard error, never a traceback: 1 only ever means findings; an internal error, an output that
cannot be written and a closed standard output are 2; an interrupt is 130, and worker processes
print nothing of their own."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from _helpers import ROOT, SCRIPT

from aims_policy.cli import main

MANIFESTS = str(ROOT / "manifests")


def run(
    *args: str, stdout: object = subprocess.PIPE, **kwargs: object
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SCRIPT, *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,  # type: ignore[call-overload, no-any-return]
        timeout=300,
        **kwargs,
    )


# --- an internal error ---------------------------------------------------------------------------


def test_an_internal_error_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import aims_policy.output

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(aims_policy.output, "render", broken)
    monkeypatch.setattr(aims_policy.output, "chunks", broken)
    monkeypatch.delenv("AIMS_POLICY_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exit_:
        main(["check", "--today", "2026-11-22", "--format", "json", MANIFESTS])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "aims-policy: internal error: RuntimeError: boom; please report it "
        "(aims-policy --debug, or AIMS_POLICY_DEBUG=1, shows the traceback)"
    ]


@pytest.mark.parametrize("how", ["--debug", "AIMS_POLICY_DEBUG"])
def test_the_traceback_is_shown_on_request(
    how: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import aims_policy.output

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(aims_policy.output, "render", broken)
    monkeypatch.setattr(aims_policy.output, "chunks", broken)
    args = ["check", "--today", "2026-11-22", "--format", "json", MANIFESTS]
    if how == "--debug":
        monkeypatch.delenv("AIMS_POLICY_DEBUG", raising=False)
        args.insert(0, "--debug")
    else:
        monkeypatch.setenv("AIMS_POLICY_DEBUG", "1")
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "RuntimeError: boom" in err


@pytest.mark.slow
def test_usage_errors_and_missing_files_are_2_not_1(tmp_path: Path) -> None:
    # Missing folders of an output are created; a file in the way of one cannot be.
    (tmp_path / "a-file").write_text("not a folder\n", "utf-8")
    for args in (
        ["check", "--nope"],
        ["explain", "NO-SUCH-RULE"],
        ["check", "--today", "soon", MANIFESTS],
        ["schema", "--output", str(tmp_path / "a-file" / "x" / "s.json")],
    ):
        done = run(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert "Traceback" not in done.stderr and "internal error" not in done.stderr


# --- standard output ----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "markdown", "github"])
def test_a_full_standard_output_is_exit_2_with_one_line(fmt: str) -> None:
    with open("/dev/full", "w") as full:
        done = run("check", "--today", "2026-11-22", "--format", fmt, MANIFESTS, stdout=full)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "aims-policy: cannot write to standard output: No space left on device"
    ]


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
def test_other_commands_on_a_full_standard_output() -> None:
    for args in (
        ["rules"],
        ["rules", "--format", "json"],
        ["controls"],
        ["schema"],
        ["explain", "AIMS-OWN-001"],
    ):
        with open("/dev/full", "w") as full:
            done = run(*args, stdout=full)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.startswith("aims-policy: cannot write to standard output"), (
            args,
            done.stderr,
        )


@pytest.mark.slow
def test_a_pipe_closed_by_its_reader_ends_quietly_with_2() -> None:
    """`aims-policy check | head -1`: the reader has gone; nothing to tell it, and not 1."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = run("check", "--today", "2026-11-22", MANIFESTS, stdout=writer)
    finally:
        os.close(writer)
    assert done.returncode == 2
    assert done.stderr == ""


@pytest.mark.slow
def test_a_closed_standard_output_is_exit_2_with_one_line() -> None:
    done = run(
        "check",
        "--today",
        "2026-11-22",
        MANIFESTS,
        stdout=subprocess.DEVNULL,
        preexec_fn=lambda: os.close(1),
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "aims-policy: standard output is closed; redirect it to a file or /dev/null"
    ]


# --- interrupts ----------------------------------------------------------------------------------

SLOW_PACK = """
import os, time
from aims_policy.engine import rule


@rule(id="SLOW-001", title="Waits", severity="note", clauses=["7.5"], controls=["A.6.2.7"],
      rationale="Keeps a worker busy until the test interrupts the run.", remediation="None.")
def waits(ctx):
    open(os.environ["SLOW_MARKER"], "a").close()
    time.sleep(120)
    return iter(())
"""


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_is_one_line_and_130_and_workers_stay_silent(tmp_path: Path, jobs: str) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "slow.py").write_text(SLOW_PACK, "utf-8")
    tree = tmp_path / "tree"
    for n in range(60):  # above the threshold at which a worker pool is used
        (tree / f"d{n}").mkdir(parents=True)
        (tree / f"d{n}" / "system.yaml").write_text(
            (ROOT / "manifests" / "document-summariser.yaml").read_text("utf-8"), "utf-8"
        )
    marker = tmp_path / "started"
    env = {**os.environ, "SLOW_MARKER": str(marker)}
    process = subprocess.Popen(
        [SCRIPT, "check", "--jobs", jobs, "--rules", str(pack), str(tree)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the slow rule never started"
        time.sleep(0.05)
    time.sleep(0.3)  # every worker inside the rule
    os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C does: the whole group
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert [line for line in err.splitlines() if line.strip()] == ["aims-policy: interrupted"]
