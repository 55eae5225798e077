package kvguard.rbac.assignment_scope_test

import data.kvguard.rbac.assignment_scope

secrets_user := "4633458b-17de-408a-b874-0445c86b69e6"

reader := "acdd72a7-3385-48ef-bd42-f606fba81ae7"

sub := "/subscriptions/3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61"

vault_id := concat("", [sub, "/resourceGroups/rg-secret-store-dev/providers/Microsoft.KeyVault/vaults/kv-store-dev-7f3a"])

rg_urn := "urn:pulumi:dev::secret-store::azure-native:resources:ResourceGroup::rg"

vault_urn := "urn:pulumi:dev::secret-store::azure-native:keyvault:Vault::vault"

# assignment builds a role assignment resource; extra overrides top-level fields.
assignment(props, extra) := object.union(
	{
		"urn": "urn:pulumi:dev::secret-store::azure-native:authorization:RoleAssignment::ra",
		"type": "azure-native:authorization:RoleAssignment",
		"name": "ra",
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

# scoped is a service principal assignment of role at scope.
scoped(role, scope) := assignment(
	{
		"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7",
		"principalType": "ServicePrincipal",
		"roleDefinitionId": role,
		"scope": scope,
	},
	{},
)

# unknown_scope is an assignment whose scope the source removed as unknown.
unknown_scope(role, deps) := assignment(
	{"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "principalType": "ServicePrincipal", "roleDefinitionId": role},
	{"unknown": ["scope"], "propertyDependencies": {"scope": deps}},
)

denies(resources) := d if {
	d := assignment_scope.deny with input as {"profile": "dev", "resources": resources}
}

warns(resources) := w if {
	w := assignment_scope.warn with input as {"profile": "dev", "resources": resources}
}

test_deny_subscription_scope if {
	d := denies([scoped(secrets_user, sub)])
	count(d) == 1
	some f in d
	f.msg == "Role assignment 'ra' grants the Key Vault data role 'Key Vault Secrets User' at subscription scope."
}

test_deny_resource_group_scope_mixed_case_no_leading_slash if {
	s := "SUBSCRIPTIONS/3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61/ResourceGroups/RG-Secret-Store-Dev/"
	role := concat("", [sub, "/providers/Microsoft.Authorization/roleDefinitions/", upper(secrets_user)])
	d := denies([scoped(role, s)])
	count(d) == 1
	some f in d
	contains(f.msg, "resource group scope")
}

test_deny_management_group_scope if {
	role := concat("", ["/providers/Microsoft.Authorization/roleDefinitions/", "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"])
	count(denies([scoped(role, "/providers/Microsoft.Management/managementGroups/corp")])) == 1
}

test_deny_unknown_scope_resolved_to_resource_group if {
	count(denies([unknown_scope(secrets_user, [rg_urn])])) == 1
}

test_allow_vault_scope if {
	count(denies([scoped(secrets_user, vault_id)])) == 0
}

test_allow_secret_scope_without_leading_slash if {
	s := concat("", [trim_left(vault_id, "/"), "/secrets/db-connection"])
	count(denies([scoped(secrets_user, s)])) == 0
}

test_allow_non_key_vault_role_at_subscription if {
	count(denies([scoped(reader, sub)])) == 0
}

test_allow_unknown_scope_resolved_to_vault if {
	resources := [unknown_scope(secrets_user, [vault_urn])]
	count(denies(resources)) == 0
	count(warns(resources)) == 0
}

# A scope computed from a resource that is no scope (a random suffix, a stack reference)
# could name any scope, so the dependency does not settle it.
test_unknown_scope_from_other_resource_is_unverifiable if {
	resources := [unknown_scope(secrets_user, ["urn:pulumi:dev::secret-store::random:index/randomPet:RandomPet::rg-suffix"])]
	count(denies(resources)) == 0
	{f.unknown | some f in warns(resources)} == {"scope"}
}

test_allow_unknown_scope_resolved_to_secret if {
	resources := [unknown_scope(secrets_user, ["urn:pulumi:dev::secret-store::azure-native:keyvault:Secret::db"])]
	count(denies(resources)) == 0
	count(warns(resources)) == 0
}

test_unknown_scope_without_dependency_is_unverifiable if {
	resources := [unknown_scope(secrets_user, [])]
	count(denies(resources)) == 0
	w := warns(resources)
	count(w) == 1
	some f in w
	f.unknown == "scope"
}

test_unknown_role_at_subscription_is_unverifiable if {
	r := assignment({"principalType": "ServicePrincipal", "scope": sub}, {"unknown": ["roleDefinitionId"]})
	count(denies([r])) == 0
	w := warns([r])
	count(w) == 1
	some f in w
	f.unknown == "roleDefinitionId"
}

test_deny_secret_scope_resolved_to_resource_group if {
	r := assignment(
		{"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "principalType": "ServicePrincipal", "roleDefinitionId": secrets_user},
		{"secret": ["scope"], "propertyDependencies": {"scope": [rg_urn]}},
	)
	count(denies([r])) == 1
}

test_unknown_secret_scope_without_dependency_is_unverifiable if {
	r := assignment(
		{"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "principalType": "ServicePrincipal", "roleDefinitionId": secrets_user},
		{"secret": ["scope"]},
	)
	count(denies([r])) == 0
	warns([r]) == {{
		"urn": r.urn,
		"msg": "Role assignment 'ra' keeps 'scope' as a Pulumi secret, so its value cannot be checked.",
		"unknown": "scope",
	}}
}

test_unknown_secret_role_and_scope_are_unverifiable if {
	r := assignment({"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "principalType": "ServicePrincipal"}, {"secret": ["roleDefinitionId", "scope"]})
	count(denies([r])) == 0
	{f.unknown | some f in warns([r])} == {"roleDefinitionId", "scope"}
}

test_allow_secret_role_at_vault_scope if {
	r := assignment({"principalType": "ServicePrincipal", "scope": vault_id}, {"secret": ["roleDefinitionId"]})
	count(denies([r])) == 0
	count(warns([r])) == 0
}

# A scope that is not a string cannot be shown to be the vault or one secret: it fails.
test_deny_scope_not_a_string if {
	d := denies([scoped(secrets_user, [sub])])
	d == {{"urn": "urn:pulumi:dev::secret-store::azure-native:authorization:RoleAssignment::ra", "msg": "Role assignment 'ra' sets scope to an array, not an ARM scope string."}}
}

test_deny_data_role_without_scope if {
	d := denies([assignment({"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "principalType": "ServicePrincipal", "roleDefinitionId": secrets_user}, {})])
	d == {{"urn": "urn:pulumi:dev::secret-store::azure-native:authorization:RoleAssignment::ra", "msg": "Role assignment 'ra' grants the Key Vault data role 'Key Vault Secrets User' without a scope."}}
}

test_allow_other_role_scope_not_a_string if {
	count(denies([scoped(reader, [sub])])) == 0
}

test_deny_unknown_scope_resolved_to_pinned_resource_group if {
	d := denies([unknown_scope(secrets_user, ["urn:pulumi:dev::secret-store::azure-native:resources/v20220901:ResourceGroup::rg"])])
	count(d) == 1
}

# Built from the resource group's id and the vault's name: most likely the vault, but the
# dependencies cannot tell, so neither a pass nor a failure.
test_unknown_scope_from_resource_group_and_vault_is_unverifiable if {
	resources := [unknown_scope(secrets_user, [rg_urn, vault_urn])]
	count(denies(resources)) == 0
	some f in warns(resources)
	f.unknown == "scope"
}
