# METADATA
# title: Key Vault data roles should be assigned at vault, secret or key scope
# description: |
#   A role assignment of this stack that grants a Key Vault data role (Key Vault
#   Administrator, Secrets, Crypto and Certificates roles, Key Vault Reader) must be scoped to
#   one vault or one secret or key, not to a management group, subscription or resource group,
#   where it would reach every vault below. Scopes are compared case-insensitively, with or
#   without a leading slash; a scope that is unknown or a Pulumi secret is resolved through its
#   property dependency. When neither the role nor the scope can be read or resolved, the
#   assignment is unverifiable, as when an unknown scope is computed from a resource group and
#   a narrower resource (the dependencies cannot say which). A data role with no scope, or with a scope that is not a
#   string, fails: it cannot be shown to reach only one vault, secret or key.
# scope: package
# related_resources:
#   - ref: https://learn.microsoft.com/azure/key-vault/general/rbac-guide
#     description: Provide access to Key Vault keys, certificates, and secrets with Azure RBAC
# custom:
#   id: RBAC-002
#   severity: HIGH
#   enforcement: mandatory
#   recommended_action: |
#     Set the assignment's scope to the vault's id, or to the id of the one secret or key the
#     principal needs.
#   resource_types:
#     - azure-native:authorization:RoleAssignment
#   references:
#     azure_policy: []
#     mcsb:
#       - PA-7
#     checkov: []
#     trivy: []
#     psrule: []
package kvguard.rbac.assignment_scope

import data.kvguard.lib

# Normalised scopes (lib.scope) above a single resource, with the word used in messages.
broad_scopes := [
	{"pattern": `^/$`, "kind": "tenant root"},
	{"pattern": `^/providers/microsoft\.management/managementgroups/[^/]+$`, "kind": "management group"},
	{"pattern": `^/subscriptions/[^/]+$`, "kind": "subscription"},
	{"pattern": `^/subscriptions/[^/]+/resourcegroups/[^/]+$`, "kind": "resource group"},
]

# Resources of a stack whose id is a scope above a single resource.
broad_types := {
	"azure-native:resources:ResourceGroup": "resource group",
	"azure-native:management:ManagementGroup": "management group",
	"azure-native:subscription:Alias": "subscription",
}

# scope_kind is the kind of a broad scope an assignment targets; undefined otherwise.
scope_kind(r) := kind if {
	lib.known_string(r, "scope")
	s := lib.scope(r.properties.scope)
	kinds := [b.kind | some b in broad_scopes; regex.match(b.pattern, s)]
	count(kinds) > 0
	kind := kinds[0]
} else := kind if {
	lib.is_unknown(r, "scope")
	deps := lib.dependency_urns(r, "scope")
	kinds := dependency_kinds(deps)
	count(kinds) > 0
	count(kinds) == count(deps)
	kind := kinds[0]
}

# dependency_kinds are the broad scope kinds among the resources an unknown scope depends on.
dependency_kinds(deps) := [k | some u in deps; k := broad_types[lib.urn_type(u)]]

# scope_resolved holds when the scope is known or depends on resources of this stack that
# settle its kind: only broad resources (scope_kind fails it), or a vault, secret or key and
# no broad resource (it names that resource). A scope computed from a broad resource and
# another one is not settled (`pulumi.Sprintf("%s/providers/Microsoft.KeyVault/vaults/%s",
# rg.ID(), vault.Name)` names the vault; the resource group's id alone names the group), nor
# is one computed from anything else (a random suffix, a stack reference): it could name any
# scope.
scope_resolved(r) if lib.known_string(r, "scope")

scope_resolved(r) if {
	deps := lib.dependency_urns(r, "scope")
	count(deps) > 0
	count(dependency_kinds(deps)) == count(deps)
}

scope_resolved(r) if {
	deps := lib.dependency_urns(r, "scope")
	count(dependency_kinds(deps)) == 0
	some u in deps
	narrow_types[lib.urn_type(u)]
}

# Resources whose id is a scope a Key Vault data role may be granted at.
narrow_types := {lib.type_vault, lib.type_secret, lib.type_key}

deny contains lib.fail(r, msg) if {
	some r in lib.role_assignments
	lib.assigned_role(r).keyvault_data
	kind := scope_kind(r)
	msg := sprintf("%s grants the Key Vault data role %s at %s scope.", [lib.label(r), lib.role_label(r), kind])
}

# A data role whose scope names nothing readable as a scope (absent, empty or not a string)
# could be granted anywhere, so it is not shown to be the vault or one secret or key.
deny contains lib.fail(r, msg) if {
	some r in lib.role_assignments
	lib.assigned_role(r).keyvault_data
	not lib.known_string(r, "scope")
	not lib.is_unknown(r, "scope")
	msg := no_scope_msg(r)
}

no_scope_msg(r) := sprintf("%s grants the Key Vault data role %s without a scope.", [lib.label(r), lib.role_label(r)]) if {
	object.get(r.properties, "scope", "") == ""
} else := lib.wrong_type(r, "scope", r.properties.scope, "an ARM scope string")

warn contains lib.unverifiable(r, "scope") if {
	some r in lib.unreadable[lib.type_role_assignment]
	lib.assigned_role(r).keyvault_data
	lib.is_unknown(r, "scope")
	not scope_resolved(r)
}

warn contains lib.unverifiable(r, "roleDefinitionId") if {
	some r in lib.unreadable[lib.type_role_assignment]
	lib.is_unknown(r, "roleDefinitionId")
	scope_kind(r)
}

# Neither the role nor the scope can be read or resolved: a data role at a broad scope is
# possible, so both paths are named.
warn contains lib.unverifiable(r, path) if {
	some r in lib.unreadable[lib.type_role_assignment]
	lib.is_unknown(r, "roleDefinitionId")
	not lib.role_resolved(r)
	lib.is_unknown(r, "scope")
	not scope_resolved(r)
	some path in ["roleDefinitionId", "scope"]
}
