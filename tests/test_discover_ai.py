"""AI discovery (`check --discover-ai`) and its rule AIMS-INV-001, on repositories built here.

Every expectation is written by hand from the files the test writes: the line of each import,
the package in each dependency file, the bytes of each model file. Source text is assembled from
lists of lines, so that this file itself holds no line that starts with an AI import (the
repository's own scan of itself must stay quiet, see the last test).
"""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from _helpers import ROOT, TODAY, aims, minimal_manifest, write

from aims_policy import data as data_document
from aims_policy import discover_ai
from aims_policy.discover_ai import MODEL_FORMATS
from aims_policy.model import Discovery

RULE = "AIMS-INV-001"


def lines(*text: str) -> str:
    return "\n".join(text) + "\n"


APP = lines("import os", "", "from openai import OpenAI", "import torch.nn as nn, json")
CHAT = lines("const limit = 3;", "import Anthropic from '@anthropic-ai/sdk';")
REQUIREMENTS = lines("requests==2.32.0", "transformers>=4.40  # summaries", "-r other.txt")


def repo(
    tmp_path: Path, manifest: str | None = None, files: dict[str, str | bytes] | None = None
) -> Path:
    """A git work tree (``.git`` is enough for discovery) with a manifest and ``files``."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    write(root / "manifests" / "system.yaml", manifest or minimal_manifest())
    for name, content in (files or {}).items():
        write(root / name, content)
    return root


def check_json(root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = aims("check", "--today", TODAY, "--format", "json", *args)
    finally:
        os.chdir(cwd)
    return result.exit_code, json.loads(result.stdout)


def inventory(report: dict[str, Any]) -> list[tuple[str, int, int]]:
    return sorted(
        (f["location"]["file"], f["location"]["line"], f["location"]["column"])
        for f in report["findings"]
        if f["rule"] == RULE
    )


def with_paths(*globs: str) -> str:
    listed = ", ".join(json.dumps(g) for g in globs)
    return minimal_manifest() + f"  implementation:\n    paths: [{listed}]\n"


# --- findings where the AI is, and silence once a manifest covers it -------------------------


def test_ai_without_a_manifest_is_reported_at_the_file_and_line(tmp_path: Path) -> None:
    root = repo(
        tmp_path, files={"src/app.py": APP, "web/chat.ts": CHAT, "requirements.txt": REQUIREMENTS}
    )
    code, report = check_json(root, "--discover-ai", "manifests")
    assert code == 0  # a warning: below the default fail-on
    assert inventory(report) == [
        ("requirements.txt", 2, 1),
        ("src/app.py", 3, 1),
        ("web/chat.ts", 2, 18),  # JavaScript: at the `from` that names the module
    ]
    by_file = {f["location"]["file"]: f for f in report["findings"] if f["rule"] == RULE}
    app = by_file["src/app.py"]
    assert app["severity"] == "warning"
    assert app["controls"] == ["A.4.2", "4.3"]
    assert app["identity"] == {"system": None, "item": None, "path": "src/app.py"}
    # one finding per file, naming everything seen there with its line
    assert "openai (line 3)" in app["message"] and "torch (line 4)" in app["message"]
    assert "@anthropic-ai/sdk (line 2)" in by_file["web/chat.ts"]["message"]
    assert "transformers (line 2)" in by_file["requirements.txt"]["message"]
    found = {f["file"]: f for f in report["aiDiscovery"]["files"]}
    assert [s["what"] for s in found["src/app.py"]["seen"]] == ["import openai", "import torch"]
    assert found["src/app.py"]["coveredBy"] == []


def test_the_text_and_sarif_outputs_point_at_the_source_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = repo(tmp_path, files={"src/app.py": APP})
    monkeypatch.chdir(root)
    text = aims("check", "--today", TODAY, "--discover-ai", "manifests")
    assert text.exit_code == 0
    assert "src/app.py:3:1: warning AIMS-INV-001 " in text.stdout
    assert "AI discovery: " in text.stdout.splitlines()[-1]
    out = aims("check", "--today", TODAY, "--discover-ai", "--format", "sarif", "manifests")
    sarif = json.loads(out.stdout)
    (result,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == RULE]
    where = result["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == "src/app.py"
    assert where["region"]["startLine"] == 3
    assert RULE in [r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]]


def test_a_manifest_covering_the_paths_silences_them(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "src/app.py": APP,
        "web/chat.ts": CHAT,
        "requirements.txt": REQUIREMENTS,
    }
    covered = repo(tmp_path / "a", with_paths("src", "web/**", "requirements.txt"), files=files)
    code, report = check_json(covered, "--discover-ai", "manifests")
    assert code == 0 and inventory(report) == []
    assert {f["file"]: f["coveredBy"] for f in report["aiDiscovery"]["files"]} == {
        "requirements.txt": ["minimal"],
        "src/app.py": ["minimal"],
        "web/chat.ts": ["minimal"],
    }
    partly = repo(tmp_path / "b", with_paths("src/*.py"), files=files)
    _, report = check_json(partly, "--discover-ai", "manifests")
    assert inventory(report) == [("requirements.txt", 2, 1), ("web/chat.ts", 2, 18)]


def test_discovery_is_off_unless_asked_and_the_configuration_can_ask(tmp_path: Path) -> None:
    root = repo(tmp_path, files={"src/app.py": APP})
    _, report = check_json(root, "manifests")
    assert inventory(report) == [] and report["aiDiscovery"] is None
    write(root / ".aims-policy.yaml", "discover-ai: true\n")
    _, report = check_json(root, "manifests")
    assert inventory(report) == [("src/app.py", 3, 1)]
    _, report = check_json(root, "--no-discover-ai", "manifests")
    assert inventory(report) == [] and report["aiDiscovery"] is None


def test_the_rule_is_selected_and_overridden_like_any_other(tmp_path: Path) -> None:
    root = repo(tmp_path, files={"src/app.py": APP})
    _, report = check_json(root, "--discover-ai", "--ignore", RULE, "manifests")
    assert inventory(report) == []
    code, report = check_json(root, "--discover-ai", "--severity", f"{RULE}=error", "manifests")
    assert code == 1 and inventory(report) == [("src/app.py", 3, 1)]


def test_no_manifest_at_all_is_still_an_error_with_the_ai_reported(tmp_path: Path) -> None:
    root = tmp_path / "bare"
    (root / ".git").mkdir(parents=True)
    write(root / "src" / "app.py", APP)
    code, report = check_json(root, "--discover-ai", ".")
    assert code == 2  # no manifest found: a repository with AI and no manifest is not clean
    assert inventory(report) == [("src/app.py", 3, 1)]
    code, report = check_json(root, "--discover-ai", "--allow-empty", ".")
    assert code == 0 and inventory(report) == [("src/app.py", 3, 1)]


# --- what is not scanned -----------------------------------------------------------------------


def test_gitignored_excluded_and_skipped_folders_are_not_scanned(tmp_path: Path) -> None:
    root = repo(tmp_path)
    for path, content in {
        ".gitignore": "generated/\n*.tmp.py\n",
        ".aims-policy.yaml": "exclude: [vendor, examples/**]\n",
        "src/app.py": APP,
        "generated/client.py": APP,
        "src/scratch.tmp.py": APP,
        "vendor/lib/x.py": APP,
        "examples/demo/run.py": APP,
        "node_modules/openai/index.js": CHAT,
        ".venv/lib/y.py": APP,
        "env/pyvenv.cfg": "home = /usr\n",
        "env/lib/z.py": APP,
    }.items():
        write(root / path, content)
    _, report = check_json(root, "--discover-ai", "manifests")
    assert inventory(report) == [("src/app.py", 3, 1)]
    found = report["aiDiscovery"]
    assert found["excluded"] == 2  # vendor/lib/x.py, examples/demo/run.py
    assert found["ignored"] == 2  # generated/, src/scratch.tmp.py
    # .git, .venv, env (a virtual environment by its pyvenv.cfg) and node_modules
    assert found["skippedFolders"] == 4


# --- model files: extension and content ------------------------------------------------------


def _zip(path: Path, *names: str) -> bytes:
    with zipfile.ZipFile(path, "w") as archive:
        for name in names:
            archive.writestr(name, b"\x80\x02}q\x00.")
    return path.read_bytes()


def test_model_files_are_recognised_by_extension_and_magic_bytes(tmp_path: Path) -> None:
    header = b'{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'
    torch_zip = _zip(tmp_path / "t.zip", "archive/data.pkl", "archive/version")
    other_zip = _zip(tmp_path / "o.zip", "readme.txt")
    hdf5 = b"\x89HDF\r\n\x1a\n" + bytes(64)
    root = repo(
        tmp_path,
        files={
            "models/ranker.onnx": b"\x08\x08\x12\x07pytorch\x1a\x032.1" + bytes(64),
            "models/placeholder.onnx": b"TODO: export the model here\n",
            "models/w.safetensors": len(header).to_bytes(8, "little") + header + bytes(4),
            "models/fake.safetensors": b"version https://git-lfs.github.com/spec/v1\n",
            "models/llm.gguf": b"GGUF\x03\x00\x00\x00" + bytes(32),
            "models/renamed.bin": b"GGUF\x03\x00\x00\x00" + bytes(32),
            "models/firmware.bin": b"\x7fELF" + bytes(32),
            "models/net.pt": torch_zip,
            "models/archive.pt": other_zip,
            "models/classifier.h5": hdf5 + b"keras_version\x002.15.0" + bytes(16),
            "models/measurements.h5": hdf5 + b"temperature" + bytes(16),
            "models/m.tflite": b"\x1c\x00\x00\x00TFL3" + bytes(32),
            "models/llm.gguf.dat": b"GGUF\x03\x00\x00\x00" + bytes(32),
        },
    )
    _, report = check_json(root, "--discover-ai", "manifests")
    seen = {f["file"]: f["seen"][0]["what"] for f in report["aiDiscovery"]["files"]}
    assert seen == {
        "models/classifier.h5": "Keras model (HDF5)",
        "models/llm.gguf": "GGUF model",
        "models/m.tflite": "TensorFlow Lite model",
        "models/net.pt": "PyTorch model",
        "models/ranker.onnx": "ONNX model",
        "models/renamed.bin": "GGUF model",  # a generic extension, recognised by its content
        "models/w.safetensors": "safetensors model",
    }
    # Not reported: names without the content (a placeholder, a Git LFS pointer, a zip that is
    # not torch.save's, HDF5 data that is no Keras model, an ELF binary), and a model under an
    # extension discovery does not look at (llm.gguf.dat).
    assert inventory(report) == sorted((file, 1, 1) for file in seen)


def test_an_organisations_model_extensions_and_sdks_are_looked_for(tmp_path: Path) -> None:
    root = repo(
        tmp_path,
        files={
            "models/scorer.pkl": b"\x80\x04\x95",
            "src/risk.py": lines("x = 1", "from acme_ml.client import Scorer"),
            "org.yaml": lines(
                "aiDiscovery:",
                "  add:",
                "    modelExtensions: [.pkl]",
                "    pythonImports: [acme_ml]",
            ),
        },
    )
    _, report = check_json(root, "--discover-ai", "--data", "org.yaml", "manifests")
    assert inventory(report) == [("models/scorer.pkl", 1, 1), ("src/risk.py", 2, 1)]
    _, report = check_json(root, "--discover-ai", "manifests")
    assert inventory(report) == []  # pickles are not models by default, acme_ml is unknown


def test_a_bad_aidiscovery_value_is_refused_at_its_line(tmp_path: Path) -> None:
    root = repo(
        tmp_path, files={"org.yaml": lines("aiDiscovery:", "  modelFormats: [onnx, pickle]")}
    )
    code, out = check_json_raw(root, "--discover-ai", "--data", "org.yaml", "manifests")
    assert code == 2
    assert out.startswith("aims-policy: error: org.yaml:2:3: aiDiscovery.modelFormats must be")
    assert '"pickle" is not one' in out


def check_json_raw(root: Path, *args: str) -> tuple[int, str]:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = aims("check", "--today", TODAY, *args)
    finally:
        os.chdir(cwd)
    return result.exit_code, result.stderr


def test_the_data_documents_formats_are_the_ones_discovery_knows() -> None:
    assert tuple(MODEL_FORMATS) == data_document.AI_MODEL_FORMATS
    assert data_document.defaults()["aiDiscovery"]["modelFormats"] == list(MODEL_FORMATS)


# --- sources and dependency files, one parser at a time --------------------------------------


def found_in(tmp_path: Path, name: str, content: str | bytes) -> list[tuple[str, int]]:
    root = tmp_path / "scan"
    write(root / name, content)
    result = discover_ai.discover_ai(str(root), str(root), data_document.defaults())
    assert result.unread == (), result.unread
    return [(s.what, s.line) for f in result.files for s in f.seen]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "a.py",
            lines(
                "from . import openai_helper",
                "from .openai import x",
                "import openai_tools",
                "from google import genai",
                "    from langchain_openai import ChatOpenAI",
                "import sklearn.linear_model",
            ),
            [("import google.genai", 4), ("import langchain_openai", 5), ("import sklearn", 6)],
        ),
        (
            "n.ipynb",
            lines(
                '{"cells": [{"source": [',
                '    "import pandas\\n",',
                '    "import keras\\n"',
                "]}]}",
            ),
            [("import keras", 3)],
        ),
        (
            "b.mjs",
            lines(
                'const { generateText } = await import("ai");',
                "const hf = require('@huggingface/inference');",
                "import aiohttp from 'aiohttp';",
                'export * from "openai/resources";',
            ),
            [("import ai", 1), ("import @huggingface/inference", 2), ("import openai", 4)],
        ),
        (
            "pyproject.toml",
            lines(
                "[project]",
                'keywords = ["openai", "torch"]',
                "dependencies = [",
                '  "numpy>=1",',
                '  "Torch[cuda] >=2.2",  # the model',
                "]",
                "[project.optional-dependencies]",
                'llm = ["anthropic"]',
                "[tool.poetry.dependencies]",
                'python = "^3.11"',
                'transformers = {version = "^4"}',
            ),
            [("package torch", 5), ("package anthropic", 8), ("package transformers", 11)],
        ),
        (
            "setup.cfg",
            lines(
                "[metadata]",
                "keywords = openai",
                "[options]",
                "install_requires =",
                "    numpy",
                "    scikit_learn>=1.4",
                "[options.extras_require]",
                "llm = openai",
            ),
            [("package scikit-learn", 6), ("package openai", 8)],
        ),
        (
            "Pipfile",
            lines(
                "[packages]", 'requests = "*"', 'openai = "*"', "[requires]", 'python_version = "3"'
            ),
            [("package openai", 3)],
        ),
        (
            "poetry.lock",
            lines("[[package]]", 'name = "numpy"', "", "[[package]]", 'name = "torch"'),
            [("package torch", 5)],
        ),
        (
            "package.json",
            lines(
                "{",
                '  "scripts": {"ai": "node ai.js"},',
                '  "dependencies": {"react": "^18"},',
                '  "devDependencies": {',
                '    "@anthropic-ai/sdk": "^0.30"',
                "  }",
                "}",
            ),
            [("package @anthropic-ai/sdk", 5)],
        ),
        (
            "web/package.json",  # a key no npm package can have never reaches a report
            lines(
                '{"dependencies": {',
                '  "@huggingface/\\u001b[2Jx": "1",',
                '  "@huggingface/inference": "^2"',
                "}}",
            ),
            [("package @huggingface/inference", 3)],
        ),
        (
            "package-lock.json",
            lines(
                '{"packages": {', '  "node_modules/react": {},', '  "node_modules/openai": {', "}}}"
            ),
            [("package openai", 3)],
        ),
        (
            "yarn.lock",
            lines("react@^18:", '  version "18"', '"@langchain/core@^0.3":', '  version "0.3"'),
            [("package @langchain/core", 3)],
        ),
        (
            "pnpm-lock.yaml",
            lines("packages:", "  react@18.3.1:", "  '@google/generative-ai@0.21.0':"),
            [("package @google/generative-ai", 3)],
        ),
        ("docs/notes.txt", lines("openai", "torch"), []),  # not a requirements file
        (
            "requirements/prod.txt",
            lines("numpy", "vllm==0.6 ; sys_platform == 'linux'"),
            [("package vllm", 2)],
        ),
        (
            "requirements-dev.in",
            lines("-e .", "git+https://example.com/openai.git", "LangChain-Community==0.3"),
            [("package langchain-community", 3)],
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and "\n" not in v and len(v) < 30 else "",
)
def test_each_kind_of_file_names_what_it_uses(
    tmp_path: Path, name: str, content: str, expected: list[tuple[str, int]]
) -> None:
    assert found_in(tmp_path, name, content) == expected


# --- odd files -----------------------------------------------------------------------------------


def test_odd_binary_and_huge_files_do_not_stop_the_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discover_ai, "READ_LIMIT", 4096)
    padding = "# " + "x" * 80 + "\n"
    root = tmp_path / "odd"
    write(root / "binary.py", bytes(range(256)) * 8 + b"\nimport torch\n\xff\xfe\x00")
    write(root / "huge.py", lines("import openai") + padding * 200 + lines("import anthropic"))
    write(root / "package.json", "{not json")
    write(
        root / "pyproject.toml",
        lines(
            "[project",
            "dependencies = [",
            '  "keras',
        ),
    )
    write(root / "empty.ts", b"")
    write(root / "deep.json", "[" * 100_000)  # not a file discovery reads: never opened
    os.symlink("/etc/hostname", root / "outside.py")
    found: Discovery = discover_ai.discover_ai(str(root), str(root), data_document.defaults())
    seen = {f.file: [s.what for s in f.seen] for f in found.files}
    assert seen == {"binary.py": ["import torch"], "huge.py": ["import openai"]}
    assert found.partly_read == ("huge.py",)  # read as far as the limit, and said so
    assert [file for file, _reason in found.unread] == ["outside.py", "package.json"]
    reasons = dict(found.unread)
    assert "symbolic link out of the repository" in reasons["outside.py"]
    assert reasons["package.json"].startswith("cannot be parsed: ")


def test_unreadable_files_are_listed_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = repo(tmp_path, files={"src/app.py": APP, "web/package.json": "{broken"})
    monkeypatch.chdir(root)
    result = aims("check", "--today", TODAY, "--discover-ai", "manifests")
    assert result.exit_code == 0
    assert "web/package.json: AI discovery cannot be parsed: " in result.stdout
    assert "src/app.py:3:1: warning AIMS-INV-001 " in result.stdout
    assert result.stdout.splitlines()[-1].endswith(", 1 not readable")


# --- where discovery runs ----------------------------------------------------------------------


def test_the_pre_commit_run_on_named_files_does_not_scan(tmp_path: Path) -> None:
    """Both hooks pass --no-discover-ai, which wins over a configuration that turns discovery
    on: a commit checks what it changes, the CI run looks for unregistered AI."""
    root = repo(tmp_path, files={"src/app.py": APP})
    (root / ".git").rmdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "."], cwd=root, check=True)
    config = "discover-ai: true\nfail-on: warning\nselect: [AIMS-INV-001]\n"
    write(root / ".aims-policy.yaml", config)
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    command = hook["entry"].split()
    assert command[:2] == ["aims-policy", "check"] and "--no-discover-ai" in command
    code, report = check_json(root, *command[2:], "manifests/system.yaml")
    assert code == 0 and report["aiDiscovery"] is None
    code, _ = check_json(
        root, *[a for a in command[2:] if a != "--no-discover-ai"], "manifests/system.yaml"
    )
    assert code == 1  # what the hook would have blocked without the flag
    plain = (ROOT / "hooks" / "pre-commit").read_text("utf-8")
    (run,) = [line for line in plain.splitlines() if "xargs -0 $cmd check" in line]
    assert "--no-discover-ai" in run


def test_this_repositorys_own_scan_is_quiet() -> None:
    """The project's tests, benches and fixtures hold no AI import at the start of a line and
    no model file: `aims-policy check --discover-ai` here finds none, after reading the sources."""
    code, report = check_json(ROOT, "--discover-ai")
    assert inventory(report) == [], inventory(report)
    found = report["aiDiscovery"]
    assert found["filesScanned"] > 100 and found["unread"] == []
    without, _ = check_json(ROOT)
    assert code == without  # the example manifests' own findings, nothing more
