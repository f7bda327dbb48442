"""Intended use, responsible use and responsible development (ISO/IEC 42001 A.6.1.2, A.6.1.3,
A.6.2.2, A.6.2.3, A.9.2-A.9.4; clause 6.2)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from aims_policy.engine import Context, Violation, eu, fact, nist, required, rule

from .facts import built_or_running, is_active, is_high_risk, is_provider


@fact
def develops_system(ctx: Context) -> bool:
    """Systems past design that the organisation develops itself, not only deploys.

    Developing means being the EU AI Act provider, or stating no EU role at all (in-house use)."""
    in_house = is_provider(ctx) or ctx.get("spec.classification.euAiAct") is None
    return bool(built_or_running(ctx) and in_house)


@rule(
    id="AIMS-USE-001",
    title="The intended use names its users and what it must not be used for",
    severity="warning",
    controls=["A.9.4"],
    eu_ai_act=[
        eu("Art. 3(12)-(13)", "high"),
        eu("Art. 13(3)(b)(i),(iii)", "high"),
        eu("Annex IV §1(a)", "high"),
    ],
    nist_ai_rmf=[nist("MAP 1.4"), nist("MANAGE 1.1")],
    tags=["use"],
    rationale="""An intended purpose is only a boundary when it says who may use the system and
        which uses are outside it; without that, nobody can tell use from misuse, and a later
        change of purpose goes unnoticed.""",
    remediation="""Add `spec.purpose.intendedUsers` (the roles or groups allowed to use the system)
        and `spec.purpose.outOfScopeUses` (uses it was not designed or validated for).""",
)
def intended_use_bounded(ctx: Context) -> Iterator[Violation]:
    for field, what in (
        ("intendedUsers", "who is meant to use the system"),
        ("outOfScopeUses", "uses the system is not meant for"),
    ):
        value = ctx.get(f"spec.purpose.{field}")
        if value is None:
            yield ctx.at("spec.purpose").missing(
                field, f"the intended use does not state {what}; add `{field}:`"
            )
        elif not value:
            yield ctx.at(f"spec.purpose.{field}").fail(f"`{field}` is empty; list {what}")


@rule(
    id="AIMS-USE-002",
    title="High-risk systems document reasonably foreseeable misuse",
    severity="error",
    controls=["A.9.4"],
    clauses=["6.1.2"],
    eu_ai_act=[eu("Art. 9(2)(b)", "high"), eu("Art. 13(3)(b)(i),(iii)", "high")],
    nist_ai_rmf=[nist("MAP 1.4"), nist("MANAGE 2.4")],
    tags=["use", "misuse", "risk"],
    applies=is_high_risk,
    rationale="""For a high-risk system the risks of foreseeable misuse must be identified and
        users warned of them; a manifest that lists none has either not looked or not written
        down what it found.""",
    remediation="""Add `spec.purpose.foreseeableMisuse` entries (id, description) and link each
        to the risk that covers it.""",
)
def foreseeable_misuse(ctx: Context) -> Iterator[Violation]:
    if ctx.get("spec.purpose.foreseeableMisuse") is None:
        yield ctx.at("spec.purpose").missing(
            "foreseeableMisuse",
            "no reasonably foreseeable misuse is documented for "
            "this high-risk system; add `foreseeableMisuse:`",
        )
    elif not ctx.get("spec.purpose.foreseeableMisuse"):
        yield ctx.at("spec.purpose.foreseeableMisuse").fail(
            "`foreseeableMisuse` is empty for a high-risk system; list the misuses you can foresee"
        )


responsible_use_policy = required(
    "spec.governance.responsibleUsePolicyRef",
    (
        "no responsible-use "
        "policy or process is referenced; add `governance.responsibleUsePolicyRef:`"
    ),
    id="AIMS-USE-003",
    name="ResponsibleUsePolicy",
    title="A responsible-use policy or process applies to the system",
    severity="warning",
    controls=["A.9.2"],
    eu_ai_act=[eu("Art. 26(1)", "high"), eu("Art. 14", "medium")],
    nist_ai_rmf=[nist("GOVERN 4.1"), nist("MAP 4.1"), nist("MANAGE 1.1")],
    tags=["use", "governance"],
    # Responsible use governs use; a retired system has none left to govern.
    applies=is_active,
    rationale="""Responsible use has to be defined somewhere people can read it (who may use the
        system, for what, with which checks); otherwise users are left to guess, and misuse cannot
        be distinguished from normal use after the fact.""",
    remediation="""Add `spec.governance.responsibleUsePolicyRef:` pointing to the responsible-use
        policy or process that governs this system.""",
)


@rule(
    id="AIMS-USE-004",
    title="Responsible-AI objectives are stated for the system",
    severity="warning",
    controls=["A.6.1.2", "A.9.3"],
    clauses=["6.2"],
    eu_ai_act=[eu("Art. 8", "medium"), eu("Art. 26", "medium"), eu("Art. 15(1)", "low")],
    nist_ai_rmf=[nist("GOVERN 1.2"), nist("GOVERN 4.1"), nist("MEASURE 2.7"), nist("MAP 2.2")],
    tags=["use", "objectives"],
    # Objectives steer development and judge use; a retired system has neither ahead of it.
    applies=is_active,
    rationale="""Objectives such as fairness, robustness or privacy are what development is
        steered towards and what use is judged against; without them validation has no target and
        monitoring has nothing to compare with.""",
    remediation="""Add `spec.purpose.objectives` with the system's responsible-AI objectives
        (for example "equal selection rates across age bands").""",
)
def objectives_stated(ctx: Context) -> Iterator[Violation]:
    if ctx.get("spec.purpose.objectives") is None:
        yield ctx.at("spec.purpose").missing(
            "objectives",
            "no responsible-AI objectives are stated; add "
            "`objectives:` (fairness, robustness, privacy...)",
        )
    elif not ctx.get("spec.purpose.objectives"):
        yield ctx.at("spec.purpose.objectives").fail(
            "`objectives` is empty; state what the system must achieve responsibly"
        )


requirements_referenced = required(
    "spec.purpose.requirementsRef",
    "no requirements specification is referenced; add `requirementsRef:`",
    within="spec.purpose",  # the schema requires it
    id="AIMS-USE-005",
    name="RequirementsReferenced",
    title="Systems past design reference their requirements specification",
    severity="warning",
    controls=["A.6.2.2"],
    eu_ai_act=[eu("Annex IV §2(b)", "high"), eu("Art. 17(1)(e)", "medium")],
    nist_ai_rmf=[nist("MAP 1.4"), nist("MAP 1.6")],
    tags=["lifecycle", "documentation"],
    applies=built_or_running,
    rationale="""Once a system is built, verification, validation and acceptance are judged
        against its requirements; if nobody can point to them, tests prove only what the team
        chose to test.""",
    remediation="""Add `spec.purpose.requirementsRef:` with the path or URL of the requirements
        specification.""",
)


@rule(
    id="AIMS-USE-006",
    title="Systems we develop document their design and development",
    severity="warning",
    controls=["A.6.2.3", "A.6.1.3"],
    eu_ai_act=[eu("Art. 11 + Annex IV §2", "high"), eu("Art. 17(1)(b)-(d)", "high")],
    nist_ai_rmf=[nist("MAP 2.1"), nist("MEASURE 2.7"), nist("GOVERN 4.1")],
    tags=["lifecycle", "documentation"],
    applies=develops_system,
    rationale="""Design choices, trade-offs and the development steps followed (reviews, tests,
        approvals) are what show that the system was built under a responsible process; without a
        record, the process cannot be audited and the design cannot be maintained safely. The
        design may be a section of the technical documentation, which is accepted instead.""",
    remediation="""Add `spec.transparency.designDocumentationRef:` (or, if the design is part of
        it, `technicalDocumentationRef:`).""",
)
def design_documented(ctx: Context) -> Iterator[Violation]:
    if ctx.get("spec.transparency.designDocumentationRef"):
        return
    if ctx.get("spec.transparency.technicalDocumentationRef"):
        ctx.note("design accepted as part of transparency.technicalDocumentationRef")
        return
    yield ctx.at("spec").missing(
        "transparency.designDocumentationRef",
        "the system's design and "
        "development are not documented; add `transparency.designDocumentationRef:`",
    )


def _words_match(text: str, words: Sequence[str], whole: Sequence[str] = ()) -> bool:
    """Whether ``text`` has one of ``words`` at the start of a word, or one of ``whole`` as a
    whole word (ignoring case)."""
    # Loops, each word first tested by ``in``: this is asked of every objective and metric
    # against a hundred words, and most are not in the text at all.
    lowered = text.lower()
    for word in words:
        w = word.lower()
        if w in lowered and _at_word_start(lowered, w, False):
            return True
    for word in whole:
        w = word.lower()
        if w in lowered and _at_word_start(lowered, w, True):
            return True
    return False


_WORD_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _at_word_start(text: str, word: str, whole: bool) -> bool:
    # A scan rather than a regular expression per word: the data document's themes hold about a
    # hundred words, and compiling each would cost a one-file check more than the rest of it.
    start = text.find(word)
    while start >= 0:
        end = start + len(word)
        if (start == 0 or text[start - 1] not in _WORD_CHARACTERS) and (
            not whole or end == len(text) or text[end] not in _WORD_CHARACTERS
        ):
            return True
        start = text.find(word, start + 1)
    return False


@fact
def has_measured_objectives(ctx: Context) -> bool:
    """Systems in validation, deployment or operation that state responsible-AI objectives."""
    stage = ctx.get("spec.lifecycle.stage")
    return stage in ("validation", "deployment", "operation") and bool(
        ctx.get("spec.purpose.objectives")
    )


@rule(
    id="AIMS-USE-007",
    title="Responsible-AI objectives are measured by validation or monitoring metrics",
    severity="warning",
    controls=["A.6.1.2", "A.6.2.4", "A.6.2.6"],
    clauses=["6.2"],
    eu_ai_act=[eu("Art. 15(1)-(3)", "low")],
    nist_ai_rmf=[
        nist("MEASURE 1.1"),
        nist("MEASURE 2.11", "medium"),
        nist("MEASURE 2.5", "medium"),
    ],
    tags=["use", "objectives", "validation"],
    applies=has_measured_objectives,
    rationale="""An objective is only as good as the measure that tells whether it is met
        (ISO/IEC 42001 6.2 asks for measurable objectives). A fairness objective with no
        metric that compares groups, or an accuracy objective with no accuracy metric, is a
        statement nobody checks in validation or in use.""",
    remediation="""Add a validation or monitoring metric that measures the objective (for
        fairness, a comparison between groups such as a selection-rate ratio or a sliced
        metric), and name what it measures in its `description`. The themes and their words are
        the data document's `objectives.themes`.""",
)
def objectives_measured(ctx: Context) -> Iterator[Violation]:
    themes: dict[str, dict[str, list[str]]] = ctx.param("objectives.themes")
    metrics = [
        *ctx.each("spec.validation.metrics"),
        *ctx.each("spec.monitoring.metrics"),
    ]
    said = [f"{m.name} {m.get('description') or ''}" for m in metrics]
    sliced = any(m.get("slice") for m in ctx.each("spec.validation.metrics"))
    tested = {
        str(t.get("type"))
        for t in (
            *ctx.each("spec.validation.robustnessTests"),
            *ctx.each("spec.validation.securityTests"),
        )
    }
    measured: dict[str, bool] = {}  # theme -> a metric names it (whichever objective asks)
    for index, objective in enumerate(ctx.get("spec.purpose.objectives") or ()):
        text = str(objective)
        # An objective that names the kind of test it is met by ("resists prompt injection")
        # is measured by a recorded test of that type, whichever themes its other words name
        # (a "Robustness -" label); `other` names no kind of test.
        named = sorted(
            t for t in tested - {"other"} if _words_match(text, (), (t, t.replace("-", " ")))
        )
        if named:
            ctx.note(f"objective names the recorded test type {named[0]}")
            continue
        for theme, words in sorted(themes.items()):
            if not words.get("objective") or not _words_match(text, words["objective"]):
                continue
            if theme not in measured:
                measured[theme] = any(
                    _words_match(s, words.get("metric") or [], words.get("metricWholeWords") or [])
                    for s in said
                )
            if measured[theme]:
                continue
            if theme == "fairness" and sliced:
                continue
            if tested & set(words.get("tests") or ()):
                continue  # a recorded robustness or security test of a type that measures it
            ctx.note(
                f"objective names {theme}; no metric names {', '.join(words['metric'][:4])}..."
            )
            tests = " or test" if words.get("tests") else ""
            yield ctx.at(("spec", "purpose", "objectives", index)).fail(
                f'the {theme} objective "{text}" is measured by no validation or monitoring '
                f"metric{tests}; add a metric that measures it and say so in its `description`"
                + (f", or record a test of type {', '.join(words['tests'])}" if tests else "")
            )
