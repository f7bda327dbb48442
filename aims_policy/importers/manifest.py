"""The manifest an import (or ``aims-policy init``) writes: a format-neutral draft, and the YAML
text built from it.

Every importer fills a :class:`Draft` with what its format states, each value paired with the
field it came from; :func:`render` turns the draft into manifest text in which each imported
value carries a comment naming that field, and each blank only people can fill in reads
``TODO: ...`` (which AIMS-TODO-001 reports until it is replaced). A value the schema needs but
that cannot hold a placeholder (an enum, a number) is written with its best reading and an
``x-todo`` extension beside it, so the manifest still fails until a person has confirmed it.

The text is written here rather than dumped by a YAML library: PyYAML drops comments, and a
small emitter over a fixed shape is easy to keep byte-for-byte deterministic.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

#: Where editors fetch the schema from unless told otherwise (setup.cfg's project URL, main branch).
SCHEMA_URL = (
    "https://raw.githubusercontent.com/aims-policy/aims-policy/main/"
    "aims_policy/schema/manifest-v1.schema.json"
)
RISK_LEVELS = ("low", "medium", "high", "critical")
STAGES = ("design", "development", "validation", "deployment", "operation", "retired")
EU_CATEGORIES = ("prohibited", "high-risk", "limited-risk", "minimal-risk", "out-of-scope")
EU_ROLES = ("provider", "deployer", "provider-and-deployer", "importer", "distributor")
# Mirrors metadata.name in the schema, so that nothing is written that the checker would reject
# for its very first line of content.
NAME_PATTERN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
NAME_MAX = 63
_ID_BAD = re.compile(r"[^A-Za-z0-9._-]+")
# Tasks whose output is generated content (text, images, audio, video), as Hugging Face's
# pipeline tags and CycloneDX's modelParameters.task name them.
GENERATIVE_TASKS = frozenset(
    {
        "text-generation",
        "text2text-generation",
        "summarization",
        "translation",
        "text-to-image",
        "image-to-image",
        "image-text-to-text",
        "text-to-speech",
        "text-to-audio",
        "text-to-video",
    }
)
# Metrics for which a lower value is the better one: their threshold is a ceiling.
_LOWER_IS_BETTER = re.compile(
    r"loss|error|\bwer\b|\bcer\b|perplexity|\bmae\b|\bmse\b|\brmse\b|latency|\bfid\b", re.I
)


class ImportProblem(Exception):
    """An input that cannot be imported: where (file, and line and column when known), what is
    wrong and what to do. The command prints it as one line and exits 2."""

    def __init__(self, file: str, message: str, line: int | None = None, col: int | None = None):
        super().__init__(message)
        self.file = file
        self.message = message
        self.line = line
        self.col = col

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}:{self.col or 1}"
        return f"{where}: {self.message}"


class Sourced:
    """A value and the source field it was read from (``None``: not read from the source)."""

    __slots__ = ("source", "value")

    def __init__(self, value: Any, source: str | None = None):
        self.value = value
        self.source = source

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Sourced({self.value!r}, {self.source!r})"


#: One list item of a section: manifest field -> value (a Sourced, or a list of them).
Item = dict[str, Any]


class Draft:
    """What a source says about the system, in the manifest's vocabulary."""

    def __init__(self, file: str, kind: str):
        self.file = file
        self.kind = kind  # e.g. "Hugging Face model card"
        self.name: Sourced | None = None
        self.title: Sourced | None = None
        self.version: Sourced | None = None
        self.description: Sourced | None = None
        self.intended_use: Sourced | None = None
        self.intended_users: list[Sourced] = []
        self.out_of_scope: list[Sourced] = []
        self.generative: Sourced | None = None
        self.models: list[Item] = []
        self.datasets: list[Item] = []
        self.suppliers: list[Item] = []
        self.risks: list[Item] = []
        self.metrics: list[Item] = []
        #: What the source states that was deliberately left out, and why (header comments).
        self.skipped: list[str] = []

    # -- helpers the importers share --------------------------------------------------------

    def supplier(self, name: str, kind: str, source: str) -> str:
        """The id of the supplier called ``name`` (added once, whatever asks for it)."""
        for item in self.suppliers:
            if item["name"].value == name:
                return str(item["id"].value)
        ident = unique_id(slug_id(name, "SUP"), (s["id"].value for s in self.suppliers))
        self.suppliers.append(
            {"id": Sourced(ident), "name": Sourced(name, source), "kind": Sourced(kind)}
        )
        return ident

    def dataset(self, name: str, source: str, purpose: str | None, **fields: Any) -> str:
        """The id of the data set called ``name``, added once; a purpose the source does not
        state becomes ``training`` with a placeholder asking a person to confirm it."""
        for known in self.datasets:
            if known["name"].value == name:
                if purpose and known.get("x-todo"):
                    known["purpose"] = Sourced(purpose, known["purpose"].source or source)
                    del known["x-todo"]
                return str(known["id"].value)
        ident = unique_id(slug_id(name, "DS"), (d["id"].value for d in self.datasets))
        item: Item = {"id": Sourced(ident), "name": Sourced(name, source)}
        if purpose:
            item["purpose"] = Sourced(purpose, source)
        else:
            item["purpose"] = Sourced("training")
            item["x-todo"] = Sourced(
                "TODO: confirm `purpose` (the source does not say whether this data set trained, "
                "validated or tested the model)"
            )
        item.update({k: v for k, v in fields.items() if v is not None})
        self.datasets.append(item)
        return ident

    def metric(
        self,
        name: str,
        value: Any,
        source: str,
        dataset: str | None = None,
        where: str = "",
        slice_: Sourced | None = None,
    ) -> None:
        """A reported result becomes a validation metric whose threshold a person must set."""
        number = as_number(value)
        if number is None:
            self.skipped.append(f"{source}: {describe(value)} is not a number")
            return
        ident = unique_id(slug_id(name, "M"), (m["id"].value for m in self.metrics))
        ceiling = bool(_LOWER_IS_BETTER.search(name))
        reported = f"{number:g}{' ' + where if where else ''}"
        item: Item = {
            "id": Sourced(ident),
            "description": Sourced(
                f"TODO: the acceptance threshold for {name}; the source reports {reported}. "
                "Set `threshold` (now the reported value) to the level the system must reach"
            ),
            "threshold": Sourced(number, "placeholder: the reported result"),
            "comparison": Sourced("<=" if ceiling else ">="),
            "result": Sourced(number, source),
        }
        if dataset:
            item["dataset"] = Sourced(dataset)
        if slice_ is not None:
            item["slice"] = slice_
        self.metrics.append(item)

    def risk(self, description: str, source: str, category: str | None = None) -> None:
        ident = f"R-{len(self.risks) + 1}"
        item: Item = {"id": Sourced(ident), "description": Sourced(description, source)}
        if category:
            item["category"] = Sourced(category, source)
        item["owner"] = Sourced("TODO: person who treats this risk")
        self.risks.append(item)


