"""Data for AI systems: provenance, rights, quality, bias, preparation and personal data
(ISO/IEC 42001 A.7.2-A.7.6 and A.4.3; EU AI Act Art. 10)."""

from __future__ import annotations

from collections.abc import Iterator

from aims_policy.engine import Context, Cursor, Violation, eu, fact, nist, rule

from .facts import (
    affects_individuals,
    due_by,
    has_data_sources,
    holds_personal_data,
    processes_personal_data,
)

# Data used to build or judge the model, as opposed to data the running system merely reads.
DEVELOPMENT_PURPOSES = ("training", "fine-tuning", "validation", "testing")
TRAINING_PURPOSES = ("training", "fine-tuning")


def _sources(ctx: Context, purposes: tuple[str, ...] | None = None) -> Iterator[Cursor]:
    for item in ctx.each("spec.dataSources"):
        if purposes is None or item.get("purpose") in purposes:
            yield item


@fact
def has_development_data(ctx: Context) -> bool:
    """Systems with training, fine-tuning, validation or testing data."""
    return any(True for _ in _sources(ctx, DEVELOPMENT_PURPOSES))


@fact
def has_training_data(ctx: Context) -> bool:
    """Systems with training or fine-tuning data."""
    return any(True for _ in _sources(ctx, TRAINING_PURPOSES))


@fact
def bias_relevant_data(ctx: Context) -> bool:
    """Systems whose outputs are used in decisions about people and that have training,
    fine-tuning or validation data."""
    return affects_individuals(ctx) and any(
        True for _ in _sources(ctx, ("training", "fine-tuning", "validation"))
    )


@fact
def processes_special_category_data(ctx: Context) -> bool:
    """Systems with a data source that holds special-category personal data."""
    return any(bool(ds.get("specialCategoryData")) for ds in ctx.get("spec.dataSources", ()))


@fact
def has_in_house_models(ctx: Context) -> bool:
    """Systems with a model built in-house (no supplier) or trained on declared data."""
    return any(not m.get("supplier") or m.get("trainedOn") for m in ctx.get("spec.models", ()))


@rule(
    id="AIMS-DAT-001",
    title="Every data source states where it comes from and how it was collected",
    severity="error",
    controls=["A.7.5", "A.4.3"],
    eu_ai_act=[eu("Art. 10(2)(b)", "high"), eu("Annex IV §2(d)", "high"), eu("Art. 10", "high")],
    nist_ai_rmf=[nist("MAP 2.3"), nist("MEASURE 2.9"), nist("GOVERN 1.6"), nist("MAP 2.1")],
    tags=["data", "eu-ai-act"],
    applies=has_data_sources,
    rationale="""Without the origin and collection method of a data set nobody can judge whether
        it may be used, whether it fits the intended use, or trace a defect back to its source;
        provenance is the first thing an auditor asks for about data.""",
    remediation="""Add `provenance:` to the data source with `origin:` (where the data comes
        from) and `collectionMethod:` (how it was gathered, sampled or labelled).""",
)
def data_provenance(ctx: Context) -> Iterator[Violation]:
    for ds in _sources(ctx):
        provenance = ds.get("provenance")
        if not provenance:
            yield ds.missing(
                "provenance",
                f"data source {ds.name} does not say where its data comes from; "
                "add `provenance:` with `origin:` and `collectionMethod:`",
            )
            continue
        for key, what in (
            ("origin", "where the data comes from"),
            ("collectionMethod", "how the data was collected"),
        ):
            if not provenance.get(key):
                yield ds.at("provenance").missing(
                    key, f"data source {ds.name} does not state {what}; add `provenance.{key}:`"
                )


@rule(
    id="AIMS-DAT-002",
    title="Every data source states its licence or right of use",
    severity="warning",
    controls=["A.7.3"],
    eu_ai_act=[eu("Art. 10(2)(b)", "high"), eu("Art. 53(1)(c)-(d)", "medium")],
    nist_ai_rmf=[nist("MAP 2.3"), nist("MEASURE 2.10")],
    tags=["data", "legal", "eu-ai-act"],
    applies=has_data_sources,
    rationale="""Using data without a known right of use exposes the organisation to copyright,
        contract and data-protection claims, and may force a model to be withdrawn. Personal
        data submitted for the system to act on (inference input) is used under its lawful
        basis, which stands for the licence.""",
    remediation="""Add `licence:` to the data source: an SPDX identifier, a contract reference, or
        `internal-owned` for the organisation's own data.""",
)
def data_licence(ctx: Context) -> Iterator[Violation]:
    for ds in _sources(ctx):
        if (
            ds.get("purpose") == "inference"
            and holds_personal_data(ds.value)
            and ds.get("lawfulBasis")
        ):
            # The personal data people submit for the system to act on (an application, a chat
            # message) is processed under its GDPR lawful basis: that is its right of use, and
            # there is no data-set licence to state (AIMS-DAT-008 checks the basis).
            continue
        if not ds.get("licence"):
            yield ds.missing(
                "licence",
                f"data source {ds.name} states no licence or right of use; add "
                "`licence:` (SPDX id, contract reference or `internal-owned`)",
            )


