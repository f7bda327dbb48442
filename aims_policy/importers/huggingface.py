"""Hugging Face model cards: the YAML front matter (``license``, ``datasets``, ``pipeline_tag``,
``model-index``) and the sections of the card template (Uses, Direct Use, Out-of-Scope Use;
Bias, Risks, and Limitations; the older "Intended uses & limitations" and "Limitations and bias").

Template filler ("More information needed") counts as nothing; code blocks, tables, images and
HTML are left out of imported text.
"""

from __future__ import annotations

import re
from typing import Any

from aims_policy.importers.manifest import (
    GENERATIVE_TASKS,
    Draft,
    ImportProblem,
    Sourced,
    slug_id,
)
from aims_policy.importers.source import Fields, dotted, load_json

KIND = "Hugging Face model card"
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^[ \t]{0,3}(```|~~~)")
_FILLER = re.compile(r"^\[?more information needed\]?\.?$", re.I)
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_TAG = re.compile(r"<[^>]*>")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_INTENDED = ("direct use", "intended uses & limitations", "intended uses", "intended use", "uses")
_OUT_OF_SCOPE = ("out-of-scope use", "out-of-scope uses", "misuse and out-of-scope use")
_LIMITATIONS = (
    "bias, risks, and limitations",
    "limitations and bias",
    "risks, limitations and biases",
    "limitations",
    "risks and limitations",
)
_DESCRIPTION = ("model description", "model details", "model summary")


def looks_like_model_card(text: str) -> bool:
    """Front matter between ``---`` lines, or at least a Markdown heading."""
    if text.startswith("---") and text[3:4] in ("\n", "\r"):
        return True
    return any(_HEADING.match(line) for line in text.splitlines()[:200])


class Section:
    __slots__ = ("level", "line", "lines", "title")

    def __init__(self, level: int, title: str, line: int):
        self.level = level
        self.title = title
        self.line = line
        self.lines: list[str] = []  # its own text, up to the next heading of any level


def from_markdown(text: str, file: str) -> Draft:
    lines = text.splitlines()
    front: dict[str, Any] = {}
    fields = Fields(file, {}, {})
    body_start = 0
    if lines and lines[0].rstrip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
        if end is None:
            raise ImportProblem(
                file, "the front matter opened by `---` is never closed; add a `---` line", 1, 1
            )
        if end > 1:
            document = load_json("\n".join(lines[1:end]) + "\n", file, first_line=2, yaml=True)
            if not isinstance(document.data, dict):
                raise ImportProblem(file, "the front matter is not a YAML mapping", 2, 1)
            front = document.data
            fields = Fields(file, front, document, first_line=2)
        body_start = end + 1
    sections = _sections(lines, body_start)
    draft = Draft(file, KIND)
    meta = _front_matter(draft, fields)
    _body(draft, sections, meta)
    if draft.name is None:
        raise ImportProblem(
            file,
            "no model name: the card has no `model-index[0].name` and no `# ` heading; "
            "give the system a name with --name",
        )
    return draft


def _sections(lines: list[str], start: int) -> list[Section]:
    sections = [Section(0, "", start + 1)]
    fence: str | None = None
    for number, line in enumerate(lines[start:], start + 1):
        marker = _FENCE.match(line)
        if fence:
            if marker and marker.group(1) == fence:
                fence = None
            continue
        if marker:
            fence = marker.group(1)
            continue
        heading = _HEADING.match(line)
        if heading:
            sections.append(Section(len(heading.group(1)), heading.group(2).strip(), number))
        else:
            sections[-1].lines.append(line)
    return sections


def _paragraphs(lines: list[str]) -> list[str]:
    """Prose paragraphs and list items, without comments, tables, HTML and template filler."""
    text = re.sub(r"<!--.*?-->", "", "\n".join(lines), flags=re.S)
    out: list[str] = []
    current: list[str] = []

    def flush() -> None:
        joined = " ".join(" ".join(current).split())
        if joined and not _FILLER.match(joined):
            out.append(joined)
        current.clear()

    for raw in text.splitlines():
        line = _TAG.sub("", _LINK.sub(r"\1", raw))
        if not line.strip() or line.lstrip().startswith("|"):
            flush()
            continue
        if _BULLET.match(line):
            flush()
            line = _BULLET.sub("", line)
        current.append(line.strip())
    flush()
    return out


