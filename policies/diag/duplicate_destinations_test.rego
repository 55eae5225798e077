package kvguard.diag.duplicate_destinations_test

import data.kvguard.diag.duplicate_destinations

vault_id := "/subscriptions/3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61/resourceGroups/rg-secret-store-dev/providers/Microsoft.KeyVault/vaults/kv-store-dev-7f3a"

vault_urn := "urn:pulumi:dev::secret-store::azure-native:keyvault:Vault::vault"

workspace_id := "/subscriptions/3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61/resourceGroups/rg-secret-store-dev/providers/Microsoft.OperationalInsights/workspaces/log-store-dev"

workspace_urn := "urn:pulumi:dev::secret-store::azure-native:operationalinsights:Workspace::logs"

# setting builds a diagnostic setting named name; extra overrides top-level fields.
setting(name, props, extra) := object.union(
	{
		"urn": concat("", ["urn:pulumi:dev::secret-store::azure-native:insights:DiagnosticSetting::", name]),
		"type": "azure-native:insights:DiagnosticSetting",
		"name": name,
		"op": "create",
		"custom": true,
		"properties": props,
		"unknown": [],
		"secret": [],
		"dependencies": [],
		"propertyDependencies": {},
		"protect": false,
	},
	extra,
)

resource(urn, type, id) := {
	"urn": urn,
	"type": type,
	"name": "x",
	"id": id,
	"op": "same",
	"custom": true,
	"properties": {},
	"unknown": [],
	"secret": [],
	"dependencies": [],
	"propertyDependencies": {},
	"protect": false,
}

vault := resource(vault_urn, "azure-native:keyvault:Vault", vault_id)

workspace := resource(workspace_urn, "azure-native:operationalinsights:Workspace", workspace_id)

audit := [{"categoryGroup": "audit", "enabled": true}]

denies(resources) := d if {
	d := duplicate_destinations.deny with input as {"profile": "dev", "resources": resources}
}

warns(resources) := w if {
	w := duplicate_destinations.warn with input as {"profile": "dev", "resources": resources}
}

test_deny_same_group_same_workspace_case_insensitive if {
	a := setting("a", {"resourceUri": vault_id, "workspaceId": workspace_id, "logs": audit}, {})
	b := setting("b", {"resourceUri": upper(vault_id), "workspaceId": trim_left(lower(workspace_id), "/"), "logs": [{"categoryGroup": "AUDIT", "enabled": true}]}, {})
	d := denies([a, b])
	count(d) == 2
	some f in d
	f.urn == a.urn
	f.msg == "Diagnostic setting 'a' sends category 'AuditEvent' (in category group 'audit') to the same destination as 'b' for the same resource."
}

test_deny_same_metric if {
	m := [{"category": "AllMetrics", "enabled": true}]
	a := setting("a", {"resourceUri": vault_id, "workspaceId": workspace_id, "metrics": m}, {})
	b := setting("b", {"resourceUri": vault_id, "workspaceId": workspace_id, "metrics": m}, {})
	count(denies([a, b])) == 2
}

# One setting names ids, the other is a first preview: both unknown, related by dependency.
test_deny_known_and_unknown_resolved_through_dependencies if {
	a := setting("a", {"resourceUri": vault_id, "workspaceId": workspace_id, "logs": audit}, {})
	b := setting("b", {"logs": audit}, {
		"unknown": ["resourceUri", "workspaceId"],
		"propertyDependencies": {"resourceUri": [vault_urn], "workspaceId": [workspace_urn]},
	})
	count(denies([vault, workspace, a, b])) == 2
}

