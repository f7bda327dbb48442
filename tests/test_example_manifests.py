"""The example manifests against the whole built-in pack: every finding is a gap manifests/README.md
documents, every documented gap is found where the README says, and the compliant examples and
the base manifest have none.

The reference is manifests/README.md ("Gaps by field" and "Not gaps"), written by hand from the
manifests; it is not derived from the rules' output.
"""

from __future__ import annotations

from _helpers import BASE, MANIFESTS, ROOT, TODAY

from aims_policy.api import check
from aims_policy.model import Report

#: (rule, system, identity path) of every finding on manifests/ on TODAY.
DOCUMENTED_GAPS = {
    # ownership, governance, classification, risk, impact, use
    ("AIMS-GOV-004", "interview-scheduler", "spec.lifecycle.reviewIntervalMonths"),
    ("AIMS-GOV-004", "interview-scheduler", "spec.lifecycle.nextReview"),
    ("AIMS-RSK-004", "interview-scheduler", "spec.risks[R-2].owner"),
    ("AIMS-GOV-005", "fraud-detection", "spec.lifecycle.nextReview"),
    ("AIMS-GOV-008", "fraud-detection", "spec.lifecycle.changeLog[4.1.0]"),
    ("AIMS-IMP-007", "credit-scoring", "spec.impactAssessment.fundamentalRights.completed"),
    ("AIMS-IMP-006", "credit-scoring", "spec.impactAssessment.date"),
    ("AIMS-RSK-012", "credit-scoring", "spec.risks[R-3].reviewDate"),
    ("AIMS-RSK-008", "credit-scoring", "spec.risks[R-4].treatment.controls"),
    ("AIMS-CLS-004", "credit-scoring", "spec.classification.euAiAct.conformityAssessmentRef"),
    ("AIMS-CLS-004", "credit-scoring", "spec.classification.euAiAct.euDatabaseId"),
    ("AIMS-RSK-011", "cv-screening", "spec.risks[R-5].acceptance.approver"),
    ("AIMS-IMP-001", "medical-triage", "spec.impactAssessment.status"),
    ("AIMS-RSK-010", "medical-triage", "spec.risks[R-1].residualRisk.score"),
    # data, oversight, transparency, validation, operations, suppliers, evidence
    ("AIMS-SUP-001", "coding-assistant", "spec.suppliers[SUP-codeforge].assessedOn"),
    ("AIMS-SUP-003", "coding-assistant", "spec.suppliers[SUP-codeforge].contract.aiTerms"),
    ("AIMS-EVD-001", "coding-assistant", "spec.governance.responsibleUsePolicyRef"),
    # The misspelt `feedbackChanel` (AIMS-SCH-001) leaves no feedback channel declared.
    ("AIMS-MON-005", "coding-assistant", "spec.monitoring.feedbackChannel"),
    ("AIMS-VAL-005", "support-chatbot", "spec.validation.securityTests"),
    ("AIMS-TRN-002", "support-chatbot", "spec.transparency.userNotice"),
    ("AIMS-LOG-003", "support-chatbot", "spec.logging.retentionDays"),
    ("AIMS-EVD-001", "support-chatbot", "spec.suppliers[SUP-orion].documentationRef"),
    ("AIMS-MON-002", "fraud-detection", "spec.monitoring.drift.enabled"),
    ("AIMS-VAL-002", "fraud-detection", "spec.validation.metrics[M-recall-at-1pct-fpr].result"),
    # one missing model card, referenced twice
    ("AIMS-EVD-001", "fraud-detection", "spec.transparency.modelCardRef"),
    ("AIMS-EVD-001", "fraud-detection", "spec.models[M-sentinel-gbm].modelCardRef"),
    ("AIMS-EVD-001", "credit-scoring", "spec.dataSources[DS-open-banking].dpiaRef"),
    ("AIMS-LOG-002", "credit-scoring", "spec.logging.retentionDays"),
    ("AIMS-HUM-001", "cv-screening", "spec.humanOversight.canOverride"),
    ("AIMS-TRN-010", "cv-screening", "spec.transparency.workersRepresentativesInformedRef"),
    ("AIMS-SUP-001", "cv-screening", "spec.suppliers[SUP-parseright].assessedOn"),
    (
        "AIMS-DAT-009",
        "cv-screening",
        "spec.dataSources[DS-diversity-survey].specialCategoryCondition",
    ),
    # one missing training record, referenced by both overseers
    ("AIMS-EVD-001", "cv-screening", "spec.humanOversight.overseers[Recruiter].competenceRef"),
    (
        "AIMS-EVD-001",
        "cv-screening",
        "spec.humanOversight.overseers[HR Systems Lead].competenceRef",
    ),
    ("AIMS-INC-002", "medical-triage", "spec.incidents.reportingDeadlineDays"),
    ("AIMS-EVD-001", "medical-triage", "spec.transparency.technicalDocumentationRef"),
    ("AIMS-EVD-001", "interview-scheduler", "spec.transparency.instructionsForUseRef"),
    # The one deliberate schema gap, which does not stop the rules above from running.
    ("AIMS-SCH-001", "coding-assistant", "spec.monitoring.feedbackChanel"),
    # the organisation manifest (organisation.yaml) and its reconciliation with the systems
    ("AIMS-ORG-015", "harbour-mutual-aims", "spec.managementReviews[MR-2026-1].inputs"),
    (
        "AIMS-ORG-016",
        "harbour-mutual-aims",
        "spec.nonconformities[NC-2026-01].correctiveAction.due",
    ),
    (
        "AIMS-ORG-036",
        "harbour-mutual-aims",
        # cross-manifest findings name the file they point into
        "spec.internalAudit.audits[medical-triage]@manifests/organisation.yaml",
    ),
}
CLEAN = ("document-summariser", "hr-policy-assistant", "affordability-check")


def test_compliant_examples_have_no_findings(examples_report: Report) -> None:
    assert [
        (f.rule_id, f.system, f.message) for f in examples_report.findings if f.system in CLEAN
    ] == []
    for compliant in ("document-summariser.yaml", "affordability-check.yaml"):
        alone = check([str(MANIFESTS / compliant)], today=TODAY)
        assert [(f.rule_id, f.message) for f in alone.findings] == []
    base = check([str(BASE)], today=TODAY, cwd=str(ROOT))
    assert [(f.rule_id, f.message) for f in base.findings] == []


def test_example_gaps_are_found_exactly_where_they_are(examples_report: Report) -> None:
    assert examples_report.notifications == ()
    found = {(f.rule_id, f.system, f.ident) for f in examples_report.findings}
    assert sorted(DOCUMENTED_GAPS - found) == [], "documented gaps not found"
    assert sorted(found - DOCUMENTED_GAPS) == [], "findings the README does not document"
