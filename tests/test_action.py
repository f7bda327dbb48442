"""The GitHub Action (`action.yml`) and the example workflow that uses it.

1. Both files validate against GitHub's own schemas as vendored by check-jsonschema
   (`vendor.github-actions`, `vendor.github-workflows`; offline, no network).
2. Every expression in the action refers to an input, a step or an output that exists, and the
   example workflow uses the action's inputs and outputs as declared.
3. The action's shell steps run for real, one after the other as the runner would (a small
   stand-in for the runner: expressions substituted, $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY
   files, `bash --noprofile --norc -eo pipefail`), including the pip install from the action's
   own directory, on a manifest with gaps and on a compliant one."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from _helpers import ROOT

ACTION = ROOT / "action.yml"
WORKFLOW = ROOT / "docs" / "examples" / "github-workflow.yml"
#: How the example workflow names this action: a template for the team's copy, at a commit.
OUR_ACTION = "<org>/aims-policy@<commit>"
COMPLIANT = ROOT / "manifests" / "document-summariser.yaml"
# The action's pip install takes the locked versions here, so a new release elsewhere cannot turn
# these tests red (what users get from the open ranges is what the "newest releases" run tests).
LOCK = ROOT / "requirements" / "test.lock"
BIN = Path(sys.executable).parent
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text("utf-8"))


def check_jsonschema(builtin: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", builtin, str(path)],
        text=True,
        capture_output=True,
        timeout=120,
    )


# -- 1. GitHub's schemas --------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("builtin", "path"), [("vendor.github-actions", ACTION), ("vendor.github-workflows", WORKFLOW)]
)
def test_files_match_githubs_schemas(builtin: str, path: Path) -> None:
    result = check_jsonschema(builtin, path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_the_schema_check_does_reject_a_broken_action(tmp_path: Path) -> None:
    # The positive results above mean something only if the same check fails a broken file.
    broken = load(ACTION)
    broken["runs"]["using"] = "compost"
    path = tmp_path / "action.yml"
    path.write_text(yaml.safe_dump(broken), "utf-8")
    assert check_jsonschema("vendor.github-actions", path).returncode == 1


# -- 2. references --------------------------------------------------------------------------


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def expressions(node: Any) -> list[str]:
    return [m.group(1) for text in strings(node) for m in EXPR.finditer(text)]


def test_action_steps_reference_only_inputs_steps_and_outputs_that_exist() -> None:
    action = load(ACTION)
    inputs = set(action["inputs"])
    steps = action["runs"]["steps"]
    seen_ids: set[str] = set()
    used_inputs: set[str] = set()
    for step in steps:
        refs = expressions(step) + ([step["if"]] if "if" in step else [])
        for ref in refs:
            for name in re.findall(r"\binputs\.([\w-]+)", ref):
                assert name in inputs, f"step {step.get('name')!r} uses undeclared input {name!r}"
                used_inputs.add(name)
            for step_id in re.findall(r"\bsteps\.([\w-]+)\.", ref):
                assert step_id in seen_ids, (
                    f"step {step.get('name')!r} reads step {step_id!r} before it runs"
                )
        # Inputs reach scripts through env only: text pasted into a script could inject code.
        assert not EXPR.search(step.get("run", "")), (
            f"expression inside the script of {step.get('name')!r}"
        )
        if "id" in step:
            seen_ids.add(step["id"])
    assert used_inputs == inputs, f"inputs never used: {sorted(inputs - used_inputs)}"
    for name, output in action["outputs"].items():
        (ref,) = expressions(output["value"])
        step_id, key = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", ref).groups()  # type: ignore[union-attr]
        script = next(s for s in steps if s.get("id") == step_id)["run"]
        assert f"{key}=" in script, f"output {name!r}: step {step_id!r} never writes {key!r}"


def test_action_installs_itself_from_its_own_path() -> None:
    steps = load(ACTION)["runs"]["steps"]
    install = next(s for s in steps if s.get("id") == "install")
    assert install["env"]["AIMS_SOURCE"] == "${{ github.action_path }}"
    assert 'pip install --quiet --disable-pip-version-check "$AIMS_SOURCE"' in install["run"]
    assert any(str(s.get("uses", "")).startswith("actions/setup-python@") for s in steps)


def test_example_workflow_uses_the_action_as_declared() -> None:
    action = load(ACTION)
    workflow = load(WORKFLOW)
    (job,) = workflow["jobs"].values()
    assert job["permissions"]["security-events"] == "write"
    steps = job["steps"]
    # A template: no release is tagged, and where a team keeps its copy is its own to say.
    (aims,) = [s for s in steps if s.get("uses") == OUR_ACTION]
    assert set(aims["with"]) <= set(action["inputs"])
    for ref in expressions(workflow) + [s["if"] for s in steps if "if" in s]:
        for output in re.findall(rf"\bsteps\.{aims['id']}\.outputs\.([\w-]+)", ref):
            assert output in action["outputs"], output
    upload = next(
        s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@")
    )
    assert upload["with"]["sarif_file"] == "${{ steps.aims.outputs.sarif-file }}"
    assert upload["with"]["category"] == aims["with"]["category"]
    assert upload["if"].startswith("always()")
    junit = next(s for s in steps if str(s.get("uses", "")).startswith("dorny/test-reporter@"))
    assert junit["with"]["path"] == "${{ steps.aims.outputs.junit-file }}"
    assert junit["with"]["reporter"] == "java-junit"


# -- 3. the steps, run ------------------------------------------------------------------------


class Runner:
    """Just enough of the Actions runner for this composite action: runs its shell steps in
    order, substitutes `inputs.*`, `steps.*.outputs.*` and `github.action_path`, evaluates the
    one kind of `if:` the action uses, and stands in for actions/setup-python."""

    def __init__(self, workspace: Path, temp: Path, inputs: Mapping[str, str], event: str = "push"):
        self.event = event
        action = load(ACTION)
        self.steps = action["runs"]["steps"]
        self.outputs_spec = action["outputs"]
        self.inputs = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
        self.inputs.update(inputs)
        self.workspace, self.temp = workspace, temp
        self.summary = temp / "step_summary.md"
        self.summary.write_text("", "utf-8")
        self.outputs: dict[str, dict[str, str]] = {}
        self.ran: list[str] = []
        self.failed: tuple[str, int, str] | None = None
        self.check_log = ""

    def value(self, expr: str) -> str:
        if m := re.fullmatch(r"inputs\.([\w-]+)", expr):
            return self.inputs[m.group(1)]
        if m := re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr):
            return self.outputs.get(m.group(1), {}).get(m.group(2), "")
        if expr == "github.action_path":
            return str(ROOT)
        raise AssertionError(f"the stand-in runner does not know {expr!r}")

    def substitute(self, text: str) -> str:
        return EXPR.sub(lambda m: self.value(m.group(1)), text)

    def condition(self, text: str) -> bool:
        m = re.fullmatch(r"(steps\.[\w-]+\.outputs\.[\w-]+) != '([^']*)'", text.strip())
        assert m, f"the stand-in runner cannot evaluate {text!r}"
        return self.value(m.group(1)) != m.group(2)

    def run(self) -> None:
        for step in self.steps:
            if self.failed or ("if" in step and not self.condition(step["if"])):
                continue
            step_id = step.get("id", f"step{len(self.ran)}")
            self.ran.append(step_id)
            if "uses" in step:
                assert step["uses"].startswith("actions/setup-python@")
                self.outputs[step_id] = {"python-path": sys.executable}
                continue
            self.outputs[step_id] = self.shell(step, step_id)

    def shell(self, step: Mapping[str, Any], step_id: str) -> dict[str, str]:
        output = self.temp / f"output-{step_id}"
        output.write_text("", "utf-8")
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_", "AIMS_"))
        }
        env.update({k: self.substitute(str(v)) for k, v in step.get("env", {}).items()})
        env.update(
            GITHUB_OUTPUT=str(output),
            GITHUB_STEP_SUMMARY=str(self.summary),
            RUNNER_TEMP=str(self.temp),
            RUNNER_OS="Linux",
            GITHUB_ACTION_PATH=str(ROOT),
            GITHUB_WORKSPACE=str(self.workspace),
            GITHUB_EVENT_NAME=self.event,
            PIP_DISABLE_PIP_VERSION_CHECK="1",
            PIP_CONSTRAINT=str(LOCK),
        )
        script = self.temp / f"{step_id}.sh"
        script.write_text(step["run"], "utf-8")
        assert step["shell"] == "bash"
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.workspace,
            env=env,
            text=True,
            capture_output=True,
            timeout=900,
        )
        if proc.returncode != 0:
            self.failed = (step_id, proc.returncode, proc.stdout + proc.stderr)
        if step_id == "check":
            self.check_log = proc.stdout + proc.stderr
        pairs = (line.partition("=") for line in output.read_text("utf-8").splitlines() if line)
        return {key: value for key, _, value in pairs}

    def action_outputs(self) -> dict[str, str]:
        return {name: self.substitute(spec["value"]) for name, spec in self.outputs_spec.items()}


# Modules a pull request could add at the repository root, each shadowing what the action's Python
# would import if the working directory were on its import path: the tool itself, its
# dependencies, and what the install step runs (`-m venv`, `-m pip`).
BAIT = (
    "aims_policy/__init__.py",
    "aims_policy/__main__.py",
    "yaml.py",
    "click.py",
    "pyrsistent.py",
    "jsonschema.py",
    "venv.py",
    "pip/__init__.py",
    "pip/__main__.py",
    "json.py",
    "runpy.py",
)


def plant_bait(workspace: Path) -> None:
    """Each bait module leaves a file named after itself beside it, then stops the process."""
    for name in BAIT:
        path = workspace / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            "import pathlib, sys\n"
            f"pathlib.Path(__file__).parent.joinpath('RAN-{name.replace('/', '-')}').touch()\n"
            "sys.exit(99)\n",
            "utf-8",
        )


def bait_that_ran(workspace: Path) -> list[str]:
    return sorted(p.name for p in workspace.rglob("RAN-*"))


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """Runs setup and the pip install once (from PyPI for the dependencies): the slow part. The
    workspace holds bait modules, as a hostile pull request's checkout would."""
    temp = tmp_path_factory.mktemp("runner-temp")
    workspace = tmp_path_factory.mktemp("install-ws")
    plant_bait(workspace)
    runner = Runner(workspace, temp, {})
    runner.steps = [s for s in runner.steps if s.get("id") in ("python", "install")]
    runner.run()
    assert runner.failed is None, runner.failed
    assert bait_that_ran(workspace) == []
    return temp, runner.outputs["install"]


