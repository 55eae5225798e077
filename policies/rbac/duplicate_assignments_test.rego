package kvguard.rbac.duplicate_assignments_test

import data.kvguard.rbac.duplicate_assignments

guid := "4633458b-17de-408a-b874-0445c86b69e6"

sub := "/subscriptions/3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61"

vault_id := concat("", [sub, "/resourceGroups/rg-secret-store-dev/providers/Microsoft.KeyVault/vaults/kv-store-dev-7f3a"])

vault_urn := "urn:pulumi:dev::secret-store::azure-native:keyvault:Vault::vault"

identity_urn := "urn:pulumi:dev::secret-store::azure-native:managedidentity:UserAssignedIdentity::orders-api"

principal := "5e0c3a7b-1d2f-4e6a-9b8c-7d6e5f4a3b2c"

# assignment builds a role assignment resource named name; extra overrides top-level fields.
assignment(name, props, extra) := object.union(
	{
		"urn": concat("", ["urn:pulumi:dev::secret-store::azure-native:authorization:RoleAssignment::", name]),
		"type": "azure-native:authorization:RoleAssignment",
		"name": name,
		"op": "create",
		"custom": true,
		"properties": props,
		"unknown": [],
		"secret": [],
		"dependencies": [],
		"propertyDependencies": {},
		"protect": false,
	},
	extra,
)

grant(principal_id, role, scope) := {"principalId": principal_id, "principalType": "ServicePrincipal", "roleDefinitionId": role, "scope": scope}

vault := {
	"urn": vault_urn,
	"type": "azure-native:keyvault:Vault",
	"name": "vault",
	"id": vault_id,
	"op": "same",
	"custom": true,
	"properties": {"vaultName": "kv-store-dev-7f3a"},
	"unknown": [],
	"secret": [],
	"dependencies": [],
	"propertyDependencies": {},
	"protect": false,
}

identity := {
	"urn": identity_urn,
	"type": "azure-native:managedidentity:UserAssignedIdentity",
	"name": "orders-api",
	"op": "same",
	"custom": true,
	"properties": {"principalId": principal},
	"unknown": [],
	"secret": [],
	"dependencies": [],
	"propertyDependencies": {},
	"protect": false,
}

denies(resources) := d if {
	d := duplicate_assignments.deny with input as {"profile": "dev", "resources": resources}
}

warns(resources) := w if {
	w := duplicate_assignments.warn with input as {"profile": "dev", "resources": resources}
}

# Same principal, role and scope, written three different ways.
test_deny_same_triple_different_spelling if {
	a := assignment("a", grant(principal, concat("", ["/providers/Microsoft.Authorization/roleDefinitions/", guid]), vault_id), {})
	b := assignment("b", grant(upper(principal), concat("", [sub, "/providers/Microsoft.Authorization/roleDefinitions/", upper(guid)]), upper(trim_left(vault_id, "/"))), {})
	d := denies([a, b])
	count(d) == 2
	{f.urn | some f in d} == {a.urn, b.urn}
	some f in d
	f.urn == a.urn
	f.msg == "Role assignment 'a' grants the same role to the same principal at the same scope as 'b'."
}

# The sentinel-removed principalId and scope resolve through property dependencies to the
# identity and vault the other assignment names by id.
test_deny_unknown_principal_and_scope_resolved if {
	a := assignment("a", grant(principal, guid, vault_id), {})
	b := assignment("b", {"principalType": "ServicePrincipal", "roleDefinitionId": guid}, {
		"unknown": ["principalId", "scope"],
		"propertyDependencies": {"principalId": [identity_urn], "scope": [vault_urn]},
	})
	count(denies([vault, identity, a, b])) == 2
}

test_allow_different_roles if {
	a := assignment("a", grant(principal, guid, vault_id), {})
	b := assignment("b", grant(principal, "12338af0-0e69-4776-bea7-57ae8d297424", vault_id), {})
	count(denies([a, b])) == 0
}

