"""``aims-policy report``: the offline HTML audit report, opened in a real browser.

The browser tests open the file in headless Chromium (Debian's ``chromium``; ``.ci/run``
installs it) and assert what an auditor sees: no console error, no request beyond the file
itself, the counts of the example manifests (written here by hand from manifests/README.md and
the README's check output, not read back from the renderer), hostile manifest text shown as
text. They never skip in CI (``CI=true``): a missing Chromium fails them there.
"""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from _helpers import BASE_TEXT, MANIFESTS, ROOT, TODAY, aims, write

# The bundled examples as checked on TODAY. The ten systems (README: "10 systems checked: 29
# errors, 9 warnings" before the organisation manifest came) and manifests/organisation.yaml,
# whose deliberate gaps are two errors (AIMS-ORG-015: a management review without monitoring
# results; AIMS-ORG-016: an overdue corrective action) and one warning (AIMS-ORG-036: a
# high-risk system no audit sampled). Every missing evidence file is one AIMS-EVD-001 finding;
# manifests/README.md lists nine.
SYSTEMS = 10
ERRORS = 29 + 2
WARNINGS = 9 + 1
MISSING_EVIDENCE = 9
CONTROLS = 38


def chromium() -> str:
    import _browser

    found = _browser.chromium_path()
    if found is None:
        # A missing prerequisite fails rather than skips: a skipped browser test would let the
        # HTML report go unchecked while the suite stays green.
        pytest.fail(
            "Chromium is not installed; the tests need it (README: apt-get install chromium "
            "chromium-driver; .ci/run installs both)"
        )
    return found


def report_of(*args: str, tmp: Path, name: str = "audit.html") -> Path:
    out = tmp / name
    result = aims("report", "-o", str(out), "--today", TODAY, "--no-config", *args)
    assert result.exit_code == 0, result.stdout + result.stderr
    return out


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text, as an HTML parser reads the file
    (independently of the template that wrote it)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(path: Path) -> Elements:
    parser = Elements()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def hostile_repository(tmp: Path) -> Path:
    """A manifest whose text tries every way into the page: markup in a title, an attribute
    break-out in a name, a javascript: reference, a URL that closes its attribute, and an
    exception whose approver and justification carry markup."""
    text = BASE_TEXT
    text = text.replace(
        "  title: DocBrief internal document summariser", '  title: "<script>alert(1)</script>"'
    )
    text = text.replace(
        "    name: Priya Raman\n", "    name: '\"><img src=x onerror=alert(1)>'\n", 1
    )
    text = text.replace(
        "requirementsRef: https://docs.example.com/docbrief/requirements.md",
        'requirementsRef: "javascript:alert(1)"',
    )
    text = text.replace(
        "modelCardRef: https://docs.example.com/docbrief/model-card.md",
        "modelCardRef: 'https://example.com/\"><script>alert(2)</script>'",
    )
    text = text.replace(
        "metadata:\n",
        "metadata:\n"
        "  exceptions:\n"
        "    - rule: AIMS-OWN-003\n"
        "      item: R-1\n"
        "      justification: '</td></tr></table><script>alert(4)</script> until the re-org'\n"
        "      approver: '<img src=x onerror=alert(3)>'\n"
        "      approvedOn: 2026-11-01\n"
        "      expires: 2026-12-31\n",
        1,
    )
    repo = tmp / "hostile"
    write(repo / "hostile.yaml", text)
    (repo / ".git").mkdir()  # the repository root evidence paths are judged against
    return repo


