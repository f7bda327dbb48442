"""Governance of the system: AI policy, alignment with other policies, concern reporting, planned
reviews, corrective actions and change control (ISO/IEC 42001 A.2, A.3.3; clauses 5.2, 6.3,
8.2, 9.3, 10.2).

A.2.4 (review of the AI policy) is deliberately not claimed: the manifest records reviews of the
*system*, not of the organisation's AI policy, so no rule here can evidence it.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator

from aims_policy.engine import Context, Violation, eu, fact, nist, required, rule
from aims_policy.wording import plural

from .facts import (
    CHANGE_DATES,
    add_months,
    change_dates,
    has_significant_change,
    in_operation,
    is_active,
    latest_release,
    processes_personal_data,
    records_lifecycle_dates,
    significant_changes,
)


@fact
def has_corrective_actions(ctx: Context) -> bool:
    """Systems with recorded corrective actions."""
    return bool(ctx.get("spec.governance.correctiveActions"))


ai_policy_referenced = required(
    "spec.governance.aiPolicyRef",
    (
        "no AI policy is referenced; add "
        "`governance.aiPolicyRef:` pointing to the AI policy this system follows"
    ),
    id="AIMS-GOV-001",
    name="AiPolicyReferenced",
    title="The system is governed by a referenced AI policy",
    severity="warning",
    controls=["A.2.2"],
    clauses=["5.2"],
    eu_ai_act=[eu("Art. 17(1)(a)", "medium"), eu("Art. 9(1)", "low")],
    nist_ai_rmf=[nist("GOVERN 1.1"), nist("GOVERN 1.2")],
    tags=["governance"],
    rationale="""A system whose manifest does not point to the AI policy it operates under gives an
        auditor no way to tell which commitments, principles and approval rules apply to it, or
        whether the team even knows the policy exists.""",
    remediation="""Add `spec.governance.aiPolicyRef:` with the path or URL of the organisation's
        AI policy (the document top management approved).""",
)


@rule(
    id="AIMS-GOV-002",
    title="Systems that process personal data assess privacy risk in the AI risk register",
    severity="warning",
    controls=["A.2.3"],
    clauses=["6.1.2"],
    eu_ai_act=[eu("Art. 26(9) + GDPR Art. 35", "low")],
    nist_ai_rmf=[nist("MEASURE 2.10")],
    tags=["privacy", "risk"],
    applies=processes_personal_data,
    rationale="""The AI management system has to work with the organisation's data-protection
        policy, not beside it. When a system handles personal data but its AI risk register has no
        privacy risk, the privacy assessment (DPIA) and the AI risk assessment have not been
        brought together, and privacy controls are missing from the system's treatment plan.""",
    remediation="""Add a risk with `category: privacy` to `spec.risks` that describes how personal
        data could be misused, leaked or kept too long, and treat it (for example with A.7.3
        and A.2.3 measures taken from the DPIA).""",
)
def privacy_risk_assessed(ctx: Context) -> Iterator[Violation]:
    risks = ctx.get("spec.risks")
    if any(r.get("category") == "privacy" for r in risks or ()):
        return
    message = (
        "the system processes personal data but no risk in the register has "
        "`category: privacy`; add one that reflects the DPIA's findings"
    )
    if risks:
        yield ctx.at("spec.risks").fail(message)
    else:
        yield ctx.at("spec").missing("risks", message)


concern_channel = required(
    "spec.governance.concernChannel",
    (
        "no channel for reporting "
        "concerns is named; add `governance.concernChannel:` (portal, mailbox or process)"
    ),
    id="AIMS-GOV-003",
    name="ConcernChannel",
    title="People can report concerns about the system",
    severity="warning",
    controls=["A.3.3"],
    eu_ai_act=[eu("Art. 87", "medium"), eu("Art. 26(5)", "low")],
    nist_ai_rmf=[nist("MANAGE 2.2")],
    tags=["governance"],
    # A retired system is no longer used: nobody can see it cause harm or misused any more.
    applies=is_active,
    rationale="""Staff and others who see the system cause harm, or being used against its
        intended purpose, need a known and safe way to say so; without one, problems surface only
        after they have become incidents.""",
    remediation="""Add `spec.governance.concernChannel:` naming the reporting route (a speak-up
        portal, mailbox or process), ideally one that allows anonymous reports.""",
)


