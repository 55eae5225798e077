package kvguard.secret.key_rotation_test

import data.kvguard.secret.key_rotation

urn := "urn:pulumi:dev::secret-store::azure-native:keyvault:Key::signing"

doc(props, unknown) := {
	"now": "2026-12-03T00:00:00Z",
	"profile": "dev",
	"resources": [{
		"urn": urn,
		"type": "azure-native:keyvault:Key",
		"name": "signing",
		"op": "create",
		"custom": true,
		"properties": {"vaultName": "kv-store-dev", "keyName": "signing", "properties": props},
		"unknown": unknown,
		"secret": [],
	}],
}

expiry := {"expires": 1802649600}

rotation(action) := {
	"attributes": {"expiryTime": "P1Y"},
	"lifetimeActions": [
		{"action": {"type": "notify"}, "trigger": {"timeBeforeExpiry": "P30D"}},
		{"action": {"type": action}, "trigger": {"timeAfterCreate": "P90D"}},
	],
}

test_deny_no_expiry_and_no_policy if {
	got := key_rotation.deny with input as doc({"kty": "RSA"}, [])
	got == {
		{"urn": urn, "msg": "Key Vault key 'signing' has no expiration date."},
		{"urn": urn, "msg": "Key Vault key 'signing' has no rotation policy."},
	}
}

test_deny_policy_without_rotate if {
	got := key_rotation.deny with input as doc({"attributes": expiry, "rotationPolicy": rotation("notify")}, [])
	got == {{"urn": urn, "msg": "Key Vault key 'signing' has a rotation policy without a rotate action."}}
}

test_allow_expiry_and_rotate_action if {
	inp := doc({"attributes": expiry, "rotationPolicy": rotation("rotate")}, [])
	count(key_rotation.deny) == 0 with input as inp
	count(key_rotation.warn) == 0 with input as inp
}

test_allow_rotate_any_case if {
	count(key_rotation.deny) == 0 with input as doc({"attributes": expiry, "rotationPolicy": rotation("Rotate")}, [])
}

test_unknown_rotation_policy_is_unverifiable if {
	inp := doc({"attributes": expiry}, ["properties.rotationPolicy"])
	count(key_rotation.deny) == 0 with input as inp
	key_rotation.warn == {{
		"urn": urn,
		"msg": "Key Vault key 'signing' has no known value at 'properties.rotationPolicy' until the update runs.",
		"unknown": "properties.rotationPolicy",
	}} with input as inp
}

test_unknown_action_type_is_unverifiable if {
	policy := {"lifetimeActions": [{"action": {}, "trigger": {"timeAfterCreate": "P90D"}}]}
	inp := doc({"attributes": expiry, "rotationPolicy": policy}, ["properties.rotationPolicy.lifetimeActions.0.action.type"])
	count(key_rotation.deny) == 0 with input as inp
	{w.unknown | some w in key_rotation.warn} == {"properties.rotationPolicy.lifetimeActions.0.action.type"} with input as inp
}

test_unknown_expiry_is_unverifiable if {
	inp := doc({"attributes": {}, "rotationPolicy": rotation("rotate")}, ["properties.attributes.expires"])
	count(key_rotation.deny) == 0 with input as inp
	{w.unknown | some w in key_rotation.warn} == {"properties.attributes.expires"} with input as inp
}

# secret_doc is doc with the given paths kept as Pulumi secrets (removed, like the sources do).
secret_doc(props, secret) := json.patch(doc(props, []), [{"op": "replace", "path": "/resources/0/secret", "value": secret}])

test_deny_expires_as_string if {
	got := key_rotation.deny with input as doc({"attributes": {"expires": "1802649600"}, "rotationPolicy": rotation("rotate")}, [])
	got == {{"urn": urn, "msg": "Key Vault key 'signing' sets attributes.expires to a string, not a number of seconds since the epoch."}}
}

test_unknown_secret_action_type_is_unverifiable if {
	policy := {"lifetimeActions": [{"action": {}, "trigger": {"timeAfterCreate": "P90D"}}]}
	inp := secret_doc({"attributes": expiry, "rotationPolicy": policy}, ["properties.rotationPolicy.lifetimeActions.0.action.type"])
	count(key_rotation.deny) == 0 with input as inp
	key_rotation.warn == {{
		"urn": urn,
		"msg": "Key Vault key 'signing' keeps 'properties.rotationPolicy.lifetimeActions.0.action.type' as a Pulumi secret, so its value cannot be checked.",
		"unknown": "properties.rotationPolicy.lifetimeActions.0.action.type",
	}} with input as inp
}

test_unknown_secret_expiry_is_unverifiable if {
	inp := secret_doc({"attributes": {}, "rotationPolicy": rotation("rotate")}, ["properties.attributes.expires"])
	count(key_rotation.deny) == 0 with input as inp
	{w.unknown | some w in key_rotation.warn} == {"properties.attributes.expires"} with input as inp
}
