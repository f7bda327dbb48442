"""Odd files and odd names: nothing crashes, nothing hangs, nothing is read or written that should
not be. Each test reproduces a defect found by trying the tool as an attacker would (issue
"Hostile pull requests and hostile files")."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import aims_policy
from aims_policy.cli import cli

ROOT = Path(__file__).resolve().parents[1]
GOOD = (ROOT / "manifests" / "document-summariser.yaml").read_text("utf-8")
GAPS = (ROOT / "manifests" / "credit-scoring.yaml").read_text("utf-8")  # findings, no evidence


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "manifests" / "evidence", tmp_path / "evidence")
    (tmp_path / "good.yaml").write_text(GOOD, "utf-8")
    (tmp_path / ".git").mkdir()  # the repository root, for evidence and links
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["check", "--no-config", "--today", "2026-11-22", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


# -- 9. a file name that is not UTF-8 --------------------------------------------------------


@pytest.mark.skipif(
    sys.platform in ("darwin", "win32"), reason="file names there are always Unicode"
)
def test_a_file_name_that_is_not_utf8_is_reported_in_every_format(repo: Path) -> None:
    name = os.fsdecode(b"gaps\xfe.yaml")
    (repo / name).write_text(GAPS, "utf-8")
    code, _, err = run(
        ".", "--sarif", "r.sarif", "--json", "r.json", "--junit", "r.xml", "--markdown", "r.md"
    )
    assert code == 1, err
    shown = "gaps\\xfe.yaml"
    report = json.loads((repo / "r.json").read_text("utf-8"))
    assert shown in {f["location"]["file"] for f in report["findings"]}
    sarif = json.loads((repo / "r.sarif").read_text("utf-8"))
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
    }
    assert any(uri.startswith("gaps") for uri in uris)
    ET.parse(repo / "r.xml")  # well-formed
    assert shown in (repo / "r.md").read_text("utf-8").replace("\\\\", "\\")
    for fmt in ("text", "github"):
        code, out, err = run(".", "--format", fmt)
        assert code == 1 and shown in out, err


# -- 10. bounded reading; non-regular files ----------------------------------------------------


def test_a_huge_sparse_file_is_refused_without_reading_it(repo: Path) -> None:
    with open(repo / "huge.yaml", "wb") as handle:
        handle.truncate(2 * 1024**3)  # 2 GiB, sparse: costs nothing unless read
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = aims_policy.check(["huge.yaml", "good.yaml"], today="2026-11-22")
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 100 * 1024, f"peak memory grew by {grown_kib} KiB"
    (problem,) = report.notifications
    assert problem.location is not None and problem.location.file == "huge.yaml"
    assert "larger than 5 MiB" in problem.message
    assert [s.name for s in report.systems] == ["document-summariser"]


def test_a_file_is_read_whole_whatever_size_the_system_says(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # procfs files say they are empty, and a file may grow between fstat and read: both are
    # read on up to the limit, never cut at the size fstat gave.
    from aims_policy import intake
    from aims_policy.discover import Candidate

    path = tmp_path / "m.yaml"
    path.write_bytes(b"a: 1\n" * 1000)
    real_fstat = os.fstat

    def says_empty(fd: int) -> os.stat_result:
        told = list(real_fstat(fd))
        told[6] = 0  # st_size
        return os.stat_result(told)

    monkeypatch.setattr(intake.os, "fstat", says_empty)
    problems: list[Any] = []
    assert intake._read(Candidate(str(path), "m.yaml", True), None, problems) == path.read_bytes()
    assert problems == []
    monkeypatch.setattr(intake, "MAX_BYTES", 3000)
    assert intake._read(Candidate(str(path), "m.yaml", True), None, problems) is None
    assert [p.code for p in problems] == ["too-large"]


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_at_once_not_waited_on(repo: Path) -> None:
    os.mkfifo(repo / "pipe.yaml")
    done = subprocess.run(
        [sys.executable, "-m", "aims_policy", "check", "--no-config", "pipe.yaml", "good.yaml"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "pipe.yaml: error the path is a FIFO, not a file" in done.stdout + done.stderr
    assert "1 system checked" in done.stdout


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_a_device_is_refused(repo: Path) -> None:
    report = aims_policy.check(["/dev/zero", "good.yaml"], today="2026-11-22")
    (problem,) = report.notifications
    assert "the path is a device, not a file" in problem.message
    assert [s.name for s in report.systems] == ["document-summariser"]


# -- 14. a manifest that is a link to a file outside the repository ----------------------------


def test_a_link_leading_outside_the_repository_is_not_read(
    repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside") / "secret.yaml"
    outside.write_text(GOOD.replace("name: document-summariser", "name: secret-system"), "utf-8")
    (repo / "link.yaml").symlink_to(outside)
    for paths in (["link.yaml"], ["."]):
        report = aims_policy.check(paths, today="2026-11-22")
        assert "secret-system" not in {s.name for s in report.systems}
        assert any(
            n.location is not None
            and n.location.file == "link.yaml"
            and "leads outside the repository" in n.message
            for n in report.notifications
        )
    # a link that stays inside is followed as before
    (repo / "inside.yaml").symlink_to(repo / "good.yaml")
    report = aims_policy.check(["inside.yaml"], today="2026-11-22")
    assert not report.notifications and [s.name for s in report.systems] == ["document-summariser"]


# -- 11. outputs never replace a device or a link ---------------------------------------------


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
def test_an_output_on_a_link_to_a_device_writes_through_it(repo: Path) -> None:
    (repo / "full").symlink_to("/dev/full")
    code, _, err = run("good.yaml", "--sarif", "full")
    assert code == 2 and "No space left on device" in err
    assert (repo / "full").is_symlink()  # not replaced by a regular file


def test_an_output_on_a_link_replaces_the_target_and_keeps_the_link(repo: Path) -> None:
    (repo / "reports").mkdir()
    (repo / "reports" / "r.json").write_text("old", "utf-8")
    (repo / "r.json").symlink_to(repo / "reports" / "r.json")
    code, _, err = run("good.yaml", "--json", "r.json")
    assert code == 0, err
    assert (repo / "r.json").is_symlink()
    assert json.loads((repo / "reports" / "r.json").read_text("utf-8"))["exitCode"] == 0


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_an_output_on_a_fifo_nobody_reads_is_an_error_not_a_wait(repo: Path) -> None:
    os.mkfifo(repo / "pipe.json")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "aims_policy",
            "check",
            "--no-config",
            "good.yaml",
            "--json",
            "pipe.json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "pipe.json: cannot write json output" in done.stderr
    assert (repo / "pipe.json").is_fifo()


# -- 12. malformed baseline files ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b'\xff\xfe{"kind": "aims-policy-baseline"}', "is not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (
            b'{"kind": "aims-policy-baseline", "formatVersion": "1.0", '
            b'"entries": [{"fingerprint": "a", "system": [1]}]}',
            "`entries` must be a list of objects",
        ),
    ],
)
def test_a_malformed_baseline_is_one_line_and_exit_2(repo: Path, content: bytes, says: str) -> None:
    (repo / "baseline.json").write_bytes(content)
    code, _, err = run("good.yaml", "--baseline", "baseline.json")
    assert code == 2
    assert err.startswith("aims-policy: error: baseline.json") and says in err, err


# -- 13. a NUL byte in an evidence path --------------------------------------------------------


def test_a_nul_byte_in_an_evidence_folder_is_a_finding_not_an_internal_error(repo: Path) -> None:
    text = GOOD.replace(
        "requirementsRef: evidence/document-summariser/requirements.md",
        'requirementsRef: "evidence\\0/requirements.md"',
    )
    assert text != GOOD
    (repo / "nul.yaml").write_text(text, "utf-8")
    report = aims_policy.check(["nul.yaml"], today="2026-11-22")
    assert report.notifications == ()
    (finding,) = [f for f in report.findings if f.rule_id == "AIMS-EVD-001"]
    assert finding.ident == "spec.purpose.requirementsRef"


# -- 6. the configuration cannot write outside the repository or forge workflow commands -------


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ("output: {json: ~/victim.txt}\n", "output.json"),
        ("output: {sarif: /tmp/aims-policy-victim.sarif}\n", "output.sarif"),
        ("output: {markdown: ../outside.md}\n", "output.markdown"),
        ("baseline: ../../etc/passwd\n", "baseline"),
    ],
)
def test_configuration_paths_stay_inside_the_repository(repo: Path, config: str, key: str) -> None:
    (repo / ".aims-policy.yaml").write_text("version: 1\n" + config, "utf-8")
    result = CliRunner().invoke(cli, ["check", "--today", "2026-11-22", "good.yaml"])
    assert result.exit_code == 2
    assert f"{key} is " in result.stderr and "leads outside the repository" in result.stderr
    assert not Path("/tmp/aims-policy-victim.sarif").exists()
    assert not (repo.parent / "outside.md").exists()


def test_a_link_in_the_repository_cannot_carry_an_output_outside(
    repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    victim = tmp_path_factory.mktemp("victim") / "victim.json"
    victim.write_text("precious", "utf-8")
    (repo / "report.json").symlink_to(victim)
    (repo / ".aims-policy.yaml").write_text("version: 1\noutput: {json: report.json}\n", "utf-8")
    result = CliRunner().invoke(cli, ["check", "--today", "2026-11-22", "good.yaml"])
    assert result.exit_code == 2 and "leads outside the repository" in result.stderr
    assert victim.read_text("utf-8") == "precious"


FORGED = "x\n::error file=README.md,line=1::Forged\n::add-mask::secret"


def test_nothing_echoed_to_the_log_can_start_a_workflow_command(repo: Path) -> None:
    (repo / ".aims-policy.yaml").write_text(
        "version: 1\nbaseline: " + json.dumps(FORGED) + "\n", "utf-8"
    )
    for args in (["good.yaml"], ["good.yaml", "--format", "github"]):
        result = CliRunner().invoke(cli, ["check", "--today", "2026-11-22", *args])
        assert result.exit_code == 2
        lines = (result.stdout + result.stderr).splitlines()
        assert not [line for line in lines if line.startswith("::")], lines
    # a file name with a line break, in every text format
    name = "evil\n::error file=README.md,line=1::Forged.yaml"
    (repo / ".aims-policy.yaml").unlink()
    (repo / name).write_text(GAPS, "utf-8")
    for fmt in ("text", "github", "markdown"):
        result = CliRunner().invoke(cli, ["check", "--today", "2026-11-22", ".", "--format", fmt])
        assert result.exit_code == 1, result.stderr
        lines = (result.stdout + result.stderr).splitlines()
        forged = [
            line for line in lines if "Forged" in line and line.startswith("::error file=README")
        ]
        assert forged == [], forged
