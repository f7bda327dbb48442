"""Example Co's own rules: every system in production is charged to a cost centre, and every
model is entered in the organisation's model registry.

A custom pack is a directory of plain Python modules written with the same API as the built-in
rules. Organisation-specific facts live in manifest extension fields (keys starting with ``x-``),
which the manifest schema accepts anywhere and the built-in rules never report.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from aims_policy.rules.facts import in_operation  # built-in facts can be reused

from aims_policy.engine import Context, Violation, fact, nist, rule

# Finance's format for cost centres: "CC-" and four digits.
COST_CENTRE = re.compile(r"CC-\d{4}")


@fact
def has_models(ctx: Context) -> bool:
    """Systems that declare at least one model."""
    return bool(ctx.get("spec.models"))


@rule(
    id="ACME-FIN-001",
    title="Systems in use are charged to a cost centre",
    severity="warning",
    clauses=["7.1"],
    controls=["A.4.2"],
    applies=in_operation,
    tags=["finance"],
    rationale="""Finance allocates model-hosting and supplier costs by cost centre; a system in
        use without one is paid for by nobody in particular, and its resources (ISO/IEC 42001
        A.4) are not visibly provided for.""",
    remediation="Add `x-cost-centre: CC-1234` (your cost centre) under `metadata`.",
)
def cost_centre(ctx: Context) -> Iterator[Violation]:
    value = ctx.get("metadata.x-cost-centre")
    if value is None:
        yield ctx.at("metadata").missing(
            "x-cost-centre", "a system in use needs a cost centre; add `x-cost-centre: CC-nnnn`"
        )
    elif not isinstance(value, str) or not COST_CENTRE.fullmatch(value):
        yield ctx.at("metadata.x-cost-centre").fail(
            f"{value!r} is not a cost centre; write CC- and four digits, e.g. CC-1234"
        )


@rule(
    id="ACME-REG-001",
    title="Every model is entered in the model registry",
    severity="error",
    controls=["A.6.2.3", "A.4.3"],
    nist_ai_rmf=[nist("MAP 4.1", "medium")],
    applies=has_models,
    rationale="""The model registry is where Example Co records approvals, versions and
        retirement of models; a model it does not know about escapes the release gate.""",
    remediation="Register the model and add `x-model-registry-id: mr-...` to its entry under "
    "`spec.models`.",
)
def model_registered(ctx: Context) -> Iterator[Violation]:
    for model in ctx.each("spec.models"):
        registry_id = model.get("x-model-registry-id")
        if not registry_id:
            yield model.missing(
                "x-model-registry-id",
                f"model {model.name} is not in the model registry; add `x-model-registry-id:`",
            )
        elif not str(registry_id).startswith("mr-"):
            yield model.at("x-model-registry-id").fail(
                f"model {model.name}: {registry_id!r} is not a registry id (they start with mr-)"
            )
