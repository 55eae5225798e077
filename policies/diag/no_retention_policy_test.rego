package kvguard.diag.no_retention_policy_test

import data.kvguard.diag.no_retention_policy

# setting builds a diagnostic setting with the given logs and metrics entries.
setting(logs, metrics, unknown) := {
	"urn": "urn:pulumi:dev::secret-store::azure-native:insights:DiagnosticSetting::s",
	"type": "azure-native:insights:DiagnosticSetting",
	"name": "s",
	"op": "create",
	"custom": true,
	"properties": {"name": "kv-audit", "resourceUri": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv", "workspaceId": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws", "logs": logs, "metrics": metrics},
	"unknown": unknown,
	"secret": [],
	"dependencies": [],
	"propertyDependencies": {},
	"protect": false,
}

denies(resources) := d if {
	d := no_retention_policy.deny with input as {"profile": "dev", "resources": resources}
}

warns(resources) := w if {
	w := no_retention_policy.warn with input as {"profile": "dev", "resources": resources}
}

test_deny_log_retention if {
	d := denies([setting([{"categoryGroup": "audit", "enabled": true, "retentionPolicy": {"enabled": true, "days": 30}}], [], [])])
	count(d) == 1
	some f in d
	f.msg == "Diagnostic setting 's' sets a 30-day retention policy on logs entry 0."
}

test_deny_metric_retention if {
	count(denies([setting([], [{"category": "AllMetrics", "enabled": true, "retentionPolicy": {"enabled": false, "days": 7}}], [])])) == 1
}

test_allow_zero_days if {
	count(denies([setting([{"categoryGroup": "audit", "enabled": true, "retentionPolicy": {"enabled": false, "days": 0}}], [], [])])) == 0
}

test_allow_no_retention_policy if {
	resources := [setting([{"categoryGroup": "allLogs", "enabled": true}], [{"category": "AllMetrics", "enabled": true}], [])]
	count(denies(resources)) == 0
	count(warns(resources)) == 0
}

test_unknown_days_is_unverifiable if {
	resources := [setting([{"categoryGroup": "audit", "enabled": true, "retentionPolicy": {"enabled": true}}], [], ["logs.0.retentionPolicy.days"])]
	count(denies(resources)) == 0
	w := warns(resources)
	count(w) == 1
	some f in w
	f.unknown == "logs.0.retentionPolicy.days"
}

test_allow_unknown_category_is_not_a_retention_question if {
	count(warns([setting([{"enabled": true}], [], ["logs.0.category"])])) == 0
}

test_deny_days_as_string if {
	d := denies([setting([{"categoryGroup": "audit", "enabled": true, "retentionPolicy": {"enabled": true, "days": "30"}}], [], [])])
	d == {{
		"urn": "urn:pulumi:dev::secret-store::azure-native:insights:DiagnosticSetting::s",
		"msg": "Diagnostic setting 's' sets retentionPolicy.days on logs entry 0 to a string, not a number of days.",
	}}
}

test_unknown_secret_retention_policy_is_unverifiable if {
	r := object.union(setting([], [{"category": "AllMetrics", "enabled": true}], []), {"secret": ["metrics.0.retentionPolicy"]})
	count(denies([r])) == 0
	{f.unknown | some f in warns([r])} == {"metrics.0.retentionPolicy"}
}
