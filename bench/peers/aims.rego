# Ten aims-policy rules written in Rego, for bench/peers.py: the same questions asked of the same
# manifest (input: the manifest as JSON), each violation a message with the rule's id. Written for
# the speed comparison; aims-policy's own rules (rules/*.py) are the reference for what each means.
package aims

import rego.v1

high_levels := {"high", "critical"}

# The ten rules judge AI system manifests only (an organisation manifest is another kind, with
# rules of its own), as aims-policy's do (each rule declares the kinds it reads).
system if input.kind == "AISystem"

spec := object.get(input, "spec", {})

classification := object.get(spec, "classification", {})

high_risk if high_levels[object.get(classification, "riskLevel", "")]

high_risk if object.get(object.get(classification, "euAiAct", {}), "category", "") == "high-risk"

risks := object.get(spec, "risks", [])

sources := object.get(spec, "dataSources", [])

# Absent, null or empty: what a Python rule's `not value` means for a text.
blank(value) if value == null

blank(value) if value == ""

segment(part) := part if is_string(part)

segment(part) := format_int(part, 10) if is_number(part)

# AIMS-OWN-001: the system owner can be contacted
deny contains "AIMS-OWN-001 spec.owner has no email" if {
	system
	blank(object.get(object.get(spec, "owner", {}), "email", null))
}

# AIMS-OWN-002: high-risk systems name an accountable person other than the owner
deny contains "AIMS-OWN-002 no accountable person other than the owner" if {
	system
	high_risk
	not spec.accountablePerson.name
}

deny contains "AIMS-OWN-002 the accountable person is the owner" if {
	system
	high_risk
	spec.accountablePerson.name == spec.owner.name
}

# AIMS-RSK-001 / AIMS-RSK-002: a risk register, whatever the risk level
deny contains "AIMS-RSK-001 this high-risk system has no risk register" if {
	system
	high_risk
	count(risks) == 0
}

deny contains "AIMS-RSK-002 the system has no risk register" if {
	system
	not high_risk
	count(risks) == 0
}

# AIMS-RSK-003: every risk is rated for likelihood and impact
deny contains sprintf("AIMS-RSK-003 risk %v has no %v", [risk.id, field]) if {
	system
	some risk in risks
	some field in ["likelihood", "impact"]
	object.get(risk, field, null) == null
}

# AIMS-RSK-004: every risk has an owner
deny contains sprintf("AIMS-RSK-004 risk %v has no owner", [risk.id]) if {
	system
	some risk in risks
	blank(object.get(risk, "owner", null))
}

# AIMS-RSK-005: a declared score is likelihood x impact
deny contains sprintf("AIMS-RSK-005 risk %v scores %v, not %v", [risk.id, risk.score, product]) if {
	system
	some risk in risks
	product := risk.likelihood * risk.impact
	risk.score != product
}

# AIMS-DAT-001: every data source states its origin and collection method
deny contains sprintf("AIMS-DAT-001 data source %v has no provenance", [source.id]) if {
	system
	some source in sources
	not source.provenance
}

deny contains sprintf("AIMS-DAT-001 data source %v does not state %v", [source.id, key]) if {
	system
	some source in sources
	some key in ["origin", "collectionMethod"]
	source.provenance
	blank(object.get(source.provenance, key, null))
}

# AIMS-LOG-001: a system in use records event logs
in_operation if object.get(object.get(spec, "lifecycle", {}), "stage", "") in {"deployment", "operation"}

deny contains "AIMS-LOG-001 the system is in use but keeps no event logs" if {
	system
	in_operation
	not spec.logging
}

deny contains "AIMS-LOG-001 event logging is switched off" if {
	system
	in_operation
	spec.logging
	not spec.logging.enabled
}

deny contains "AIMS-LOG-001 the logged events are not listed" if {
	system
	in_operation
	spec.logging.enabled
	not spec.logging.events
}

# AIMS-TODO-001: placeholders are filled in (every string of the manifest)
deny contains concat("", ["AIMS-TODO-001 placeholder at ", concat(".", [segment(p) | some p in path])]) if {
	system
	walk(input, [path, value])
	is_string(value)
	regex.match(`TODO\b`, value)
}
