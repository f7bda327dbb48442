"""`aims-policy import` and `aims-policy init --from`: real published model cards, ML-BOMs and SPDX
documents (tests/data/import/, sources in its README) become manifests that the packaged JSON
Schema accepts (checked with jsonschema itself) and that `check` rejects only for reasons the
import states; values derived from the sources are compared with what the source files say, read
by hand; bad input is one line naming the file, exit 2.

Blocking findings (errors) an imported manifest may have, and why:

* AIMS-TODO-001: the placeholders, one per line that reads TODO (counted on the text here);
* AIMS-RSK-003 and AIMS-RSK-006, on the risks: a limitation the source states becomes a risk
  (when it states none, a placeholder risk stands in, as `init` writes it), but its likelihood
  and impact (numbers) and its treatment (an enum) are decisions no source makes and no
  placeholder can stand in for;
* AIMS-SUP-001, on imported suppliers only: the date of the organisation's own assessment of a
  supplier (the supplier carries a TODO saying so);
* AIMS-DAT-007, for a model that names neither a supplier nor the declared data it was trained
  on, because the source does not link them (the SPDX AI example 02 ties its training data to a
  file, not to the AI package).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from _helpers import ROOT, TODAY, aims
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

DATA = ROOT / "tests" / "data" / "import"
SCHEMA = json.loads((ROOT / "aims_policy/schema/manifest-v1.schema.json").read_text("utf-8"))
REAL = sorted(
    p.relative_to(DATA).as_posix()
    for p in DATA.glob("*/*")
    if p.name != "bom-examples-opensource-bert.bom.json"  # malformed as published: tested below
)
EXPLAINED = {"AIMS-TODO-001", "AIMS-RSK-003", "AIMS-RSK-006", "AIMS-SUP-001", "AIMS-DAT-007"}
TODO_LINE = re.compile(r'^\s*(?:- |[\w-]+: )"?TODO\b')


def imported(name: str, *args: str) -> str:
    result = aims("import", str(DATA / name), *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def comment(text: str, key: str, value: str) -> list[str]:
    """The comments on the lines ``key: value`` (there must be at least one such line)."""
    lines = [
        line
        for line in text.splitlines()
        if re.match(rf"^\s*(?:- )?{re.escape(key)}: \"?{re.escape(value)}\"?(  #|$)", line)
    ]
    assert lines, (key, value)
    return [line.partition("  # ")[2] for line in lines]


def test_the_real_files_are_the_copies_the_provenance_note_lists() -> None:
    """Byte for byte: a formatter or an editor that touched one would make it another file."""
    import hashlib

    note = (DATA / "README.md").read_text("utf-8")
    listed = dict(
        (name, digest) for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", note, re.M)
    )
    present = {
        p.relative_to(DATA).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in DATA.glob("*/*")
    }
    assert present == listed


@pytest.mark.parametrize("name", REAL)
def test_a_real_file_imports_into_a_schema_valid_manifest_that_fails_only_as_explained(
    name: str, tmp_path: Path
) -> None:
    text = imported(name, "--risk-level", "low")
    data = yaml.safe_load(text)
    assert [e.message for e in Draft202012Validator(SCHEMA).iter_errors(data)] == []
    target = tmp_path / "system.aims.yaml"
    target.write_text(text, "utf-8")

    import aims_policy

    report = aims_policy.check([str(target)], today=TODAY)
    errors = [f for f in report.findings if f.severity == "error"]
    assert {f.rule_id for f in errors} <= EXPLAINED, sorted({f.rule_id for f in errors})
    assert report.exit_code == 1  # the placeholders alone make sure of it
    todo = {f.location.line for f in errors if f.rule_id == "AIMS-TODO-001"}
    assert todo == {n for n, line in enumerate(text.splitlines(), 1) if TODO_LINE.match(line)}
    risks = {r["id"] for r in data["spec"]["risks"]}
    for finding in errors:
        if finding.rule_id in ("AIMS-RSK-003", "AIMS-RSK-006"):
            assert finding.item in risks, finding.ident
        if finding.rule_id == "AIMS-SUP-001":
            assert finding.item in {s["id"] for s in data["spec"]["suppliers"]}, finding.ident
        if finding.rule_id == "AIMS-DAT-007":
            model = data["spec"]["models"][0]
            assert "supplier" not in model and "trainedOn" not in model


@pytest.mark.parametrize("name", REAL)
def test_the_import_is_deterministic_and_the_default_risk_level_asks_to_be_confirmed(
    name: str,
) -> None:
    first = imported(name)
    assert imported(name) == first
    data = yaml.safe_load(first)
    assert data["spec"]["classification"]["riskLevel"] == "high"
    assert data["spec"]["classification"]["x-todo"].startswith("TODO")
    assert [e.message for e in Draft202012Validator(SCHEMA).iter_errors(data)] == []


# -- values, hand-checked against the source files ----------------------------------------------


def test_hugging_face_distilbert_card() -> None:
    text = imported("huggingface/distilbert-base-uncased-README.md")
    spec = yaml.safe_load(text)["spec"]
    meta = yaml.safe_load(text)["metadata"]
    assert meta["name"] == "distilbert-base-model-uncased"
    assert meta["title"] == "DistilBERT base model (uncased)"
    assert comment(text, "title", "DistilBERT base model (uncased)") == [
        "heading # DistilBERT base model (uncased) (line 11)"
    ]
    assert [(d["name"], d["purpose"]) for d in spec["dataSources"]] == [
        ("bookcorpus", "training"),
        ("wikipedia", "training"),
    ]
    assert "datasets[1]" in comment(text, "name", "wikipedia")
    model = spec["models"][0]
    assert model["x-licence"] == "apache-2.0"
    assert "license" in comment(text, "x-licence", "apache-2.0")
    assert model["trainedOn"] == [d["id"] for d in spec["dataSources"]]
    assert spec["purpose"]["intendedUse"].startswith(
        "You can use the raw model for either masked language modeling or next sentence prediction"
    )
    # The section's own text only: "### How to use" and its code come after it.
    assert "pipeline" not in spec["purpose"]["intendedUse"]
    risks = [r["description"] for r in spec["risks"]]
    assert risks[0].startswith("Even if the training data used for this model could be")
    assert risks[-1] == "This bias will also affect all fine-tuned versions of this model."
    assert "unmasker" not in text  # code blocks are never imported
    assert spec["description"].startswith("This model is a distilled version of the BERT base")


def test_hugging_face_model_index_metrics() -> None:
    text = imported("huggingface/sample_simple_model_index.md")
    spec = yaml.safe_load(text)["spec"]
    assert yaml.safe_load(text)["metadata"]["name"] == "my-cool-model"
    metrics = spec["validation"]["metrics"]
    assert [(m["id"], m["result"], m["dataset"]) for m in metrics] == [
        ("accuracy", 0.9, "beans"),
        ("f1", 0.66, "beans"),
    ]
    assert all(m["description"].startswith("TODO") for m in metrics)  # thresholds: people's
    assert "model-index[0].results[1].metrics[0].value" in comment(text, "result", "0.66")
    assert spec["models"][0]["x-licence"] == "mit"


def test_cyclonedx_model_card_with_dataset() -> None:
    text = imported("cyclonedx/bom-examples-model-card-with-dataset.bom.json")
    doc = yaml.safe_load(text)
    spec = doc["spec"]
    assert doc["metadata"]["name"] == "support-triage-service"
    assert doc["metadata"]["version"] == "1.0.0"
    assert "metadata.component.version" in comment(text, "version", "1.0.0")
    model = spec["models"][0]
    assert (model["name"], model["type"]) == ("support-ticket-classifier", "text-classification")
    assert [s["name"] for s in spec["suppliers"]] == ["Example ML Team"]
    assert model["supplier"] == spec["suppliers"][0]["id"]
    assert model["trainedOn"] == [d["id"] for d in spec["dataSources"]]
    assert [d["provenance"]["origin"] for d in spec["dataSources"]] == [
        "https://example.com/datasets/support-tickets/train.jsonl",
        "https://example.com/datasets/support-tickets/eval.jsonl",
    ]
    assert spec["purpose"]["intendedUsers"] == [
        "Support operations staff reviewing suggested ticket queues."
    ]
    assert spec["purpose"]["intendedUse"] == (
        "Suggest an initial support queue for a newly received support ticket."
    )
    (metric,) = spec["validation"]["metrics"]
    assert (metric["id"], metric["result"], metric["slice"]) == (
        "macro-f1",
        0.91,
        "held-out-evaluation",
    )
    fairness = [r for r in spec["risks"] if r.get("category") == "fairness"]
    assert len(fairness) == 1
    assert fairness[0]["description"].startswith(
        "Customers using underrepresented languages or dialects"
    )


@pytest.mark.parametrize(
    "name",
    ["cyclonedx/valid-machine-learning-1.5.json", "cyclonedx/valid-machine-learning-1.5.xml"],
)
def test_cyclonedx_15_json_and_xml(name: str) -> None:
    text = imported(name)
    spec = yaml.safe_load(text)["spec"]
    model = spec["models"][0]
    assert (model["name"], model["version"]) == ("stable-diffusion", "1.4")
    (data,) = spec["dataSources"]
    assert (data["name"], data["provenance"]["origin"]) == (
        "Training Data",
        "https://example.com/path/to/dataset",
    )
    assert model["trainedOn"] == [data["id"]]
    assert "Limited performance on non-photographic styles" in [
        r["description"] for r in spec["risks"]
    ]
    # The specification's sample metric value is prose, not a number: left out, and said so.
    assert "validation" not in spec
    assert re.search(r"^#   .*performanceMetrics\[0\]\.value: .* is not a number$", text, re.M)


def test_cyclonedx_xml_supplier_and_version_from_the_namespace() -> None:
    text = imported("cyclonedx/valid-machine-learning-considerations-env-1.7.xml")
    spec = yaml.safe_load(text)["spec"]
    assert "CycloneDX ML-BOM 1.7" in text.splitlines()[1]
    assert [(s["name"], s["kind"]) for s in spec["suppliers"]] == [("Hugging Face", "model")]
    assert spec["models"][0]["name"] == "Llama-2-7b"
    assert "components[0].supplier.name" in comment(text, "name", "Hugging Face")


def test_spdx_ai_example_01() -> None:
    text = imported("spdx/ai-example01-simplehtr.spdx3.json")
    spec = yaml.safe_load(text)["spec"]
    assert [m["name"] for m in spec["models"]] == ["word-model", "line-model"]
    (data,) = spec["dataSources"]
    assert (data["name"], data["purpose"]) == ("IAMdataset", "training")
    assert "(trainedOn)" in comment(text, "purpose", "training")[0]
    assert all(m["trainedOn"] == [data["id"]] for m in spec["models"])
    assert {m["x-licence"] for m in spec["models"]} == {"MIT"}
    assert [s["name"] for s in spec["suppliers"]] == ["Harald Scheidl"]


def test_spdx_ai_example_02() -> None:
    text = imported("spdx/ai-example02-sbom.spdx3.json")
    spec = yaml.safe_load(text)["spec"]
    assert [(m["id"], m["result"]) for m in spec["validation"]["metrics"]] == [
        ("precision", 0.4625),
        ("recall", 0.475),
        ("f1", 0.4669192),
    ]
    assert spec["purpose"]["intendedUse"] == "Text sentiment analysis."
    (data,) = spec["dataSources"]
    assert data["licence"] == "CC0-1.0"
    assert "(hasConcludedLicense)" in comment(text, "licence", "CC0-1.0")[0]
    assert spec["models"][0]["type"] == "classification, supervised"


def test_spdx_dataset_example_01() -> None:
    text = imported("spdx/dataset-example01.spdx3.json")
    spec = yaml.safe_load(text)["spec"]
    (data,) = spec["dataSources"]
    assert data["licence"] == "CC-BY-4.0"
    assert data["personalData"] is False
    assert data["version"] == "2024-04-15"
    assert [(s["name"], s["kind"]) for s in spec["suppliers"]] == [("Our World in Data", "data")]
    assert data["provenance"]["supplier"] == spec["suppliers"][0]["id"]
    assert spec["purpose"]["intendedUse"] == (
        "To make the data about greenhouse gas emissions accessible."
    )
    (risk,) = spec["risks"]
    assert risk["category"] == "fairness"
    assert risk["description"] == (
        "Data in some geographical areas are more completed than the others."
    )


# -- the format comes from the content ----------------------------------------------------------


def test_the_format_is_recognised_from_the_content_not_the_name(tmp_path: Path) -> None:
    card = tmp_path / "bom.json"
    shutil.copy(DATA / "huggingface/sample_simple_model_index.md", card)
    bom = tmp_path / "README.md"
    shutil.copy(DATA / "cyclonedx/valid-machine-learning-1.6.xml", bom)
    assert "(Hugging Face model card)" in aims("import", str(card)).stdout.splitlines()[1]
    assert "(CycloneDX ML-BOM 1.6)" in aims("import", str(bom)).stdout.splitlines()[1]


# -- bad input: one line, the file (and line) named, exit 2 -------------------------------------


def test_a_real_bom_published_with_a_json_error_is_refused_at_its_line() -> None:
    path = DATA / "cyclonedx/bom-examples-opensource-bert.bom.json"
    # Line 9 of the file as published is "    }," after a trailing comma on line 8.
    assert path.read_text("utf-8").splitlines()[8] == "    },"
    result = aims("import", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"aims-policy: error: {path}:9:5: invalid JSON")
    assert len(result.stderr.splitlines()) == 1


LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components>
<component type="machine-learning-model"><name>&lol3;</name></component></components></bom>
"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE bom [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components>
<component type="machine-learning-model"><name>&secret;</name></component></components></bom>
"""


