package kvguard.diag.vault_audit_logs_test

import data.kvguard.diag.vault_audit_logs

vault_id := "/subscriptions/3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61/resourceGroups/rg-secret-store-dev/providers/Microsoft.KeyVault/vaults/kv-store-dev-7f3a"

vault_urn := "urn:pulumi:dev::secret-store::azure-native:keyvault:Vault::vault"

workspace_id := "/subscriptions/3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61/resourceGroups/rg-secret-store-dev/providers/Microsoft.OperationalInsights/workspaces/log-store-dev"

# vault builds a vault; extra overrides top-level fields (id, op, unknown).
vault(extra) := object.union(
	{
		"urn": vault_urn,
		"type": "azure-native:keyvault:Vault",
		"name": "vault",
		"op": "create",
		"custom": true,
		"properties": {"vaultName": "kv-store-dev-7f3a"},
		"unknown": [],
		"secret": [],
		"dependencies": [],
		"propertyDependencies": {},
		"protect": false,
	},
	extra,
)

# setting builds a diagnostic setting named name with the given properties.
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

audit_to_workspace(uri, logs) := {"name": "kv-audit", "resourceUri": uri, "workspaceId": workspace_id, "logs": logs}

denies(resources) := d if {
	d := vault_audit_logs.deny with input as {"profile": "dev", "resources": resources}
}

warns(resources) := w if {
	w := vault_audit_logs.warn with input as {"profile": "dev", "resources": resources}
}

test_deny_no_setting if {
	d := denies([vault({"id": vault_id})])
	count(d) == 1
	some f in d
	f.msg == "Key Vault 'vault' has no diagnostic setting that sends audit logs to a workspace, storage account or event hub."
}

test_deny_metrics_only if {
	s := setting("s", {"resourceUri": vault_id, "workspaceId": workspace_id, "metrics": [{"category": "AllMetrics", "enabled": true}]}, {})
	count(denies([vault({"id": vault_id}), s])) == 1
}

test_deny_audit_disabled if {
	s := setting("s", audit_to_workspace(vault_id, [{"category": "AuditEvent", "enabled": false}]), {})
	count(denies([vault({"id": vault_id}), s])) == 1
}

test_deny_no_destination if {
	s := setting("s", {"resourceUri": vault_id, "logs": [{"categoryGroup": "audit", "enabled": true}]}, {})
	count(denies([vault({"id": vault_id}), s])) == 1
}

test_deny_setting_on_other_vault if {
	other := "/subscriptions/3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-other"
	s := setting("s", audit_to_workspace(other, [{"categoryGroup": "allLogs", "enabled": true}]), {})
	count(denies([vault({"id": vault_id}), s])) == 1
}

test_deny_setting_being_deleted if {
	s := setting("s", audit_to_workspace(vault_id, [{"categoryGroup": "allLogs", "enabled": true}]), {"op": "delete"})
	count(denies([vault({"id": vault_id}), s])) == 1
}

test_allow_all_logs_by_id_case_insensitive if {
	s := setting("s", audit_to_workspace(upper(trim_left(vault_id, "/")), [{"categoryGroup": "AllLogs", "enabled": true}]), {})
	resources := [vault({"id": vault_id}), s]
	count(denies(resources)) == 0
	count(warns(resources)) == 0
}

test_allow_audit_event_by_vault_name_while_vault_id_unknown if {
	s := setting("s", audit_to_workspace(vault_id, [{"category": "auditevent", "enabled": true}]), {})
	count(denies([vault({}), s])) == 0
}

# The shape of a first preview: resourceUri and workspaceId unknown, related by dependency.
test_allow_unknown_uri_resolved_through_dependency if {
	s := setting("s", {"name": "kv-audit", "logs": [{"categoryGroup": "audit", "enabled": true}]}, {
		"unknown": ["resourceUri", "workspaceId"],
		"propertyDependencies": {"resourceUri": [vault_urn], "workspaceId": ["urn:pulumi:dev::secret-store::azure-native:operationalinsights:Workspace::logs"]},
	})
	resources := [vault({}), s]
	count(denies(resources)) == 0
	count(warns(resources)) == 0
}

