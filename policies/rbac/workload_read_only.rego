# METADATA
# title: Workload principals should only get known read roles, write roles only groups
# description: |
#   Workload principals (a ServicePrincipal, or a managed identity of this stack whatever
#   principalType the assignment declares) only get roles the built-in catalogue
#   (policies/roles.json) knows as read roles: Key Vault Secrets User, Crypto User,
#   Certificate User, Crypto Service Encryption User, Key Vault Reader or Reader. It is an
#   allow-list: a write role, a built-in role the catalogue does not know (named by its GUID)
#   and a custom role all fail for a workload. Write roles (Key Vault Secrets Officer, Crypto
#   Officer, Certificates Officer) go to Group principals only, so changes to secrets are made
#   by people through a reviewed group. Privileged roles (and custom roles with `*` actions)
#   are RBAC-001's concern and are not reported here too. A role id that is unknown or a
#   Pulumi secret and does not resolve to a role definition of this stack is unverifiable; one
#   that is absent, empty or not a string names no role, and fails for any principal that is
#   not a group. A principal counts as a group only when principalType says Group and it is
#   not a workload: a write role given to a principal whose principalType is absent or not a
#   string fails (RBAC-004 reports the type itself).
# scope: package
# related_resources:
#   - ref: https://learn.microsoft.com/azure/key-vault/general/rbac-guide
#     description: Key Vault data roles
#   - ref: https://learn.microsoft.com/azure/role-based-access-control/best-practices
#     description: Assign roles to groups, not users
# custom:
#   id: RBAC-003
#   severity: HIGH
#   enforcement: mandatory
#   recommended_action: |
#     Give workloads a read role from the catalogue (for example Key Vault Secrets User instead
#     of Secrets Officer or a custom role); grant write roles to an Entra ID group of
#     operators. If a workload needs a built-in read role the catalogue lacks, add it to
#     policies/roles.json with `read: true` after checking its actions.
#   resource_types:
#     - azure-native:authorization:RoleAssignment
#   references:
#     azure_policy: []
#     mcsb:
#       - PA-7
#     checkov: []
#     trivy: []
#     psrule:
#       - Azure.RBAC.UseGroups
package kvguard.rbac.workload_read_only

import data.kvguard.lib

# is_write_role holds for a non-privileged built-in role that changes data.
is_write_role(r) if {
	role := lib.assigned_role(r)
	role.write
	not role.privileged
}

# is_read_role holds for a built-in role the catalogue marks as read-only: the allow-list.
is_read_role(r) if lib.assigned_role(r).read

# is_other_role holds for a resolved role that is neither a known read role, a known write
# role nor privileged (RBAC-001 reports those): a built-in role the catalogue does not know,
# or a custom role.
is_other_role(r) if {
	lib.role_resolved(r)
	not is_read_role(r)
	not is_write_role(r)
	not lib.privileged_assignments[r]
}

# other_role_text names a role that is not a known read role: by its catalogue name, by its
# GUID, or by the role definition of this stack it comes from when the id is unknown or secret.
other_role_text(r) := sprintf("the role '%s'", [lib.assigned_role(r).name]) if {
	lib.assigned_role(r)
} else := sprintf("the custom role '%s'", [guid]) if {
	lib.known_string(r, "roleDefinitionId")
	guid := lib.role_guid(r.properties.roleDefinitionId)
	lib.custom_role_urns_by_guid[guid]
} else := sprintf("the role '%s'", [guid]) if {
	lib.known_string(r, "roleDefinitionId")
	guid := lib.role_guid(r.properties.roleDefinitionId)
} else := sprintf("the custom role of '%s'", [concat("', '", names)]) if {
	names := sort([lib.urn_name(u) | some u in lib.dependency_urns(r, "roleDefinitionId"); lib.role_definition_urns[u]])
}

deny contains lib.fail(r, msg) if {
	some r in lib.role_assignments
	lib.workloads[r]
	is_write_role(r)
	msg := sprintf("%s grants the write role %s to a workload principal.", [lib.label(r), lib.role_label(r)])
}

deny contains lib.fail(r, msg) if {
	some r in lib.role_assignments
	lib.workloads[r]
	is_other_role(r)
	msg := sprintf("%s grants a workload principal %s, which is not a known read role.", [lib.label(r), other_role_text(r)])
}

deny contains lib.fail(r, msg) if {
	some r in lib.role_assignments
	is_write_role(r)
	not_a_group(r)
	msg := sprintf("%s grants the write role %s to a principal that is not a group.", [lib.label(r), lib.role_label(r)])
}

# not_a_group holds for a principal nothing shows to be a group: not a workload, and a
# principalType that is readable but not "Group" (another type, absent or not a string).
# An unknown or secret principalType is unverifiable instead (below).
not_a_group(r) if {
	not lib.workloads[r]
	not lib.is_unknown(r, "principalType")
	not declared_group(r)
}

# A helper rather than `not lib.principal_type(r) == "group"`: OPA evaluates the call outside
# the negation, so an absent principalType would leave that line undefined, not true.
declared_group(r) if lib.principal_type(r) == "group"

# An assignment whose role id names no role (absent, empty or not a string) grants a role
# nobody can tell: not a known read role for a workload, perhaps a write role for a principal
# that is not a group. ARM rejects such an assignment, so the rule fails it rather than pass it.
deny contains lib.fail(r, msg) if {
	some r in lib.role_assignments
	not lib.known_string(r, "roleDefinitionId")
	not lib.is_unknown(r, "roleDefinitionId")
	read_only_applies(r)
	msg := no_role_msg(r)
}

read_only_applies(r) if lib.workloads[r]

read_only_applies(r) if not_a_group(r)

no_role_msg(r) := sprintf("%s does not set roleDefinitionId, so the role it grants is not a known read role.", [lib.label(r)]) if {
	object.get(r.properties, "roleDefinitionId", null) == null
} else := sprintf("%s sets roleDefinitionId to an empty string, which names no role.", [lib.label(r)]) if {
	is_string(r.properties.roleDefinitionId)
} else := lib.wrong_type(r, "roleDefinitionId", r.properties.roleDefinitionId, "a role definition id")

warn contains lib.unverifiable(r, "roleDefinitionId") if {
	some r in lib.unreadable[lib.type_role_assignment]
	lib.workloads[r]
	lib.is_unknown(r, "roleDefinitionId")
	not lib.role_resolved(r)
}

# Write roles go to groups only, so an unreadable role given to a user (or any principal not
# shown to be a group or a workload: another type, none, or one that cannot be read either)
# may be a failure too.
warn contains lib.unverifiable(r, "roleDefinitionId") if {
	some r in lib.unreadable[lib.type_role_assignment]
	not lib.workloads[r]
	not declared_group(r)
	lib.is_unknown(r, "roleDefinitionId")
	not lib.role_resolved(r)
}

# A write role, or a role that is not a known read role, to a principal whose type cannot be
# read and that does not resolve to a managed identity of this stack.
warn contains lib.unverifiable(r, "principalType") if {
	some r in lib.unreadable[lib.type_role_assignment]
	lib.is_unknown(r, "principalType")
	needs_read_only_check(r)
	not lib.workloads[r]
}

needs_read_only_check(r) if is_write_role(r)

needs_read_only_check(r) if is_other_role(r)