@rule(
    id="AIMS-GOV-004",
    title="System reviews are planned within the maximum review interval",
    severity="warning",
    controls=["A.6.2.6"],
    clauses=["8.1", "8.2"],
    eu_ai_act=[eu("Art. 17", "low")],
    nist_ai_rmf=[nist("GOVERN 1.5")],
    tags=["governance", "review"],
    applies=is_active,
    rationale="""Planned reviews are how management learns that a system's risks, performance or
        context have changed. An interval longer than the organisation allows, or a next review
        set further out than that, means the system can drift unnoticed for too long.""",
    remediation="""Set `spec.lifecycle.reviewIntervalMonths` to at most the organisation's maximum
        (data `reviews.maxIntervalMonths`) and `nextReview` no later than `lastReview` plus that
        maximum.""",
)
def review_interval(ctx: Context) -> Iterator[Violation]:
    cap: int = ctx.param("reviews.maxIntervalMonths")
    interval = ctx.get("spec.lifecycle.reviewIntervalMonths")
    last = ctx.date(ctx.get("spec.lifecycle.lastReview"))
    upcoming = ctx.date(ctx.get("spec.lifecycle.nextReview"))
    if interval is None and upcoming is None:
        yield ctx.at("spec.lifecycle").missing(
            "reviewIntervalMonths",
            f"no review interval is planned; add `reviewIntervalMonths:` (at most {cap})",
        )
    if interval is not None and interval > cap:
        ctx.note(f"reviewIntervalMonths {interval} > {cap}")
        yield ctx.at("spec.lifecycle.reviewIntervalMonths").fail(
            f"the review interval is "
            f"{plural(interval, 'month')}, longer than the maximum of {cap}; shorten it",
        )
    if last is not None and upcoming is not None and upcoming > add_months(last, cap):
        latest = add_months(last, cap)
        ctx.note(f"nextReview > lastReview + {plural(cap, 'month')}")
        yield ctx.at("spec.lifecycle.nextReview").fail(
            f"the next review ({upcoming}) is more "
            f"than {plural(cap, 'month')} after the last one ({last}); bring it forward to "
            f"{latest} or earlier",
        )


@rule(
    id="AIMS-GOV-005",
    title="The system review is not overdue",
    severity="error",
    controls=["A.6.2.6"],
    clauses=["8.1", "8.2"],
    eu_ai_act=[eu("Art. 17", "low")],
    nist_ai_rmf=[nist("GOVERN 1.5"), nist("MEASURE 4.3")],
    tags=["governance", "review"],
    applies=in_operation,
    rationale="""A deployed system whose scheduled review date has passed is running on an
        assessment nobody has confirmed is still valid; that is exactly the gap management review
        exists to close. The due day itself is still on time.""",
    remediation="""Hold the review, then update `spec.lifecycle.lastReview` to its date and
        `nextReview` to the next planned date.""",
)
def review_not_overdue(ctx: Context) -> Iterator[Violation]:
    cap: int = ctx.param("reviews.maxIntervalMonths")
    interval = min(ctx.get("spec.lifecycle.reviewIntervalMonths") or cap, cap)
    candidates: list[tuple[_dt.date, str]] = []
    upcoming = ctx.date(ctx.get("spec.lifecycle.nextReview"))
    if upcoming is not None:
        candidates.append((upcoming, "nextReview"))
    for field in ("lastReview", "deployedOn"):  # never reviewed: count from go-live
        base = ctx.date(ctx.get(f"spec.lifecycle.{field}"))
        if base is not None:
            candidates.append((add_months(base, interval), field))
            break
    if not candidates:
        yield ctx.at("spec.lifecycle").missing(
            "lastReview",
            "the system is deployed but no review is recorded "
            "or planned; add `lastReview:` and `nextReview:`",
        )
        return
    due, field = min(candidates, key=lambda c: c[0])
    ctx.note(f"review due {due} (from {field}), today {ctx.today}")
    if ctx.today > due:
        ctx.note(f"today {ctx.today} > due {due}")
        yield ctx.at(f"spec.lifecycle.{field}").fail(
            f"the system review was due on {due} and is "
            f"{plural((ctx.today - due).days, 'day')} overdue; hold it and record the new "
            "`lastReview` and `nextReview`",
        )


@rule(
    id="AIMS-GOV-006",
    title="Corrective actions are not overdue",
    severity="warning",
    clauses=["10.2"],
    eu_ai_act=[eu("Art. 20", "high")],
    nist_ai_rmf=[nist("MANAGE 2.3")],
    tags=["governance", "improvement"],
    applies=has_corrective_actions,
    rationale="""A corrective action without a due date, or past it and still open, is a
        nonconformity that nobody is closing; the same failure can recur while the record says it
        is being handled. The due day itself is still on time.""",
    remediation="""Give every open corrective action a `dueDate`; close it (`status: closed`) when
        done, or agree a new date and record why it slipped.""",
)
def corrective_actions_on_time(ctx: Context) -> Iterator[Violation]:
    for action in ctx.each("spec.governance.correctiveActions"):
        if action.get("status") == "closed":
            continue
        due = ctx.date(action.get("dueDate"))
        if due is None:
            yield action.missing(
                "dueDate",
                f"corrective action {action.name} is open without a due date; add `dueDate:`",
            )
        elif ctx.today > due:
            ctx.note(f"today {ctx.today} > dueDate {due}")
            yield action.at("dueDate").fail(
                f"corrective action {action.name} was due on {due} and is still "
                f"{action.get('status', 'open')}; close it or set a new date",
            )


