package kvguard.rbac.assignment_name_test

import data.kvguard.rbac.assignment_name

role := "/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6"

# named is an assignment's properties with the given roleAssignmentName.
named(n) := {"principalId": "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7", "principalType": "ServicePrincipal", "roleDefinitionId": role, "roleAssignmentName": n}

unnamed := object.remove(named(""), ["roleAssignmentName"])

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

denies(resources) := d if {
	d := assignment_name.deny with input as {"profile": "dev", "resources": resources}
}

warns(resources) := w if {
	w := assignment_name.warn with input as {"profile": "dev", "resources": resources}
}

test_deny_missing_name if {
	d := denies([assignment(unnamed, {})])
	count(d) == 1
	some f in d
	f.msg == "Role assignment 'ra' does not set roleAssignmentName, so each create picks a random name."
}

test_deny_name_not_guid if {
	count(denies([assignment(named("orders-api-reader"), {})])) == 1
}

test_allow_guid_name_any_case if {
	count(denies([assignment(named("6A1F3C2E-8B4D-5E9F-A0C1-D2E3F4A5B6C7"), {})])) == 0
	count(warns([assignment(named("6a1f3c2e-8b4d-5e9f-a0c1-d2e3f4a5b6c7"), {})])) == 0
}

test_deny_replace_reason_only_name if {
	r := assignment(named("6a1f3c2e-8b4d-5e9f-a0c1-d2e3f4a5b6c7"), {"op": "replace", "replaceReasons": ["roleAssignmentName"]})
	w := warns([r])
	count(w) == 1
	some f in w
	f.msg == "Role assignment 'ra' is replaced only because its roleAssignmentName changes."
	not f.unknown
}

test_deny_replace_old_properties_differ_only_in_name if {
	r := assignment(named("6a1f3c2e-8b4d-5e9f-a0c1-d2e3f4a5b6c7"), {
		"op": "create-replacement",
		"oldProperties": named("1b2c3d4e-5f6a-5b7c-8d9e-0f1a2b3c4d5e"),
	})
	count(warns([r])) == 1
}

test_allow_replace_for_other_reasons if {
	by_reason := assignment(named("6a1f3c2e-8b4d-5e9f-a0c1-d2e3f4a5b6c7"), {"op": "replace", "replaceReasons": ["roleAssignmentName", "scope"]})
	old := object.union(named("1b2c3d4e-5f6a-5b7c-8d9e-0f1a2b3c4d5e"), {"principalType": "Group"})
	by_diff := assignment(named("6a1f3c2e-8b4d-5e9f-a0c1-d2e3f4a5b6c7"), {"op": "replace", "oldProperties": old})
	count(warns([by_reason])) == 0
	count(warns([by_diff])) == 0
}

test_allow_update_with_same_name if {
	r := assignment(named("6a1f3c2e-8b4d-5e9f-a0c1-d2e3f4a5b6c7"), {"op": "update", "oldProperties": named("6a1f3c2e-8b4d-5e9f-a0c1-d2e3f4a5b6c7")})
	count(warns([r])) == 0
}

test_unknown_name_is_unverifiable if {
	resources := [assignment(unnamed, {"unknown": ["roleAssignmentName"]})]
	count(denies(resources)) == 0
	w := warns(resources)
	count(w) == 1
	some f in w
	f.unknown == "roleAssignmentName"
}

test_unknown_secret_name_is_unverifiable if {
	resources := [assignment(unnamed, {"secret": ["roleAssignmentName"]})]
	count(denies(resources)) == 0
	{f.unknown | some f in warns(resources)} == {"roleAssignmentName"}
}
