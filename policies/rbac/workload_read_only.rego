# METADATA
# title: Workload principals should only get read roles, write roles only groups
# description: |
#   Workload principals (a ServicePrincipal, or a managed identity of this stack whatever
#   principalType the assignment declares) only get read roles: Key Vault Secrets User,
#   Crypto User, Certificate User, Crypto Service Encryption User, Key Vault Reader or Reader.
#   Write roles (Key Vault Secrets Officer, Crypto Officer, Certificates Officer) go to Group
#   principals only, so changes to secrets are made by people through a reviewed group.
#   Privileged roles are RBAC-001's concern.
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
#     Give workloads the matching read role (for example Key Vault Secrets User instead of
#     Secrets Officer); grant write roles to an Entra ID group of operators.
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

deny contains lib.fail(r, msg) if {
	some r in lib.role_assignments
	lib.is_workload(r)
	is_write_role(r)
	msg := sprintf("%s grants the write role %s to a workload principal.", [lib.label(r), lib.role_label(r)])
}

deny contains lib.fail(r, msg) if {
	some r in lib.role_assignments
	is_write_role(r)
	not lib.is_workload(r)
	t := lib.principal_type(r)
	t != "group"
	msg := sprintf("%s grants the write role %s to a principal that is not a group.", [lib.label(r), lib.role_label(r)])
}

warn contains lib.unverifiable(r, "roleDefinitionId") if {
	some r in lib.role_assignments
	lib.is_workload(r)
	lib.is_unknown(r, "roleDefinitionId")
	not lib.role_resolved(r)
}

warn contains lib.unverifiable(r, "principalType") if {
	some r in lib.role_assignments
	is_write_role(r)
	not lib.is_workload(r)
	lib.is_unknown(r, "principalType")
}
