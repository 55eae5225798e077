package kvguard.secret.secret_expiry_test

import data.kvguard.secret.secret_expiry

urn := "urn:pulumi:dev::secret-store::azure-native:keyvault:Secret::db-connection"

doc(props, unknown) := {
	"now": "2026-12-03T00:00:00Z",
	"profile": "dev",
	"resources": [{
		"urn": urn,
		"type": "azure-native:keyvault:Secret",
		"name": "db-connection",
		"op": "create",
		"custom": true,
		"properties": {"vaultName": "kv-store-dev", "secretName": "db-connection", "properties": props},
		"unknown": unknown,
		"secret": ["properties.value"],
	}],
}

test_deny_no_attributes if {
	got := secret_expiry.deny with input as doc({"contentType": "text/plain"}, [])
	got == {{"urn": urn, "msg": "Key Vault secret 'db-connection' has no expiration date."}}
}

test_deny_attributes_without_expires if {
	count(secret_expiry.deny) == 1 with input as doc({"attributes": {"enabled": true}}, [])
}

test_allow_expires_set if {
	inp := doc({"attributes": {"enabled": true, "expires": 1802649600}}, [])
	count(secret_expiry.deny) == 0 with input as inp
	count(secret_expiry.warn) == 0 with input as inp
}

test_unknown_expires_is_unverifiable if {
	inp := doc({"attributes": {"enabled": true}}, ["properties.attributes.expires"])
	count(secret_expiry.deny) == 0 with input as inp
	secret_expiry.warn == {{
		"urn": urn,
		"msg": "Key Vault secret 'db-connection' has no known value at 'properties.attributes.expires' until the update runs.",
		"unknown": "properties.attributes.expires",
	}} with input as inp
}

test_unknown_attributes_object_is_unverifiable if {
	inp := doc({}, ["properties.attributes"])
	count(secret_expiry.deny) == 0 with input as inp
	{w.unknown | some w in secret_expiry.warn} == {"properties.attributes.expires"} with input as inp
}

# secret_doc is doc with extra paths kept as Pulumi secrets (removed, like the sources do).
secret_doc(props, secret) := json.patch(doc(props, []), [{"op": "replace", "path": "/resources/0/secret", "value": array.concat(["properties.value"], secret)}])

test_deny_expires_as_string if {
	got := secret_expiry.deny with input as doc({"attributes": {"expires": "4102444800"}}, [])
	got == {{"urn": urn, "msg": "Key Vault secret 'db-connection' sets attributes.expires to a string, not a number of seconds since the epoch."}}
}

test_unknown_secret_expires_is_unverifiable if {
	inp := secret_doc({"attributes": {"enabled": true}}, ["properties.attributes.expires"])
	count(secret_expiry.deny) == 0 with input as inp
	secret_expiry.warn == {{
		"urn": urn,
		"msg": "Key Vault secret 'db-connection' keeps 'properties.attributes.expires' as a Pulumi secret, so its value cannot be checked.",
		"unknown": "properties.attributes.expires",
	}} with input as inp
}

# The value itself is always a secret; it hides nothing this policy reads.
test_allow_secret_value_is_not_unverifiable if {
	inp := doc({"attributes": {"expires": 1802649600}}, [])
	count(secret_expiry.warn) == 0 with input as inp
}
