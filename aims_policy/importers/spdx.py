"""SPDX 3.0 JSON-LD documents with the AI and Dataset profiles: ``ai_AIPackage`` elements are
models, ``dataset_DatasetPackage`` elements data sets, joined by ``trainedOn``/``testedOn``
relationships; licences come from ``hasConcludedLicense`` (else ``hasDeclaredLicense``)
relationships, suppliers from ``suppliedBy``.

The document is read as the compact JSON-LD that SPDX 3's own context produces (the form of the
SPDX project's examples); no JSON-LD processing, and so no fetching of the context, is needed.
"""

from __future__ import annotations

from typing import Any

from aims_policy.importers.manifest import Draft, Sourced, slug_id, unique_id
from aims_policy.importers.source import Fields, dotted
from aims_policy.loader import Document

KIND = "SPDX 3 AI/Dataset"
_AI = ("ai_AIPackage", "AIPackage", "ai:AIPackage")
_DATASET = ("dataset_DatasetPackage", "DatasetPackage", "dataset:DatasetPackage")
_PURPOSE = {"trainedOn": "training", "testedOn": "testing"}
_LICENCE_PREFIX = "https://spdx.org/licenses/"


def from_jsonld(document: Document, file: str) -> Draft:
    fields = Fields(file, document.data, document)
    context = fields.get(("@context",))
    contexts = context if isinstance(context, list) else [context]
    if not any(isinstance(c, str) and "spdx.org/rdf/3." in c for c in contexts):
        raise fields.problem(
            ("@context",),
            "does not name an SPDX 3 context (https://spdx.org/rdf/3.0.x/spdx-context.jsonld); "
            "this is not an SPDX 3 JSON-LD document",
        )
    graph = list(fields.each(("@graph",)))
    elements: dict[str, tuple[Any, ...]] = {}
    for path in graph:
        if fields.mapping(path) is None:
            raise fields.problem(path, "should be an object, not null; correct the source")
        ident = fields.text((*path, "spdxId")) or fields.text((*path, "@id"))
        if ident:
            elements.setdefault(ident, path)
    kinds = {path: fields.text((*path, "type")) or fields.text((*path, "@type")) for path in graph}
    models = [p for p in graph if kinds[p] in _AI]
    datasets = [p for p in graph if kinds[p] in _DATASET]
    if not models and not datasets:
        raise fields.problem(
            ("@graph",),
            "has no AIPackage or DatasetPackage element; only the AI and Dataset profiles "
            "describe what a manifest needs",
        )
    relations: list[tuple[str, str, list[str], tuple[Any, ...]]] = []
    for path in graph:
        if kinds[path] == "Relationship":
            kind = fields.text((*path, "relationshipType")) or ""
            source = fields.text((*path, "from")) or ""
            targets = fields.get((*path, "to"))
            names = [
                t
                for t in (targets if isinstance(targets, list) else [targets])
                if isinstance(t, str)
            ]
            relations.append((kind, source, names, path))

    draft = Draft(file, KIND)
    ids: dict[str, str] = {}
    purposes: dict[str, tuple[str, str]] = {}
    for kind, _source, targets, path in relations:
        if kind in _PURPOSE:
            for target in targets:
                purposes.setdefault(target, (_PURPOSE[kind], f"{dotted(path)} ({kind})"))
    for path in datasets:
        _dataset(draft, fields, path, elements, relations, purposes, ids)
    for path in models:
        _model(draft, fields, path, elements, relations, ids)
    first = (models or datasets)[0]
    draft.name = Sourced(_name(fields, first), f"{dotted(first)}.name")
    draft.title = draft.name
    for key in ("description", "summary", "comment"):
        text = fields.text((*first, key))
        if text:
            draft.description = Sourced(text, f"{dotted(first)}.{key}")
            break
    if models:
        use = fields.text((*models[0], "ai_informationAboutApplication"))
        if use:
            draft.intended_use = Sourced(use, f"{dotted(models[0])}.ai_informationAboutApplication")
    elif fields.text((*datasets[0], "dataset_intendedUse")):
        draft.intended_use = Sourced(
            fields.text((*datasets[0], "dataset_intendedUse")),
            f"{dotted(datasets[0])}.dataset_intendedUse",
        )
    return draft


def _name(fields: Fields, path: tuple[Any, ...]) -> str:
    name = fields.text((*path, "name"))
    if not name:
        raise fields.problem(path, "has no `name`; an AI or Dataset package needs one")
    return name


def _licence(
    fields: Fields,
    ident: str | None,
    elements: dict[str, tuple[Any, ...]],
    relations: list[tuple[str, str, list[str], tuple[Any, ...]]],
) -> Sourced | None:
    for wanted in ("hasConcludedLicense", "hasDeclaredLicense"):
        for kind, source, targets, path in relations:
            if kind == wanted and source == ident and targets:
                target = targets[0]
                where = elements.get(target)
                expression = (
                    fields.text((*where, "simplelicensing_licenseExpression")) if where else None
                )
                if expression and where is not None:
                    return Sourced(
                        expression, f"{dotted(where)}.simplelicensing_licenseExpression ({wanted})"
                    )
                if target.startswith(_LICENCE_PREFIX):
                    return Sourced(target[len(_LICENCE_PREFIX) :], f"{dotted(path)}.to ({wanted})")
    return None