@pytest.mark.slow  # starts a browser
def test_the_examples_report_in_chromium(tmp_path: Path) -> None:
    binary = chromium()
    import _browser

    out = report_of(str(MANIFESTS), tmp=tmp_path)
    with _browser.browser(binary) as page:
        page.open(out.as_uri())
        assert page.exceptions == []
        assert [c for c in page.console if c[0] in ("error", "warning")] == []
        assert page.requests == [out.as_uri()]  # the file itself, nothing else
        shown = page.evaluate(
            "Object.fromEntries([...document.querySelectorAll('[id^=count-]')]"
            ".map(e => [e.id, e.innerText]))"
        )
        assert shown["count-systems"] == str(SYSTEMS)
        assert shown["count-errors"] == str(ERRORS)
        assert shown["count-warnings"] == str(WARNINGS)
        assert shown["count-open"] == str(ERRORS + WARNINGS)
        assert shown["count-unresolved"] == str(MISSING_EVIDENCE)
        assert shown["count-exceptions"] == "0" and shown["count-baselined"] == "0"
        assert shown["count-problems"] == "0"
        # what the tables show, row by row
        rows = page.evaluate(
            "({controls: document.querySelectorAll('#soa tbody tr').length,"
            " findings: document.querySelectorAll('tr.finding').length,"
            " matrix: document.querySelectorAll('#matrix-table tbody tr').length,"
            " missing: [...document.querySelectorAll('#evidence-table td.ref-missing')].length,"
            " systems: document.querySelectorAll('article.system').length})"
        )
        assert rows == {
            "controls": CONTROLS,
            "findings": ERRORS + WARNINGS,
            "matrix": SYSTEMS,
            "missing": MISSING_EVIDENCE,
            "systems": SYSTEMS,
        }
        # the style sheet applied (a Content-Security-Policy that refused it would show nothing)
        colour = page.evaluate(
            "getComputedStyle(document.querySelector('td.open')).backgroundColor"
        )
        assert colour == "rgb(253, 232, 232)"
        # readable without JavaScript: the page has no script at all
        assert page.evaluate("document.scripts.length") == 0
        # printing: the navigation is left out, and Chromium makes a PDF of it
        page.call("Emulation.setEmulatedMedia", media="print")
        assert page.evaluate("getComputedStyle(document.querySelector('nav')).display") == "none"
        assert page.pdf().startswith(b"%PDF-")
        assert page.exceptions == [] and page.requests == [out.as_uri()]


@pytest.mark.slow  # starts a browser
def test_hostile_manifest_text_stays_text_in_chromium(tmp_path: Path) -> None:
    binary = chromium()
    import _browser

    repo = hostile_repository(tmp_path)
    out = report_of(str(repo), tmp=tmp_path)
    with _browser.browser(binary) as page:
        page.open(out.as_uri())
        page.settle(0.5)
        assert page.exceptions == []
        assert [c for c in page.console if c[0] == "error"] == []
        assert page.requests == [out.as_uri()]  # no img src=x, no script
        found = page.evaluate(
            "({scripts: document.scripts.length, images: document.images.length,"
            " handlers: document.querySelectorAll('[onerror]').length,"
            " js: [...document.links].filter(a => !/^(https?:|#)/.test(a.getAttribute('href')))"
            ".length, text: document.body.innerText})"
        )
        assert found["scripts"] == 0 and found["images"] == 0 and found["handlers"] == 0
        assert found["js"] == 0  # the javascript: reference is no link
        text = found["text"]
        assert "<script>alert(1)</script>" in text  # shown as the text it is
        assert '"><img src=x onerror=alert(1)>' in text
        assert "javascript:alert(1)" in text
        assert "<img src=x onerror=alert(3)>" in text  # the exception's approver
        assert "</td></tr></table><script>alert(4)</script> until the re-org" in text


def test_hostile_text_is_escaped_in_the_file(tmp_path: Path) -> None:
    """The same, read by Python's HTML parser: no element or attribute comes from a manifest."""
    repo = hostile_repository(tmp_path)
    out = report_of(str(repo), tmp=tmp_path)
    page = parse(out)
    tags = [tag for tag, _ in page.tags]
    assert "script" not in tags and "img" not in tags
    assert not any(name.startswith("on") for _, attrs in page.tags for name in attrs)
    links = [attrs.get("href") or "" for tag, attrs in page.tags if tag == "a"]
    assert all(href.startswith(("#", "https://", "http://")) for href in links)
    # the URL that tried to close its attribute is one href, whole
    assert 'https://example.com/"><script>alert(2)</script>' in links
    # the exception: approver, justification and expiry as the manifest states them
    text = "".join(page.text)
    assert "<img src=x onerror=alert(3)>" in text and "2026-12-31" in text
    csp = [
        attrs.get("content") or ""
        for tag, attrs in page.tags
        if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy"
    ]
    assert csp and csp[0].startswith("default-src 'none';")


