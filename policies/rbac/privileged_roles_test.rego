package kvguard.rbac.privileged_roles_test

import data.kvguard.rbac.privileged_roles

owner := "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"

contributor := "b24988ac-6180-42a0-ab88-20f7382dd24c"

secrets_user := "4633458b-17de-408a-b874-0445c86b69e6"

sub_prefix := "/subscriptions/3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61/providers/Microsoft.Authorization/roleDefinitions/"

identity_urn := "urn:pulumi:dev::secret-store::azure-native:managedidentity:UserAssignedIdentity::orders-api"

role_def_urn := "urn:pulumi:dev::secret-store::azure-native:authorization:RoleDefinition::custom"

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

identity := {
	"urn": identity_urn,
	"type": "azure-native:managedidentity:UserAssignedIdentity",
	"name": "orders-api",
	"op": "same",
	"custom": true,
	"properties": {"principalId": "5e0c3a7b-1d2f-4e6a-9b8c-7d6e5f4a3b2c"},
	"unknown": [],
	"secret": [],
	"dependencies": [],
	"propertyDependencies": {},
	"protect": false,
}

role_definition(actions) := {
	"urn": role_def_urn,
	"type": "azure-native:authorization:RoleDefinition",
	"name": "custom",
	"id": "/subscriptions/3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61/providers/Microsoft.Authorization/roleDefinitions/0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
	"op": "same",
	"custom": true,
	"properties": {"roleName": "custom", "permissions": [{"actions": actions, "notActions": []}]},
	"unknown": [],
	"secret": [],
	"dependencies": [],
	"propertyDependencies": {},
	"protect": false,
}