def run_action(
    tmp_path: Path,
    installed: tuple[Path, dict[str, str]],
    manifest: str,
    config: str | None = None,
    bait: bool = False,
    event: str = "push",
    files: Mapping[str, str] | None = None,
    **inputs: str,
) -> Runner:
    temp, install_outputs = installed
    workspace = tmp_path / "ws"
    (workspace / "manifests").mkdir(parents=True)
    if bait:
        plant_bait(workspace)
    for name, content in (files or {}).items():
        (workspace / name).parent.mkdir(parents=True, exist_ok=True)
        (workspace / name).write_text(content, "utf-8")
    if config is not None:
        (workspace / ".aims-policy.yaml").write_text(config, "utf-8")
    (workspace / "manifests" / "system.yaml").write_text(manifest, "utf-8")
    for name in ("document-summariser", "organisation"):
        shutil.copytree(
            ROOT / "manifests" / "evidence" / name, workspace / "manifests" / "evidence" / name
        )
    subprocess.run(["git", "init", "-q"], cwd=workspace, check=True)  # evidence root = repository
    # actions/checkout's work tree: every file is in the index (AIMS-EVD-003 asks).
    subprocess.run(["git", "add", "-A"], cwd=workspace, check=True)
    runner = Runner(workspace, temp, {"paths": "manifests", **inputs}, event)
    # The environment is installed already (module fixture): reuse it, run the rest.
    runner.outputs["python"] = {"python-path": sys.executable}
    runner.outputs["install"] = install_outputs
    runner.steps = [s for s in runner.steps if s.get("id") not in ("python", "install")]
    runner.run()
    return runner