class Choices:
    """What the person running the command decided (never read from the source)."""

    def __init__(
        self,
        *,
        name: str | None = None,
        risk_level: str | None = None,
        stage: str | None = None,
        eu_category: str | None = None,
        role: str | None = None,
        schema: str = SCHEMA_URL,
        command: str = "init",
    ):
        self.name = name
        self.risk_level = risk_level
        self.stage = stage
        self.eu_category = eu_category
        self.role = role
        self.schema = schema
        self.command = command


# -- values ------------------------------------------------------------------------------------


def system_name(raw: str) -> str:
    """A name that matches metadata.name, derived from any text ('' when nothing is left)."""
    return re.sub(r"[^a-z0-9]+", "-", raw.lower()).strip("-")[:NAME_MAX].strip("-")


def slug_id(raw: str, prefix: str) -> str:
    ident = _ID_BAD.sub("-", raw.strip()).strip("-._")[:64].strip("-._")
    return ident or prefix


def unique_id(ident: str, taken: Iterable[Any]) -> str:
    used = set(taken)
    if ident not in used:
        return ident
    n = 2
    while f"{ident}-{n}" in used:
        n += 1
    return f"{ident}-{n}"


def as_number(value: Any) -> float | int | None:
    """A finite number from a number or a numeric string (``"0.91"``), else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number: float | int = value
    elif isinstance(value, str) and re.fullmatch(
        r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*", value
    ):
        number = float(value)
    else:
        return None
    if isinstance(number, float) and not math.isfinite(number):
        return None
    return number


def describe(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return repr(text[:60] + ("..." if len(text) > 60 else ""))


def clean_text(value: Any) -> str | None:
    """One line of text (runs of whitespace collapsed), or ``None`` for nothing."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None


# -- the manifest ---------------------------------------------------------------------------