@pytest.mark.parametrize(
    ("content", "where", "says"),
    [
        (LAUGHS, ":2:", "DOCTYPE"),
        (EXTERNAL, ":2:", "DOCTYPE"),
        (
            '<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><a>&undefined;</a></bom>',
            ":1:",
            "undefined entity",
        ),
        (
            '<bom xmlns="http://cyclonedx.org/schema/bom/1.6">'
            + "<a>" * 70
            + "</a>" * 70
            + "</bom>",
            ":1:",
            "nesting deeper than 64",
        ),
        ('{"bomFormat": "CycloneDX", "x": ' + "[" * 5000 + "]" * 5000 + "}", ":1:", "nesting"),
        ('<bom xmlns="http://cyclonedx.org/schema/bom/1.6">\n<components>\n</bom>', ":3:", "XML"),
        ("<html/>", ":1:1:", "not a CycloneDX BOM"),
        ('{"foo": 1}', ":1:1:", "neither a CycloneDX BOM"),
        ("just some words\n", ":1:1:", "format not recognised"),
        ("", ":1:1:", "format not recognised"),
        ("---\nlicense: mit\n# never closed\n", ":1:1:", "never closed"),
        ("---\n- a\n---\n# x\n", ":2:1:", "not a YAML mapping"),
        ("---\nlicense: mit\n---\nno heading, no name\n", "", "--name"),
        ('{"bomFormat": "CycloneDX", "specVersion": "1.4", "components": []}', ":1:", "1.4"),
        (
            '{"bomFormat": "CycloneDX",\n "specVersion": "1.6",\n "components": {"a": 1}}',
            ":3:",
            "`components` should be a list",
        ),
        (
            '{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": '
            '[{"type": "library", "name": "x"}]}',
            ":1:",
            "no component of type",
        ),
        (
            '{"bomFormat": "CycloneDX",\n "specVersion": "1.6",\n "components": '
            '[{"type": "machine-learning-model",\n "name": ["x"]}]}',
            ":4:",
            "`components[0].name` should be text",
        ),
        (
            '{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": '
            '[{"type": "software_Package", "name": "x"}]}',
            ":1:",
            "no AIPackage or DatasetPackage",
        ),
        ('{"@context": "https://example.com/other", "@graph": []}', ":1:", "SPDX 3 context"),
    ],
)
def test_bad_input_is_one_line_naming_the_file_and_exit_2(
    tmp_path: Path, content: str, where: str, says: str
) -> None:
    path = tmp_path / "source"
    path.write_text(content, "utf-8")
    result = aims("import", str(path))
    assert result.exit_code == 2, result.stdout
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith(f"aims-policy: error: {path}{where}"), result.stderr
    assert says in result.stderr


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"---\nlicense: mit\n---\n# Caf\xe9\n", ":4:6: byte 0xe9 is not valid UTF-8"),
        (b"\x00\x01\x02 binary", ": file is binary"),
        (b"\xff\xfe{\x00}\x00", ":1:1: file is encoded as UTF-16"),
    ],
)
def test_bytes_that_are_not_utf8_text_are_refused(
    tmp_path: Path, content: bytes, says: str
) -> None:
    path = tmp_path / "source.md"
    path.write_bytes(content)
    result = aims("import", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"aims-policy: error: {path}{says}"), result.stderr


