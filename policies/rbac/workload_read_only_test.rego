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
