"""The control catalogues findings are mapped onto: ISO/IEC 42001 (clauses and Annex A), the EU AI
Act and the NIST AI RMF, read from ``aims_policy/data/catalog.yaml`` (identifiers and short titles
only). SARIF turns them into ``runs[].taxonomies``; the Markdown summary counts by objective.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

#: Keys of the catalogues, in the order SARIF lists them.
ISO, EU, NIST = "iso42001", "eu_ai_act", "nist_ai_rmf"


@dataclass(frozen=True, slots=True)
class Taxon:
    id: str
    title: str | None  # None for an identifier a rule pack uses that the catalogue lacks
    kind: str  # clause | objective | control | article | annex | category | subcategory
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class Catalogue:
    key: str
    name: str
    full_name: str
    version: str
    organization: str
    information_uri: str
    taxa: tuple[Taxon, ...]

    def find(self, taxon_id: str) -> Taxon | None:
        return _index(self.key).get(taxon_id)


@cache
def _raw() -> dict[str, Any]:
    from importlib import resources

    import yaml

    text = resources.files("aims_policy.data").joinpath("catalog.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


@cache
def catalogues() -> tuple[Catalogue, ...]:
    raw = _raw()
    out = []
    for key in (ISO, EU, NIST):
        section = raw[key]
        out.append(
            Catalogue(
                key,
                section["name"],
                section["fullName"],
                str(section["version"]),
                section["organization"],
                section["informationUri"],
                _taxa(key, section),
            )
        )
    return tuple(out)


def catalogue(key: str) -> Catalogue:
    return next(c for c in catalogues() if c.key == key)


@cache
def _index(key: str) -> dict[str, Taxon]:
    return {t.id: t for t in catalogue(key).taxa}


def _taxa(key: str, section: dict[str, Any]) -> tuple[Taxon, ...]:
    taxa: list[Taxon] = []
    if key == ISO:
        for entry in section["clauses"]:
            cid = str(entry["id"])
            parent = cid.rpartition(".")[0] or None
            taxa.append(Taxon(cid, entry["title"], "clause", parent))
        for entry in section["annex_a"]:
            aid = str(entry["id"])
            depth = aid.count(".")
            # A.5 is an objective; A.6.1 is a subgroup of A.6; A.5.2 and A.6.2.4 are controls.
            is_group = depth == 1 or (aid.startswith("A.6.") and depth == 2)
            parent = aid.rpartition(".")[0] if depth > 1 else None
            taxa.append(Taxon(aid, entry["title"], "objective" if is_group else "control", parent))
    elif key == EU:
        for entry in section["articles"]:
            aid = str(entry["id"])
            taxa.append(
                Taxon(aid, entry["title"], "annex" if aid.startswith("Annex") else "article")
            )
    else:
        for entry in section["categories"]:
            cid = str(entry["id"])
            taxa.append(Taxon(cid, entry["title"], "category"))
            for number in range(1, int(entry["n"]) + 1):
                taxa.append(Taxon(f"{cid}.{number}", None, "subcategory", cid))
    return tuple(taxa)


_ARTICLES = re.compile(r"(?<!GDPR )Art\.\s*(\d+)((?:\s*,\s*\d+)*)")
_ANNEX = re.compile(r"Annex\s+([IVXL]+)\b")
_NIST = re.compile(r"\b(GOVERN|MAP|MEASURE|MANAGE)\s+(\d+(?:\.\d+)?)")


def eu_taxa(ref: str) -> list[str]:
    """The articles and annexes a reference such as ``Art. 11, 18, 17(1)(k)`` or ``Art. 6 +
    Annex III`` names (GDPR articles are not AI Act articles and are left out)."""
    found: list[str] = []
    for match in _ARTICLES.finditer(ref):
        numbers = [match.group(1), *re.findall(r"\d+", match.group(2))]
        found.extend(f"Art. {n}" for n in numbers)
    found.extend(f"Annex {m}" for m in _ANNEX.findall(ref))
    return list(dict.fromkeys(found))


def nist_taxa(ref: str) -> list[str]:
    return list(dict.fromkeys(f"{fn} {num}" for fn, num in _NIST.findall(ref)))


def iso_group(ref: str) -> str:
    """The control objective (``A.6``) of an Annex A control, or the top-level clause (``6``)
    of a clause: the rows of the Markdown summary's per-objective count."""
    if ref.startswith("A."):
        parts = ref.split(".")
        return ".".join(parts[:2])
    return ref.split(".")[0]


def iso_title(ref: str) -> str | None:
    taxon = catalogue(ISO).find(ref)
    return taxon.title if taxon else None