def _find(sections: list[Section], titles: tuple[str, ...]) -> Section | None:
    for title in titles:
        for section in sections:
            heading = section.title.lower().replace("[optional]", "").strip()
            if heading == title and _paragraphs(section.lines):
                return section
    return None


def _source(section: Section) -> str:
    return f"section {'#' * section.level} {section.title} (line {section.line})"


def _front_matter(draft: Draft, fields: Fields) -> dict[str, Any]:
    """Fill ``draft`` from the front matter; return what the model entry needs."""
    licence = fields.text(("license",))
    task = fields.text(("pipeline_tag",))
    for path in fields.each(("model-index",)):
        name = fields.text((*path, "name"))
        if name and draft.name is None:
            draft.name = Sourced(name, f"{dotted(path)}.name")
            draft.title = Sourced(name, f"{dotted(path)}.name")
    trained: list[str] = []
    datasets = fields.get(("datasets",))
    paths = [("datasets",)] if isinstance(datasets, str) else list(fields.each(("datasets",)))
    for path in paths:
        name = fields.text(path)
        if name:
            trained.append(draft.dataset(name, dotted(path), "training"))
    base = fields.get(("base_model",))
    meta = {
        "licence": licence,
        "task": task,
        "trained": trained,
        "base": fields.text(("base_model",)) if isinstance(base, str) else None,
    }
    if task in GENERATIVE_TASKS:
        draft.generative = Sourced(True, f"pipeline_tag: {task}")
    for path in fields.each(("model-index",)):
        for result in fields.each((*path, "results")):
            fields.mapping((*result, "dataset"))  # an object, if anything
            # `type` is the data set's id on the Hub, as the front matter's `datasets` name it.
            ds_name = fields.text((*result, "dataset", "type")) or fields.text(
                (*result, "dataset", "name")
            )
            ds_id = (
                draft.dataset(ds_name, f"{dotted(result)}.dataset", "testing") if ds_name else None
            )
            split = fields.text((*result, "dataset", "split"))
            where = f"on {ds_name}" + (f" ({split})" if split else "") if ds_name else ""
            for metric in fields.each((*result, "metrics")):
                label = fields.text((*metric, "name")) or fields.text((*metric, "type"))
                if label:
                    draft.metric(
                        label,
                        fields.get((*metric, "value")),
                        f"{dotted(metric)}.value",
                        ds_id,
                        where,
                    )
    return meta


def _body(draft: Draft, sections: list[Section], meta: dict[str, Any]) -> None:
    titled = [s for s in sections if s.level]
    top = next((s for s in titled if s.level == 1), None)
    if top is not None and draft.name is None:
        draft.name = Sourced(top.title, f"heading # {top.title} (line {top.line})")
        draft.title = Sourced(top.title, f"heading # {top.title} (line {top.line})")
    intro = _paragraphs(top.lines) if top is not None else []
    described = _find(titled, _DESCRIPTION)
    if intro and top is not None:
        draft.description = Sourced(" ".join(intro), _source(top))
    elif described is not None:
        draft.description = Sourced(" ".join(_paragraphs(described.lines)), _source(described))
    intended = _find(titled, _INTENDED)
    if intended is not None:
        draft.intended_use = Sourced(" ".join(_paragraphs(intended.lines)), _source(intended))
    scope = _find(titled, _OUT_OF_SCOPE)
    if scope is not None:
        draft.out_of_scope = [Sourced(p, _source(scope)) for p in _paragraphs(scope.lines)]
    for title in _LIMITATIONS:
        for section in titled:
            if section.title.lower().strip() == title:
                for paragraph in _paragraphs(section.lines):
                    draft.risk(paragraph, _source(section))
    name = str(draft.name.value) if draft.name else "model"
    model: dict[str, Sourced | list[Sourced]] = {
        "id": Sourced(slug_id(name, "model")),
        "name": Sourced(name, draft.name.source if draft.name else None),
    }
    if meta["task"]:
        model["type"] = Sourced(meta["task"], "pipeline_tag")
    if meta["trained"]:
        model["trainedOn"] = [Sourced(ident, "datasets") for ident in meta["trained"]]
    if meta["licence"]:
        model["x-licence"] = Sourced(meta["licence"], "license")
    if meta["base"]:
        model["x-baseModel"] = Sourced(meta["base"], "base_model")
    draft.models.append(model)