def test_a_huge_file_is_refused_before_it_is_read_whole(tmp_path: Path) -> None:
    from aims_policy.loader import MAX_BYTES

    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)
    result = aims("import", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"aims-policy: error: {path}: file is larger than")


def test_a_missing_file_is_exit_2(tmp_path: Path) -> None:
    result = aims("import", str(tmp_path / "nothing.md"))
    assert result.exit_code == 2
    assert str(tmp_path / "nothing.md") in result.stderr


# -- output --------------------------------------------------------------------------------------


def test_output_goes_to_a_new_file_or_standard_output_and_never_overwrites(tmp_path: Path) -> None:
    source = str(DATA / "spdx/dataset-example01.spdx3.json")
    stdout = aims("import", source).stdout
    assert aims("import", source, "-o", "-").stdout == stdout
    target = tmp_path / "m.yaml"
    written = aims("import", source, "-o", str(target))
    assert written.exit_code == 0
    assert target.read_text("utf-8") == stdout
    again = aims("import", source, "-o", str(target))
    assert again.exit_code == 2
    assert "already exists" in again.stderr
    assert target.read_text("utf-8") == stdout


def test_command_line_choices_are_written_with_their_source(tmp_path: Path) -> None:
    text = imported(
        "spdx/dataset-example01.spdx3.json",
        "--name",
        "emissions-explorer",
        "--risk-level",
        "medium",
        "--stage",
        "operation",
        "--eu-category",
        "minimal-risk",
        "--role",
        "deployer",
    )
    doc = yaml.safe_load(text)
    assert doc["metadata"]["name"] == "emissions-explorer"
    assert "--name" in comment(text, "name", "emissions-explorer")
    assert doc["spec"]["lifecycle"]["stage"] == "operation"
    assert doc["spec"]["classification"]["euAiAct"] == {
        "category": "minimal-risk",
        "role": "deployer",
    }
    assert "x-todo" not in doc["spec"]["classification"]
    one = aims("import", str(DATA / "spdx/dataset-example01.spdx3.json"), "--role", "deployer")
    assert one.exit_code == 2 and "--eu-category and --role go together" in one.stderr
    bad = aims("import", str(DATA / "spdx/dataset-example01.spdx3.json"), "--name", "Bad Name")
    assert bad.exit_code == 2 and "'bad-name'" in bad.stderr


