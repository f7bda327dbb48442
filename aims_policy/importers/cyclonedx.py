"""CycloneDX 1.5-1.7 ML-BOMs, JSON or XML: components of type ``machine-learning-model`` (with
their ``modelCard``: modelParameters, quantitativeAnalysis, considerations) and ``data``; the
BOM's own ``metadata.component``, when there is one, is the system.

Both encodings are read into one shape (the JSON one), so that the import itself is written once;
XML elements keep their line for messages.
"""

from __future__ import annotations

from typing import Any

from aims_policy.importers.manifest import (
    GENERATIVE_TASKS,
    Draft,
    ImportProblem,
    Sourced,
    clean_text,
    slug_id,
    unique_id,
)
from aims_policy.importers.source import Element, Fields, dotted, parse_xml
from aims_policy.loader import Document

KIND = "CycloneDX ML-BOM"
VERSIONS = ("1.5", "1.6", "1.7")
_NAMESPACE = "http://cyclonedx.org/schema/bom/"
# XML elements whose children are the items of a list (the JSON encoding's arrays).
_LIST_WRAPPERS = frozenset(
    {
        "components",
        "licenses",
        "datasets",
        "inputs",
        "outputs",
        "performanceMetrics",
        "users",
        "useCases",
        "technicalLimitations",
        "performanceTradeoffs",
        "ethicalConsiderations",
        "fairnessAssessments",
        "externalReferences",
        "hashes",
        "tags",
        "authors",
        "dependencies",
        "properties",
        "collection",
    }
)
# XML elements that repeat directly inside their parent but are arrays in JSON.
_REPEATED = frozenset({"data"})


def from_json(document: Document, file: str) -> Draft:
    fields = Fields(file, document.data, document)
    if fields.get(("bomFormat",)) != "CycloneDX":
        raise fields.problem(("bomFormat",), "is not `CycloneDX`; this is not a CycloneDX BOM")
    version = fields.text(("specVersion",))
    return _draft(fields, version, ("specVersion",))


def from_xml(text: str, file: str) -> Draft:
    root = parse_xml(text, file)
    if root.name != "bom" or not root.ns.startswith(_NAMESPACE):
        raise ImportProblem(
            file,
            f"XML root element `{root.name}` in namespace {root.ns or '(none)'!r} is not a "
            f"CycloneDX BOM (`bom` in {_NAMESPACE}1.x)",
            root.line,
            root.col,
        )
    positions: dict[tuple[Any, ...], tuple[int, int]] = {(): (root.line, root.col)}
    data = _convert(root, (), positions)
    fields = Fields(file, data, positions)
    return _draft(fields, root.ns[len(_NAMESPACE) :], ())


def _convert(
    element: Element, path: tuple[Any, ...], positions: dict[tuple[Any, ...], tuple[int, int]]
) -> Any:
    """An element as the JSON encoding would have it: text, a list or an object."""
    if element.name in _LIST_WRAPPERS:
        items = []
        for index, child in enumerate(element.children):
            item_path: tuple[Any, ...] = (*path, index)
            positions[item_path] = (child.line, child.col)
            items.append(_convert(child, item_path, positions))
        return items
    if not element.children and not element.attrs:
        return "".join(element.text)
    out: dict[str, Any] = dict(element.attrs)
    for child in element.children:
        if child.name in _REPEATED:
            items = out.setdefault(child.name, [])
            if isinstance(items, list):
                child_path: tuple[Any, ...] = (*path, child.name, len(items))
                positions.setdefault((*path, child.name), (child.line, child.col))
                positions[child_path] = (child.line, child.col)
                items.append(_convert(child, child_path, positions))
            continue
        member: tuple[Any, ...] = (*path, child.name)
        positions[member] = (child.line, child.col)
        out[child.name] = _convert(child, member, positions)
    return out