test_allow_storage_destination if {
	s := setting("s", {"resourceUri": vault_id, "storageAccountId": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st", "logs": [{"categoryGroup": "audit", "enabled": true}]}, {})
	count(denies([vault({"id": vault_id}), s])) == 0
}

test_unknown_target_without_dependency_is_unverifiable if {
	s := setting("s", {"name": "kv-audit", "workspaceId": workspace_id, "logs": [{"categoryGroup": "audit", "enabled": true}]}, {"unknown": ["resourceUri"]})
	resources := [vault({}), s]
	count(denies(resources)) == 0
	w := warns(resources)
	count(w) == 1
	some f in w
	f.urn == vault_urn
	f.unknown == "resourceUri"
	f.msg == "Key Vault 'vault' cannot be checked until the update runs: Diagnostic setting 's' has no known value at 'resourceUri'."
}

# A preview without --show-sames leaves unchanged resources out (input.partial): a vault the
# change only updates may be watched by a setting that is not listed.
test_unknown_partial_preview_updated_vault_is_unverifiable if {
	inp := {"profile": "dev", "partial": true, "resources": [vault({"id": vault_id, "op": "update"})]}
	count(vault_audit_logs.deny) == 0 with input as inp
	vault_audit_logs.warn == {{
		"urn": vault_urn,
		"msg": "Key Vault 'vault' has no audit diagnostic setting in this preview; unchanged settings are listed only by `pulumi preview --json --show-sames` or a stack export.",
		"unknown": "(unchanged resources the preview leaves out)",
	}} with input as inp
}

test_deny_partial_preview_new_vault_without_setting if {
	d := vault_audit_logs.deny with input as {"profile": "dev", "partial": true, "resources": [vault({})]}
	count(d) == 1
}

test_unknown_logs_on_matching_setting_is_unverifiable if {
	s := setting("s", {"resourceUri": vault_id, "workspaceId": workspace_id}, {"unknown": ["logs"]})
	resources := [vault({"id": vault_id}), s]
	count(denies(resources)) == 0
	w := warns(resources)
	count(w) == 1
	some f in w
	f.unknown == "logs"
}

test_deny_unresolved_setting_without_audit_logs_does_not_help if {
	s := setting("s", {"workspaceId": workspace_id, "metrics": [{"category": "AllMetrics", "enabled": true}]}, {"unknown": ["resourceUri"]})
	count(denies([vault({}), s])) == 1
}

test_deny_audit_enabled_as_string if {
	s := setting("s", audit_to_workspace(vault_id, [{"categoryGroup": "audit", "enabled": "true"}]), {})
	denies([vault({"id": vault_id}), s]) == {{
		"urn": vault_urn,
		"msg": "Key Vault 'vault' has no diagnostic setting that sends audit logs: Diagnostic setting 's' sets enabled on logs entry 0 to a string, not a boolean.",
	}}
}

test_allow_mistyped_entry_next_to_an_enabled_one if {
	s := setting("s", audit_to_workspace(vault_id, [{"category": "AuditEvent", "enabled": "yes"}, {"categoryGroup": "audit", "enabled": true}]), {})
	count(denies([vault({"id": vault_id}), s])) == 0
}

test_unknown_secret_enabled_on_matching_setting_is_unverifiable if {
	s := setting("s", audit_to_workspace(vault_id, [{"categoryGroup": "audit"}]), {"secret": ["logs.0.enabled"]})
	resources := [vault({"id": vault_id}), s]
	count(denies(resources)) == 0
	warns(resources) == {{
		"urn": vault_urn,
		"msg": "Key Vault 'vault' cannot be checked: Diagnostic setting 's' keeps 'logs.0.enabled' as a Pulumi secret.",
		"unknown": "logs.0.enabled",
		"on": s.urn,
	}}
}

# A secret resourceUri resolves through its dependency like an unknown one.
test_allow_secret_uri_resolved_through_dependency if {
	s := setting("s", {"name": "kv-audit", "workspaceId": workspace_id, "logs": [{"categoryGroup": "audit", "enabled": true}]}, {
		"secret": ["resourceUri"],
		"propertyDependencies": {"resourceUri": [vault_urn]},
	})
	resources := [vault({}), s]
	count(denies(resources)) == 0
	count(warns(resources)) == 0
}

# A secret destination is still a destination.
test_allow_secret_workspace_id if {
	s := setting("s", {"resourceUri": vault_id, "logs": [{"categoryGroup": "audit", "enabled": true}]}, {"secret": ["workspaceId"]})
	count(denies([vault({"id": vault_id}), s])) == 0
}

# The policy pack gets no ids; with the vault's name a Pulumi secret, the setting's dependency
# on the vault is the only link left, and it is followed.
test_allow_known_uri_to_vault_with_secret_name_through_dependency if {
	v := object.union(object.remove(vault({}), ["properties"]), {"properties": {}, "secret": ["vaultName"]})
	s := setting("s", audit_to_workspace(vault_id, [{"categoryGroup": "audit", "enabled": true}]), {"propertyDependencies": {"resourceUri": [vault_urn]}})
	count(denies([v, s])) == 0
}

# A vault the known uri does not name, though the setting depends on it, stays unaudited.
test_deny_known_uri_of_other_vault_despite_dependency if {
	other := "/subscriptions/3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-other"
	s := setting("s", audit_to_workspace(other, [{"categoryGroup": "audit", "enabled": true}]), {"propertyDependencies": {"resourceUri": [vault_urn]}})
	count(denies([vault({}), s])) == 1
}

# Deleting the audit setting of a vault a partial preview leaves out: unverifiable, not silence.
test_unknown_partial_preview_deleted_setting_of_unlisted_vault if {
	s := setting("s", audit_to_workspace(vault_id, [{"categoryGroup": "audit", "enabled": true}]), {"op": "delete"})
	inp := {"profile": "dev", "partial": true, "resources": [s]}
	count(vault_audit_logs.deny) == 0 with input as inp
	some w in vault_audit_logs.warn with input as inp
	w.urn == "urn:pulumi:dev::secret-store::azure-native:insights:DiagnosticSetting::s"
	contains(w.msg, "is deleted by this change, and the vault it watches is not in this preview")
	count(vault_audit_logs.warn) == 0 with input as {"profile": "dev", "resources": [s]}
}

# Updating it so that it stops auditing a vault the preview leaves out: unverifiable too.
test_unknown_partial_preview_setting_changed_to_stop_auditing_unlisted_vault if {
	before := audit_to_workspace(vault_id, [{"categoryGroup": "audit", "enabled": true}])
	after := audit_to_workspace(vault_id, [{"categoryGroup": "audit", "enabled": false}])
	s := setting("s", after, {"op": "update", "oldProperties": before})
	inp := {"profile": "dev", "partial": true, "resources": [s]}
	count(vault_audit_logs.deny) == 0 with input as inp
	{w.urn | some w in vault_audit_logs.warn} == {"urn:pulumi:dev::secret-store::azure-native:insights:DiagnosticSetting::s"} with input as inp
	some w in vault_audit_logs.warn with input as inp
	contains(w.msg, "is changed so that it may no longer send the audit logs of the vault it watched")

	# Pointed at another vault, the same.
	other := audit_to_workspace("/subscriptions/3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-other", [{"categoryGroup": "audit", "enabled": true}])
	moved := {"profile": "dev", "partial": true, "resources": [setting("s", other, {"op": "replace", "oldProperties": before})]}
	count(vault_audit_logs.warn) == 1 with input as moved
}

# An update that keeps auditing the same vault (here: another workspace) is not a finding.
test_allow_partial_preview_setting_changed_but_still_auditing if {
	before := audit_to_workspace(vault_id, [{"categoryGroup": "audit", "enabled": true}])
	after := object.union(before, {"workspaceId": "/subscriptions/3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/log-other"})
	s := setting("s", after, {"op": "update", "oldProperties": before})
	count(vault_audit_logs.warn) == 0 with input as {"profile": "dev", "partial": true, "resources": [s]}
}

# A setting an interrupted delete-before-replace already deleted (remove-pending-replace)
# audits nothing.
test_deny_setting_pending_replacement_does_not_audit if {
	s := setting("s", audit_to_workspace(vault_id, [{"categoryGroup": "audit", "enabled": true}]), {"op": "remove-pending-replace"})
	count(denies([vault({"id": vault_id}), s])) == 1
}

# The vault is listed: its own result (here a failure) says what the deletion does.
test_deny_partial_preview_deleted_setting_of_listed_vault if {
	s := setting("s", audit_to_workspace(vault_id, [{"categoryGroup": "audit", "enabled": true}]), {"op": "delete"})
	inp := {"profile": "dev", "partial": true, "resources": [vault({"id": vault_id, "op": "create"}), s]}
	count(vault_audit_logs.deny) == 1 with input as inp
	warns := vault_audit_logs.warn with input as inp
	every w in warns {
		w.urn == vault_urn
	}
}