def test_exceptions_and_baselined_findings_are_listed(tmp_path: Path) -> None:
    repo = hostile_repository(tmp_path)
    baseline = tmp_path / "baseline.json"
    result = aims("baseline", "-o", str(baseline), "--today", TODAY, "--no-config", str(repo))
    assert result.exit_code == 0, result.stdout + result.stderr
    out = report_of(str(repo), "--baseline", str(baseline), tmp=tmp_path)
    page = parse(out)
    rows = [attrs.get("class") for tag, attrs in page.tags if tag == "tr"]
    # AIMS-OWN-003 on R-1 is under the exception; the baseline holds the rest (R-2's
    # AIMS-OWN-003 and the javascript: reference's AIMS-EVD-002)
    assert rows.count("exception") == 1
    assert rows.count("baselined") == 2
    assert rows.count("finding") == 0  # nothing left open


def test_the_same_inputs_give_the_same_bytes(tmp_path: Path) -> None:
    first = report_of(str(MANIFESTS), tmp=tmp_path, name="one.html").read_bytes()
    second = report_of(str(MANIFESTS), tmp=tmp_path, name="two.html").read_bytes()
    assert first == second
    assert TODAY.encode() in first


# -- many repositories ----------------------------------------------------------------------------


def two_repositories(tmp: Path) -> tuple[Path, Path]:
    """JSON reports of two copies of manifests/, as two repositories' CI would keep them."""
    reports = []
    for name in ("payments", "people"):
        repo = tmp / name
        shutil.copytree(MANIFESTS, repo)
        (repo / ".git").mkdir()
        out = tmp / f"{name}.json"
        result = aims(
            "check", str(repo), "--today", TODAY, "--no-config", "--json", str(out),
            "--origin", f"git.example.com/{name}", "-q",
        )  # fmt: skip
        assert result.exit_code == 1, result.stdout + result.stderr  # the examples' findings
        reports.append(out)
    return reports[0], reports[1]


def test_two_repositories_merge_into_one_report(tmp_path: Path) -> None:
    payments, people = two_repositories(tmp_path)
    out = report_of(str(people), str(payments), tmp=tmp_path)
    page = parse(out)
    text = "".join(page.text)
    headings = [t.strip() for t in re.findall(r"<h3>(.*?)</h3>", out.read_text(encoding="utf-8"))]
    # each system once per repository, named with its origin
    for origin in ("git.example.com/payments", "git.example.com/people"):
        assert sum(h.startswith(f"{origin} / ") for h in headings) == SYSTEMS
        assert f"{origin} / credit-scoring" in text
    counts = dict(re.findall(r'id="(count-[a-z-]+)">(\d+)<', out.read_text(encoding="utf-8")))
    assert counts["count-origins"] == "2"
    assert counts["count-systems"] == str(2 * SYSTEMS)
    assert counts["count-open"] == str(2 * (ERRORS + WARNINGS))
    # the argument order does not matter
    again = report_of(str(payments), str(people), tmp=tmp_path, name="again.html")
    assert again.read_bytes() == out.read_bytes()