@rule(
    id="AIMS-GOV-007",
    title="Deployed systems keep a change log that includes the running version",
    severity="warning",
    clauses=["6.3", "7.5.2"],
    eu_ai_act=[eu("Art. 17(1)(a), Art. 43(4)", "medium")],
    # The crosswalk maps no NIST subcategory to 6.3 or 7.5.2; this one is our own, weak link.
    nist_ai_rmf=[nist("MEASURE 3.1", "low", own=True)],
    tags=["change-management"],
    applies=in_operation,
    rationale="""Without a change log nobody can tell which changes were made, when, and whether
        any of them was significant enough to require new risk and impact assessments; a running
        version that is missing from the log was released outside change control.""",
    remediation="""Add a `spec.lifecycle.changeLog` entry for every release, including the version
        in `metadata.version`: `version`, `description`, `significant: true|false` and the days
        it was proposed, approved (with `approvedBy`) and released (`proposedOn`, `approvedOn`,
        `releasedOn`; see docs/lifecycle.md).""",
)
def change_log(ctx: Context) -> Iterator[Violation]:
    log = ctx.get("spec.lifecycle.changeLog")
    if not log:
        yield ctx.at("spec.lifecycle").missing(
            "changeLog",
            "the system is deployed but has no change log; add "
            "`changeLog:` entries for its releases",
        )
        return
    version = ctx.get("metadata.version")
    if version and version not in {c.get("version") for c in log}:
        yield ctx.at("metadata.version").fail(
            f"the running version {version} is not in "
            "`spec.lifecycle.changeLog`; add an entry that says what changed and "
            "whether it was significant"
        )


@rule(
    id="AIMS-GOV-008",
    title="A significant change is followed by a system review",
    severity="warning",
    clauses=["6.3", "8.2"],
    eu_ai_act=[eu("Art. 9(2)(a)-(c)", "high"), eu("Art. 17(1)(a), Art. 43(4)", "medium")],
    nist_ai_rmf=[nist("GOVERN 1.5"), nist("MEASURE 3.1")],
    tags=["change-management", "risk", "review"],
    applies=has_significant_change,
    rationale="""A change marked significant after go-live (a new model, new data, a new user
        group) can change the system's risks. Its risks are assessed while it is prepared
        (AIMS-IMP-006, AIMS-VAL-003); once it is released, the system review confirms that the
        changed system behaves in use as assessed, within the organisation's grace period (data
        `reviews.afterSignificantChangeDays`), not only at the next planned date. A last review
        older than the release, past that period, shows it was not held.""",
    remediation="""Review the system (risks, controls, validation, monitoring) after the release
        and record the review date in `spec.lifecycle.lastReview`.""",
)
def review_after_change(ctx: Context) -> Iterator[Violation]:
    change, released = latest_release(ctx, significant_changes(ctx))
    reviewed = ctx.date(ctx.get("spec.lifecycle.lastReview"))
    if reviewed is not None and reviewed >= released:
        return
    grace: int = ctx.param("reviews.afterSignificantChangeDays")
    due = released + _dt.timedelta(days=grace)
    ctx.note(f"lastReview {reviewed} < release {released}; review due by {due}, today {ctx.today}")
    if ctx.today > due:
        when = f"came after the last review ({reviewed})" if reviewed else "has no review recorded"
        yield change.fail(
            f"significant change {change.get('version')} (released {released}) {when}, and the "
            f"review after it was due by {due}; review the system's risks and controls and "
            "update `lifecycle.lastReview`",
        )


@fact
def has_change_lifecycle_dates(ctx: Context) -> bool:
    """Systems whose change log records when a change was proposed, approved or released."""
    return any(
        any(change.get(name) is not None for name in CHANGE_DATES)
        for change in ctx.each("spec.lifecycle.changeLog")
    )


