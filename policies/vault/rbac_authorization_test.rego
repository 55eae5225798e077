package kvguard.vault.rbac_authorization_test

import data.kvguard.vault.rbac_authorization

urn := "urn:pulumi:dev::secret-store::azure-native:keyvault:Vault::vault"

ap_urn := "urn:pulumi:dev::secret-store::azure-native:keyvault:AccessPolicy::reader"

vault(settings, unknown) := {
	"urn": urn,
	"type": "azure-native:keyvault:Vault",
	"name": "vault",
	"op": "create",
	"custom": true,
	"properties": {"vaultName": "kv-store-dev", "properties": settings},
	"unknown": unknown,
	"secret": [],
}

access_policy := {
	"urn": ap_urn,
	"type": "azure-native:keyvault:AccessPolicy",
	"name": "reader",
	"op": "create",
	"custom": true,
	"properties": {"vaultName": "kv-store-dev", "policy": {"objectId": "1b2c3d4e-5f60-4718-293a-4b5c6d7e8f90"}},
	"unknown": [],
	"secret": [],
}

doc(resources) := {"now": "2026-12-03T00:00:00Z", "profile": "dev", "resources": resources}

entry := {
	"tenantId": "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f",
	"objectId": "1b2c3d4e-5f60-4718-293a-4b5c6d7e8f90",
	"permissions": {"secrets": ["get"]},
}

test_deny_rbac_absent if {
	got := rbac_authorization.deny with input as doc([vault({}, [])])
	got == {{"urn": urn, "msg": "Key Vault 'vault' does not use RBAC authorization."}}
}

test_deny_rbac_false_with_inline_policies if {
	got := rbac_authorization.deny with input as doc([vault({"enableRbacAuthorization": false, "accessPolicies": [entry]}, [])])
	got == {
		{"urn": urn, "msg": "Key Vault 'vault' does not use RBAC authorization."},
		{"urn": urn, "msg": "Key Vault 'vault' grants access through inline access policies."},
	}
}

test_deny_access_policy_resource if {
	got := rbac_authorization.deny with input as doc([vault({"enableRbacAuthorization": true}, []), access_policy])
	got == {{"urn": ap_urn, "msg": "Key Vault access policy 'reader' grants vault access outside Azure RBAC."}}
}

test_allow_rbac_with_empty_policies if {
	count(rbac_authorization.deny) == 0 with input as doc([vault({"enableRbacAuthorization": true, "accessPolicies": []}, [])])
}

test_unknown_rbac_flag_is_unverifiable if {
	inp := doc([vault({}, ["properties.enableRbacAuthorization"])])
	count(rbac_authorization.deny) == 0 with input as inp
	rbac_authorization.warn == {{
		"urn": urn,
		"msg": "Key Vault 'vault' has no known value at 'properties.enableRbacAuthorization' until the update runs.",
		"unknown": "properties.enableRbacAuthorization",
	}} with input as inp
}

test_unknown_access_policies_is_unverifiable if {
	inp := doc([vault({"enableRbacAuthorization": true}, ["properties.accessPolicies"])])
	count(rbac_authorization.deny) == 0 with input as inp
	{w.unknown | some w in rbac_authorization.warn} == {"properties.accessPolicies"} with input as inp
}

test_deny_rbac_flag_as_string if {
	got := rbac_authorization.deny with input as doc([vault({"enableRbacAuthorization": "true"}, [])])
	got == {{"urn": urn, "msg": "Key Vault 'vault' sets enableRbacAuthorization to a string, not a boolean."}}
}

test_unknown_secret_rbac_flag_is_unverifiable if {
	inp := doc([object.union(vault({}, []), {"secret": ["properties.enableRbacAuthorization"]})])
	count(rbac_authorization.deny) == 0 with input as inp
	{w.unknown | some w in rbac_authorization.warn} == {"properties.enableRbacAuthorization"} with input as inp
}

# A value that is neither a list nor an object cannot be read as "no access policies".
test_deny_access_policies_not_a_list if {
	got := rbac_authorization.deny with input as doc([vault({"enableRbacAuthorization": true, "accessPolicies": 5}, [])])
	got == {{"urn": urn, "msg": "Key Vault 'vault' sets accessPolicies to a number, not a list of access policies."}}
}