# -- the emitter: what it writes reads back as exactly what was meant ----------------------------


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.text(min_size=0, max_size=40))
def test_quoted_text_reads_back_unchanged(value: str) -> None:
    from aims_policy.importers.manifest import quote
    from aims_policy.loader import load_bytes

    line = f"key: {quote(value)}  # a comment\n"
    assert yaml.safe_load(line) == {"key": value}
    loaded = load_bytes(line.encode("utf-8", "surrogatepass"), "x.yaml")
    if not any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        assert loaded.errors == [] and loaded.documents[0].data == {"key": value}


def test_a_source_field_name_cannot_break_out_of_its_comment() -> None:
    from aims_policy.importers.manifest import Choices, Draft, Sourced, render

    draft = Draft("card\nevil: true.md", "Hugging Face model card")
    draft.name = Sourced("demo", "heading # demo\nkind: Other\u2028x")
    text = render(draft, Choices(command="import", risk_level="low"))
    doc: Any = yaml.safe_load(text)
    assert doc["kind"] == "AISystem" and "evil" not in doc
    assert [e.message for e in Draft202012Validator(SCHEMA).iter_errors(doc)] == []


def test_the_model_card_template_sections(tmp_path: Path) -> None:
    """The sections of Hugging Face's current card template (the real cards above use the older
    names); template filler counts as nothing, list items are items."""
    card = tmp_path / "README.md"
    card.write_text(
        "---\nlicense: apache-2.0\npipeline_tag: text-generation\n---\n\n"
        "# Model Card for tiny-chat\n\nA small chat model.\n\n"
        "## Uses\n\n### Direct Use\n\nAnswering questions about the product manual.\n\n"
        "### Downstream Use [optional]\n\n[More Information Needed]\n\n"
        "### Out-of-Scope Use\n\n- Medical advice\n- Decisions about people\n\n"
        "## Bias, Risks, and Limitations\n\n<!-- template note -->\n"
        "It invents answers when the manual is silent.\n\n"
        "```python\nprint('not a limitation')\n```\n\n### Recommendations\n\nCheck answers.\n",
        "utf-8",
    )
    result = aims("import", str(card), "--risk-level", "low")
    assert result.exit_code == 0, result.stderr
    doc = yaml.safe_load(result.stdout)
    spec = doc["spec"]
    assert doc["metadata"]["name"] == "model-card-for-tiny-chat"
    assert spec["description"] == "A small chat model."
    assert spec["purpose"]["intendedUse"] == "Answering questions about the product manual."
    assert spec["purpose"]["outOfScopeUses"] == ["Medical advice", "Decisions about people"]
    assert [r["description"] for r in spec["risks"]] == [
        "It invents answers when the manual is silent."
    ]
    assert spec["classification"]["generativeAI"] is True
    assert "pipeline_tag: text-generation" in comment(result.stdout, "generativeAI", "true")
