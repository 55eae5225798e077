package kvguard.vault.vault_name_test

import data.kvguard.vault.vault_name

urn := "urn:pulumi:dev::secret-store::azure-native:keyvault:Vault::vault"

doc(props, unknown) := {
	"now": "2026-12-03T00:00:00Z",
	"profile": "dev",
	"resources": [{
		"urn": urn,
		"type": "azure-native:keyvault:Vault",
		"name": "vault",
		"op": "create",
		"custom": true,
		"properties": props,
		"unknown": unknown,
		"secret": [],
	}],
}

msgs(name) := m if {
	m := {f.msg | some f in vault_name.deny} with input as doc({"vaultName": name}, [])
}

test_deny_too_short if {
	msgs("kv") == {"Key Vault 'vault' has the name 'kv' of 2 characters, outside the allowed 3 to 24."}
}

test_deny_too_long if {
	msgs("kv-store-production-westeu") == {"Key Vault 'vault' has the name 'kv-store-production-westeu' of 26 characters, outside the allowed 3 to 24."}
}

test_deny_starts_with_digit if {
	msgs("1kv-store") == {"Key Vault 'vault' has the name '1kv-store', which does not start with a letter."}
}

test_deny_starts_with_hyphen if {
	msgs("-kv-store") == {"Key Vault 'vault' has the name '-kv-store', which does not start with a letter."}
}

test_deny_ends_with_hyphen if {
	msgs("kv-store-") == {"Key Vault 'vault' has the name 'kv-store-', which does not end with a letter or digit."}
}

test_deny_double_hyphen if {
	msgs("kv--store") == {"Key Vault 'vault' has the name 'kv--store', which holds consecutive hyphens."}
}

test_deny_underscore if {
	msgs("kv_store") == {"Key Vault 'vault' has the name 'kv_store', which holds characters other than letters, digits and hyphens."}
}

test_deny_several_rules_at_once if {
	count(msgs("_-")) == 4
}

test_allow_valid_names if {
	every name in ["kv-store-dev-7f3a", "abc", "KvStore01", "k-v-s-t-o-r-e-p-r-o-d-01", "a23456789012345678901234"] {
		msgs(name) == set()
	}
}

test_allow_absent_name if {
	count(vault_name.deny) == 0 with input as doc({"resourceGroupName": "rg"}, [])
}

test_unknown_name_is_unverifiable if {
	inp := doc({"resourceGroupName": "rg"}, ["vaultName"])
	count(vault_name.deny) == 0 with input as inp
	vault_name.warn == {{
		"urn": urn,
		"msg": "Key Vault 'vault' has no known value at 'vaultName' until the update runs.",
		"unknown": "vaultName",
	}} with input as inp
}

test_deny_name_not_a_string if {
	msgs(123) == {"Key Vault 'vault' sets vaultName to a number, not a string."}
}

test_unknown_secret_name_is_unverifiable if {
	inp := json.patch(doc({"resourceGroupName": "rg"}, []), [{"op": "replace", "path": "/resources/0/secret", "value": ["vaultName"]}])
	count(vault_name.deny) == 0 with input as inp
	vault_name.warn == {{
		"urn": urn,
		"msg": "Key Vault 'vault' keeps 'vaultName' as a Pulumi secret, so its value cannot be checked.",
		"unknown": "vaultName",
	}} with input as inp
}
