package kvguard.general.unknown_values_test

import data.kvguard.general.unknown_values

vault_urn := "urn:pulumi:dev::secret-store::azure-native:keyvault:Vault::vault"

# vault builds a vault that passes every vault policy, with the given paths unknown (and
# removed from properties, as the sources do).
vault(unknown) := {
	"urn": vault_urn,
	"type": "azure-native:keyvault:Vault",
	"name": "vault",
	"op": "create",
	"custom": true,
	"properties": {
		"vaultName": "kv-store-dev",
		"tags": {"environment": "dev", "owner": "platform-team"},
		"properties": object.remove(
			{
				"tenantId": "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f",
				"enableRbacAuthorization": true,
				"enableSoftDelete": true,
				"softDeleteRetentionInDays": 90,
				"enablePurgeProtection": true,
				"publicNetworkAccess": "Disabled",
				"networkAcls": {"defaultAction": "Deny", "bypass": "None"},
			},
			[trim_prefix(p, "properties.") | some p in unknown],
		),
	},
	"unknown": unknown,
	"secret": [],
}

doc(resources) := {
	"now": "2026-12-03T00:00:00Z",
	"profile": "dev",
	"config": {"GEN-001": {"requiredTags": ["environment", "owner"]}},
	"resources": resources,
}

# GEN-002's failure case is a warn (unverifiable): it never blocks, so it has no deny rule.
test_deny_needed_paths_reported_sorted if {
	got := unknown_values.warn with input as doc([vault(["properties.tenantId", "properties.enablePurgeProtection"])])
	got == {{
		"urn": vault_urn,
		"msg": "Key Vault 'vault' has values the policies need unknown at preview ('properties.enablePurgeProtection', 'properties.tenantId'); the kvguard policy pack checks them again during `pulumi up`.",
		"unknown": "properties.enablePurgeProtection, properties.tenantId",
	}}
}

test_unknown_single_needed_path_is_unverifiable if {
	got := unknown_values.warn with input as doc([vault(["properties.tenantId"])])
	{w.unknown | some w in got} == {"properties.tenantId"}
}

test_allow_all_known if {
	count(unknown_values.warn) == 0 with input as doc([vault([])])
}

test_allow_unknown_value_no_policy_reads if {
	count(unknown_values.warn) == 0 with input as doc([vault(["resourceGroupName"])])
}

test_allow_vault_being_removed if {
	gone := object.union(vault(["properties.tenantId"]), {"op": "delete"})
	count(unknown_values.warn) == 0 with input as doc([gone])
}

setting_urn := "urn:pulumi:dev::secret-store::azure-native:insights:DiagnosticSetting::vault-audit"

# A diagnostic setting whose target is unknown and untraceable: DIAG-001 reports the vault
# unverifiable, but the unknown value is the setting's, so GEN-002 names it there.
test_unknown_path_of_a_related_resource_is_reported_where_it_is if {
	setting := {
		"urn": setting_urn,
		"type": "azure-native:insights:DiagnosticSetting",
		"name": "vault-audit",
		"op": "create",
		"custom": true,
		"properties": {
			"name": "kv-audit",
			"workspaceId": "/subscriptions/3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/log",
			"logs": [{"categoryGroup": "audit", "enabled": true}],
		},
		"unknown": ["resourceUri"],
		"secret": [],
		"propertyDependencies": {},
	}
	got := unknown_values.warn with input as doc([vault([]), setting])
	{[w.urn, w.unknown] | some w in got} == {[setting_urn, "resourceUri"]}
}

# secret_vault is vault with the given paths kept as Pulumi secrets (removed, like the sources do).
secret_vault(secret) := object.union(vault(secret), {"unknown": [], "secret": secret})

test_deny_secret_paths_are_not_called_unknown if {
	r := json.patch(secret_vault(["properties.tenantId", "tags.owner"]), [{"op": "remove", "path": "/properties/tags/owner"}])
	got := unknown_values.warn with input as doc([r])
	got == {{
		"urn": vault_urn,
		"msg": "Key Vault 'vault' has values the policies need but cannot read ('properties.tenantId', 'tags.owner'): they are kept as Pulumi secrets.",
		"unknown": "properties.tenantId, tags.owner",
	}}
}

test_unknown_and_secret_paths_together if {
	r := object.union(vault(["properties.tenantId", "properties.enablePurgeProtection"]), {
		"unknown": ["properties.enablePurgeProtection"],
		"secret": ["properties.tenantId"],
	})
	got := unknown_values.warn with input as doc([r])
	got == {{
		"urn": vault_urn,
		"msg": "Key Vault 'vault' has values the policies need but cannot read ('properties.enablePurgeProtection', 'properties.tenantId'): unknown until the update runs, or kept as Pulumi secrets.",
		"unknown": "properties.enablePurgeProtection, properties.tenantId",
	}}
}

# A Key Vault secret's value is always a secret and no policy but SEC-005 reads it.
test_allow_key_vault_secret_value_kept_secret if {
	s := {
		"urn": "urn:pulumi:dev::secret-store::azure-native:keyvault:Secret::db-connection",
		"type": "azure-native:keyvault:Secret",
		"name": "db-connection",
		"op": "create",
		"custom": true,
		"properties": {
			"vaultName": "kv-store-dev",
			"secretName": "db-connection",
			"properties": {"contentType": "text/plain", "attributes": {"expires": 1802649600}},
		},
		"unknown": [],
		"secret": ["properties.value"],
	}
	count(unknown_values.warn) == 0 with input as doc([vault([]), s])
}

test_allow_secret_value_no_policy_reads if {
	count(unknown_values.warn) == 0 with input as doc([secret_vault(["properties.sku"])])
}
