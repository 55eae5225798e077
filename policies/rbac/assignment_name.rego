# METADATA
# title: Role assignment names should be deterministic GUIDs
# description: |
#   roleAssignmentName is a GUID derived from the assignment's inputs (for example a UUIDv5 of
#   principal, role and scope), so the same inputs always give the same name. Without a name
#   each create picks a random one, and a name that changes between runs makes Pulumi replace
#   the assignment, briefly removing the access. A replace caused only by the name is reported.
# scope: package
# related_resources:
#   - ref: https://learn.microsoft.com/azure/role-based-access-control/role-assignments-template#create-a-role-assignment-at-a-resource-group-scope
#     description: Role assignment names must be unique GUIDs; derive them deterministically
# custom:
#   id: RBAC-005
#   severity: LOW
#   enforcement: advisory
#   recommended_action: |
#     Set roleAssignmentName to a UUIDv5 computed from the principal, role and scope (for
#     example uuid.NewSHA1 in Go), never a random UUID generated at run time.
#   resource_types:
#     - azure-native:authorization:RoleAssignment
#   references:
#     azure_policy: []
#     mcsb: []
#     checkov: []
#     trivy: []
#     psrule: []
package kvguard.rbac.assignment_name

import data.kvguard.lib

replace_ops := {"replace", "create-replacement"}

deny contains lib.fail(r, msg) if {
	some r in lib.role_assignments
	not lib.known_string(r, "roleAssignmentName")
	not lib.is_unknown(r, "roleAssignmentName")
	msg := sprintf("%s does not set roleAssignmentName, so each create picks a random name.", [lib.label(r)])
}

deny contains lib.fail(r, msg) if {
	some r in lib.role_assignments
	lib.known_string(r, "roleAssignmentName")
	not lib.is_guid(r.properties.roleAssignmentName)
	msg := sprintf("%s has a roleAssignmentName that is not a GUID.", [lib.label(r)])
}

# name_only_replace holds when nothing but the name causes the replacement.
name_only_replace(r) if r.replaceReasons == ["roleAssignmentName"]

name_only_replace(r) if {
	count(object.get(r, "replaceReasons", [])) == 0
	old := r.oldProperties
	object.remove(old, ["roleAssignmentName"]) == object.remove(r.properties, ["roleAssignmentName"])
	object.get(old, "roleAssignmentName", null) != object.get(r.properties, "roleAssignmentName", null)
}

warn contains lib.fail(r, msg) if {
	some r in lib.role_assignments
	replace_ops[r.op]
	name_only_replace(r)
	msg := sprintf("%s is replaced only because its roleAssignmentName changes.", [lib.label(r)])
}

warn contains lib.unverifiable(r, "roleAssignmentName") if {
	some r in lib.unreadable[lib.type_role_assignment]
	lib.is_unknown(r, "roleAssignmentName")
}