def render(draft: Draft | None, choices: Choices) -> str:
    """The manifest text for ``draft`` (``None``: a blank skeleton, as ``init`` writes it)."""
    level = choices.risk_level or "high"
    high = level in ("high", "critical")
    d = draft or Draft("", "")
    name = choices.name or (system_name(str(d.name.value)) if d.name else "")
    derived = d.name is not None and name == system_name(str(d.name.value))

    def flag(option: str) -> str | None:
        # Beside imported values, a value the command line decided says so; in a plain
        # skeleton every value is the command line's and the comment would be noise.
        return option if draft is not None else None

    name_source = (d.name.source if d.name else None) if derived else flag("--name")

    metadata: list[tuple[str, Any]] = [("name", Sourced(name, name_source))]
    metadata.append(("title", d.title or Sourced("TODO: human-readable name of the system")))
    if d.version:
        metadata.append(("version", d.version))
    elif draft is None:
        metadata.append(("version", Sourced("0.1.0")))

    spec: list[tuple[str, Any]] = [
        (
            "description",
            d.description
            or Sourced("TODO: what the system does and how, in two or three sentences"),
        ),
        ("owner", _person("person answerable for the system day to day")),
    ]
    if high:
        spec.append(
            ("accountablePerson", _person("manager who answers for the system (not the owner)"))
        )

    purpose: list[tuple[str, Any]] = [
        (
            "intendedUse",
            d.intended_use
            or Sourced("TODO: what the system is for, for whom, and within which limits"),
        ),
        ("intendedUsers", d.intended_users or [Sourced("TODO: who uses the system")]),
        ("affectedPersons", [Sourced("TODO: who is affected by its outputs")]),
        ("outOfScopeUses", d.out_of_scope or [Sourced("TODO: uses the system must not be put to")]),
    ]
    spec.append(("purpose", purpose))

    classification: list[tuple[str, Any]] = [
        ("riskLevel", Sourced(level, flag("--risk-level") if choices.risk_level else None))
    ]
    if not choices.risk_level:
        classification.append(
            (
                "x-todo",
                Sourced(
                    "TODO: confirm `riskLevel` (high until the organisation rates the system; "
                    "or import with --risk-level)"
                ),
            )
        )
    if not (choices.eu_category and choices.role):
        classification += [
            ("#", Sourced("Add the EU AI Act classification once you know it, for example:")),
            ("#", Sourced("euAiAct: {category: limited-risk, role: deployer}")),
        ]
    else:
        classification.append(
            (
                "euAiAct",
                [
                    ("category", Sourced(choices.eu_category, flag("--eu-category"))),
                    ("role", Sourced(choices.role, flag("--role"))),
                ],
            )
        )
    if d.generative:
        classification.append(("generativeAI", d.generative))
    spec.append(("classification", classification))

    spec.append(
        (
            "lifecycle",
            [
                (
                    "stage",
                    Sourced(choices.stage or "design", flag("--stage") if choices.stage else None),
                )
            ],
        )
    )
    if d.datasets:
        spec.append(("dataSources", [_data_source(item) for item in d.datasets]))
    if d.models:
        spec.append(("models", [_fields(item) for item in d.models]))
    if d.suppliers:
        spec.append(("suppliers", [_supplier(item) for item in d.suppliers]))
    risks = d.risks or [
        {
            "id": Sourced("R-1"),
            "description": Sourced("TODO: what could go wrong, for whom"),
            "owner": Sourced("TODO: person who treats this risk"),
        }
    ]
    spec.append(("risks", [_fields(item) for item in risks]))
    if high:
        spec.append(
            (
                "impactAssessment",
                [
                    ("status", Sourced("not-started")),
                    ("approver", Sourced("TODO: who approves the impact assessment")),
                ],
            )
        )
        spec.append(
            (
                "humanOversight",
                [
                    ("mode", Sourced("human-in-the-loop")),
                    (
                        "automationBiasMeasures",
                        [Sourced("TODO: how overseers are kept from trusting outputs blindly")],
                    ),
                ],
            )
        )
    if d.metrics:
        spec.append(("validation", [("metrics", [_fields(item) for item in d.metrics])]))

    document: list[tuple[str, Any]] = [
        ("apiVersion", Sourced("aims-policy/v1")),
        ("kind", Sourced("AISystem")),
        ("metadata", metadata),
        ("spec", spec),
    ]
    lines = _header(draft, choices, level, name)
    _emit_mapping(document, 0, lines)
    return "\n".join(lines) + "\n"