@rule(
    id="AIMS-DAT-003",
    title="A data source acquired from a supplier names a declared supplier",
    severity="error",
    controls=["A.7.3", "A.10.3"],
    eu_ai_act=[eu("Art. 10(2)(b)", "high"), eu("Art. 25(4)", "high")],
    nist_ai_rmf=[nist("MAP 2.3"), nist("MEASURE 2.10"), nist("GOVERN 6.1")],
    tags=["data", "third-party"],
    applies=has_data_sources,
    rationale="""Data bought or licensed from a third party is only under control when its
        supplier is assessed and contracted like any other; a supplier id that matches no entry
        in the supplier list escapes that assessment.""",
    remediation="""Make `provenance.supplier` the id of an entry in `spec.suppliers`, or add the
        supplier there with its assessment and contract.""",
)
def data_supplier_declared(ctx: Context) -> Iterator[Violation]:
    known = {s.get("id") for s in ctx.get("spec.suppliers", ())}
    for ds in _sources(ctx):
        supplier = (ds.get("provenance") or {}).get("supplier")
        if supplier and supplier not in known:
            ctx.note(f"{supplier!r} not in {sorted(known)}")
            yield ds.at("provenance", "supplier").fail(
                f"data source {ds.name} names "
                f"supplier {supplier}, which is not in spec.suppliers; add the "
                "supplier there (with its assessment) or correct the id",
            )


@rule(
    id="AIMS-DAT-004",
    title="Development data has recent, recorded quality checks",
    severity="warning",
    controls=["A.7.4"],
    eu_ai_act=[eu("Art. 10(3)-(4)", "high"), eu("Art. 10(2)(e)-(h)", "high")],
    nist_ai_rmf=[nist("MAP 2.3"), nist("MEASURE 2.3")],
    tags=["data", "eu-ai-act"],
    applies=has_development_data,
    rationale="""Training, validation and test data that nobody has checked for errors, gaps and
        duplicates yields models and test results that cannot be trusted; checks done long ago
        say little about data that has changed since. A frozen snapshot checked after it was
        taken stays checked until it is replaced.""",
    remediation="""Under the data source's `quality:` list the `checks:` performed and set
        `lastChecked:` to the date they were last run (within the review interval). A fixed
        snapshot that has not changed since (`frozenOn:` its date) needs checking once, after it
        was taken.""",
)
def data_quality(ctx: Context) -> Iterator[Violation]:
    for ds in _sources(ctx, DEVELOPMENT_PURPOSES):
        quality = ds.get("quality")
        if not quality:
            yield ds.missing(
                "quality",
                f"{ds.get('purpose')} data source {ds.name} records no quality "
                "checks; add `quality:` with `checks:` and `lastChecked:`",
            )
            continue
        if not quality.get("checks"):
            yield ds.at("quality").missing(
                "checks",
                f"data source {ds.name} lists no quality checks; add "
                "`quality.checks:` (e.g. duplicate removal, label audit)",
            )
        due = due_by(ctx, quality.get("lastChecked"))
        frozen = ctx.date(ds.get("frozenOn"))
        checked = ctx.date(quality.get("lastChecked"))
        if due is None:
            yield ds.at("quality").missing(
                "lastChecked",
                f"data source {ds.name} does not say when its quality was last "
                "checked; add `quality.lastChecked:`",
            )
        elif frozen is not None and checked is not None:
            # A snapshot that has not changed since it was checked needs no periodic re-check;
            # one replaced after its last check does.
            if checked < frozen:
                ctx.note(f"lastChecked {checked} < frozenOn {frozen}")
                yield ds.at("quality", "lastChecked").fail(
                    f"data source {ds.name} was replaced by the snapshot of {frozen} after its "
                    f"quality checks of {checked}; check the new snapshot and update "
                    "`lastChecked:`",
                )
        elif due < ctx.today:
            ctx.note(f"due {due} < today {ctx.today}")
            yield ds.at("quality", "lastChecked").fail(
                f"the quality checks of data source {ds.name} "
                f"were last run on {quality.get('lastChecked')} and were due again by "
                f"{due}; rerun them and update `lastChecked:`",
            )