def test_two_repositories_merge_into_one_statement(tmp_path: Path) -> None:
    """Each copy carries manifests/organisation.yaml: copies of one organisation manifest are
    one management system, and the statement lists the systems of both repositories."""
    payments, people = two_repositories(tmp_path)
    result = aims("soa", "--format", "json", "--today", TODAY, str(payments), str(people))
    assert result.exit_code == 0, result.stderr
    statement = json.loads(result.stdout)
    assert statement["summary"]["systems"] == 2 * SYSTEMS
    systems = {
        (s["origin"], s["name"])
        for row in statement["controls"]
        for s in (*row["systems"], *row["reliedOnBy"])
    }
    assert len(systems) == 2 * SYSTEMS
    assert {origin for origin, _ in systems} == {
        "git.example.com/payments",
        "git.example.com/people",
    }
    assert {"credit-scoring", "support-chatbot"} <= {name for _, name in systems}
    assert len(statement["controls"]) == CONTROLS
    # a different organisation manifest beside them is a second management system: refused
    other = tmp_path / "other" / "organisation.yaml"
    write(other, (ROOT / "rules" / "fixtures" / "organisation.yaml").read_text(encoding="utf-8"))
    result = aims("soa", "--today", TODAY, str(payments), str(people), str(other))
    assert result.exit_code == 2
    assert "several organisation manifests" in result.stderr


@pytest.mark.parametrize(
    ("content", "what"),
    [
        ('{"formatVersion": "1.3", "tool": ', "not valid JSON"),
        ('{"formatVersion": "2.0"}', "format 2.0 cannot be merged"),
        ('{"formatVersion": "1.2"}', "format 1.2 cannot be merged"),
        ('{"formatVersion": "1.3", "tool": "aims-policy"}', "tool: expected an object"),
    ],
)
@pytest.mark.parametrize("command", ["report", "soa"])
def test_a_bad_json_report_is_one_line_naming_it(
    tmp_path: Path, content: str, what: str, command: str
) -> None:
    bad = write(tmp_path / "ci" / "bad-report.json", content)
    args = ["-o", str(tmp_path / "out.html")] if command == "report" else []
    result = aims(command, *args, "--today", TODAY, str(bad))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(bad) in lines[0] and what in lines[0]
    assert not (tmp_path / "out.html").exists()


def test_merging_keeps_findings_with_their_origin(tmp_path: Path) -> None:
    """The merged report, read back field by field: a finding's origin is its repository's."""
    from aims_policy import merge

    payments, people = two_repositories(tmp_path)
    parts = [merge.load(str(payments)), merge.load(str(people))]
    merged = merge.merge(parts, TODAY, "test")
    by_origin: dict[str | None, int] = {}
    for finding in merged.findings:
        by_origin[finding.origin] = by_origin.get(finding.origin, 0) + 1
    assert by_origin == {
        "git.example.com/payments": ERRORS + WARNINGS,
        "git.example.com/people": ERRORS + WARNINGS,
    }
    with pytest.raises(merge.ReportError, match="also the origin of"):
        merge.merge(
            [parts[0], (parts[0][0], parts[0][1]._replace(file="elsewhere.json"))], TODAY, "t"
        )


def test_a_wrong_field_deep_in_a_report_is_named(tmp_path: Path) -> None:
    payments, _ = two_repositories(tmp_path)
    doc = json.loads(payments.read_text(encoding="utf-8"))
    doc["systems"][2]["evidenceReferences"][1]["location"]["line"] = "7"
    bad = write(tmp_path / "bad.json", json.dumps(doc))
    result = aims("report", "-o", str(tmp_path / "out.html"), str(bad))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"aims-policy: error: {bad}: systems[2].evidenceReferences[1].location.line: expected "
        "an integer; regenerate it with `aims-policy check --json FILE`"
    ]


