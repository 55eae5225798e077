package kvguard.secret.secret_content_type_test

import data.kvguard.secret.secret_content_type

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

missing := {{"urn": urn, "msg": "Key Vault secret 'db-connection' has no content type."}}

test_deny_missing if {
	secret_content_type.deny == missing with input as doc({"attributes": {"expires": 1802649600}}, [])
}

test_deny_blank if {
	secret_content_type.deny == missing with input as doc({"contentType": "  "}, [])
}

test_allow_set if {
	count(secret_content_type.deny) == 0 with input as doc({"contentType": "text/plain"}, [])
}

test_unknown_is_unverifiable if {
	inp := doc({}, ["properties.contentType"])
	count(secret_content_type.deny) == 0 with input as inp
	secret_content_type.warn == {{
		"urn": urn,
		"msg": "Key Vault secret 'db-connection' has no known value at 'properties.contentType' until the update runs.",
		"unknown": "properties.contentType",
	}} with input as inp
}

test_unknown_secret_content_type_is_unverifiable if {
	inp := json.patch(doc({}, []), [{"op": "add", "path": "/resources/0/secret/-", "value": "properties.contentType"}])
	count(secret_content_type.deny) == 0 with input as inp
	secret_content_type.warn == {{
		"urn": urn,
		"msg": "Key Vault secret 'db-connection' keeps 'properties.contentType' as a Pulumi secret, so its value cannot be checked.",
		"unknown": "properties.contentType",
	}} with input as inp
}
