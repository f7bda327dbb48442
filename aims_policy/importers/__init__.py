"""Importers: Hugging Face model cards, CycloneDX ML-BOMs and SPDX 3 AI/Dataset documents into
a manifest draft (``manifest.py`` writes it out).

The format is recognised from the content, never from the file name: a README and a BOM are
both often called something else. Reading is bounded like the manifest loader's (size, depth,
node count; XML without any DTD, so no entity can be declared, let alone expanded), and every
problem is an :class:`~aims_policy.importers.manifest.ImportProblem` naming the file, and the
line and field where known.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aims_policy.importers.manifest import Draft

#: The formats ``aims-policy import`` reads, as they are named in messages.
FORMATS = (
    "Hugging Face model card (README.md with YAML front matter)",
    "CycloneDX 1.5-1.7 ML-BOM (JSON or XML)",
    "SPDX 3.0 JSON-LD with AIPackage or DatasetPackage elements",
)


def load_draft(path: str) -> Draft:
    """Read ``path``, recognise its format and return what it says about the system."""
    from aims_policy.importers.source import read_source

    return draft_from_bytes(read_source(path), path)


def draft_from_bytes(raw: bytes, file: str) -> Draft:
    from aims_policy.importers.manifest import ImportProblem
    from aims_policy.loader import LoadError, read_text

    try:
        text = read_text(raw)
    except LoadError as exc:
        if exc.code == "binary":
            raise ImportProblem(
                file, "file is binary; import a model card, BOM or SPDX document (text)"
            ) from None
        raise ImportProblem(file, exc.message, exc.line, exc.col) from None
    start = text.lstrip()
    if start.startswith("<"):
        from aims_policy.importers import cyclonedx

        return cyclonedx.from_xml(text, file)
    if start.startswith(("{", "[")):
        from aims_policy.importers.source import load_json

        document = load_json(text, file)
        data = document.data
        if isinstance(data, dict) and "bomFormat" in data:
            from aims_policy.importers import cyclonedx

            return cyclonedx.from_json(document, file)
        if isinstance(data, dict) and ("@context" in data or "@graph" in data):
            from aims_policy.importers import spdx

            return spdx.from_jsonld(document, file)
        raise ImportProblem(
            file,
            "JSON that is neither a CycloneDX BOM (no `bomFormat`) nor SPDX 3 JSON-LD (no "
            "`@context`/`@graph`); import one of: " + "; ".join(FORMATS),
            1,
            1,
        )
    from aims_policy.importers import huggingface

    if huggingface.looks_like_model_card(text):
        return huggingface.from_markdown(text, file)
    raise ImportProblem(file, "format not recognised; import one of: " + "; ".join(FORMATS), 1, 1)
