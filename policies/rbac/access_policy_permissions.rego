# METADATA
# title: Access policies should not grant all or purge permissions
# description: |
#   Where Key Vault access policies exist despite KV-003 (a keyvault:AccessPolicy resource or
#   a vault's inline accessPolicies), no permission list for keys, secrets, certificates or
#   storage contains `all` or `purge`, compared case-insensitively. `all` grants every
#   current and future operation; `purge` destroys soft-deleted items for good.
# scope: package
# related_resources:
#   - ref: https://learn.microsoft.com/azure/key-vault/general/assign-access-policy
#     description: Assign a Key Vault access policy
# custom:
#   id: RBAC-007
#   severity: HIGH
#   enforcement: mandatory
#   recommended_action: |
#     Move the vault to RBAC authorization (KV-003); until then list only the operations the
#     principal needs and leave out `all` and `purge`.
#   resource_types:
#     - azure-native:keyvault:AccessPolicy
#     - azure-native:keyvault:Vault
#   references:
#     azure_policy: []
#     mcsb:
#       - PA-7
#       - DP-8
#     checkov: []
#     trivy: []
#     psrule: []
package kvguard.rbac.access_policy_permissions

import data.kvguard.lib

forbidden := {"all", "purge"}

kinds := ["keys", "secrets", "certificates", "storage"]

# Unknown or secret paths that may hide a permission list.
policy_unknown := `^policy(\.permissions(\.(keys|secrets|certificates|storage)(\.[0-9]+)?)?)?$`

inline_unknown := `^properties(\.accessPolicies(\.[0-9]+(\.permissions(\.(keys|secrets|certificates|storage)(\.[0-9]+)?)?)?)?)?$`

# granted lists the forbidden [permission, kind] pairs in one permissions object (none in
# anything else, which the wrong-type rules below fail).
granted(permissions) := {[lower(p), kind] |
	is_object(permissions)
	some kind in kinds
	some p in object.get(permissions, kind, [])
	is_string(p)
	forbidden[lower(p)]
}

deny contains lib.fail(r, msg) if {
	some r in lib.access_policies
	some [p, kind] in granted(object.get(r.properties, ["policy", "permissions"], {}))
	msg := sprintf("%s grants '%s' on %s.", [lib.label(r), p, kind])
}

deny contains lib.fail(r, msg) if {
	some r in lib.vaults
	some ap in object.get(r.properties, ["properties", "accessPolicies"], [])
	is_object(ap)
	some [p, kind] in granted(object.get(ap, "permissions", {}))
	msg := sprintf("%s has an inline access policy that grants '%s' on %s.", [lib.label(r), p, kind])
}

# A permission list that is not a list (the string "all", say) cannot be shown to leave out
# all and purge.
deny contains lib.fail(r, msg) if {
	some r in lib.access_policies
	some kind in kinds
	v := r.properties.policy.permissions[kind]
	not_a_list(v)
	msg := lib.wrong_type(r, sprintf("policy.permissions.%s", [kind]), v, "a list of permissions")
}

deny contains lib.fail(r, msg) if {
	some r in lib.vaults
	aps := r.properties.properties.accessPolicies
	is_array(aps)
	some i, ap in aps
	some kind in kinds
	v := ap.permissions[kind]
	not_a_list(v)
	msg := lib.wrong_type(r, sprintf("accessPolicies[%d].permissions.%s", [i, kind]), v, "a list of permissions")
}

# A permissions object, or an inline access policy, that is not an object names no
# permissions anyone can read: ARM rejects it, so it fails rather than passes.
deny contains lib.fail(r, msg) if {
	some r in lib.access_policies
	v := r.properties.policy.permissions
	v != null
	not is_object(v)
	msg := lib.wrong_type(r, "policy.permissions", v, "an object of permission lists")
}

deny contains lib.fail(r, msg) if {
	some r in lib.vaults
	aps := r.properties.properties.accessPolicies
	is_array(aps)
	some i, ap in aps
	not is_object(ap)
	msg := lib.wrong_type(r, sprintf("accessPolicies[%d]", [i]), ap, "an access policy object")
}

deny contains lib.fail(r, msg) if {
	some r in lib.vaults
	aps := r.properties.properties.accessPolicies
	is_array(aps)
	some i, ap in aps
	v := ap.permissions
	v != null
	not is_object(v)
	msg := lib.wrong_type(r, sprintf("accessPolicies[%d].permissions", [i]), v, "an object of permission lists")
}

not_a_list(v) if {
	v != null
	not is_array(v)
}

warn contains lib.unverifiable(r, u) if {
	some r in lib.access_policies
	some u in lib.unreadable_paths(r)
	regex.match(policy_unknown, u)
}

warn contains lib.unverifiable(r, u) if {
	some r in lib.vaults
	some u in lib.unreadable_paths(r)
	regex.match(inline_unknown, u)
}