def _components(fields: Fields, path: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    found = []
    for item in fields.each((*path, "components")):
        if fields.mapping(item) is None:
            raise fields.problem(item, "should be an object, not null; correct the source")
        found.append(item)
        found += _components(fields, item)
    return found


def _draft(fields: Fields, version: str | None, version_path: tuple[Any, ...]) -> Draft:
    if version not in VERSIONS:
        raise fields.problem(
            version_path,
            f"is {version or 'missing'}; ML-BOMs (machine-learning-model components with a "
            f"modelCard) are CycloneDX {VERSIONS[0]} to {VERSIONS[-1]}",
        )
    draft = Draft(fields.file, f"{KIND} {version}")
    components = _components(fields, ())
    kinds = {path: fields.text((*path, "type")) for path in components}
    models = [path for path in components if kinds[path] == "machine-learning-model"]
    data = [path for path in components if kinds[path] == "data"]
    if not models and not data:
        raise fields.problem(
            ("components",),
            "has no component of type `machine-learning-model` or `data`; this BOM describes "
            "no AI, so there is nothing to import",
        )
    by_ref: dict[str, str] = {}
    for path in data:
        name = _name(fields, path)
        first = (*path, "data", 0)
        url = fields.text((*first, "contents", "url"))
        extra: dict[str, Any] = {}
        if fields.text((*path, "version")):
            extra["version"] = Sourced(fields.text((*path, "version")), f"{dotted(path)}.version")
        licence = _licence(fields, path)
        if licence:
            extra["licence"] = licence
        if url:
            extra["provenance"] = [("origin", Sourced(url, f"{dotted(first)}.contents.url"))]
        ident = draft.dataset(name, f"{dotted(path)}.name", None, **extra)
        ref = fields.text((*path, "bom-ref"))
        if ref:
            by_ref[ref] = ident
    for path in models:
        _model(draft, fields, path, by_ref)
    system = ("metadata", "component")
    if fields.mapping(system) and fields.text((*system, "name")):
        draft.name = Sourced(fields.text((*system, "name")), "metadata.component.name")
        draft.title = draft.name
        if fields.text((*system, "version")):
            draft.version = Sourced(fields.text((*system, "version")), "metadata.component.version")
        if fields.text((*system, "description")):
            draft.description = Sourced(
                fields.text((*system, "description")), "metadata.component.description"
            )
    else:
        first = (models or data)[0]
        draft.name = Sourced(_name(fields, first), f"{dotted(first)}.name")
        draft.title = draft.name
    if draft.description is None and models and fields.text((*models[0], "description")):
        draft.description = Sourced(
            fields.text((*models[0], "description")), f"{dotted(models[0])}.description"
        )
    return draft


def _name(fields: Fields, path: tuple[Any, ...]) -> str:
    name = fields.text((*path, "name"))
    if not name:
        raise fields.problem(path, "has no `name`; every CycloneDX component has one")
    return name


def _licence(fields: Fields, path: tuple[Any, ...]) -> Sourced | None:
    """The first licence of a component: an SPDX id, a name or an expression."""
    for item in fields.each((*path, "licenses")):
        entry = fields.get(item)
        if isinstance(entry, str) and entry.strip():  # XML: <licenses><expression>...
            return Sourced(" ".join(entry.split()), dotted(item))
        inner = (*item, "license") if isinstance(entry, dict) and "license" in entry else item
        for key, where in (("id", inner), ("name", inner), ("expression", item)):
            value = fields.text((*where, key))
            if value:
                return Sourced(value, f"{dotted(where)}.{key}")
    return None


def _model(draft: Draft, fields: Fields, path: tuple[Any, ...], by_ref: dict[str, str]) -> None:
    name = _name(fields, path)
    at = dotted(path)
    ident = _unique_model_id(draft, name)
    model: dict[str, Any] = {"id": Sourced(ident), "name": Sourced(name, f"{at}.name")}
    if fields.text((*path, "version")):
        model["version"] = Sourced(fields.text((*path, "version")), f"{at}.version")
    card = (*path, "modelCard")
    params = (*card, "modelParameters")
    task = fields.text((*params, "task"))
    family = fields.text((*params, "architectureFamily"))
    if task:
        model["type"] = Sourced(task, f"{at}.modelCard.modelParameters.task")
    elif family:
        model["type"] = Sourced(family, f"{at}.modelCard.modelParameters.architectureFamily")
    if task in GENERATIVE_TASKS and draft.generative is None:
        draft.generative = Sourced(True, f"{at}.modelCard.modelParameters.task: {task}")
    for key, kind in (("supplier", "name"), ("manufacturer", "name")):
        supplier = fields.text((*path, key, kind))
        if supplier:
            model["supplier"] = Sourced(
                draft.supplier(supplier, "model", f"{at}.{key}.{kind}"), f"{at}.{key}.{kind}"
            )
            break
    else:
        publisher = fields.text((*path, "publisher"))
        if publisher:
            model["supplier"] = Sourced(
                draft.supplier(publisher, "model", f"{at}.publisher"), f"{at}.publisher"
            )
    trained: list[Sourced] = []
    for item in fields.each((*params, "datasets")):
        entry = fields.get(item)
        ref = entry if isinstance(entry, str) else fields.text((*item, "ref"))
        if ref is not None:
            if ref in by_ref:
                trained.append(Sourced(by_ref[ref], f"{dotted(item)}.ref"))
            else:
                draft.skipped.append(f"{dotted(item)}.ref: {ref!r} names no data component")
            continue
        dataset = fields.text((*item, "name"))
        if dataset:
            url = fields.text((*item, "contents", "url"))
            extra = {"provenance": [("origin", Sourced(url, f"{dotted(item)}.contents.url"))]}
            trained.append(
                Sourced(
                    draft.dataset(dataset, f"{dotted(item)}.name", None, **(extra if url else {})),
                    f"{dotted(item)}.name",
                )
            )
    if trained:
        model["trainedOn"] = trained
    licence = _licence(fields, path)
    if licence:
        model["x-licence"] = licence
    draft.models.append(model)

    considerations = (*card, "considerations")
    for item in fields.each((*considerations, "users")):
        user = fields.text(item)
        if user and user not in [u.value for u in draft.intended_users]:
            draft.intended_users.append(Sourced(user, dotted(item)))
    uses = [fields.text(item) for item in fields.each((*considerations, "useCases"))]
    if any(uses) and draft.intended_use is None:
        draft.intended_use = Sourced(
            " ".join(text for text in uses if text), dotted((*considerations, "useCases"))
        )
    for item in fields.each((*considerations, "technicalLimitations")):
        text = fields.text(item)
        if text:
            draft.risk(text, dotted(item))
    for item in fields.each((*considerations, "ethicalConsiderations")):
        risk = fields.text((*item, "name"))
        mitigation = fields.text((*item, "mitigationStrategy"))
        if risk:
            text = risk.rstrip(".") + (
                f". Mitigation stated by the source: {mitigation}" if mitigation else ""
            )
            draft.risk(text, f"{dotted(item)}.name")
    for item in fields.each((*considerations, "fairnessAssessments")):
        group = fields.text((*item, "groupAtRisk"))
        harms = fields.text((*item, "harms"))
        mitigation = fields.text((*item, "mitigationStrategy"))
        if group or harms:
            text = ": ".join(t for t in (group, harms) if t).rstrip(".")
            if mitigation:
                text += f". Mitigation stated by the source: {mitigation}"
            draft.risk(text, dotted(item), "fairness")
    for item in fields.each((*card, "quantitativeAnalysis", "performanceMetrics")):
        label = fields.text((*item, "type"))
        if not label:
            continue
        slice_ = fields.text((*item, "slice"))
        draft.metric(
            clean_text(label) or label,
            fields.get((*item, "value")),
            f"{dotted(item)}.value",
            None,
            f"on {slice_}" if slice_ else "",
            Sourced(slice_, f"{dotted(item)}.slice") if slice_ else None,
        )


def _unique_model_id(draft: Draft, name: str) -> str:
    return unique_id(slug_id(name, "model"), (m["id"].value for m in draft.models))