def _person(role: str) -> list[tuple[str, Any]]:
    return [
        ("name", Sourced(f"TODO: {role}")),
        ("email", Sourced("TODO@example.com")),
        ("role", Sourced("TODO: their role")),
    ]


def _fields(item: Item) -> list[tuple[str, Any]]:
    return list(item.items())


def _data_source(item: Item) -> list[tuple[str, Any]]:
    """A data source with placeholders for the provenance only its users know."""
    pairs = [(k, v) for k, v in item.items() if k != "provenance"]
    provenance = dict(item.get("provenance", []))
    provenance.setdefault("origin", Sourced("TODO: where the data comes from"))
    provenance.setdefault("collectionMethod", Sourced("TODO: how the data was collected"))
    order = ("origin", "collectionMethod", "supplier")
    pairs.append(("provenance", [(k, provenance[k]) for k in order if k in provenance]))
    return pairs


def _supplier(item: Item) -> list[tuple[str, Any]]:
    return [
        *item.items(),
        (
            "x-todo",
            Sourced(
                "TODO: assess this supplier and record `assessedOn:` and `assessmentRef:` "
                "(AIMS-SUP-001)"
            ),
        ),
    ]


def _header(draft: Draft | None, choices: Choices, level: str, name: str) -> list[str]:
    lines = [f"# yaml-language-server: $schema={_comment(choices.schema)}"]
    if draft is None:
        lines.append(f"# AI-system manifest for {name}, started with `aims-policy init`.")
    else:
        lines.append(
            f"# AI-system manifest for {name}, imported from {_comment(draft.file)} "
            f"({draft.kind}) by `aims-policy {choices.command}`."
        )
        lines.append("# A comment after a value names the field of the source it was read from.")
    lines += [
        "# Every value that starts with TODO is a placeholder: `aims-policy check` reports each one",
        "# (rule AIMS-TODO-001) until you replace it with the real information. Other rules then tell you",
        f"# what else ISO/IEC 42001 expects for a {level}-risk system; `aims-policy explain RULE-ID` says why.",
    ]
    if draft is not None and draft.skipped:
        lines.append("# Not imported:")
        lines += [f"#   {_comment(reason)}" for reason in draft.skipped]
    return lines


# -- the emitter ---------------------------------------------------------------------------------
# A node is a Sourced (a scalar), a list of (key, node) pairs (a mapping) or a list of nodes (a
# sequence). Empty collections are never written.

_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(char, f"\\u{ord(char):04x}")


def quote(text: str) -> str:
    """A YAML double-quoted scalar that reads back as exactly ``text`` (line breaks, control and
    non-printable characters escaped; everything else as it is)."""
    return '"' + _BREAKS.sub(_escape, text.replace("\\", "\\\\").replace('"', '\\"')) + '"'


def _comment(text: str) -> str:
    """Text for a comment: on one line, with nothing a YAML reader or a terminal would act on."""
    return _BREAKS.sub(_escape, text)


# Text written without quotes: starts with a letter, no character YAML gives a meaning, and not
# a word that some YAML reader takes for a boolean or null.
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9._/@-]*\Z")
_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


def _scalar(value: Any) -> str:
    if isinstance(value, str) and _PLAIN.match(value) and value.lower() not in _WORDS:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return quote(str(value))


def _note(scalar: Sourced) -> str:
    return f"  # {_comment(scalar.source)}" if scalar.source else ""


def _is_mapping(node: Any) -> bool:
    return isinstance(node, list) and bool(node) and isinstance(node[0], tuple)


def _emit_mapping(pairs: Sequence[tuple[str, Any]], indent: int, out: list[str]) -> None:
    pad = " " * indent
    for key, node in pairs:
        if key == "#":  # a comment line of its own
            out.append(f"{pad}# {_comment(str(node.value))}")
        elif isinstance(node, Sourced):
            out.append(f"{pad}{key}: {_scalar(node.value)}{_note(node)}")
        elif _is_mapping(node):
            out.append(f"{pad}{key}:")
            _emit_mapping(node, indent + 2, out)
        elif node:
            out.append(f"{pad}{key}:")
            _emit_sequence(node, indent + 2, out)


def _emit_sequence(items: Sequence[Any], indent: int, out: list[str]) -> None:
    pad = " " * indent
    for node in items:
        if isinstance(node, Sourced):
            out.append(f"{pad}- {_scalar(node.value)}{_note(node)}")
        else:
            inner: list[str] = []
            _emit_mapping(node, indent + 2, inner)
            inner[0] = f"{pad}- {inner[0][indent + 2 :]}"
            out += inner
