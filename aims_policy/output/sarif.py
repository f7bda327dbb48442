"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One run. ``tool.driver`` describes every rule of the report with help, tags, ``security-severity``
(on rules tagged ``security``) and ``relationships`` to three taxonomies (ISO/IEC 42001, EU AI
Act, NIST AI RMF) that the run carries. Results have relative URIs under ``%SRCROOT%``, regions
with columns, and ``partialFingerprints`` made from rule, system and identity path only, so moving
lines or inserting list items does not re-open alerts. Waived and baselined findings stay as
results with ``suppressions``; files that could not be loaded and rule crashes are
``toolExecutionNotifications`` and make ``executionSuccessful`` false; a rule not evaluated on a
system (a part of its manifest does not match the schema) is a ``note`` notification there.

The project URL (``url`` in setup.cfg) is the single source of ``informationUri`` and every
``helpUri``; it is read from the installed distribution's metadata when rendering.

GitHub rejects a run of more than 25,000 results or an upload above 10 MB gzipped. Rather than
write such a file, :func:`render` raises :class:`SarifLimitError`; ``--sarif-min-level`` keeps
only results at or above a severity. (GitHub stores only the 5,000 most severe results of a run
anyway.)

The file is written as it is rendered (:mod:`aims_policy.output.jsonstream`): each result becomes
a dict only when its turn comes, and the size is measured on the way, so the limit is enforced
before a file is replaced (:func:`aims_policy.output.write_atomic` keeps the previous one).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

from aims_policy.model import (
    Finding,
    Location,
    Notification,
    Reference,
    Report,
    RuleMeta,
    RuleResult,
    Suppression,
    at_or_above,
)
from aims_policy.output import RenderOptions
from aims_policy.output.jsonstream import Fields, Items, plain
from aims_policy.output.jsonstream import chunks as json_chunks
from aims_policy.output.taxonomy import EU, ISO, NIST, Catalogue, catalogues, eu_taxa, nist_taxa

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "aimsPolicyFinding/v1"
SRCROOT = "%SRCROOT%"
DEFAULT_CATEGORY = "aims-policy/"

#: GitHub code scanning's hard limits (docs: "SARIF results exceed limit").
MAX_RESULTS = 25_000
MAX_GZIPPED_BYTES = 10 * 1024 * 1024
MAX_TAGS = 10  # GitHub shows 10 and rejects more than 20
MAX_FULL_DESCRIPTION = 1000

#: GitHub reads ``security-severity`` (0.0-10.0) on rules tagged "security": above 7.0 is high,
#: 4.0-6.9 medium, below 4.0 low.
SECURITY_SEVERITY = {"error": "7.5", "warning": "5.0", "note": "2.0"}


class SarifLimitError(ValueError):
    """The SARIF would exceed a limit GitHub enforces; the message says how to stay within it."""


@cache
def project_url() -> str | None:
    """The project URL from the installed distribution's metadata (setup.cfg ``url``)."""
    from importlib import metadata

    try:
        meta = metadata.metadata("aims-policy")
    except metadata.PackageNotFoundError:
        return None
    url = next(iter(meta.get_all("Home-page") or []), None)
    if not url:
        for entry in meta.get_all("Project-URL") or []:
            label, _, value = entry.partition(",")
            if label.strip().lower() in ("homepage", "home", "source", "repository"):
                url = value.strip()
                break
    return url.rstrip("/") if url else None


def rule_doc_url(rule_id: str, base: str | None = None) -> str | None:
    base = base if base is not None else project_url()
    return f"{base}/blob/main/docs/rules/{rule_id}.md" if base else None


def render(report: Report, options: RenderOptions) -> str:
    return "".join(chunks(report, options))


def chunks(report: Report, options: RenderOptions) -> Iterator[str]:
    """The SARIF file in pieces; raises :class:`SarifLimitError` before the first piece when
    there are too many results, and after the last when the file is too large."""
    size = _Size()
    for piece in json_chunks(document(report, options)):
        size.add(piece)
        yield piece
    size.add("\n")
    yield "\n"
    size.check()


def as_dict(report: Report, options: RenderOptions | None = None) -> dict[str, Any]:
    """The SARIF log as one document (the file holds its indented dump)."""
    doc: dict[str, Any] = plain(document(report, options))
    return doc