def _supplier(
    draft: Draft,
    fields: Fields,
    path: tuple[Any, ...],
    elements: dict[str, tuple[Any, ...]],
    kind: str,
) -> Sourced | None:
    agent = fields.text((*path, "suppliedBy"))
    if not agent:
        return None
    where = elements.get(agent)
    name = (fields.text((*where, "name")) if where else None) or agent
    source = f"{dotted(path)}.suppliedBy"
    return Sourced(draft.supplier(name, kind, source), source)


def _dataset(
    draft: Draft,
    fields: Fields,
    path: tuple[Any, ...],
    elements: dict[str, tuple[Any, ...]],
    relations: list[tuple[str, str, list[str], tuple[Any, ...]]],
    purposes: dict[str, tuple[str, str]],
    ids: dict[str, str],
) -> None:
    at = dotted(path)
    spdx_id = fields.text((*path, "spdxId"))
    extra: dict[str, Any] = {}
    provenance: list[tuple[str, Any]] = []
    location = fields.text((*path, "software_downloadLocation"))
    if location:
        provenance.append(("origin", Sourced(location, f"{at}.software_downloadLocation")))
    collected = fields.text((*path, "dataset_dataCollectionProcess"))
    if collected:
        provenance.append(
            ("collectionMethod", Sourced(collected, f"{at}.dataset_dataCollectionProcess"))
        )
    supplier = _supplier(draft, fields, path, elements, "data")
    if supplier is not None:
        provenance.append(("supplier", supplier))
    licence = _licence(fields, spdx_id, elements, relations)
    if licence:
        extra["licence"] = licence
    version = fields.text((*path, "software_packageVersion"))
    if version:
        extra["version"] = Sourced(version, f"{at}.software_packageVersion")
    if provenance:
        extra["provenance"] = provenance
    sensitive = fields.text((*path, "dataset_hasSensitivePersonalInformation"))
    if sensitive in ("yes", "no"):
        extra["personalData"] = Sourced(
            sensitive == "yes", f"{at}.dataset_hasSensitivePersonalInformation: {sensitive}"
        )
    purpose, purpose_source = purposes.get(spdx_id or "", (None, ""))
    ident = draft.dataset(_name(fields, path), f"{at}.name", None, **extra)
    if purpose:
        item = draft.datasets[-1]
        item["purpose"] = Sourced(purpose, purpose_source)
        item.pop("x-todo", None)
        # Keep the manifest's field order: purpose right after the name.
        draft.datasets[-1] = {k: item[k] for k in ("id", "name", "purpose") if k in item} | item
    if spdx_id:
        ids[spdx_id] = ident
    for bias in fields.each((*path, "dataset_knownBias")):
        text = fields.text(bias)
        if text:
            draft.risk(text, dotted(bias), "fairness")


def _model(
    draft: Draft,
    fields: Fields,
    path: tuple[Any, ...],
    elements: dict[str, tuple[Any, ...]],
    relations: list[tuple[str, str, list[str], tuple[Any, ...]]],
    ids: dict[str, str],
) -> None:
    at = dotted(path)
    name = _name(fields, path)
    spdx_id = fields.text((*path, "spdxId"))
    model: dict[str, Any] = {
        "id": Sourced(unique_id(slug_id(name, "model"), (m["id"].value for m in draft.models))),
        "name": Sourced(name, f"{at}.name"),
    }
    version = fields.text((*path, "software_packageVersion"))
    if version:
        model["version"] = Sourced(version, f"{at}.software_packageVersion")
    types = [fields.text(item) for item in fields.each((*path, "ai_typeOfModel"))]
    if any(types):
        model["type"] = Sourced(", ".join(t for t in types if t), f"{at}.ai_typeOfModel")
    supplier = _supplier(draft, fields, path, elements, "model")
    if supplier is not None:
        model["supplier"] = supplier
    trained = [
        Sourced(ids[target], f"{dotted(rel)} (trainedOn)")
        for kind, source, targets, rel in relations
        if kind == "trainedOn" and source == spdx_id
        for target in targets
        if target in ids
    ]
    if trained:
        model["trainedOn"] = trained
    licence = _licence(fields, spdx_id, elements, relations)
    if licence:
        model["x-licence"] = licence
    draft.models.append(model)
    # One text in SPDX 3.0 (a list is read too, for documents that repeat it).
    limitation = (*path, "ai_limitation")
    items = (
        list(fields.each(limitation)) if isinstance(fields.get(limitation), list) else [limitation]
    )
    for item in items:
        text = fields.text(item)
        if text:
            draft.risk(text, dotted(item))
    for item in fields.each((*path, "ai_metric")):
        key = fields.text((*item, "key"))
        if key:
            draft.metric(key, fields.get((*item, "value")), f"{dotted(item)}.value")
