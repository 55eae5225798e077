package kvguard.rbac.access_policy_permissions_test

import data.kvguard.rbac.access_policy_permissions

# access_policy builds a keyvault:AccessPolicy resource with the given permissions.
access_policy(permissions, unknown) := {
	"urn": "urn:pulumi:dev::secret-store::azure-native:keyvault:AccessPolicy::ap",
	"type": "azure-native:keyvault:AccessPolicy",
	"name": "ap",
	"op": "create",
	"custom": true,
	"properties": {
		"resourceGroupName": "rg",
		"vaultName": "kv-store-dev-7f3a",
		"policy": {
			"objectId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7",
			"tenantId": "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f",
			"permissions": permissions,
		},
	},
	"unknown": unknown,
	"secret": [],
	"dependencies": [],
	"propertyDependencies": {},
	"protect": false,
}

# vault builds a vault with the given inline access policies.
vault(policies, unknown) := {
	"urn": "urn:pulumi:dev::secret-store::azure-native:keyvault:Vault::vault",
	"type": "azure-native:keyvault:Vault",
	"name": "vault",
	"op": "create",
	"custom": true,
	"properties": {"vaultName": "kv-store-dev-7f3a", "properties": {"accessPolicies": policies}},
	"unknown": unknown,
	"secret": [],
	"dependencies": [],
	"propertyDependencies": {},
	"protect": false,
}

denies(resources) := d if {
	d := access_policy_permissions.deny with input as {"profile": "dev", "resources": resources}
}

warns(resources) := w if {
	w := access_policy_permissions.warn with input as {"profile": "dev", "resources": resources}
}

test_deny_purge_on_secrets if {
	d := denies([access_policy({"secrets": ["Get", "List", "Purge"]}, [])])
	count(d) == 1
	some f in d
	f.msg == "Key Vault access policy 'ap' grants 'purge' on secrets."
}

test_deny_all_upper_case_on_keys_and_certificates if {
	d := denies([access_policy({"keys": ["ALL"], "certificates": ["all"], "storage": ["get"]}, [])])
	count(d) == 2
}

test_deny_inline_all if {
	d := denies([vault([{"objectId": "x", "tenantId": "y", "permissions": {"secrets": ["get"], "storage": ["All"]}}], [])])
	count(d) == 1
	some f in d
	f.msg == "Key Vault 'vault' has an inline access policy that grants 'all' on storage."
}

test_allow_narrow_permissions if {
	count(denies([access_policy({"secrets": ["get", "list"], "keys": ["get", "unwrapKey", "wrapKey"]}, [])])) == 0
	count(denies([vault([{"permissions": {"secrets": ["get"]}}], [])])) == 0
}

test_allow_vault_without_access_policies if {
	r := object.union(vault([], []), {"properties": {"properties": {"enableRbacAuthorization": true}}})
	count(denies([r])) == 0
	count(warns([r])) == 0
}

test_unknown_permissions_are_unverifiable if {
	resources := [access_policy({"keys": ["get"]}, ["policy.permissions.secrets"])]
	count(denies(resources)) == 0
	w := warns(resources)
	count(w) == 1
	some f in w
	f.unknown == "policy.permissions.secrets"
}

test_unknown_object_id_is_not_reported if {
	count(warns([vault([{"permissions": {"secrets": ["get"]}}], ["properties.accessPolicies.0.objectId"])])) == 0
}

test_unknown_inline_entry_is_unverifiable if {
	w := warns([vault([], ["properties.accessPolicies.1"])])
	count(w) == 1
}

test_unknown_secret_permissions_are_unverifiable if {
	r := object.union(access_policy({"keys": ["get"]}, []), {"secret": ["policy.permissions"]})
	count(denies([r])) == 0
	warns([r]) == {{
		"urn": "urn:pulumi:dev::secret-store::azure-native:keyvault:AccessPolicy::ap",
		"msg": "Key Vault access policy 'ap' keeps 'policy.permissions' as a Pulumi secret, so its value cannot be checked.",
		"unknown": "policy.permissions",
	}}
}

test_unknown_secret_inline_entry_is_unverifiable if {
	r := object.union(vault([], []), {"secret": ["properties.accessPolicies.0.permissions.secrets"]})
	{f.unknown | some f in warns([r])} == {"properties.accessPolicies.0.permissions.secrets"}
}

# A permission "list" that is a string may be "all": it fails rather than pass unread.
test_deny_permissions_not_a_list if {
	d := denies([access_policy({"secrets": "all"}, [])])
	d == {{"urn": "urn:pulumi:dev::secret-store::azure-native:keyvault:AccessPolicy::ap", "msg": "Key Vault access policy 'ap' sets policy.permissions.secrets to a string, not a list of permissions."}}
}

test_deny_inline_permissions_not_a_list if {
	d := denies([vault([{"objectId": "x", "tenantId": "y", "permissions": {"keys": "purge"}}], [])])
	d == {{"urn": "urn:pulumi:dev::secret-store::azure-native:keyvault:Vault::vault", "msg": "Key Vault 'vault' sets accessPolicies[0].permissions.keys to a string, not a list of permissions."}}
}

# Permissions, or an inline access policy, that are not objects name nothing readable: ARM
# rejects them, so they fail (and no rule stops on a builtin error over them).
test_deny_permissions_not_an_object if {
	got := denies([access_policy("all", [])])
	got == {{"urn": "urn:pulumi:dev::secret-store::azure-native:keyvault:AccessPolicy::ap", "msg": "Key Vault access policy 'ap' sets policy.permissions to a string, not an object of permission lists."}}
}

test_deny_inline_access_policy_not_an_object if {
	got := denies([vault(["all", {"permissions": 5}], [])])
	got == {
		{"urn": "urn:pulumi:dev::secret-store::azure-native:keyvault:Vault::vault", "msg": "Key Vault 'vault' sets accessPolicies[0] to a string, not an access policy object."},
		{"urn": "urn:pulumi:dev::secret-store::azure-native:keyvault:Vault::vault", "msg": "Key Vault 'vault' sets accessPolicies[1].permissions to a number, not an object of permission lists."},
	}
}