@pytest.mark.slow
def test_install_step_gives_a_private_environment_with_aims_policy(
    installed: tuple[Path, dict[str, str]],
) -> None:
    temp, outputs = installed
    python = Path(outputs["python"])
    assert python.is_relative_to(temp) and python.exists()
    version = subprocess.run(
        [str(python), "-m", "aims_policy", "--version"], text=True, capture_output=True, check=True
    )
    assert version.stdout.startswith("aims-policy ")


@pytest.mark.slow
def test_action_on_a_manifest_with_gaps_writes_reports_and_fails(
    tmp_path: Path, installed: tuple[Path, dict[str, str]]
) -> None:
    text = COMPLIANT.read_text("utf-8").replace("priya.raman@example.com", "TODO@example.com")
    runner = run_action(tmp_path, installed, text, category="aims-policy/manifests")
    assert runner.failed is not None and runner.failed[:2] == ("fail", 1), runner.failed
    assert "::error title=aims-policy::findings" in runner.failed[2]
    outputs = runner.action_outputs()
    assert outputs["exit-code"] == "1"
    sarif = json.loads((runner.workspace / outputs["sarif-file"]).read_text("utf-8"))
    assert sarif["version"] == "2.1.0"
    (run,) = sarif["runs"]
    assert run["automationDetails"]["id"].startswith("aims-policy/manifests")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "TODO@example.com" in row)
    hits = [r for r in run["results"] if r["ruleId"] == "AIMS-TODO-001"]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in hits] == [line]
    junit = ET.parse(runner.workspace / outputs["junit-file"]).getroot()
    assert any(
        c.find("failure") is not None and "AIMS-TODO-001" in ET.tostring(c, "unicode")
        for c in junit.iter("testcase")
    )
    assert "AIMS\\-TODO\\-001" in runner.summary.read_text("utf-8")  # escaped Markdown
    # --format github: the finding is an annotation on the manifest line.
    assert re.search(
        rf"^::error file=manifests/system.yaml,line={line},", runner.check_log, re.M
    ), runner.check_log