@rule(
    id="AIMS-GOV-009",
    title="Each change was proposed, then approved, then released",
    severity="warning",
    controls=["A.6.2.5"],
    clauses=["8.1"],
    eu_ai_act=[eu("Art. 17(1)(a)", "low")],
    nist_ai_rmf=[nist("MEASURE 2.5"), nist("MEASURE 2.9")],
    tags=["change-management", "deployment"],
    applies=has_change_lifecycle_dates,
    rationale="""Change control means a change is proposed, assessed and validated, approved by
        someone answerable for it, and only then released. A change record whose approval comes
        after its release, or before it was even proposed, shows a release outside change
        control; an approval nobody signed, or dated in the future, is not a decision yet. A record
        that also keeps the single v1 `date` leaves a reader guessing which step it means.""",
    remediation="""Record each change's `proposedOn`, `approvedOn` (with `approvedBy`) and
        `releasedOn` as they happened, in that order; drop the v1 `date` from records that have
        them (docs/lifecycle.md).""",
)
def change_order(ctx: Context) -> Iterator[Violation]:
    for change in ctx.each("spec.lifecycle.changeLog"):
        dates = change_dates(ctx, change)
        if dates.single:
            continue  # a v1 record: AIMS-GOV-010 asks for the three dates
        version = change.get("version")
        if change.get("date") is not None:
            yield change.at("date").fail(
                f"change {version} records the v1 `date` beside `proposedOn`/`approvedOn`/"
                "`releasedOn`, so it is unclear which step it means; remove `date`"
            )
        proposed, approved = dates.proposed, dates.approved
        released = ctx.date(change.get("releasedOn"))
        for name, day in (("proposedOn", proposed), ("approvedOn", approved)):
            if day is not None and day > ctx.today:
                yield change.at(name).fail(
                    f"change {version} is recorded as {name[:-2]} on {day}, in the future; "
                    "record the day it actually happened"
                )
        if approved is not None and not change.get("approvedBy"):
            yield change.missing(
                "approvedBy", f"the approval of change {version} names nobody; add `approvedBy:`"
            )
        if proposed is not None and approved is not None and approved < proposed:
            ctx.note(f"approvedOn {approved} < proposedOn {proposed}")
            yield change.at("approvedOn").fail(
                f"change {version} was approved on {approved}, before it was proposed on "
                f"{proposed}; correct the dates or record the approval of what was proposed"
            )
        if approved is not None and released is not None and approved > released:
            ctx.note(f"approvedOn {approved} > releasedOn {released}")
            yield change.at("approvedOn").fail(
                f"change {version} was approved on {approved}, after its release on "
                f"{released}; approve a release before it goes into use"
            )
        elif proposed is not None and released is not None and released < proposed:
            ctx.note(f"releasedOn {released} < proposedOn {proposed}")
            yield change.at("releasedOn").fail(
                f"change {version} was released on {released}, before it was proposed on "
                f"{proposed}; correct the dates"
            )


@rule(
    id="AIMS-GOV-010",
    title="Significant changes record when they were proposed, approved and released",
    severity="note",
    controls=["A.6.2.5"],
    clauses=["8.1", "7.5.2"],
    eu_ai_act=[eu("Art. 17(1)(a)", "low")],
    nist_ai_rmf=[nist("MEASURE 2.5"), nist("MEASURE 2.9")],
    tags=["change-management"],
    applies=in_operation & has_significant_change & records_lifecycle_dates,
    rationale="""A significant change must be assessed and validated between its proposal and its
        release, and approved before release (ISO/IEC 42001 8.2, 8.4, A.6.2.4, A.6.2.5). With
        only the v1 `date`, or without one of the three dates, the order cannot be checked:
        AIMS-IMP-006 and AIMS-VAL-003 then cannot tell whether the assessment and the validation
        followed the proposal, nor AIMS-VAL-006 whether the approval preceded the release, and
        they report nothing rather than guess. Once a change log records lifecycle dates, this
        note names each significant change that still lacks one, so that a clean report is not
        read as proof of an order nobody recorded. A v1 log throughout (one `date` per change)
        is not noted change by change: it is counted among the rules not applicable, with this
        reason, and docs/lifecycle.md says what the rules check on it.""",
    remediation="""Record `proposedOn`, `approvedOn` (with `approvedBy`) and `releasedOn` on each
        significant change since go-live, in place of `date` (docs/lifecycle.md).""",
)
def change_dates_recorded(ctx: Context) -> Iterator[Violation]:
    for change in significant_changes(ctx):
        missing = [name for name in CHANGE_DATES if change.get(name) is None]
        if missing:
            fields = ", ".join(f"`{name}`" for name in missing)
            what = "only the v1 `date`" if change_dates(ctx, change).single else f"no {fields}"
            yield change.fail(
                f"significant change {change.get('version')} records {what}, so whether it was "
                "assessed and validated after its proposal and approved before its release "
                f"cannot be checked; add {fields}"
            )
