package kvguard.vault.purge_protection_test

import data.kvguard.vault.purge_protection

urn := "urn:pulumi:dev::secret-store::azure-native:keyvault:Vault::vault"

doc(settings, unknown) := {
	"now": "2026-12-03T00:00:00Z",
	"profile": "dev",
	"resources": [{
		"urn": urn,
		"type": "azure-native:keyvault:Vault",
		"name": "vault",
		"op": "create",
		"custom": true,
		"properties": {"vaultName": "kv-store-dev", "properties": settings},
		"unknown": unknown,
		"secret": [],
	}],
}

off_msg := "Key Vault 'vault' does not have purge protection enabled."

test_deny_absent if {
	got := purge_protection.deny with input as doc({"enableSoftDelete": true}, [])
	got == {{"urn": urn, "msg": off_msg}}
}

test_deny_explicit_false_also_says_omit_it if {
	got := purge_protection.deny with input as doc({"enablePurgeProtection": false}, [])
	got == {
		{"urn": urn, "msg": off_msg},
		{"urn": urn, "msg": "Key Vault 'vault' sets enablePurgeProtection to false, which Azure rejects once purge protection is enabled, so the property must be omitted instead."},
	}
}

# A string is the wrong type: one failure that names it, not "does not have ... enabled".
test_deny_string_true_is_the_wrong_type if {
	got := purge_protection.deny with input as doc({"enablePurgeProtection": "true"}, [])
	got == {{"urn": urn, "msg": "Key Vault 'vault' sets enablePurgeProtection to a string, not a boolean."}}
}

test_deny_number_is_the_wrong_type if {
	got := purge_protection.deny with input as doc({"enablePurgeProtection": 1}, [])
	got == {{"urn": urn, "msg": "Key Vault 'vault' sets enablePurgeProtection to a number, not a boolean."}}
}

# secret_doc is doc with the given paths kept as Pulumi secrets (removed, like the sources do).
secret_doc(settings, secret) := json.patch(doc(settings, []), [{"op": "replace", "path": "/resources/0/secret", "value": secret}])

test_unknown_secret_is_unverifiable if {
	inp := secret_doc({}, ["properties.enablePurgeProtection"])
	count(purge_protection.deny) == 0 with input as inp
	purge_protection.warn == {{
		"urn": urn,
		"msg": "Key Vault 'vault' keeps 'properties.enablePurgeProtection' as a Pulumi secret, so its value cannot be checked.",
		"unknown": "properties.enablePurgeProtection",
	}} with input as inp
}

test_allow_enabled if {
	inp := doc({"enablePurgeProtection": true}, [])
	count(purge_protection.deny) == 0 with input as inp
	count(purge_protection.warn) == 0 with input as inp
}

test_allow_vault_being_deleted if {
	inp := json.patch(doc({}, []), [{"op": "replace", "path": "/resources/0/op", "value": "delete"}])
	count(purge_protection.deny) == 0 with input as inp
}

test_unknown_is_unverifiable if {
	inp := doc({}, ["properties.enablePurgeProtection"])
	count(purge_protection.deny) == 0 with input as inp
	purge_protection.warn == {{
		"urn": urn,
		"msg": "Key Vault 'vault' has no known value at 'properties.enablePurgeProtection' until the update runs.",
		"unknown": "properties.enablePurgeProtection",
	}} with input as inp
}