@rule(
    id="AIMS-DAT-005",
    title="Data behind decisions about people is examined for bias",
    severity="error",
    controls=["A.7.4", "A.5.4"],
    eu_ai_act=[eu("Art. 10(2)(e)-(h)", "high"), eu("Art. 10(2)(f)-(g)", "medium")],
    nist_ai_rmf=[nist("MAP 2.3"), nist("MEASURE 2.3"), nist("MEASURE 2.11")],
    tags=["data", "fairness", "eu-ai-act"],
    applies=bias_relevant_data,
    rationale="""When a system's outputs feed decisions about people, biased training or
        validation data turns directly into unfair treatment; the examination must be done and
        its record kept so that it can be reviewed.""",
    remediation="""Examine the data source for bias that could harm people or groups, then set
        `biasExamination: {done: true, date: ..., ref: <report>}`.""",
)
def data_bias(ctx: Context) -> Iterator[Violation]:
    for ds in _sources(ctx, ("training", "fine-tuning", "validation")):
        exam = ds.get("biasExamination")
        if not exam:
            yield ds.missing(
                "biasExamination",
                f"{ds.get('purpose')} data source {ds.name} feeds decisions about "
                "people but has no bias examination; add `biasExamination:` with "
                "`done: true` and a `ref:` to the report",
            )
        elif not exam.get("done"):
            yield ds.at("biasExamination").fail(
                f"the bias examination of data source {ds.name} is not done; "
                "examine the data and set `done: true` with a `ref:`"
            )
        elif not exam.get("ref"):
            yield ds.at("biasExamination").missing(
                "ref",
                f"the bias examination of data source "
                f"{ds.name} has no record; add `ref:` pointing to its report",
            )


@rule(
    id="AIMS-DAT-006",
    title="Preparation of training data is documented",
    severity="warning",
    controls=["A.7.6"],
    eu_ai_act=[eu("Art. 10(2)(c)", "high"), eu("Annex IV §2(d)", "high")],
    nist_ai_rmf=[nist("MAP 2.3")],
    tags=["data", "eu-ai-act"],
    applies=has_training_data,
    rationale="""Labelling, cleaning, filtering and enrichment shape what a model learns; if the
        steps are not written down they cannot be repeated, reviewed or blamed for a defect.""",
    remediation="""Add `preparation:` to the training data source listing each step (labelling,
        cleaning, de-duplication, anonymisation, feature engineering).""",
)
def data_preparation(ctx: Context) -> Iterator[Violation]:
    for ds in _sources(ctx, TRAINING_PURPOSES):
        if not ds.get("preparation"):
            yield ds.missing(
                "preparation",
                f"{ds.get('purpose')} data source {ds.name} does not document how "
                "it was prepared; add `preparation:` listing the steps",
            )


@rule(
    id="AIMS-DAT-007",
    title="In-house models name the declared data they were trained on",
    severity="error",
    controls=["A.7.2"],
    eu_ai_act=[
        eu("Art. 10(1)-(2)", "high"),
        eu("Art. 17(1)(f)", "high"),
        eu("Annex IV §2(d)", "high"),
    ],
    nist_ai_rmf=[
        nist("MAP 2.3"),
        nist("MEASURE 2.7"),
        nist("MEASURE 2.8"),
        nist("MEASURE 2.10"),
        nist("MANAGE 2.2"),
    ],
    tags=["data", "eu-ai-act"],
    applies=has_in_house_models,
    rationale="""The data a model was developed on is part of its definition: a model whose
        training data is unknown, or refers to data sets that are not declared, cannot be
        reproduced, explained or checked for quality and bias.""",
    remediation="""List in the model's `trainedOn:` the ids of the `spec.dataSources` entries used
        for training or fine-tuning, and declare any that are missing.""",
)
def model_training_data(ctx: Context) -> Iterator[Violation]:
    sources = {ds.name: ds.get("purpose") for ds in _sources(ctx)}
    for model in ctx.each("spec.models"):
        trained_on = model.get("trainedOn") or ()
        if not trained_on:
            if not model.get("supplier"):
                yield model.missing(
                    "trainedOn",
                    f"in-house model {model.name} does not say what data it was "
                    "trained on; add `trainedOn:` with data source ids",
                )
            continue
        for index, ref in enumerate(trained_on):
            if ref not in sources:
                yield model.at("trainedOn", index).fail(
                    f"model {model.name} is trained "
                    f"on {ref}, which is not a declared data source; add it to "
                    "spec.dataSources or correct the id"
                )
            elif sources[ref] not in TRAINING_PURPOSES:
                yield model.at("trainedOn", index).fail(
                    f"model {model.name} is trained "
                    f"on {ref}, whose purpose is {sources[ref]}; set its purpose to "
                    "training or fine-tuning, or remove it from `trainedOn:`"
                )


