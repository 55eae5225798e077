# METADATA
# title: kvguard helper library
# description: |
#   Selectors, finding builders, unknown-value handling and id normalisation shared by every
#   kvguard policy. Plain Rego only, so `opa test` and `opa eval` run the policies unchanged.
# scope: package
package kvguard.lib

# Pulumi type tokens the policies look at.
type_vault := "azure-native:keyvault:Vault"

type_secret := "azure-native:keyvault:Secret"

type_key := "azure-native:keyvault:Key"

type_access_policy := "azure-native:keyvault:AccessPolicy"

type_role_assignment := "azure-native:authorization:RoleAssignment"

type_lock := "azure-native:authorization:ManagementLockAtResourceLevel"

type_diagnostic_setting := "azure-native:insights:DiagnosticSetting"

type_workspace := "azure-native:operationalinsights:Workspace"

type_identity := "azure-native:managedidentity:UserAssignedIdentity"

# Ops whose resource is going away: its settings no longer matter, only the deletion does.
removal_ops := {"delete", "delete-replaced"}

# by_type groups the checked resources (custom, not being removed) by Pulumi type token, once
# per evaluation, so a policy reads lib.by_type[lib.type_vault] without scanning every resource.
# Built with comprehensions rather than a `x[k] contains v` rule: OPA (v1.22) checks each
# element a multi-value ref-head rule produces against every earlier one (hasCollisions in
# topdown), which is quadratic in the number of elements. An inner comprehension filtered on
# the outer key is indexed by OPA (comprehension indexing), so each group costs one pass.
by_type := {t: rs |
	some t in checked_types
	rs := {r | some r in checked_resources; r.type == t}
}

checked_resources := [r |
	some r in input.resources
	r.custom
	not removal_ops[r.op]
]

checked_types := {r.type | some r in checked_resources}

vaults := object.get(by_type, type_vault, set())

secrets := object.get(by_type, type_secret, set())

keys := object.get(by_type, type_key, set())

access_policies := object.get(by_type, type_access_policy, set())

role_assignments := object.get(by_type, type_role_assignment, set())

locks := object.get(by_type, type_lock, set())

diagnostic_settings := object.get(by_type, type_diagnostic_setting, set())

workspaces := object.get(by_type, type_workspace, set())

identities := object.get(by_type, type_identity, set())

# Human names of the types, for messages.
kind_names := {
	type_vault: "Key Vault",
	type_secret: "Key Vault secret",
	type_key: "Key Vault key",
	type_access_policy: "Key Vault access policy",
	type_role_assignment: "Role assignment",
	type_lock: "Management lock",
	type_diagnostic_setting: "Diagnostic setting",
	type_workspace: "Log Analytics workspace",
	type_identity: "Managed identity",
}

# label is how a message names a resource: "Key Vault 'kv-prod-01'".
label(r) := sprintf("%s '%s'", [object.get(kind_names, r.type, r.type), r.name])

# fail builds a deny or warn entry for a resource.
fail(r, msg) := {"urn": r.urn, "msg": msg}

# unverifiable builds the entry a policy emits (under warn) when a value it needs is unknown
# until the update runs; the engine reports it as unverifiable, never as pass.
unverifiable(r, path) := {
	"urn": r.urn,
	"msg": sprintf("%s has no known value at '%s' until the update runs.", [label(r), path]),
	"unknown": path,
}

# is_unknown holds when the value at path (relative to properties), or an object or array
# holding it, is unknown.
is_unknown(r, path) if {
	some u in r.unknown
	u == path
}

is_unknown(r, path) if {
	some u in r.unknown
	startswith(path, concat("", [u, "."]))
}

# is_secret holds when the value at path was a Pulumi secret (its value was removed).
is_secret(r, path) if {
	some s in r.secret
	s == path
}

# setting reads a policy setting the engine put in input.config for the policy id.
setting(id, name) := input.config[id][name]

# is_prod holds when the stack's environment profile is production.
is_prod if input.profile == "prod"

guid_pattern := `^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`

# is_guid holds for a GUID string. The unknown sentinel is a GUID too, which is why sources
# remove it before policies run and rules ask is_unknown first.
is_guid(s) if {
	is_string(s)
	regex.match(guid_pattern, s)
}

# role_guid is the trailing GUID of a role definition id, lower case, whatever prefix it has:
# "/providers/Microsoft.Authorization/roleDefinitions/<guid>",
# "/subscriptions/<sub>/providers/.../roleDefinitions/<guid>" or the bare GUID.
role_guid(id) := lower(parts[count(parts) - 1]) if {
	parts := split(trim_right(id, "/"), "/")
}

# scope normalises an ARM scope for comparison: lower case, one leading slash, no trailing one.
scope(s) := concat("", ["/", trim(lower(s), "/")])

# unverifiable_msg builds an unverifiable entry with the policy's own sentence, for a needed
# value that sits on a related resource (a lock's level for a vault) or for one finding that
# names several unknown paths at once (GEN-002).
unverifiable_msg(r, path, msg) := {"urn": r.urn, "msg": msg, "unknown": path}