sp(role) := {"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "principalType": "ServicePrincipal", "roleDefinitionId": role}

denies(resources) := d if {
	d := privileged_roles.deny with input as {"profile": "dev", "resources": resources}
}

warns(resources) := w if {
	w := privileged_roles.warn with input as {"profile": "dev", "resources": resources}
}

test_deny_owner_provider_prefix_upper_case if {
	d := denies([assignment(sp(concat("", ["/providers/Microsoft.Authorization/roleDefinitions/", upper(owner)])), {})])
	count(d) == 1
	some f in d
	f.urn == "urn:pulumi:dev::secret-store::azure-native:authorization:RoleAssignment::ra"
	contains(f.msg, "'Owner'")
	endswith(f.msg, ".")
}

test_deny_contributor_subscription_prefix if {
	count(denies([assignment(sp(concat("", [sub_prefix, contributor])), {})])) == 1
}

test_deny_user_access_administrator_bare_guid if {
	count(denies([assignment(sp("18D7D88D-D35E-4FB5-A5C3-7773C20A72D9"), {})])) == 1
}

test_deny_key_vault_contributor_trailing_slash if {
	count(denies([assignment(sp("/providers/Microsoft.Authorization/roleDefinitions/f25e0fa2-a7c8-4377-a976-54943a77a395/"), {})])) == 1
}

# A managed identity of the stack is a workload even when the assignment claims Group.
test_deny_identity_declared_as_group if {
	props := {"principalId": "5E0C3A7B-1D2F-4E6A-9B8C-7D6E5F4A3B2C", "principalType": "Group", "roleDefinitionId": owner}
	count(denies([identity, assignment(props, {})])) == 1
}

# The unknown principalId was removed by the source; its dependency names the identity.
test_deny_unknown_principal_id_resolved_through_dependency if {
	props := {"principalType": "Group", "roleDefinitionId": concat("", [sub_prefix, owner])}
	extra := {"unknown": ["principalId"], "propertyDependencies": {"principalId": [identity_urn]}}
	count(denies([identity, assignment(props, extra)])) == 1
}

test_deny_custom_star_role_by_id if {
	d := denies([role_definition(["*"]), assignment(sp(concat("", [sub_prefix, "0B1C2D3E-4F5A-4B6C-8D7E-9F0A1B2C3D4E"])), {})])
	count(d) == 1
	some f in d
	contains(f.msg, "'*' actions")
}

test_deny_custom_star_role_by_dependency if {
	props := {"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "principalType": "ServicePrincipal"}
	extra := {"unknown": ["roleDefinitionId"], "propertyDependencies": {"roleDefinitionId": [role_def_urn]}}
	resources := [role_definition(["*"]), assignment(props, extra)]
	count(denies(resources)) == 1
	count(warns(resources)) == 0
}

test_allow_owner_to_group if {
	props := {"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "principalType": "Group", "roleDefinitionId": owner}
	count(denies([identity, assignment(props, {})])) == 0
}

test_allow_secrets_user_to_service_principal if {
	count(denies([assignment(sp(concat("", [sub_prefix, secrets_user])), {})])) == 0
}

test_allow_custom_role_without_star if {
	resources := [role_definition(["Microsoft.KeyVault/vaults/read"]), assignment(sp(concat("", [sub_prefix, "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"])), {})]
	count(denies(resources)) == 0
}

test_allow_deleted_assignment if {
	count(denies([assignment(sp(owner), {"op": "delete"})])) == 0
}

test_unknown_role_definition_is_unverifiable if {
	props := {"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "principalType": "ServicePrincipal"}
	resources := [assignment(props, {"unknown": ["roleDefinitionId"]})]
	count(denies(resources)) == 0
	w := warns(resources)
	count(w) == 1
	some f in w
	f.unknown == "roleDefinitionId"
}

test_unknown_principal_type_with_owner_is_unverifiable if {
	props := {"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "roleDefinitionId": owner}
	resources := [assignment(props, {"unknown": ["principalType"]})]
	count(denies(resources)) == 0
	w := warns(resources)
	count(w) == 1
	some f in w
	f.unknown == "principalType"
}

# Neither the role nor who receives it can be read: an Owner to a service principal is possible.
test_unknown_role_and_principal_type_is_unverifiable if {
	props := {"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7"}
	resources := [assignment(props, {"secret": ["principalType", "roleDefinitionId"]})]
	count(denies(resources)) == 0
	{f.unknown | some f in warns(resources)} == {"roleDefinitionId"}
}

# It can assign Key Vault roles, so it counts with Role Based Access Control Administrator.
test_deny_key_vault_data_access_administrator if {
	d := denies([assignment(sp(concat("", [sub_prefix, "8b54135c-b56d-4d72-a534-26097cfdc8d8"])), {})])
	d == {{
		"urn": "urn:pulumi:dev::secret-store::azure-native:authorization:RoleAssignment::ra",
		"msg": "Role assignment 'ra' grants the privileged role 'Key Vault Data Access Administrator' to a workload principal.",
	}}
}

test_allow_key_vault_data_access_administrator_to_group if {
	props := {"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "principalType": "Group", "roleDefinitionId": "8b54135c-b56d-4d72-a534-26097cfdc8d8"}
	count(denies([assignment(props, {})])) == 0
}

# A "[secret]" role id is removed by the source: it must not pass as "no privileged role".
test_unknown_secret_role_definition_is_unverifiable if {
	props := {"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "principalType": "ServicePrincipal"}
	resources := [assignment(props, {"secret": ["roleDefinitionId"]})]
	count(denies(resources)) == 0
	warns(resources) == {{
		"urn": "urn:pulumi:dev::secret-store::azure-native:authorization:RoleAssignment::ra",
		"msg": "Role assignment 'ra' keeps 'roleDefinitionId' as a Pulumi secret, so its value cannot be checked.",
		"unknown": "roleDefinitionId",
	}}
}

test_deny_secret_role_definition_resolved_to_star_role if {
	props := {"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "principalType": "ServicePrincipal"}
	extra := {"secret": ["roleDefinitionId"], "propertyDependencies": {"roleDefinitionId": [role_def_urn]}}
	resources := [role_definition(["*"]), assignment(props, extra)]
	count(denies(resources)) == 1
	count(warns(resources)) == 0
}

test_unknown_secret_principal_type_with_owner_is_unverifiable if {
	props := {"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "roleDefinitionId": owner}
	resources := [assignment(props, {"secret": ["principalType"]})]
	count(denies(resources)) == 0
	{f.unknown | some f in warns(resources)} == {"principalType"}
}
