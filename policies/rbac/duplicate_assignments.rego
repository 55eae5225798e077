# METADATA
# title: Role assignments should not be duplicated
# description: |
#   No two role assignments of this stack grant the same role to the same principal at the
#   same scope. Azure rejects the second one (RoleAssignmentExists) or, when names differ, the
#   pair drifts: deleting one no longer removes the access. Principals, roles and scopes are
#   compared after resolution: a managed identity by its principalId output or property
#   dependency, roles by trailing GUID, scopes case-insensitively with or without a leading
#   slash.
# scope: package
# related_resources:
#   - ref: https://learn.microsoft.com/azure/role-based-access-control/troubleshooting#symptom---role-assignment-already-exists
#     description: RoleAssignmentExists
# custom:
#   id: RBAC-006
#   severity: MEDIUM
#   enforcement: mandatory
#   recommended_action: |
#     Keep one assignment per principal, role and scope; remove the others from the program.
#   resource_types:
#     - azure-native:authorization:RoleAssignment
#   references:
#     azure_policy: []
#     mcsb:
#       - PA-7
#     checkov: []
#     trivy: []
#     psrule: []
package kvguard.rbac.duplicate_assignments

import data.kvguard.lib

# parts canonicalises each element of an assignment's identity; null when unresolvable.
parts(r) := {
	"principal": principal_part(r),
	"role": role_part(r),
	"scope": scope_part(r),
}

principal_part(r) := k if {
	k := lib.principal_key(r)
} else := null

role_part(r) := k if {
	k := lib.role_key(r)
} else := null

scope_part(r) := k if {
	k := lib.ref_key(r, "scope")
} else := null

# key joins the named parts; undefined when one of them is unresolvable.
key(r, names) := concat("|", vals) if {
	p := parts(r)
	vals := [p[n] | some n in names]
	every v in vals {
		v != null
	}
}

all_parts := ["principal", "role", "scope"]

# Assignments grouped by full key and, for unresolvable parts, by the other two: built once,
# so finding duplicates stays linear in the number of assignments.
by_key[k] contains r.urn if {
	some r in lib.role_assignments
	k := key(r, all_parts)
}

by_partial[[missing, k]] contains r.urn if {
	some r in lib.role_assignments
	some missing in all_parts
	k := key(r, [n | some n in all_parts; n != missing])
}

# A partial rule looked up with a bound key is re-evaluated for that key, which would make
# the lookups below quadratic; referring to the whole rule once materialises it.
key_groups := by_key

partial_groups := by_partial

# Paths reported when a part is unknown and cannot be resolved.
part_paths := {"principal": "principalId", "role": "roleDefinitionId", "scope": "scope"}

# urn_name is the resource name at the end of a URN.
urn_name(urn) := segs[count(segs) - 1] if segs := split(urn, "::")

deny contains lib.fail(r, msg) if {
	some r in lib.role_assignments
	group := key_groups[key(r, all_parts)]
	count(group) > 1
	others := sort([urn_name(u) | some u in group; u != r.urn])
	msg := sprintf("%s grants the same role to the same principal at the same scope as '%s'.", [lib.label(r), concat("', '", others)])
}

warn contains lib.unverifiable(r, path) if {
	some r in lib.role_assignments
	some missing in all_parts
	parts(r)[missing] == null
	path := part_paths[missing]
	lib.is_unknown(r, path)
	group := partial_groups[[missing, key(r, [n | some n in all_parts; n != missing])]]
	count(group) > 1
}