test_allow_different_scopes if {
	a := assignment("a", grant(principal, guid, vault_id), {})
	b := assignment("b", grant(principal, guid, concat("", [vault_id, "/secrets/db"])), {})
	count(denies([a, b])) == 0
}

test_allow_replacement_steps_of_one_assignment if {
	a := assignment("a", grant(principal, guid, vault_id), {"op": "replace"})
	b := assignment("a", grant(principal, guid, vault_id), {"op": "create-replacement"})
	count(denies([a, b])) == 0
}

test_allow_duplicate_being_deleted if {
	a := assignment("a", grant(principal, guid, vault_id), {})
	b := assignment("b", grant(principal, guid, vault_id), {"op": "delete"})
	count(denies([a, b])) == 0
}

test_unknown_principal_colliding_is_unverifiable if {
	a := assignment("a", grant(principal, guid, vault_id), {})
	b := assignment("b", {"principalType": "ServicePrincipal", "roleDefinitionId": guid, "scope": vault_id}, {"unknown": ["principalId"]})
	resources := [a, b]
	count(denies(resources)) == 0
	w := warns(resources)
	count(w) == 1
	some f in w
	f.urn == b.urn
	f.unknown == "principalId"
}

test_allow_unknown_principal_without_collision if {
	b := assignment("b", {"principalType": "ServicePrincipal", "roleDefinitionId": guid, "scope": vault_id}, {"unknown": ["principalId"]})
	count(warns([b])) == 0
}

# A secret principalId and scope resolve through property dependencies like unknown ones.
test_deny_secret_principal_and_scope_resolved if {
	a := assignment("a", grant(principal, guid, vault_id), {})
	b := assignment("b", {"principalType": "ServicePrincipal", "roleDefinitionId": guid}, {
		"secret": ["principalId", "scope"],
		"propertyDependencies": {"principalId": [identity_urn], "scope": [vault_urn]},
	})
	count(denies([vault, identity, a, b])) == 2
}

test_unknown_secret_role_colliding_is_unverifiable if {
	a := assignment("a", grant(principal, guid, vault_id), {})
	b := assignment("b", {"principalId": principal, "principalType": "ServicePrincipal", "scope": vault_id}, {"secret": ["roleDefinitionId"]})
	resources := [a, b]
	count(denies(resources)) == 0
	warns(resources) == {{
		"urn": b.urn,
		"msg": "Role assignment 'b' keeps 'roleDefinitionId' as a Pulumi secret, so its value cannot be checked.",
		"unknown": "roleDefinitionId",
	}}
}

# A new vault's id is unknown: a literal scope naming it and a scope taken from it are the same.
test_deny_literal_scope_and_dependency_on_a_new_vault if {
	new_vault := object.union(object.remove(vault, ["id"]), {"op": "create"})
	a := assignment("a", grant(principal, guid, vault_id), {})
	b := assignment("b", {"principalId": principal, "principalType": "ServicePrincipal", "roleDefinitionId": guid}, {
		"unknown": ["scope"],
		"propertyDependencies": {"scope": [vault_urn]},
	})
	count(denies([new_vault, a, b])) == 2
}

# A large group of duplicates: each message names five others and counts the rest, so the
# output grows with the group, not with its square.
test_deny_large_group_names_five_others if {
	group := [assignment(sprintf("a%d", [i]), grant(principal, guid, vault_id), {}) | some i in numbers.range(0, 7)]
	d := denies(group)
	count(d) == 8
	some f in d
	f.urn == group[0].urn
	f.msg == "Role assignment 'a0' grants the same role to the same principal at the same scope as 'a1', 'a2', 'a3', 'a4', 'a5' and 2 more."
	some g in d
	g.urn == group[3].urn
	g.msg == "Role assignment 'a3' grants the same role to the same principal at the same scope as 'a0', 'a1', 'a2', 'a4', 'a5' and 2 more."
}