@pytest.mark.slow
def test_no_code_from_the_checked_out_repository_runs(
    tmp_path: Path, installed: tuple[Path, dict[str, str]]
) -> None:
    """A pull request that adds `yaml.py`, `click.py`, `aims_policy/`... at the repository root
    must not have them imported by the check (the install step is covered by the fixture)."""
    text = COMPLIANT.read_text("utf-8").replace("priya.raman@example.com", "TODO@example.com")
    runner = run_action(tmp_path, installed, text, bait=True)
    assert bait_that_ran(runner.workspace) == []
    assert runner.failed is not None and runner.failed[:2] == ("fail", 1), runner.failed
    assert "AIMS-TODO-001" in runner.check_log
    # The bait is live: the same interpreter started the ordinary way imports it and stops.
    _, install_outputs = installed
    plain = subprocess.run(
        [install_outputs["python"], "-m", "aims_policy", "--version"],
        cwd=runner.workspace,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert plain.returncode == 99
    assert bait_that_ran(runner.workspace) != []


# A rule pack that a pull request adds and names in the configuration: importing it is running it.
PR_PACK = {
    "pr-pack/evil.py": "import pathlib\n"
    "pathlib.Path(__file__).parent.joinpath('RAN-pr-pack').touch()\n"
    "from aims_policy.engine import rule\n\n\n"
    "@rule(id='PR-001', title='t', severity='note', rationale='r', remediation='m')\n"
    "def nothing(ctx):\n    return ()\n",
}
PR_CONFIG = "version: 1\nrules: [pr-pack]\n"


@pytest.mark.slow
def test_pull_request_target_refuses_rule_packs_named_by_the_checked_out_configuration(
    tmp_path: Path, installed: tuple[Path, dict[str, str]]
) -> None:
    text = COMPLIANT.read_text("utf-8")
    runner = run_action(
        tmp_path / "a", installed, text, PR_CONFIG, event="pull_request_target", files=PR_PACK
    )
    assert runner.action_outputs()["exit-code"] == "2"
    assert "--no-config-rules refuses code from the configuration" in runner.check_log
    assert not (runner.workspace / "pr-pack" / "RAN-pr-pack").exists()
    # trusted on purpose, or on any other event, the configuration's pack loads as configured
    for where, event, trust in (("b", "pull_request_target", "true"), ("c", "push", "false")):
        runner = run_action(
            tmp_path / where, installed, text, PR_CONFIG, event=event, files=PR_PACK,
            **{"trust-config-rules": trust},
        )  # fmt: skip
        assert runner.action_outputs()["exit-code"] == "0", runner.check_log
        assert (runner.workspace / "pr-pack" / "RAN-pr-pack").exists()


@pytest.mark.slow
def test_a_report_committed_to_the_repository_is_never_taken_for_this_runs(
    tmp_path: Path, installed: tuple[Path, dict[str, str]]
) -> None:
    forged = {
        "aims-policy.sarif": '{"version": "2.1.0", "runs": []}',
        "aims-policy-junit.xml": "<x/>",
    }
    runner = run_action(
        tmp_path,
        installed,
        COMPLIANT.read_text("utf-8"),
        PR_CONFIG,
        event="pull_request_target",
        files={**PR_PACK, **forged},
    )
    outputs = runner.action_outputs()
    assert outputs["exit-code"] == "2"  # the run could not write reports of its own
    assert outputs["sarif-file"] == "" and outputs["junit-file"] == ""
    assert not (runner.workspace / "aims-policy.sarif").exists()


@pytest.mark.slow
def test_action_on_a_compliant_manifest_passes(
    tmp_path: Path, installed: tuple[Path, dict[str, str]]
) -> None:
    runner = run_action(
        tmp_path, installed, COMPLIANT.read_text("utf-8"), **{"step-summary": "false"}
    )
    assert runner.failed is None, runner.failed
    assert runner.ran == ["check"]  # the failing step was skipped
    outputs = runner.action_outputs()
    assert outputs["exit-code"] == "0"
    assert (runner.workspace / outputs["sarif-file"]).exists()
    assert (runner.workspace / outputs["junit-file"]).exists()
    assert runner.summary.read_text("utf-8") == ""


@pytest.mark.slow
def test_action_passes_extra_arguments_and_fail_on(
    tmp_path: Path, installed: tuple[Path, dict[str, str]]
) -> None:
    text = COMPLIANT.read_text("utf-8").replace("priya.raman@example.com", "TODO@example.com")
    runner = run_action(
        tmp_path, installed, text, **{"fail-on": "never", "args": "--ignore AIMS-TODO"}
    )
    assert runner.failed is None, runner.failed
    sarif = json.loads(
        (runner.workspace / runner.action_outputs()["sarif-file"]).read_text("utf-8")
    )
    assert not [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "AIMS-TODO-001"]


@pytest.mark.slow
def test_the_repositorys_configuration_decides_fail_on_and_category_unless_inputs_are_set(
    tmp_path: Path, installed: tuple[Path, dict[str, str]]
) -> None:
    text = COMPLIANT.read_text("utf-8").replace("priya.raman@example.com", "TODO@example.com")
    config = "version: 1\nfail-on: never\noutput:\n  sarif-category: from-config\n"
    runner = run_action(tmp_path / "a", installed, text, config)
    assert runner.failed is None, runner.failed  # the configuration's fail-on: never
    assert runner.action_outputs()["exit-code"] == "0"
    sarif = json.loads(
        (runner.workspace / runner.action_outputs()["sarif-file"]).read_text("utf-8")
    )
    assert sarif["runs"][0]["automationDetails"]["id"] == "from-config/"
    runner = run_action(
        tmp_path / "b", installed, text, config, **{"fail-on": "error", "category": "input"}
    )
    assert runner.failed is not None and runner.failed[:2] == ("fail", 1), runner.failed
    sarif = json.loads(
        (runner.workspace / runner.action_outputs()["sarif-file"]).read_text("utf-8")
    )
    assert sarif["runs"][0]["automationDetails"]["id"] == "input/"
    runner = run_action(tmp_path / "c", installed, text)  # no configuration, no inputs: defaults
    assert runner.failed is not None and runner.failed[:2] == ("fail", 1), runner.failed
    sarif = json.loads(
        (runner.workspace / runner.action_outputs()["sarif-file"]).read_text("utf-8")
    )
    assert sarif["runs"][0]["automationDetails"]["id"] == "aims-policy/"


@pytest.mark.slow
def test_without_a_paths_input_the_configurations_paths_decide(
    tmp_path: Path, installed: tuple[Path, dict[str, str]]
) -> None:
    """A fixture folder with deliberate gaps lies beside the manifests; the repository's
    configuration names only manifests/, and the Action must not widen that to '.'."""
    gaps = COMPLIANT.read_text("utf-8").replace("priya.raman@example.com", "TODO@example.com")
    runner = run_action(
        tmp_path,
        installed,
        COMPLIANT.read_text("utf-8"),
        "version: 1\npaths: [manifests]\n",
        files={"fixtures/gaps.yaml": gaps},
        paths="",
    )
    assert runner.action_outputs()["exit-code"] == "0", runner.check_log
    assert "fixtures/gaps.yaml" not in runner.check_log


@pytest.mark.slow
def test_the_action_reports_ai_that_no_manifest_covers_unless_told_not_to(
    tmp_path: Path, installed: tuple[Path, dict[str, str]]
) -> None:
    """discover-ai defaults to true: AI in the checked-out repository outside every manifest's
    implementation paths is a warning annotation and a SARIF result at its source line."""
    files = {"src/app.py": "\n".join(["import os", "from openai import OpenAI", ""])}
    compliant = COMPLIANT.read_text("utf-8")
    runner = run_action(tmp_path / "on", installed, compliant, files=files)
    assert runner.failed is None, runner.failed  # a warning, below the default fail-on
    sarif = json.loads(
        (runner.workspace / runner.action_outputs()["sarif-file"]).read_text("utf-8")
    )
    hits = [
        r["locations"][0]["physicalLocation"]
        for r in sarif["runs"][0]["results"]
        if r["ruleId"] == "AIMS-INV-001"
    ]
    assert [(h["artifactLocation"]["uri"], h["region"]["startLine"]) for h in hits] == [
        ("src/app.py", 2)
    ]
    assert re.search(r"^::warning file=src/app.py,line=2,", runner.check_log, re.M)
    runner = run_action(
        tmp_path / "off", installed, compliant, files=files, **{"discover-ai": "false"}
    )
    assert runner.failed is None, runner.failed
    assert "AIMS-INV-001" not in runner.check_log
    sarif = json.loads(
        (runner.workspace / runner.action_outputs()["sarif-file"]).read_text("utf-8")
    )
    assert not [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "AIMS-INV-001"]


def third_party_uses(path: Path) -> list[str]:
    return [
        line.split("uses:", 1)[1].strip()
        for line in path.read_text("utf-8").splitlines()
        if "uses:" in line and OUR_ACTION not in line
    ]


@pytest.mark.parametrize("path", [ACTION, WORKFLOW], ids=["action", "workflow"])
def test_third_party_actions_are_pinned_to_full_commit_shas(path: Path) -> None:
    used = third_party_uses(path)
    assert used
    for use in used:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*", use), use


def test_the_example_workflow_runs_weekly_and_keeps_fork_pull_requests_green() -> None:
    workflow = load(WORKFLOW)
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads `on` as true
    assert "schedule" in triggers and triggers["schedule"][0]["cron"]
    (job,) = workflow["jobs"].values()
    needs_write = [
        s
        for s in job["steps"]
        if "upload-sarif" in str(s.get("uses")) or "test-reporter" in str(s.get("uses"))
    ]
    assert len(needs_write) == 2
    for step in needs_write:
        assert "github.event.pull_request.head.repo.full_name == github.repository" in step["if"]