def test_check_records_its_origin_and_references(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    aims("check", str(MANIFESTS), "--today", TODAY, "--json", str(out), "--origin", "repo-1", "-q")
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["formatVersion"] == "1.3" and doc["origin"] == "repo-1"
    missing = [
        r for s in doc["systems"] for r in s["evidenceReferences"] if r["status"] == "missing"
    ]
    assert len(missing) == MISSING_EVIDENCE
    support = next(s for s in doc["systems"] if s["name"] == "support-chatbot")
    assert {
        "path": "spec.suppliers[SUP-orion].documentationRef",
        "ref": "evidence/support-chatbot/orion-gpai-documentation.md",
        "status": "missing",
    }.items() <= next(r for r in support["evidenceReferences"] if r["status"] == "missing").items()


@pytest.mark.parametrize("layout", ["sorted", "compact"])
def test_a_report_is_recognised_however_its_keys_are_laid_out(tmp_path: Path, layout: str) -> None:
    """A report re-serialised (keys sorted, other indentation) is still merged as a report,
    not checked as a manifest: the statement is the one of the report as written."""
    payments, _ = two_repositories(tmp_path)
    doc = json.loads(payments.read_text(encoding="utf-8"))
    text = (
        json.dumps(doc, sort_keys=True, indent=4)
        if layout == "sorted"
        else json.dumps(dict(reversed(list(doc.items()))), separators=(",", ":"))
    )
    assert not text.lstrip("{ \n").startswith('"formatVersion"')
    again = write(tmp_path / "again" / "payments.json", text)
    original = aims("soa", "--format", "json", "--today", TODAY, str(payments))
    rewritten = aims("soa", "--format", "json", "--today", TODAY, str(again))
    assert original.exit_code == rewritten.exit_code == 0, rewritten.stderr
    assert json.loads(rewritten.stdout) == json.loads(original.stdout)
    out = tmp_path / "out.html"
    result = aims("report", "--today", TODAY, "-o", str(out), str(again))
    assert result.exit_code == 0, result.stderr
    assert "1 report merged" in result.stdout


def test_a_json_manifest_naming_format_version_is_checked_as_a_manifest(tmp_path: Path) -> None:
    """A manifest written in JSON that mentions ``formatVersion`` (here, as its
    title) is a manifest: checked, its system counted, not refused as a broken report."""
    repo = tmp_path / "repo"
    shutil.copytree(MANIFESTS, repo)
    manifest = repo / "fraud-detection.json"
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    doc["metadata"]["title"] = "formatVersion"  # the quoted word, as a key would be
    write(manifest, json.dumps(doc, sort_keys=True))
    out = tmp_path / "out.html"
    alone = aims("report", "--today", TODAY, "--no-config", "-o", str(out), str(manifest))
    assert alone.exit_code == 0, alone.stderr
    assert alone.stdout.startswith(f"{out}: 1 system,"), alone.stdout


@pytest.mark.parametrize("flag", [("--select", "AIMS-DOC"), ("--ignore", "AIMS-DOC-001")])
def test_selection_flags_with_json_reports_are_refused(
    tmp_path: Path, flag: tuple[str, str]
) -> None:
    """--select/--ignore choose what a check evaluates; a JSON report was evaluated already, so
    they cannot apply to it: one line naming the flag, exit 2, no report written (rather than
    a report silently unfiltered, or filtered to show unevaluated rules as passing)."""
    payments, _ = two_repositories(tmp_path)
    out = tmp_path / "out.html"
    for inputs in ([str(payments)], [str(payments), str(MANIFESTS)]):
        result = aims("report", "--today", TODAY, *flag, "-o", str(out), *inputs)
        assert result.exit_code == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and flag[0] in lines[0], result.stderr
        assert not out.exists()


def test_values_written_in_python_are_escaped_as_jinja2_escapes_them() -> None:
    """The page's repeated parts are laid out in Python (speed); each value there must come out
    exactly as markupsafe (Jinja2's autoescaping) would write it, hostile text included."""
    from markupsafe import escape

    from aims_policy.output.audit_html import _h

    for value in (
        "<script>alert(1)</script>",
        "\"'><img src=x onerror=alert(1)>",
        "a & b &amp; c",
        "javascript:alert(document.cookie)",
        "\x00\x1b[31m\u202e\ufeff",
        "",
        42,
        None,
    ):
        assert _h(value) == str(escape(value)), value
