package kvguard.vault.rbac_mode_change_test

import data.kvguard.vault.rbac_mode_change

urn := "urn:pulumi:dev::secret-store::azure-native:keyvault:Vault::vault"

doc(op, old, new, unknown) := {
	"now": "2026-12-03T00:00:00Z",
	"profile": "dev",
	"resources": [object.union(
		{
			"urn": urn,
			"type": "azure-native:keyvault:Vault",
			"name": "vault",
			"op": op,
			"custom": true,
			"properties": {"vaultName": "kv-store-dev", "properties": new},
			"unknown": unknown,
			"secret": [],
		},
		old_props(old),
	)],
}

old_props(old) := {} if old == null

old_props(old) := {"oldProperties": {"vaultName": "kv-store-dev", "properties": old}} if old != null

test_deny_access_policies_to_rbac if {
	got := rbac_mode_change.deny with input as doc("update", {"enableRbacAuthorization": false}, {"enableRbacAuthorization": true}, [])
	got == {{"urn": urn, "msg": "Key Vault 'vault' switches from access policies to RBAC authorization, which changes who can reach its data at once."}}
}

test_deny_absent_to_rbac if {
	got := rbac_mode_change.deny with input as doc("replace", {}, {"enableRbacAuthorization": true}, [])
	count(got) == 1
}

test_deny_rbac_to_access_policies if {
	got := rbac_mode_change.deny with input as doc("update", {"enableRbacAuthorization": true}, {}, [])
	got == {{"urn": urn, "msg": "Key Vault 'vault' switches from RBAC authorization to access policies, which changes who can reach its data at once."}}
}

test_allow_unchanged if {
	count(rbac_mode_change.deny) == 0 with input as doc("update", {"enableRbacAuthorization": true, "sku": {"name": "standard"}}, {"enableRbacAuthorization": true, "sku": {"name": "premium"}}, [])
}

test_allow_create_without_old_properties if {
	count(rbac_mode_change.deny) == 0 with input as doc("create", null, {"enableRbacAuthorization": true}, [])
}

test_unknown_new_value_is_unverifiable if {
	inp := doc("update", {"enableRbacAuthorization": false}, {}, ["properties.enableRbacAuthorization"])
	count(rbac_mode_change.deny) == 0 with input as inp
	rbac_mode_change.warn == {{
		"urn": urn,
		"msg": "Key Vault 'vault' has no known value at 'properties.enableRbacAuthorization' until the update runs.",
		"unknown": "properties.enableRbacAuthorization",
	}} with input as inp
}

# A string is neither true nor false: the flip cannot be told, and it is reported as the type.
test_deny_new_value_as_string if {
	got := rbac_mode_change.deny with input as doc("update", {"enableRbacAuthorization": true}, {"enableRbacAuthorization": "true"}, [])
	got == {{"urn": urn, "msg": "Key Vault 'vault' sets enableRbacAuthorization to a string, not a boolean."}}
}

test_unknown_secret_new_value_is_unverifiable if {
	inp := json.patch(doc("update", {"enableRbacAuthorization": false}, {}, []), [{"op": "replace", "path": "/resources/0/secret", "value": ["properties.enableRbacAuthorization"]}])
	count(rbac_mode_change.deny) == 0 with input as inp
	{w.unknown | some w in rbac_mode_change.warn} == {"properties.enableRbacAuthorization"} with input as inp
}

# The previous value was a Pulumi secret (removed and named in oldUnreadable): not "off".
test_unknown_old_secret_value_is_unverifiable if {
	inp := doc("update", {}, {"enableRbacAuthorization": true}, [])
	secret_old := {"now": inp.now, "profile": inp.profile, "resources": [object.union(inp.resources[0], {"oldUnreadable": ["properties.enableRbacAuthorization"]})]}
	count(rbac_mode_change.deny) == 0 with input as secret_old
	rbac_mode_change.warn == {{
		"urn": urn,
		"msg": "Key Vault 'vault' had no readable enableRbacAuthorization before this change (unknown or kept as a Pulumi secret), so a switch between access policies and RBAC cannot be checked.",
		"unknown": "oldProperties.properties.enableRbacAuthorization",
	}} with input as secret_old
}

test_unknown_old_properties_whole_secret_is_unverifiable if {
	inp := doc("update", {}, {"enableRbacAuthorization": true}, [])
	secret_old := {"now": inp.now, "profile": inp.profile, "resources": [object.union(inp.resources[0], {"oldUnreadable": ["properties"]})]}
	count(rbac_mode_change.deny) == 0 with input as secret_old
	count(rbac_mode_change.warn) == 1 with input as secret_old
}
