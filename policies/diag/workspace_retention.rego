# METADATA
# title: Log Analytics workspaces should keep logs for the required period
# description: |
#   A Log Analytics workspace keeps logs at least `minRetentionDays` (default 90 days, 365 in
#   production), so audit events are still there when an incident is investigated. A
#   workspace without retentionInDays keeps Azure's 30-day default. A retentionInDays that is
#   not a number (the string `"365"`, say) fails as the wrong type.
# scope: package
# related_resources:
#   - ref: https://learn.microsoft.com/azure/azure-monitor/logs/data-retention-configure
#     description: Configure data retention in a Log Analytics workspace
# custom:
#   id: DIAG-004
#   severity: LOW
#   enforcement: advisory
#   recommended_action: |
#     Set the workspace's retentionInDays to at least the configured minimum (or raise the
#     retention of the Key Vault tables).
#   resource_types:
#     - azure-native:operationalinsights:Workspace
#   config:
#     minRetentionDays:
#       type: integer
#       minimum: 1
#       description: Fewest days a workspace must keep logs.
#       default: 90
#       prod: 365
#   references:
#     azure_policy: []
#     mcsb:
#       - LT-6
#     checkov: []
#     trivy: []
#     psrule: []
package kvguard.diag.workspace_retention

import data.kvguard.lib

# Azure keeps logs this long when retentionInDays is not set.
azure_default_days := 30

min_days := lib.setting("DIAG-004", "minRetentionDays")

deny contains lib.fail(r, msg) if {
	some r in lib.workspaces
	days := r.properties.retentionInDays
	is_number(days)
	days < min_days
	msg := sprintf("%s keeps logs for %v days, fewer than the %v required.", [lib.label(r), days, min_days])
}

deny contains lib.fail(r, msg) if {
	some r in lib.workspaces
	days := r.properties.retentionInDays
	days != null
	not is_number(days)
	msg := lib.wrong_type(r, "retentionInDays", days, "a number of days")
}

deny contains lib.fail(r, msg) if {
	some r in lib.workspaces
	object.get(r.properties, "retentionInDays", null) == null
	not lib.is_unknown(r, "retentionInDays")
	azure_default_days < min_days
	msg := sprintf("%s does not set retentionInDays, so it keeps logs for %v days, fewer than the %v required.", [lib.label(r), azure_default_days, min_days])
}

warn contains lib.unverifiable(r, "retentionInDays") if {
	some r in lib.unreadable[lib.type_workspace]
	lib.is_unknown(r, "retentionInDays")
}
