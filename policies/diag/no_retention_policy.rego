# METADATA
# title: Diagnostic settings should not set a retention policy
# description: |
#   No logs or metrics entry of a diagnostic setting carries a `retentionPolicy` with days
#   greater than 0. Azure retired diagnostic-setting retention and rejects it on new settings;
#   retention belongs to the destination (the workspace's retentionInDays, DIAG-004, or a
#   storage lifecycle rule). Days that are not a number (the string `"30"`, say) fail as the
#   wrong type.
# scope: package
# related_resources:
#   - ref: https://learn.microsoft.com/azure/azure-monitor/essentials/migrate-to-azure-storage-lifecycle-policy
#     description: Migrate from diagnostic settings storage retention to lifecycle management
# custom:
#   id: DIAG-002
#   severity: MEDIUM
#   enforcement: mandatory
#   recommended_action: |
#     Remove retentionPolicy from the setting's logs and metrics entries (or set days to 0);
#     keep logs long enough through the workspace's retentionInDays.
#   resource_types:
#     - azure-native:insights:DiagnosticSetting
#   references:
#     azure_policy: []
#     mcsb:
#       - LT-6
#     checkov: []
#     trivy: []
#     psrule: []
package kvguard.diag.no_retention_policy

import data.kvguard.lib

# Unknown or secret paths that may hide a retention policy.
retention_unknown := `^(logs|metrics)(\.[0-9]+(\.retentionPolicy(\.days)?)?)?$`

deny contains lib.fail(r, msg) if {
	some r in lib.diagnostic_settings
	some list in ["logs", "metrics"]
	some i, entry in object.get(r.properties, list, [])
	days := entry.retentionPolicy.days
	is_number(days)
	days > 0
	msg := sprintf("%s sets a %v-day retention policy on %s entry %d.", [lib.label(r), days, list, i])
}

deny contains lib.fail(r, msg) if {
	some r in lib.diagnostic_settings
	some list in ["logs", "metrics"]
	some i, entry in object.get(r.properties, list, [])
	days := entry.retentionPolicy.days
	days != null
	not is_number(days)
	msg := sprintf("%s sets retentionPolicy.days on %s entry %d to %s, not a number of days.", [lib.label(r), list, i, lib.type_noun(days)])
}

warn contains lib.unverifiable(r, u) if {
	some r in lib.diagnostic_settings
	some u in lib.unreadable_paths(r)
	regex.match(retention_unknown, u)
}
