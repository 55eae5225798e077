package kvguard.vault.soft_delete_test

import data.kvguard.vault.soft_delete

urn := "urn:pulumi:prod::secret-store::azure-native:keyvault:Vault::vault"

doc(settings, unknown) := {
	"now": "2026-12-03T00:00:00Z",
	"profile": "prod",
	"config": {"KV-001": {"minRetentionDays": 90, "maxRetentionDays": 90}},
	"resources": [{
		"urn": urn,
		"type": "azure-native:keyvault:Vault",
		"name": "vault",
		"op": "create",
		"custom": true,
		"properties": {"vaultName": "kv-store-prod", "properties": settings},
		"unknown": unknown,
		"secret": [],
	}],
}

test_deny_soft_delete_disabled if {
	got := soft_delete.deny with input as doc({"enableSoftDelete": false, "softDeleteRetentionInDays": 90}, [])
	got == {{"urn": urn, "msg": "Key Vault 'vault' has soft delete disabled."}}
}

test_deny_retention_below_minimum if {
	got := soft_delete.deny with input as doc({"enableSoftDelete": true, "softDeleteRetentionInDays": 7}, [])
	got == {{"urn": urn, "msg": "Key Vault 'vault' keeps deleted data for 7 days, fewer than the required 90."}}
}

test_deny_retention_above_maximum if {
	got := soft_delete.deny with input as doc({"softDeleteRetentionInDays": 120}, [])
		with input.config as {"KV-001": {"minRetentionDays": 7, "maxRetentionDays": 90}}
	got == {{"urn": urn, "msg": "Key Vault 'vault' keeps deleted data for 120 days, more than the allowed 90."}}
}

test_allow_explicit_settings if {
	count(soft_delete.deny) == 0 with input as doc({"enableSoftDelete": true, "softDeleteRetentionInDays": 90}, [])
}

test_allow_azure_defaults if {
	count(soft_delete.deny) == 0 with input as doc({"tenantId": "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f"}, [])
}

test_allow_dev_short_retention if {
	count(soft_delete.deny) == 0 with input as doc({"softDeleteRetentionInDays": 7}, [])
		with input.config as {"KV-001": {"minRetentionDays": 7, "maxRetentionDays": 90}}
}

test_unknown_retention_is_unverifiable if {
	inp := doc({"enableSoftDelete": true}, ["properties.softDeleteRetentionInDays"])
	count(soft_delete.deny) == 0 with input as inp
	w := soft_delete.warn with input as inp
	w == {{
		"urn": urn,
		"msg": "Key Vault 'vault' has no known value at 'properties.softDeleteRetentionInDays' until the update runs.",
		"unknown": "properties.softDeleteRetentionInDays",
	}}
}

test_unknown_whole_properties_is_unverifiable if {
	inp := doc({}, ["properties"])
	count(soft_delete.deny) == 0 with input as inp
	paths := {w.unknown | some w in soft_delete.warn} with input as inp
	paths == {"properties.enableSoftDelete", "properties.softDeleteRetentionInDays"}
}

test_deny_retention_as_string if {
	got := soft_delete.deny with input as doc({"softDeleteRetentionInDays": "7"}, [])
	got == {{"urn": urn, "msg": "Key Vault 'vault' sets softDeleteRetentionInDays to a string, not a number of days."}}
}

test_deny_retention_as_string_even_when_in_range if {
	got := soft_delete.deny with input as doc({"softDeleteRetentionInDays": "90"}, [])
	got == {{"urn": urn, "msg": "Key Vault 'vault' sets softDeleteRetentionInDays to a string, not a number of days."}}
}

test_deny_soft_delete_flag_as_string if {
	got := soft_delete.deny with input as doc({"enableSoftDelete": "false", "softDeleteRetentionInDays": 90}, [])
	got == {{"urn": urn, "msg": "Key Vault 'vault' sets enableSoftDelete to a string, not a boolean."}}
}

# secret_doc is doc with the given paths kept as Pulumi secrets (removed, like the sources do).
secret_doc(settings, secret) := json.patch(doc(settings, []), [{"op": "replace", "path": "/resources/0/secret", "value": secret}])

test_unknown_secret_retention_is_unverifiable if {
	inp := secret_doc({"enableSoftDelete": true}, ["properties.softDeleteRetentionInDays"])
	count(soft_delete.deny) == 0 with input as inp
	soft_delete.warn == {{
		"urn": urn,
		"msg": "Key Vault 'vault' keeps 'properties.softDeleteRetentionInDays' as a Pulumi secret, so its value cannot be checked.",
		"unknown": "properties.softDeleteRetentionInDays",
	}} with input as inp
}

test_unknown_secret_whole_properties_is_unverifiable if {
	inp := json.patch(secret_doc({}, ["properties"]), [{"op": "remove", "path": "/resources/0/properties/properties"}])
	count(soft_delete.deny) == 0 with input as inp
	soft_delete.warn == {
		{
			"urn": urn,
			"msg": "Key Vault 'vault' keeps 'properties' as a Pulumi secret, so the value at 'properties.enableSoftDelete' cannot be checked.",
			"unknown": "properties.enableSoftDelete",
		},
		{
			"urn": urn,
			"msg": "Key Vault 'vault' keeps 'properties' as a Pulumi secret, so the value at 'properties.softDeleteRetentionInDays' cannot be checked.",
			"unknown": "properties.softDeleteRetentionInDays",
		},
	} with input as inp
}