test_allow_different_destinations if {
	a := setting("a", {"resourceUri": vault_id, "workspaceId": workspace_id, "logs": audit}, {})
	b := setting("b", {"resourceUri": vault_id, "storageAccountId": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st", "logs": audit}, {})
	count(denies([a, b])) == 0
}

test_allow_different_categories if {
	a := setting("a", {"resourceUri": vault_id, "workspaceId": workspace_id, "logs": [{"category": "AuditEvent", "enabled": true}]}, {})
	b := setting("b", {"resourceUri": vault_id, "workspaceId": workspace_id, "logs": [{"category": "AzurePolicyEvaluationDetails", "enabled": true}]}, {})
	count(denies([a, b])) == 0
}

# A Key Vault's category groups hold categories: allLogs and audit both send AuditEvent.
test_deny_group_and_category_overlap_on_a_vault if {
	a := setting("a", {"resourceUri": vault_id, "workspaceId": workspace_id, "logs": [{"categoryGroup": "allLogs", "enabled": true}]}, {})
	b := setting("b", {"resourceUri": vault_id, "workspaceId": workspace_id, "logs": [{"category": "AuditEvent", "enabled": true}]}, {})
	c := setting("c", {"resourceUri": vault_id, "workspaceId": workspace_id, "logs": audit}, {})
	d := denies([a, b, c])
	{f.urn | some f in d} == {a.urn, b.urn, c.urn}
	some f in d
	f.urn == b.urn
	f.msg == "Diagnostic setting 'b' sends category 'AuditEvent' to the same destination as 'a', 'c' for the same resource."
}

# allLogs holds AzurePolicyEvaluationDetails, audit does not: only AuditEvent is sent twice.
test_allow_group_and_other_category_on_a_vault if {
	a := setting("a", {"resourceUri": vault_id, "workspaceId": workspace_id, "logs": audit}, {})
	b := setting("b", {"resourceUri": vault_id, "workspaceId": workspace_id, "logs": [{"category": "AzurePolicyEvaluationDetails", "enabled": true}]}, {})
	count(denies([a, b])) == 0
}

# Other resources' groups are not known here: a group and a category are different streams.
test_allow_group_and_category_on_another_resource if {
	storage := "/subscriptions/3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st"
	a := setting("a", {"resourceUri": storage, "workspaceId": workspace_id, "logs": audit}, {})
	b := setting("b", {"resourceUri": storage, "workspaceId": workspace_id, "logs": [{"category": "StorageRead", "enabled": true}]}, {})
	count(denies([a, b])) == 0
}

test_allow_disabled_entry if {
	a := setting("a", {"resourceUri": vault_id, "workspaceId": workspace_id, "logs": audit}, {})
	b := setting("b", {"resourceUri": vault_id, "workspaceId": workspace_id, "logs": [{"categoryGroup": "audit", "enabled": false}]}, {})
	count(denies([a, b])) == 0
}

test_allow_different_resources if {
	a := setting("a", {"resourceUri": vault_id, "workspaceId": workspace_id, "logs": audit}, {})
	b := setting("b", {"resourceUri": concat("", [vault_id, "-2"]), "workspaceId": workspace_id, "logs": audit}, {})
	count(denies([a, b])) == 0
}

test_unknown_target_colliding_is_unverifiable if {
	a := setting("a", {"resourceUri": vault_id, "workspaceId": workspace_id, "logs": audit}, {})
	b := setting("b", {"workspaceId": workspace_id, "logs": audit}, {"unknown": ["resourceUri"]})
	resources := [a, b]
	count(denies(resources)) == 0
	w := warns(resources)
	count(w) == 1
	some f in w
	f.urn == b.urn
	f.unknown == "resourceUri"
}

test_unknown_destination_colliding_is_unverifiable if {
	a := setting("a", {"resourceUri": vault_id, "workspaceId": workspace_id, "logs": audit}, {})
	b := setting("b", {"resourceUri": vault_id, "logs": audit}, {"unknown": ["workspaceId"]})
	resources := [a, b]
	count(denies(resources)) == 0
	w := warns(resources)
	count(w) == 1
	some f in w
	f.unknown == "workspaceId"
}

test_deny_secret_target_resolved_through_dependency if {
	a := setting("a", {"resourceUri": vault_id, "workspaceId": workspace_id, "logs": audit}, {})
	b := setting("b", {"workspaceId": workspace_id, "logs": audit}, {"secret": ["resourceUri"], "propertyDependencies": {"resourceUri": [vault_urn]}})
	count(denies([vault, a, b])) == 2
}

test_unknown_secret_destination_colliding_is_unverifiable if {
	a := setting("a", {"resourceUri": vault_id, "workspaceId": workspace_id, "logs": audit}, {})
	b := setting("b", {"resourceUri": vault_id, "logs": audit}, {"secret": ["workspaceId"]})
	resources := [a, b]
	count(denies(resources)) == 0
	{[f.urn, f.unknown] | some f in warns(resources)} == {[b.urn, "workspaceId"]}
}

test_unknown_streams_beside_another_setting_are_unverifiable if {
	m := [{"category": "AllMetrics", "enabled": true}]
	a := setting("a", {"resourceUri": vault_id, "workspaceId": workspace_id, "metrics": m}, {})
	b := setting("b", {"resourceUri": vault_id, "workspaceId": workspace_id}, {"unknown": ["metrics"]})
	count(denies([a, b])) == 0
	[[w.urn, w.unknown] | some w in warns([a, b])] == [[b.urn, "metrics"]]
}

test_unknown_stream_entry_is_unverifiable if {
	a := setting("a", {"resourceUri": vault_id, "workspaceId": workspace_id, "logs": audit}, {})
	b := setting("b", {"resourceUri": vault_id, "workspaceId": workspace_id, "logs": [null]}, {"unknown": ["logs.0"]})
	[[w.urn, w.unknown] | some w in warns([a, b])] == [[b.urn, "logs.0"]]
}

test_unknown_streams_of_a_lone_setting_pass if {
	b := setting("b", {"resourceUri": vault_id, "workspaceId": workspace_id}, {"unknown": ["metrics"]})
	count(warns([vault, workspace, b])) == 0
}

# A first preview of a new vault: one setting names the vault's id literally, the other takes
# it from the vault (unknown until created). The vault's name ties the two together.
test_deny_literal_id_and_dependency_on_a_new_vault if {
	new_vault := object.union(object.remove(vault, ["id"]), {"op": "create", "properties": {"vaultName": "KV-STORE-DEV-7F3A"}})
	a := setting("a", {"resourceUri": vault_id, "workspaceId": workspace_id, "logs": audit}, {})
	b := setting("b", {"workspaceId": workspace_id, "logs": audit}, {
		"unknown": ["resourceUri"],
		"propertyDependencies": {"resourceUri": [vault_urn]},
	})
	count(denies([new_vault, workspace, a, b])) == 2
}

# A large group of duplicate senders: each message names five others and counts the rest.
test_deny_large_group_names_five_others if {
	group := [setting(sprintf("s%d", [i]), {"resourceUri": vault_id, "workspaceId": workspace_id, "logs": audit}, {}) | some i in numbers.range(0, 6)]
	d := denies(group)
	count(d) == 7
	some f in d
	f.urn == group[6].urn
	f.msg == "Diagnostic setting 's6' sends category 'AuditEvent' (in category group 'audit') to the same destination as 's0', 's1', 's2', 's3', 's4' and 1 more for the same resource."
}
