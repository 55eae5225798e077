package kvguard.rbac.principal_type_test

import data.kvguard.rbac.principal_type

identity_urn := "urn:pulumi:dev::secret-store::azure-native:managedidentity:UserAssignedIdentity::orders-api"

role := "/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6"

# typed is an assignment's properties with the given principalType.
typed(t) := {"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "principalType": t, "roleDefinitionId": role}

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

denies(resources) := d if {
	d := principal_type.deny with input as {"profile": "dev", "resources": resources}
}

warns(resources) := w if {
	w := principal_type.warn with input as {"profile": "dev", "resources": resources}
}

test_deny_missing if {
	d := denies([assignment({"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "roleDefinitionId": role}, {})])
	count(d) == 1
	some f in d
	f.msg == "Role assignment 'ra' does not set principalType."
}

test_deny_empty if {
	count(denies([assignment(typed(""), {})])) == 1
}

test_deny_foreign_group if {
	count(denies([assignment(typed("ForeignGroup"), {})])) == 1
}

test_deny_identity_declared_as_user if {
	d := denies([identity, assignment(object.union(typed("User"), {"principalId": "5E0C3A7B-1D2F-4E6A-9B8C-7D6E5F4A3B2C"}), {})])
	count(d) == 1
	some f in d
	contains(f.msg, "managed identity")
}

test_allow_each_type_case_insensitive if {
	every t in ["User", "group", "SERVICEPRINCIPAL"] {
		count(denies([assignment(typed(t), {})])) == 0
	}
}

test_allow_identity_as_service_principal_through_dependency if {
	r := assignment(
		{"principalType": "ServicePrincipal", "roleDefinitionId": role},
		{"unknown": ["principalId"], "propertyDependencies": {"principalId": [identity_urn]}},
	)
	count(denies([identity, r])) == 0
}

test_deny_identity_through_dependency_declared_as_group if {
	r := assignment(
		{"principalType": "Group", "roleDefinitionId": role},
		{"unknown": ["principalId"], "propertyDependencies": {"principalId": [identity_urn]}},
	)
	count(denies([identity, r])) == 1
}

test_unknown_is_unverifiable if {
	resources := [assignment({"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "roleDefinitionId": role}, {"unknown": ["principalType"]})]
	count(denies(resources)) == 0
	w := warns(resources)
	count(w) == 1
	some f in w
	f.unknown == "principalType"
}

# A "[secret]" principalType is removed by the source: it is not "does not set principalType".
test_unknown_secret_is_unverifiable if {
	resources := [assignment({"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "roleDefinitionId": role}, {"secret": ["principalType"]})]
	count(denies(resources)) == 0
	warns(resources) == {{
		"urn": "urn:pulumi:dev::secret-store::azure-native:authorization:RoleAssignment::ra",
		"msg": "Role assignment 'ra' keeps 'principalType' as a Pulumi secret, so its value cannot be checked.",
		"unknown": "principalType",
	}}
}
