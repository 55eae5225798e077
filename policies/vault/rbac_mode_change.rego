# METADATA
# title: Changes that flip a Key Vault's permission model should be reviewed as high risk
# description: |
#   Switching `enableRbacAuthorization` changes, at the moment the update runs, which grants
#   the vault honours: access policies stop working when RBAC is turned on, and role
#   assignments stop working when it is turned off. Applications can lose access, or principals
#   can gain it, without any change to their own grants. The old value is read from the
#   previous state as Azure had it (its outputs overlaid on its inputs); an absent value counts
#   as `false`, the default of the API version the provider uses, and an old value that was
#   unknown or a Pulumi secret makes the change unverifiable. A new value that is not a boolean
#   (the string `"true"`, say) fails: whether the change flips the model cannot be told from it.
# related_resources:
#   - https://learn.microsoft.com/azure/key-vault/general/rbac-migration
#   - https://learn.microsoft.com/azure/key-vault/general/rbac-access-policy
# scope: package
# custom:
#   id: KV-008
#   severity: MEDIUM
#   enforcement: advisory
#   recommended_action: |
#     Before switching, create the matching role assignments (or access policies) for every
#     principal that needs access, roll the change out in a maintenance window and verify
#     access right after the update.
#   resource_types:
#     - azure-native:keyvault:Vault
#   references:
#     azure_policy: []
#     mcsb:
#       - PA-7
#     checkov: []
#     trivy: []
#     psrule: []
package kvguard.vault.rbac_mode_change

import data.kvguard.lib

path := "properties.enableRbacAuthorization"

changed contains r if {
	some r in lib.vaults
	is_object(r.oldProperties)
}

old_rbac(r) := object.get(r.oldProperties, ["properties", "enableRbacAuthorization"], false) == true

old_path := concat(".", ["oldProperties", path])

# old_unreadable holds when the previous value was unknown or a Pulumi secret (the source
# removed it and named it in oldUnreadable): absent is then not "off".
old_unreadable(r) if {
	some u in object.get(r, "oldUnreadable", [])
	startswith(concat("", [path, "."]), concat("", [u, "."]))
}

new_rbac(r) := object.get(r.properties, ["properties", "enableRbacAuthorization"], false) == true

# new_value is the new enableRbacAuthorization when it is set (not null).
new_value(r) := v if {
	v := r.properties.properties.enableRbacAuthorization
	v != null
}

mistyped(r) if not is_boolean(new_value(r))

deny contains lib.fail(r, msg) if {
	some r in changed
	mistyped(r)
	msg := lib.wrong_type(r, "enableRbacAuthorization", new_value(r), "a boolean")
}

deny contains lib.fail(r, msg) if {
	some r in changed
	not lib.is_unknown(r, path)
	not mistyped(r)
	not old_unreadable(r)
	not old_rbac(r)
	new_rbac(r)
	msg := sprintf("%s switches from access policies to RBAC authorization, which changes who can reach its data at once.", [lib.label(r)])
}

deny contains lib.fail(r, msg) if {
	some r in changed
	not lib.is_unknown(r, path)
	not mistyped(r)
	not old_unreadable(r)
	old_rbac(r)
	not new_rbac(r)
	msg := sprintf("%s switches from RBAC authorization to access policies, which changes who can reach its data at once.", [lib.label(r)])
}

warn contains lib.unverifiable(r, path) if {
	some r in changed
	lib.is_unknown(r, path)
}

warn contains lib.unverifiable_msg(r, old_path, msg) if {
	some r in changed
	not lib.is_unknown(r, path)
	old_unreadable(r)
	msg := sprintf("%s had no readable enableRbacAuthorization before this change (unknown or kept as a Pulumi secret), so a switch between access policies and RBAC cannot be checked.", [lib.label(r)])
}
