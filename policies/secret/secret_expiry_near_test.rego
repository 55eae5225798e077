package kvguard.secret.secret_expiry_near_test

import data.kvguard.secret.secret_expiry_near

urn := "urn:pulumi:dev::secret-store::azure-native:keyvault:Secret::db-connection"

# 2026-12-03T00:00:00Z
now := 1796256000

day := 86400

doc(props, unknown) := {
	"now": "2026-12-03T00:00:00Z",
	"profile": "dev",
	"config": {"SEC-003": {"warnDays": 30}},
	"resources": [{
		"urn": urn,
		"type": "azure-native:keyvault:Secret",
		"name": "db-connection",
		"op": "update",
		"custom": true,
		"properties": {"vaultName": "kv-store-dev", "secretName": "db-connection", "properties": props},
		"unknown": unknown,
		"secret": ["properties.value"],
	}],
}

expires(e) := {"attributes": {"expires": e}}

test_deny_expired if {
	inp := doc(expires(now - day), [])
	secret_expiry_near.deny == {{"urn": urn, "msg": "Key Vault secret 'db-connection' expired on 2026-12-02, before 2026-12-03."}} with input as inp
	count(secret_expiry_near.warn) == 0 with input as inp
}

test_deny_expired_before_int64_nanoseconds if {
	inp := doc(expires(-99999999999), [])
	secret_expiry_near.deny == {{"urn": urn, "msg": "Key Vault secret 'db-connection' expired on a date before 1677-09-21, before 2026-12-03."}} with input as inp
}

test_deny_near_expiry_is_warning_only if {
	inp := doc(expires(now + (10 * day)), [])
	count(secret_expiry_near.deny) == 0 with input as inp
	secret_expiry_near.warn == {{"urn": urn, "msg": "Key Vault secret 'db-connection' expires on 2026-12-13, within 30 days of 2026-12-03."}} with input as inp
}

test_allow_far_expiry if {
	inp := doc(expires(now + (30 * day)), [])
	count(secret_expiry_near.deny) == 0 with input as inp
	count(secret_expiry_near.warn) == 0 with input as inp
}

test_allow_milliseconds_left_to_sec_002 if {
	inp := doc(expires(1000), [])
	count(secret_expiry_near.deny) == 1 with input as inp
	inp_ms := doc(expires((now - day) * 1000), [])
	count(secret_expiry_near.deny) == 0 with input as inp_ms
	count(secret_expiry_near.warn) == 0 with input as inp_ms
}

test_unknown_expires_is_unverifiable if {
	inp := doc({}, ["properties.attributes.expires"])
	count(secret_expiry_near.deny) == 0 with input as inp
	secret_expiry_near.warn == {{
		"urn": urn,
		"msg": "Key Vault secret 'db-connection' has no known value at 'properties.attributes.expires' until the update runs.",
		"unknown": "properties.attributes.expires",
	}} with input as inp
}

test_deny_expires_as_string if {
	inp := doc(expires(format_int(now - day, 10)), [])
	secret_expiry_near.deny == {{"urn": urn, "msg": "Key Vault secret 'db-connection' sets attributes.expires to a string, not a number of seconds since the epoch."}} with input as inp
	count(secret_expiry_near.warn) == 0 with input as inp
}

test_unknown_secret_expires_is_unverifiable if {
	inp := json.patch(doc({}, []), [{"op": "add", "path": "/resources/0/secret/-", "value": "properties.attributes.expires"}])
	count(secret_expiry_near.deny) == 0 with input as inp
	{w.unknown | some w in secret_expiry_near.warn} == {"properties.attributes.expires"} with input as inp
}