def document(report: Report, options: RenderOptions | None = None) -> Fields:
    """The SARIF log, its results read as they are written."""
    options = options or RenderOptions()
    min_level = options.sarif_min_level
    findings = [
        f for f in report.findings if min_level is None or at_or_above(f.severity, min_level)
    ]
    if len(findings) > MAX_RESULTS:
        raise SarifLimitError(_too_many(len(findings), report, min_level))

    rules = list(report.rules)
    known = {r.id for r in rules}
    for f in findings:  # a finding of a rule the report does not describe still needs a rule
        if f.rule_id not in known:
            known.add(f.rule_id)
            rules.append(RuleMeta(f.rule_id, "", f.rule_id, f.severity, "", ""))
    rule_index = {r.id: i for i, r in enumerate(rules)}
    taxonomies = _taxonomies(rules)
    base = project_url()
    systems = {s.name: s.location for s in report.systems}

    driver: dict[str, Any] = {
        "name": "aims-policy",
        "fullName": "aims-policy: policy-as-code checks for AI systems (ISO/IEC 42001)",
        "version": report.tool_version,
        "semanticVersion": report.tool_version,
    }
    if base:
        driver["informationUri"] = base
    driver["rules"] = [_rule(r, taxonomies, base) for r in rules]
    driver["supportedTaxonomies"] = [
        {"name": t["name"], "index": i} for i, t in enumerate(taxonomies)
    ]

    category = options.sarif_category or DEFAULT_CATEGORY
    run = Fields(
        {
            "tool": {"driver": driver},
            "automationDetails": {"id": category if category.endswith("/") else category + "/"},
            "invocations": [_invocation(report, rule_index)],
            "originalUriBaseIds": {
                SRCROOT: {
                    "description": {
                        "text": "The directory aims-policy was run from; every "
                        "result path is relative to it."
                    }
                },
            },
            "columnKind": "unicodeCodePoints",
            "taxonomies": [t["component"] for t in taxonomies],
            "results": Items(_result(f, rule_index[f.rule_id], systems) for f in findings),
            "properties": {
                "today": report.today,
                "failOn": report.fail_on,
                "files": len(report.files),
                "systems": [s.name for s in report.systems],
                **(
                    {
                        "omittedBelowLevel": min_level,
                        "omittedResults": len(report.findings) - len(findings),
                    }
                    if min_level
                    else {}
                ),
            },
        }
    )
    return Fields({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": Items([run])})


def _too_many(count: int, report: Report, min_level: str | None) -> str:
    # Offer the least strict level that fits, so the way out is one that works.
    fits = [
        (level, n)
        for level in ("warning", "error")
        if (n := sum(1 for f in report.findings if at_or_above(f.severity, level))) <= MAX_RESULTS
        and (min_level is None or at_or_above(level, min_level))
    ]
    if fits:
        level, kept_count = fits[0]
        way_out = f"--sarif-min-level {level} would keep {kept_count}"
    else:
        way_out = "even --sarif-min-level error keeps too many"
    kept = f" at or above {min_level}" if min_level else ""
    return (
        f"the SARIF run would hold {count} results{kept}, more than the {MAX_RESULTS} GitHub "
        f"code scanning accepts per run; keep only severe results ({way_out}), or check "
        f"fewer paths per upload with a separate --sarif-category for each"
    )


class _Size:
    """The gzipped size of the pieces written, measured as they pass. gzip never shrinks below
    ~1/1000, so only a text longer than the limit can exceed it: the pieces are kept (not
    compressed) until the text is that long, which spares the compression cost of every
    ordinary run; then they are compressed as they come."""

    def __init__(self) -> None:
        self.chars = 0
        self.pending: list[str] = []
        self.gzipped = 0
        self.compressor: Any = None

    def add(self, piece: str) -> None:
        self.chars += len(piece)
        if self.compressor is None:
            self.pending.append(piece)
            if self.chars <= MAX_GZIPPED_BYTES:
                return
            import zlib

            # wbits 31: the gzip format (header and trailer), as `gzip` writes it
            self.compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
            pieces, self.pending = self.pending, []
        else:
            pieces = [piece]
        for text in pieces:
            self.gzipped += len(self.compressor.compress(text.encode("utf-8")))

    def check(self) -> None:
        if self.compressor is None:
            return
        size = self.gzipped + len(self.compressor.flush())
        if size > MAX_GZIPPED_BYTES:
            raise SarifLimitError(
                f"the SARIF file would be {size / 1048576:.1f} MB gzipped, more than "
                f"the 10 MB GitHub code scanning accepts; keep only severe results "
                f"(--sarif-min-level error) or check fewer paths per upload with a "
                f"separate --sarif-category for each"
            )


# -- taxonomies ----------------------------------------------------------------------------------


def _refs_of(rule: RuleMeta, key: str) -> list[tuple[str, Reference]]:
    """(taxon id, reference) pairs a rule names in one catalogue."""
    if key == ISO:
        return [(ref, Reference(ref)) for ref in rule.controls + rule.clauses]
    if key == EU:
        return [(t, ref) for ref in rule.eu_ai_act for t in eu_taxa(ref.ref) or [ref.ref]]
    return [(t, ref) for ref in rule.nist_ai_rmf for t in nist_taxa(ref.ref) or [ref.ref]]


def _taxonomies(rules: list[RuleMeta]) -> list[dict[str, Any]]:
    out = []
    for cat in catalogues():
        taxa = [
            _taxon(t.id, t.title, {"kind": t.kind, **({"parent": t.parent} if t.parent else {})})
            for t in cat.taxa
        ]
        index = {t.id: i for i, t in enumerate(cat.taxa)}
        # Identifiers a (custom) rule uses that the catalogue lacks still get a taxon, so that every
        # relationship resolves; they are marked as such.
        extra = sorted({tid for r in rules for tid, _ in _refs_of(r, cat.key) if tid not in index})
        for tid in extra:
            index[tid] = len(taxa)
            taxa.append(_taxon(tid, None, {"inCatalog": False}))
        out.append({"name": cat.name, "index": index, "component": _component(cat, taxa)})
    return out


def _taxon(taxon_id: str, title: str | None, properties: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": taxon_id}
    if title:
        out["name"] = title
        out["shortDescription"] = {"text": f"{taxon_id} {title}."}
    out["properties"] = properties
    return out


def _component(cat: Catalogue, taxa: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": cat.name,
        "fullName": cat.full_name,
        "version": cat.version,
        "organization": cat.organization,
        "informationUri": cat.information_uri,
        "shortDescription": {"text": f"{cat.full_name}: identifiers and short titles."},
        "isComprehensive": False,
        "taxa": taxa,
    }


# -- rules ---------------------------------------------------------------------------------------


def _slug(taxon_id: str) -> str:
    """``Art. 9`` -> ``art-9``, ``GOVERN 2.1`` -> ``govern-2.1``: tags GitHub can filter on."""
    return taxon_id.lower().replace(". ", "-").replace(" ", "-")


def _tags(rule: RuleMeta) -> list[str]:
    """At most ten tags (GitHub shows ten), most useful first: ``security`` (GitHub's severity
    switch), the Annex A controls, three EU AI Act articles, two ISO clauses, the rule's other
    free tags, two NIST subcategories, then the rest. The full crosswalk is in the taxonomies."""
    eu = [f"eu-ai-act/{_slug(t)}" for t, _ in _refs_of(rule, EU)]
    clauses = [f"iso42001/{c}" for c in rule.clauses]
    nist = [f"nist-ai-rmf/{_slug(t)}" for t, _ in _refs_of(rule, NIST)]
    eu, clauses, nist = (list(dict.fromkeys(x)) for x in (eu, clauses, nist))
    tags = ["security"] if "security" in rule.tags else []
    tags += [f"iso42001/{c}" for c in rule.controls]
    tags += eu[:3] + clauses[:2]
    tags += [t for t in rule.tags if t != "security"]
    tags += nist[:2] + eu[3:] + clauses[2:] + nist[2:]
    return list(dict.fromkeys(tags))[:MAX_TAGS]


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


def _sentence(text: str) -> str:
    # SARIF viewers (and the SARIF2001 check) expect messages to be complete sentences.
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _ref_text(ref: Reference) -> str:
    extra = ", derived" if ref.derived else ""
    return f"{ref.ref} (confidence {ref.confidence}{extra})"


def _iso_text(refs: Iterable[str], label: str) -> list[str]:
    from aims_policy.output.taxonomy import iso_title

    out = []
    for ref in refs:
        title = iso_title(ref)
        out.append(f"{label}{ref}" + (f" {title}" if title else ""))
    return out


def _help(rule: RuleMeta) -> tuple[str, str]:
    iso = _iso_text(rule.controls, "") + _iso_text(rule.clauses, "clause ")
    eu = [_ref_text(r) for r in rule.eu_ai_act]
    nist = [
        _ref_text(r) if r.derived or r.confidence != "high" else r.ref for r in rule.nist_ai_rmf
    ]
    text = [rule.title + ".", ""]
    md = [f"**{rule.title}**", ""]
    if rule.rationale:
        text += ["Why it matters: " + rule.rationale, ""]
        md += ["## Why it matters", "", rule.rationale, ""]
    if rule.remediation:
        text += ["How to fix: " + rule.remediation, ""]
        md += ["## How to fix", "", rule.remediation, ""]
    text += [f"Applies to: {rule.applies_to}.", ""]
    md += ["## Applies to", "", rule.applies_to, "", "## References", ""]
    text.append("References:")
    for label, items in (("ISO/IEC 42001", iso), ("EU AI Act", eu), ("NIST AI RMF", nist)):
        if items:
            text.append(f"- {label}: " + "; ".join(items))
            md.append(f"- **{label}**: " + "; ".join(items))
    if not (iso or eu or nist):
        text.append("- none recorded")
        md.append("- none recorded")
    return "\n".join(text), "\n".join(md)


def _rule(rule: RuleMeta, taxonomies: list[dict[str, Any]], base: str | None) -> dict[str, Any]:
    text, markdown = _help(rule)
    out: dict[str, Any] = {"id": rule.id}
    if rule.name:
        out["name"] = rule.name
    out["shortDescription"] = {"text": _sentence(rule.title)}
    full = _sentence(rule.title) + (" " + rule.rationale if rule.rationale else "")
    out["fullDescription"] = {"text": _clip(full, MAX_FULL_DESCRIPTION)}
    out["help"] = {"text": text, "markdown": markdown}
    if rule.pack == "builtin":  # custom packs are documented elsewhere, not on our site
        uri = rule_doc_url(rule.id, base)
        if uri:
            out["helpUri"] = uri
    out["defaultConfiguration"] = {"level": rule.severity}
    relationships = _relationships(rule, taxonomies)
    if relationships:
        out["relationships"] = relationships
    props: dict[str, Any] = {"tags": _tags(rule)}
    if "security" in rule.tags:
        props["security-severity"] = SECURITY_SEVERITY[rule.severity]
    props["iso42001"] = {"controls": list(rule.controls), "clauses": list(rule.clauses)}
    props["euAiAct"] = [_ref_dict(r) for r in rule.eu_ai_act]
    props["nistAiRmf"] = [_ref_dict(r) for r in rule.nist_ai_rmf]
    props["appliesTo"] = rule.applies_to
    props["pack"] = rule.pack
    out["properties"] = props
    return out


def _ref_dict(ref: Reference) -> dict[str, Any]:
    return {"ref": ref.ref, "confidence": ref.confidence, "derived": ref.derived}


def _relationships(rule: RuleMeta, taxonomies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every result of the rule is evidence against its ISO/IEC 42001 controls and clauses, so those
    are ``superset`` relationships (SARIF: a result implicitly carries such taxa). Crosswalk entries
    are ``superset`` only when firm (high confidence, not derived), otherwise ``relevant``."""
    out: list[dict[str, Any]] = []
    seen: set[tuple[int, str]] = set()
    for component_index, (cat, tax) in enumerate(zip(catalogues(), taxonomies, strict=True)):
        for taxon_id, ref in _refs_of(rule, cat.key):
            if (component_index, taxon_id) in seen:
                continue
            seen.add((component_index, taxon_id))
            firm = cat.key == ISO or (ref.confidence == "high" and not ref.derived)
            entry: dict[str, Any] = {
                "target": {
                    "id": taxon_id,
                    "index": tax["index"][taxon_id],
                    "toolComponent": {"name": cat.name, "index": component_index},
                },
                "kinds": ["superset" if firm else "relevant"],
            }
            if cat.key != ISO:
                entry["description"] = {"text": _sentence(f"{cat.name} {_ref_text(ref)}")}
                entry["properties"] = _ref_dict(ref)
            out.append(entry)
    return out


# -- results -------------------------------------------------------------------------------------


def _uri(path: str) -> tuple[str, bool]:
    """A URI reference for a report path, and whether it is relative to %SRCROOT%."""
    from urllib.parse import quote

    if path.startswith("/"):
        return "file://" + quote(path), False
    return quote(path, safe="/"), True


def _physical(loc: Location) -> dict[str, Any]:
    uri, relative = _uri(loc.file)
    artifact: dict[str, Any] = {"uri": uri}
    if relative:
        artifact["uriBaseId"] = SRCROOT
    if loc.line <= 0:  # the file as a whole
        return {"physicalLocation": {"artifactLocation": artifact}}
    region: dict[str, Any] = {"startLine": max(1, loc.line), "startColumn": max(1, loc.col)}
    if loc.end_line is not None and loc.end_line >= loc.line:
        region["endLine"] = loc.end_line
        if loc.end_col is not None and (loc.end_line > loc.line or loc.end_col >= loc.col):
            region["endColumn"] = max(1, loc.end_col)
    return {"physicalLocation": {"artifactLocation": artifact, "region": region}}


def _result(f: Finding, rule_index: int, systems: dict[str, Location]) -> dict[str, Any]:
    location = f.location
    if location.file == "?" and f.system in systems:  # a cross-manifest finding without a place
        location = systems[f.system]
    out: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": f.severity,
        "message": {"text": _sentence(f.message)},
        "locations": [_physical(location)],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
    }
    if f.state != "open":  # an open finding may carry what would suppress it (--audit): no
        out["suppressions"] = [_suppression(f.suppression, f)]
    props: dict[str, Any] = {}
    if f.system is not None:
        props["system"] = f.system
    if f.item is not None:
        props["item"] = f.item
    props["identityPath"] = f.ident
    props["jsonPointer"] = f.json_path
    props["controls"] = list(f.controls)
    props["state"] = f.state
    out["properties"] = props
    return out


def _suppression(s: Suppression | None, f: Finding) -> dict[str, Any]:
    if s is None:  # a state without its record: still suppressed, and say so
        return {
            "kind": "external",
            "status": "accepted",
            "justification": f"{f.state} (no justification recorded)",
        }
    in_source = s.source is not None and s.source.file == f.location.file and s.kind == "exception"
    parts = [s.justification.strip() or "no justification given"]
    if s.approver:
        parts.append(f"approved by {s.approver}")
    if s.expires:
        parts.append(f"until {s.expires}")
    out: dict[str, Any] = {
        "kind": "inSource" if in_source else "external",
        "status": "accepted",
        "justification": "; ".join(parts),
    }
    if s.source is not None:
        out["location"] = _physical(s.source)
    props: dict[str, Any] = {"kind": s.kind}
    if s.approver:
        props["approver"] = s.approver
    if s.expires:
        props["expires"] = s.expires
    out["properties"] = props
    return out


def _invocation(report: Report, rule_index: dict[str, int]) -> dict[str, Any]:
    notes = report.notifications
    out: dict[str, Any] = {"executionSuccessful": not notes}
    told = [_notification(n, rule_index) for n in notes]
    # A rule not evaluated on a system (a part of the manifest it reads does not match the
    # schema) is a note: the run went as it should, the schema findings are its results.
    told += [_not_evaluated(r, rule_index) for r in report.results if r.status == "not_evaluated"]
    if told:
        out["toolExecutionNotifications"] = told
    return out


def _not_evaluated(result: RuleResult, rule_index: dict[str, int]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "level": "note",
        "message": {"text": _sentence(f"{result.rule_id} on {result.system}: {result.reason}")},
        "descriptor": {"id": "schema/not-evaluated"},
    }
    if result.rule_id in rule_index:
        out["associatedRule"] = {"id": result.rule_id, "index": rule_index[result.rule_id]}
    out["properties"] = {"kind": "not-evaluated", "system": result.system}
    return out


def _notification(n: Notification, rule_index: dict[str, int]) -> dict[str, Any]:
    out: dict[str, Any] = {"level": "error", "message": {"text": _sentence(n.message)}}
    if n.location is not None:
        out["locations"] = [_physical(n.location)]
    out["descriptor"] = {"id": f"{n.kind}/{n.code}"}
    if n.rule_id is not None and n.rule_id in rule_index:
        out["associatedRule"] = {"id": n.rule_id, "index": rule_index[n.rule_id]}
    props: dict[str, Any] = {"kind": n.kind, "code": n.code}
    if n.system is not None:
        props["system"] = n.system
    out["properties"] = props
    return out
