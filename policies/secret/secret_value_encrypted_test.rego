package kvguard.secret.secret_value_encrypted_test

import data.kvguard.secret.secret_value_encrypted

urn := "urn:pulumi:dev::secret-store::azure-native:keyvault:Secret::db-connection"

doc(extra) := {
	"now": "2026-12-03T00:00:00Z",
	"profile": "dev",
	"source": "export",
	"resources": [object.union(
		{
			"urn": urn,
			"type": "azure-native:keyvault:Secret",
			"name": "db-connection",
			"op": "same",
			"custom": true,
			"properties": {"vaultName": "kv-store-dev", "secretName": "db-connection", "properties": {"contentType": "text/plain"}},
			"unknown": [],
			"secret": [],
		},
		extra,
	)],
}

test_deny_plaintext_value if {
	got := secret_value_encrypted.deny with input as doc({"plaintext": ["properties.value"]})
	got == {{"urn": urn, "msg": "Key Vault secret 'db-connection' has a value at 'properties.value' that is not a Pulumi secret, so the state stores it in plain text."}}
}

test_allow_secret_value if {
	inp := doc({"secret": ["properties.value"]})
	count(secret_value_encrypted.deny) == 0 with input as inp
	count(secret_value_encrypted.warn) == 0 with input as inp
}

test_allow_no_plaintext_field if {
	count(secret_value_encrypted.deny) == 0 with input as doc({})
}

test_unknown_value_is_unverifiable if {
	inp := doc({"unknown": ["properties.value"]})
	count(secret_value_encrypted.deny) == 0 with input as inp
	secret_value_encrypted.warn == {{
		"urn": urn,
		"msg": "Key Vault secret 'db-connection' has no known value at 'properties.value' until the update runs.",
		"unknown": "properties.value",
	}} with input as inp
}

# A secret object holding the value keeps the value a secret too.
test_allow_secret_properties_object if {
	inp := json.patch(doc({"secret": ["properties"]}), [{"op": "remove", "path": "/resources/0/properties/properties"}])
	count(secret_value_encrypted.deny) == 0 with input as inp
	count(secret_value_encrypted.warn) == 0 with input as inp
}

# A stack export still stores the value of a secret marked for deletion (the old half of an
# interrupted replacement); a preview that deletes a secret is not blocked for it.
test_deny_plaintext_value_of_a_secret_marked_for_deletion_in_an_export if {
	got := secret_value_encrypted.deny with input as doc({"op": "delete-replaced", "plaintext": ["properties.value"]})
	count(got) == 1
}

test_allow_plaintext_value_of_a_secret_a_preview_deletes if {
	inp := object.union(doc({"op": "delete", "plaintext": ["properties.value"]}), {"source": "preview"})
	count(secret_value_encrypted.deny) == 0 with input as inp
}
