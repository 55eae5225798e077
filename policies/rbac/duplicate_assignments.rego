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
#   relational: true
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

# others names, for each part, the two other parts, in all_parts order.
others := {missing: [n | some n in all_parts; n != missing] | some missing in all_parts}

# Assignments grouped by full key (as indexes into lib.role_assignments) and, for unresolvable
# parts, by the other two (as URNs): built once, so finding duplicates stays linear in the
# number of assignments.
# They are comprehensions, not `x[k] contains urn` rules, which OPA builds in superlinear time.
# The outer loop runs over the distinct keys and the inner comprehension, filtered on the outer
# key, is indexed by OPA, so each grouping is one pass (measured linear up to 40k entries).
key_groups := {k: is |
	some k in {x | some [x, _] in full_keys}
	is := [i | some [k2, i] in full_keys; k2 == k]
}

# duplicate_groups are the groups of assignments of more than one URN (the halves of a
# replacement share one), as indexes into lib.role_assignments with the sorted members for
# messages. The deny rule visits their members only, not every assignment again.
duplicate_groups := [[is, lib.group_members(urns)] |
	some is in key_groups
	count(is) > 1
	urns := {lib.role_assignments[i].urn | some i in is}
	count(urns) > 1
]

partial_groups := {k: urns |
	some k in {x | some [x, _] in partial_keys}
	urns := {u | some [k2, u] in partial_keys; k2 == k}
}

full_keys := [[k, i] |
	some i, r in lib.role_assignments
	k := full_key(r)
]

# full_key is key(r, all_parts), joined from the parts directly: undefined when one is.
full_key(r) := concat("|", [lib.principal_key(r), lib.role_key(r), lib.ref_key(r, "scope")])

# unresolved_parts are the parts some assignment cannot read or resolve (the warn rule below):
# assignments are grouped by the other two only for those, since no other group is looked up.
unresolved_parts := {missing |
	some r in lib.unreadable[lib.type_role_assignment]
	some missing in all_parts
	unresolved(r, missing)
}

unresolved(r, missing) if {
	parts(r)[missing] == null
	lib.is_unknown(r, part_paths[missing])
}

partial_keys := [[[missing, k], r.urn] |
	some missing in unresolved_parts
	some r in lib.role_assignments
	k := key(r, others[missing])
]

# Paths reported when a part is unknown and cannot be resolved.
part_paths := {"principal": "principalId", "role": "roleDefinitionId", "scope": "scope"}

deny contains lib.fail(r, msg) if {
	some [is, members] in duplicate_groups
	some i in is
	r := lib.role_assignments[i]
	msg := sprintf("%s grants the same role to the same principal at the same scope as %s.", [lib.label(r), lib.others_text(members, r.urn)])
}

warn contains lib.unverifiable(r, path) if {
	some r in lib.unreadable[lib.type_role_assignment]
	some missing in all_parts
	unresolved(r, missing)
	path := part_paths[missing]
	group := partial_groups[[missing, key(r, others[missing])]]
	count(group) > 1
}
