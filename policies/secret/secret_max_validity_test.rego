package kvguard.secret.secret_max_validity_test

import data.kvguard.secret.secret_max_validity

urn := "urn:pulumi:prod::secret-store::azure-native:keyvault:Secret::db-connection"

# 2026-12-03T00:00:00Z
now := 1796256000

day := 86400

doc(props, unknown, max_days) := {
	"now": "2026-12-03T00:00:00Z",
	"profile": "prod",
	"config": {"SEC-002": {"maxValidityDays": max_days}},
	"resources": [{
		"urn": urn,
		"type": "azure-native:keyvault:Secret",
		"name": "db-connection",
		"op": "create",
		"custom": true,
		"properties": {"vaultName": "kv-store-prod", "secretName": "db-connection", "properties": props},
		"unknown": unknown,
		"secret": ["properties.value"],
	}],
}

expires(e) := {"attributes": {"enabled": true, "expires": e}}

test_deny_beyond_max_validity if {
	got := secret_max_validity.deny with input as doc(expires(now + (91 * day)), [], 90)
	got == {{"urn": urn, "msg": "Key Vault secret 'db-connection' expires on 2027-03-04, more than 90 days after 2026-12-03."}}
}

test_deny_milliseconds if {
	got := secret_max_validity.deny with input as doc(expires(now * 1000), [], 365)
	got == {{"urn": urn, "msg": "Key Vault secret 'db-connection' has the expiry 1796256000000, which looks like milliseconds rather than seconds since the epoch."}}
}

# Past 2262-04-11 the date no longer fits time.format's int64 nanoseconds: the secret still fails.
test_deny_beyond_int64_nanoseconds if {
	got := secret_max_validity.deny with input as doc(expires(9999999999), [], 90)
	got == {{"urn": urn, "msg": "Key Vault secret 'db-connection' expires on a date after 2262-04-11, more than 90 days after 2026-12-03."}}
}

test_allow_at_limit if {
	count(secret_max_validity.deny) == 0 with input as doc(expires(now + (90 * day)), [], 90)
}

test_allow_longer_limit_from_config if {
	count(secret_max_validity.deny) == 0 with input as doc(expires(now + (300 * day)), [], 365)
}

test_allow_no_expiry_left_to_sec_001 if {
	count(secret_max_validity.deny) == 0 with input as doc({"contentType": "text/plain"}, [], 90)
}

test_unknown_expires_is_unverifiable if {
	inp := doc({"attributes": {"enabled": true}}, ["properties.attributes.expires"], 90)
	count(secret_max_validity.deny) == 0 with input as inp
	secret_max_validity.warn == {{
		"urn": urn,
		"msg": "Key Vault secret 'db-connection' has no known value at 'properties.attributes.expires' until the update runs.",
		"unknown": "properties.attributes.expires",
	}} with input as inp
}

test_deny_expires_as_string if {
	got := secret_max_validity.deny with input as doc(expires("4102444800"), [], 90)
	got == {{"urn": urn, "msg": "Key Vault secret 'db-connection' sets attributes.expires to a string, not a number of seconds since the epoch."}}
}

test_deny_expires_as_string_within_limit if {
	count(secret_max_validity.deny) == 1 with input as doc(expires(format_int(now + day, 10)), [], 90)
}

test_unknown_secret_expires_is_unverifiable if {
	inp := json.patch(doc({"attributes": {"enabled": true}}, [], 90), [{"op": "add", "path": "/resources/0/secret/-", "value": "properties.attributes"}])
	count(secret_max_validity.deny) == 0 with input as inp
	secret_max_validity.warn == {{
		"urn": urn,
		"msg": "Key Vault secret 'db-connection' keeps 'properties.attributes' as a Pulumi secret, so the value at 'properties.attributes.expires' cannot be checked.",
		"unknown": "properties.attributes.expires",
	}} with input as inp
}
