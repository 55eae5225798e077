# METADATA
# title: Workload principals should not hold privileged roles
# description: |
#   A role assignment must not grant Owner, Contributor, User Access Administrator, Role Based
#   Access Control Administrator, Key Vault Data Access Administrator, Key Vault Administrator,
#   Key Vault Contributor, or a custom role of this stack with `*` actions, to a workload
#   principal: a ServicePrincipal, or a managed identity of this stack whatever principalType
#   the assignment declares. Key Vault Data Access Administrator is listed with Role Based
#   Access Control Administrator: it can assign Key Vault roles, so a workload holding it can
#   grant itself or anyone Key Vault Administrator. Role definition ids are matched by their
#   trailing GUID, case-insensitively. A role id that is unknown or a Pulumi secret and does
#   not resolve to a role definition of this stack is unverifiable.
# scope: package
# related_resources:
#   - ref: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles
#     description: Azure built-in roles and their GUIDs
#   - ref: https://learn.microsoft.com/azure/role-based-access-control/best-practices
#     description: Best practices for Azure RBAC
# custom:
#   id: RBAC-001
#   severity: CRITICAL
#   enforcement: mandatory
#   recommended_action: |
#     Grant the workload the narrowest data role it needs (for example Key Vault Secrets User)
#     at the vault or secret scope; keep administrative roles for groups of operators.
#   resource_types:
#     - azure-native:authorization:RoleAssignment
#   references:
#     azure_policy: []
#     mcsb:
#       - PA-1
#       - PA-7
#     checkov:
#       - CKV_AZURE_39
#     trivy:
#       - AVD-AZU-0030
#     psrule:
#       - Azure.RBAC.LimitOwner
package kvguard.rbac.privileged_roles

import data.kvguard.lib

deny contains lib.fail(r, msg) if {
	some r in lib.role_assignments
	lib.workloads[r]
	lib.privileged_assignments[r]
	msg := sprintf("%s grants the privileged role %s to a workload principal.", [lib.label(r), lib.role_label(r)])
}

# The role is unknown and does not resolve to a role definition of this stack, and the
# principal is a workload or may be one (its type cannot be read either).
warn contains lib.unverifiable(r, "roleDefinitionId") if {
	some r in lib.unreadable[lib.type_role_assignment]
	may_be_workload(r)
	lib.is_unknown(r, "roleDefinitionId")
	not lib.role_resolved(r)
}

may_be_workload(r) if lib.workloads[r]

may_be_workload(r) if {
	not lib.workloads[r]
	lib.is_unknown(r, "principalType")
}

# The role is privileged but who receives it is unknown.
warn contains lib.unverifiable(r, "principalType") if {
	some r in lib.unreadable[lib.type_role_assignment]
	lib.privileged_assignments[r]
	not lib.workloads[r]
	lib.is_unknown(r, "principalType")
}
