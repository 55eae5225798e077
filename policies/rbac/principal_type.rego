# METADATA
# title: Role assignments should declare the principal type
# description: |
#   A role assignment sets principalType to User, Group or ServicePrincipal (compared
#   case-insensitively). Without it Azure looks the principal up itself, which fails for a
#   managed identity that has not replicated yet, and the least-privilege checks cannot tell
#   a workload from a person. When the principal is a managed identity of this stack, the
#   declared type must be ServicePrincipal.
# scope: package
# related_resources:
#   - ref: https://learn.microsoft.com/azure/role-based-access-control/role-assignments-template#principaltype
#     description: Why principalType should be set for new service principals
# custom:
#   id: RBAC-004
#   severity: MEDIUM
#   enforcement: mandatory
#   recommended_action: |
#     Set principalType on the assignment: ServicePrincipal for managed identities and
#     applications, Group for Entra ID groups, User for people.
#   resource_types:
#     - azure-native:authorization:RoleAssignment
#   references:
#     azure_policy: []
#     mcsb:
#       - PA-7
#     checkov: []
#     trivy: []
#     psrule: []
package kvguard.rbac.principal_type

import data.kvguard.lib

allowed := {"user", "group", "serviceprincipal"}

deny contains lib.fail(r, msg) if {
	some r in lib.role_assignments
	not lib.known_string(r, "principalType")
	not lib.is_unknown(r, "principalType")
	msg := sprintf("%s does not set principalType.", [lib.label(r)])
}

deny contains lib.fail(r, msg) if {
	some r in lib.role_assignments
	t := lib.principal_type(r)
	t != ""
	not allowed[t]
	msg := sprintf("%s sets principalType to a value other than User, Group or ServicePrincipal.", [lib.label(r)])
}

deny contains lib.fail(r, msg) if {
	some r in lib.role_assignments
	t := lib.principal_type(r)
	allowed[t]
	t != "serviceprincipal"

	# A workload that is not declared a service principal: a managed identity of this stack.
	lib.workloads[r]
	msg := sprintf("%s declares principalType '%s' for a managed identity of this stack.", [lib.label(r), r.properties.principalType])
}

warn contains lib.unverifiable(r, "principalType") if {
	some r in lib.unreadable[lib.type_role_assignment]
	lib.is_unknown(r, "principalType")
}
