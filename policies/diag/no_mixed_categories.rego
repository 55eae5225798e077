# METADATA
# title: Diagnostic settings should not mix categories and category groups
# description: |
#   The logs entries of one diagnostic setting use either `category` or `categoryGroup`, not
#   both. Azure rejects a setting that mixes them. A field whose value is unknown at preview
#   still counts as set.
# scope: package
# related_resources:
#   - ref: https://learn.microsoft.com/azure/azure-monitor/essentials/diagnostic-settings#resource-logs
#     description: Resource log categories and category groups
# custom:
#   id: DIAG-003
#   severity: MEDIUM
#   enforcement: mandatory
#   recommended_action: |
#     Use category groups (`audit` or `allLogs`) alone, or list individual categories alone,
#     in each diagnostic setting.
#   resource_types:
#     - azure-native:insights:DiagnosticSetting
#   references:
#     azure_policy: []
#     mcsb:
#       - LT-3
#     checkov: []
#     trivy: []
#     psrule: []
package kvguard.diag.no_mixed_categories

import data.kvguard.lib

# uses holds when a logs entry of r sets field, with a known value or one that cannot be read
# (unknown or secret).
uses(r, field) if {
	some entry in object.get(r.properties, "logs", [])
	is_string(entry[field])
}

uses(r, field) if {
	some u in lib.unreadable_paths(r)
	regex.match(concat("", [`^logs\.[0-9]+\.`, field, `$`]), u)
}

# Unknown or secret paths that may hide whether an entry uses a category or a group.
entry_unknown := `^logs(\.[0-9]+)?$`

deny contains lib.fail(r, msg) if {
	some r in lib.diagnostic_settings
	mixed(r)
	msg := sprintf("%s mixes category and categoryGroup entries in its logs.", [lib.label(r)])
}

warn contains lib.unverifiable(r, u) if {
	some r in lib.diagnostic_settings
	not mixed(r)
	some u in lib.unreadable_paths(r)
	regex.match(entry_unknown, u)
}

mixed(r) if {
	uses(r, "category")
	uses(r, "categoryGroup")
}
