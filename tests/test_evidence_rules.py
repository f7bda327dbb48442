"""The evidence rules (AIMS-EVD-*) on a real file system: references are resolved against the
manifest's folder and must stay inside the repository. Their fixture cases run in
test_rule_fixtures.py."""

from __future__ import annotations

from pathlib import Path

from _helpers import TODAY

from aims_policy import check


def test_evidence_rules_on_disk(tmp_path: Path) -> None:
    """Missing files, absolute paths, `..` escapes and symbolic links out of the repository, each
    reported at the field that holds the reference; an existing file inside passes."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "docs").mkdir()
    (repo / "docs" / "ok.md").write_text("evidence\n")
    outside = tmp_path / "outside.md"
    outside.write_text("not under version control\n")
    (repo / "docs" / "link.md").symlink_to(outside)
    manifest = repo / "system.yaml"
    manifest.write_text("""\
apiVersion: aims-policy/v1
kind: AISystem
metadata:
  name: evidence-demo
spec:
  owner: {name: Ada Example, email: ada@example.com}
  purpose: {intendedUse: Demonstrate evidence checks, requirementsRef: docs/ok.md}
  classification: {riskLevel: low}
  lifecycle: {stage: design}
  transparency:
    instructionsForUseRef: docs/missing.md
    modelCardRef: /etc/hostname
    technicalDocumentationRef: ../outside.md
    designDocumentationRef: docs/link.md
""")
    report = check([str(manifest)], today=TODAY, cwd=str(repo))
    got = sorted(
        (f.rule_id, f.location.line, f.ident)
        for f in report.findings
        if f.rule_id.startswith("AIMS-EVD-")
    )
    assert got == [
        ("AIMS-EVD-001", 11, "spec.transparency.instructionsForUseRef"),
        ("AIMS-EVD-002", 12, "spec.transparency.modelCardRef"),
        ("AIMS-EVD-002", 13, "spec.transparency.technicalDocumentationRef"),
        ("AIMS-EVD-002", 14, "spec.transparency.designDocumentationRef"),
    ]
    missing = next(f for f in report.findings if f.rule_id == "AIMS-EVD-001")
    assert (
        "evidence file docs/missing.md does not exist relative to the manifest" in missing.message
    )