@rule(
    id="AIMS-DAT-008",
    title="Personal data has a lawful basis and a data protection impact assessment",
    severity="error",
    controls=["A.7.3", "A.2.3"],
    eu_ai_act=[eu("Art. 10(5)", "medium"), eu("Art. 26(9) + GDPR Art. 35", "low")],
    nist_ai_rmf=[nist("MAP 2.3"), nist("MEASURE 2.10"), nist("MEASURE 2.7")],
    tags=["data", "privacy", "gdpr"],
    applies=processes_personal_data,
    rationale="""Processing personal data without a lawful basis is unlawful under the GDPR, and
        AI processing of personal data nearly always needs a DPIA; both must exist before the
        data is used, not be reconstructed afterwards.""",
    remediation="""On each data source with `personalData: true` (or `specialCategoryData: true`,
        which is personal data too, so `personalData: false` beside it is a contradiction) set
        `lawfulBasis:` (GDPR Art. 6) and `dpiaRef:` pointing to the data protection impact
        assessment.""",
)
def personal_data_basis(ctx: Context) -> Iterator[Violation]:
    for ds in _sources(ctx):
        if not holds_personal_data(ds.value):
            continue
        if ds.get("personalData") is False:
            # Special-category data is personal data by definition (GDPR Art. 9(1)).
            ctx.note("specialCategoryData implies personalData")
            yield ds.at("personalData").fail(
                f"data source {ds.name} declares `personalData: false` but "
                "`specialCategoryData: true`; special-category data is personal "
                "data, so set `personalData: true`",
            )
        if not ds.get("lawfulBasis"):
            yield ds.missing(
                "lawfulBasis",
                f"data source {ds.name} holds personal data without a lawful "
                "basis; add `lawfulBasis:` (consent, contract, legitimate-interests...)",
            )
        if not ds.get("dpiaRef"):
            yield ds.missing(
                "dpiaRef",
                f"data source {ds.name} holds personal data without a data "
                "protection impact assessment; add `dpiaRef:` pointing to it",
            )


@rule(
    id="AIMS-DAT-009",
    title="Special-category data names its GDPR Article 9 condition",
    severity="error",
    controls=["A.7.3"],
    eu_ai_act=[eu("Art. 10(5)", "medium")],
    nist_ai_rmf=[nist("MAP 2.3"), nist("MEASURE 2.10")],
    tags=["data", "privacy", "gdpr", "eu-ai-act"],
    applies=processes_special_category_data,
    rationale="""Health, ethnicity, religion, sexual orientation and similar data may only be
        processed under one of the narrow conditions of GDPR Art. 9(2); an ordinary lawful basis
        is not enough, and bias detection under the AI Act needs extra safeguards.""",
    remediation="""Set `specialCategoryCondition:` on the data source to the Art. 9(2) condition
        relied on (e.g. explicit consent, Art. 9(2)(a)) or stop using the data.""",
)
def special_category_condition(ctx: Context) -> Iterator[Violation]:
    for ds in _sources(ctx):
        if ds.get("specialCategoryData") and not ds.get("specialCategoryCondition"):
            yield ds.missing(
                "specialCategoryCondition",
                f"data source {ds.name} holds special-category data without a "
                "GDPR Art. 9(2) condition; add `specialCategoryCondition:`",
            )


@rule(
    id="AIMS-DAT-010",
    title="Personal data has a stated retention period",
    severity="warning",
    controls=["A.7.2", "A.7.3"],
    eu_ai_act=[eu("Art. 10(1)-(2)", "high"), eu("Art. 10(5)", "medium")],
    nist_ai_rmf=[nist("MAP 2.3"), nist("MEASURE 2.10")],
    tags=["data", "privacy", "gdpr"],
    applies=processes_personal_data,
    rationale="""Personal data kept without a defined end breaches the GDPR storage-limitation
        principle and grows the damage of any breach; the period must be decided and written
        down per data source.""",
    remediation="""Add `retention:` to the data source saying how long the data is kept and what
        happens then (deletion, anonymisation).""",
)
def personal_data_retention(ctx: Context) -> Iterator[Violation]:
    for ds in _sources(ctx):
        if holds_personal_data(ds.value) and not ds.get("retention"):
            yield ds.missing(
                "retention",
                f"data source {ds.name} holds personal data but states no retention "
                "period; add `retention:` (how long, then deletion or anonymisation)",
            )
