package kvguard.rbac.workload_read_only_test

import data.kvguard.rbac.workload_read_only

secrets_user := "4633458b-17de-408a-b874-0445c86b69e6"

secrets_officer := "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"

crypto_officer := "14b46e9e-c2b7-41b4-b07b-48a6ebf60603"

sub_prefix := "/subscriptions/3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61/providers/Microsoft.Authorization/roleDefinitions/"

identity_urn := "urn:pulumi:dev::secret-store::azure-native:managedidentity:UserAssignedIdentity::orders-api"

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
	"op": "create",
	"custom": true,
	"properties": {},
	"unknown": ["principalId"],
	"secret": [],
	"dependencies": [],
	"propertyDependencies": {},
	"protect": false,
}

grant(principal_type, role) := {"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "principalType": principal_type, "roleDefinitionId": role}

denies(resources) := d if {
	d := workload_read_only.deny with input as {"profile": "dev", "resources": resources}
}

warns(resources) := w if {
	w := workload_read_only.warn with input as {"profile": "dev", "resources": resources}
}

test_deny_secrets_officer_to_service_principal if {
	d := denies([assignment(grant("ServicePrincipal", concat("", [sub_prefix, secrets_officer])), {})])
	count(d) == 1
	some f in d
	f.msg == "Role assignment 'ra' grants the write role 'Key Vault Secrets Officer' to a workload principal."
}

test_deny_crypto_officer_bare_upper_case_guid if {
	count(denies([assignment(grant("ServicePrincipal", upper(crypto_officer)), {})])) == 1
}

test_deny_officer_to_user if {
	d := denies([assignment(grant("User", concat("", ["/providers/Microsoft.Authorization/roleDefinitions/", secrets_officer])), {})])
	count(d) == 1
	some f in d
	contains(f.msg, "not a group")
}

# The sentinel-removed principalId depends on a managed identity: a workload, despite "Group".
test_deny_unknown_principal_id_resolved_to_identity if {
	r := assignment(
		{"principalType": "Group", "roleDefinitionId": concat("", [sub_prefix, secrets_officer])},
		{"unknown": ["principalId"], "propertyDependencies": {"principalId": [identity_urn]}},
	)
	d := denies([identity, r])
	count(d) == 1
	some f in d
	contains(f.msg, "workload principal")
}

test_allow_secrets_user_to_service_principal if {
	count(denies([assignment(grant("ServicePrincipal", concat("", [sub_prefix, secrets_user])), {})])) == 0
}

test_allow_secrets_officer_to_group if {
	count(denies([assignment(grant("group", concat("", [sub_prefix, secrets_officer])), {})])) == 0
}

test_allow_privileged_role_left_to_rbac_001 if {
	count(denies([assignment(grant("ServicePrincipal", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"), {})])) == 0
}

test_unknown_role_for_workload_is_unverifiable if {
	resources := [assignment({"principalType": "ServicePrincipal"}, {"unknown": ["roleDefinitionId"]})]
	count(denies(resources)) == 0
	w := warns(resources)
	count(w) == 1
	some f in w
	f.unknown == "roleDefinitionId"
}

test_unknown_principal_type_with_write_role_is_unverifiable if {
	resources := [assignment({"roleDefinitionId": secrets_officer}, {"unknown": ["principalType", "principalId"]})]
	count(denies(resources)) == 0
	w := warns(resources)
	count(w) == 1
	some f in w
	f.unknown == "principalType"
}

unknown_builtin := "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"

role_def_urn := "urn:pulumi:dev::secret-store::azure-native:authorization:RoleDefinition::custom"

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

# The allow-list: a built-in role the catalogue does not know is not a read role.
test_deny_role_missing_from_catalogue_to_service_principal if {
	d := denies([assignment(grant("ServicePrincipal", concat("", [sub_prefix, upper(unknown_builtin)])), {})])
	d == {{
		"urn": "urn:pulumi:dev::secret-store::azure-native:authorization:RoleAssignment::ra",
		"msg": "Role assignment 'ra' grants a workload principal the role '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', which is not a known read role.",
	}}
}

test_deny_role_missing_from_catalogue_to_identity_declared_as_group if {
	r := assignment(
		{"principalType": "Group", "roleDefinitionId": unknown_builtin},
		{"unknown": ["principalId"], "propertyDependencies": {"principalId": [identity_urn]}},
	)
	count(denies([identity, r])) == 1
}

test_deny_custom_role_by_id_to_workload if {
	d := denies([role_definition(["Microsoft.KeyVault/vaults/secrets/read"]), assignment(grant("ServicePrincipal", concat("", [sub_prefix, "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"])), {})])
	some f in d
	f.msg == "Role assignment 'ra' grants a workload principal the custom role '0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e', which is not a known read role."
	count(d) == 1
}

# An unknown (or secret) role id that depends on a custom role of this stack resolves to it.
test_deny_custom_role_by_dependency_to_workload if {
	r := assignment(
		{"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "principalType": "ServicePrincipal"},
		{"secret": ["roleDefinitionId"], "propertyDependencies": {"roleDefinitionId": [role_def_urn]}},
	)
	resources := [role_definition(["Microsoft.KeyVault/vaults/secrets/read"]), r]
	d := denies(resources)
	some f in d
	f.msg == "Role assignment 'ra' grants a workload principal the custom role of 'custom', which is not a known read role."
	count(d) == 1
	count(warns(resources)) == 0
}

test_allow_role_missing_from_catalogue_to_group if {
	count(denies([assignment(grant("Group", unknown_builtin), {})])) == 0
}

test_allow_reader_roles_to_service_principal if {
	every guid in ["acdd72a7-3385-48ef-bd42-f606fba81ae7", "21090545-7ca7-4776-b22c-e363652d74d2", "12338af0-0e69-4776-bea7-57ae8d297424", "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba", "e147488a-f6f5-4113-8e2d-b22465e65bf6"] {
		count(denies([assignment(grant("ServicePrincipal", guid), {})])) == 0
	}
}

# Privileged roles and custom roles with '*' actions are reported by RBAC-001 only.
test_allow_data_access_administrator_left_to_rbac_001 if {
	count(denies([assignment(grant("ServicePrincipal", "8b54135c-b56d-4d72-a534-26097cfdc8d8"), {})])) == 0
}

test_allow_star_custom_role_left_to_rbac_001 if {
	count(denies([role_definition(["*"]), assignment(grant("ServicePrincipal", "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"), {})])) == 0
}

test_unknown_secret_role_for_workload_is_unverifiable if {
	resources := [assignment({"principalType": "ServicePrincipal"}, {"secret": ["roleDefinitionId"]})]
	count(denies(resources)) == 0
	warns(resources) == {{
		"urn": "urn:pulumi:dev::secret-store::azure-native:authorization:RoleAssignment::ra",
		"msg": "Role assignment 'ra' keeps 'roleDefinitionId' as a Pulumi secret, so its value cannot be checked.",
		"unknown": "roleDefinitionId",
	}}
}

test_unknown_secret_principal_type_with_catalogue_gap_is_unverifiable if {
	resources := [assignment({"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "roleDefinitionId": unknown_builtin}, {"secret": ["principalType"]})]
	count(denies(resources)) == 0
	{f.unknown | some f in warns(resources)} == {"principalType"}
}

# A write role to a user fails, so a user's unreadable role cannot pass.
test_unknown_secret_role_for_user_is_unverifiable if {
	resources := [assignment({"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "principalType": "User"}, {"secret": ["roleDefinitionId"]})]
	count(denies(resources)) == 0
	{f.unknown | some f in warns(resources)} == {"roleDefinitionId"}
}

# Neither the role nor the principal's type can be read: a write role to a workload is possible.
test_unknown_role_and_principal_type_is_unverifiable if {
	resources := [assignment({"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7"}, {"secret": ["principalType", "roleDefinitionId"]})]
	count(denies(resources)) == 0
	{f.unknown | some f in warns(resources)} == {"roleDefinitionId"}
}

test_allow_unknown_role_for_group if {
	resources := [assignment({"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "principalType": "Group"}, {"unknown": ["roleDefinitionId"]})]
	count(denies(resources)) == 0
	count(warns(resources)) == 0
}

# A role id that names no role is not a known read role: it fails, never passes.
test_deny_workload_without_role_id if {
	d := denies([assignment({"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "principalType": "ServicePrincipal"}, {})])
	d == {{"urn": "urn:pulumi:dev::secret-store::azure-native:authorization:RoleAssignment::ra", "msg": "Role assignment 'ra' does not set roleDefinitionId, so the role it grants is not a known read role."}}
}

test_deny_workload_role_id_not_a_string if {
	d := denies([assignment(grant("ServicePrincipal", {"id": secrets_user}), {})])
	d == {{"urn": "urn:pulumi:dev::secret-store::azure-native:authorization:RoleAssignment::ra", "msg": "Role assignment 'ra' sets roleDefinitionId to an object, not a role definition id."}}
}

test_deny_user_empty_role_id if {
	d := denies([assignment(grant("User", ""), {})])
	d == {{"urn": "urn:pulumi:dev::secret-store::azure-native:authorization:RoleAssignment::ra", "msg": "Role assignment 'ra' sets roleDefinitionId to an empty string, which names no role."}}
}

# Groups may hold write roles, so a group's missing role id is not RBAC-003's to fail.
test_allow_group_without_role_id if {
	count(denies([assignment({"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "principalType": "Group"}, {})])) == 0
}

test_unknown_role_id_is_not_a_missing_one if {
	resources := [assignment({"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "principalType": "ServicePrincipal"}, {"unknown": ["roleDefinitionId"]})]
	count(denies(resources)) == 0
	some f in warns(resources)
	f.unknown == "roleDefinitionId"
}

# Write roles go to groups only: a principal whose type is absent or not a string is not
# shown to be one.
test_deny_officer_to_principal_without_type if {
	d := denies([assignment({"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "roleDefinitionId": secrets_officer}, {})])
	d == {{"urn": "urn:pulumi:dev::secret-store::azure-native:authorization:RoleAssignment::ra", "msg": "Role assignment 'ra' grants the write role 'Key Vault Secrets Officer' to a principal that is not a group."}}
	count(denies([assignment(grant(["Group"], secrets_officer), {})])) == 1
}

# A known principal id that is not the identity's known id is judged by its principalType,
# whatever the property was computed from.
test_allow_known_group_principal_despite_identity_dependency if {
	identity_with_id := object.union(identity, {"unknown": [], "properties": {"principalId": "11111111-2222-4333-8444-555555555555"}})
	r := assignment(grant("Group", secrets_officer), {"propertyDependencies": {"principalId": [identity_urn]}})
	count(denies([identity_with_id, r])) == 0
}

# The identity's own id is not known: the dependency is the only evidence, and it says workload.
test_deny_known_principal_depending_on_identity_without_known_id if {
	r := assignment(grant("Group", secrets_officer), {"propertyDependencies": {"principalId": [identity_urn]}})
	count(denies([identity, r])) == 1
}
