package kvguard.diag.no_mixed_categories_test

import data.kvguard.diag.no_mixed_categories

# setting builds a diagnostic setting with the given logs entries.
setting(logs, unknown) := {
	"urn": "urn:pulumi:dev::secret-store::azure-native:insights:DiagnosticSetting::s",
	"type": "azure-native:insights:DiagnosticSetting",
	"name": "s",
	"op": "create",
	"custom": true,
	"properties": {"name": "kv-audit", "resourceUri": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv", "workspaceId": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws", "logs": logs},
	"unknown": unknown,
	"secret": [],
	"dependencies": [],
	"propertyDependencies": {},
	"protect": false,
}

denies(resources) := d if {
	d := no_mixed_categories.deny with input as {"profile": "dev", "resources": resources}
}

warns(resources) := w if {
	w := no_mixed_categories.warn with input as {"profile": "dev", "resources": resources}
}

test_deny_mixed if {
	d := denies([setting([{"category": "AuditEvent", "enabled": true}, {"categoryGroup": "allLogs", "enabled": true}], [])])
	count(d) == 1
	some f in d
	f.msg == "Diagnostic setting 's' mixes category and categoryGroup entries in its logs."
}

test_deny_mixed_with_unknown_category_value if {
	resources := [setting([{"enabled": true}, {"categoryGroup": "audit", "enabled": true}], ["logs.0.category"])]
	count(denies(resources)) == 1
	count(warns(resources)) == 0
}

test_allow_groups_only if {
	count(denies([setting([{"categoryGroup": "audit", "enabled": true}, {"categoryGroup": "allLogs", "enabled": true}], [])])) == 0
}

test_allow_categories_only if {
	count(denies([setting([{"category": "AuditEvent", "enabled": true}, {"category": "AzurePolicyEvaluationDetails", "enabled": true}], [])])) == 0
}

test_unknown_entry_is_unverifiable if {
	resources := [setting([{"category": "AuditEvent", "enabled": true}], ["logs.1"])]
	count(denies(resources)) == 0
	w := warns(resources)
	count(w) == 1
	some f in w
	f.unknown == "logs.1"
}

test_deny_mixed_with_secret_category_value if {
	r := object.union(setting([{"enabled": true}, {"categoryGroup": "audit", "enabled": true}], []), {"secret": ["logs.0.category"]})
	count(denies([r])) == 1
}

test_unknown_secret_entry_is_unverifiable if {
	r := object.union(setting([{"category": "AuditEvent", "enabled": true}], []), {"secret": ["logs.1"]})
	count(denies([r])) == 0
	{f.unknown | some f in warns([r])} == {"logs.1"}
}
