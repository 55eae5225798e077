# METADATA
# title: Key Vault keys should expire and rotate automatically
# description: |
#   A key needs `attributes.expires` and a `rotationPolicy` whose `lifetimeActions` include a
#   `rotate` action, so Key Vault issues new key versions on schedule instead of relying on
#   someone to remember. Action types are compared case-insensitively. An expiry that is not a
#   number (a string, say) fails as the wrong type.
# related_resources:
#   - https://learn.microsoft.com/azure/key-vault/keys/how-to-configure-key-rotation
#   - https://learn.microsoft.com/azure/key-vault/keys/about-keys-details
# scope: package
# custom:
#   id: KEY-001
#   severity: HIGH
#   enforcement: mandatory
#   recommended_action: |
#     Set `properties.attributes.expires` and a `properties.rotationPolicy` with a lifetime action
#     `{action: {type: rotate}, trigger: {timeAfterCreate: P90D}}` and an `attributes.expiryTime`
#     for the new versions.
#   resource_types:
#     - azure-native:keyvault:Key
#   references:
#     azure_policy:
#       - 152b15f7-8e1f-4c1f-ab71-8c010ba5dbc0
#       - d8cf8476-a2ec-4916-896e-992351803c44
#     mcsb:
#       - DP-6
#     checkov:
#       - CKV_AZURE_40
#     trivy:
#       - AZU-0014
#     psrule:
#       - Azure.KeyVault.AutoRotationPolicy
package kvguard.secret.key_rotation

import data.kvguard.lib

expires_path := "properties.attributes.expires"

policy_path := "properties.rotationPolicy"

deny contains lib.fail(r, msg) if {
	some r in lib.keys
	object.get(r.properties, ["properties", "attributes", "expires"], null) == null
	not lib.is_unknown(r, expires_path)
	msg := sprintf("%s has no expiration date.", [lib.label(r)])
}

deny contains lib.fail(r, msg) if {
	some r in lib.keys
	count(policy_unknowns(r)) == 0
	object.get(r.properties, ["properties", "rotationPolicy"], null) == null
	msg := sprintf("%s has no rotation policy.", [lib.label(r)])
}

deny contains lib.fail(r, msg) if {
	some r in lib.keys
	count(policy_unknowns(r)) == 0
	object.get(r.properties, ["properties", "rotationPolicy"], null) != null
	not rotates(r)
	msg := sprintf("%s has a rotation policy without a rotate action.", [lib.label(r)])
}

deny contains lib.fail(r, msg) if {
	some r in lib.keys
	e := r.properties.properties.attributes.expires
	e != null
	not is_number(e)
	msg := lib.wrong_type(r, "attributes.expires", e, "a number of seconds since the epoch")
}

warn contains lib.unverifiable(r, expires_path) if {
	some r in lib.unreadable[lib.type_key]
	lib.is_unknown(r, expires_path)
}

warn contains lib.unverifiable(r, path) if {
	some r in lib.keys
	not rotates(r)
	some path in policy_unknowns(r)
}

rotates(r) if {
	some la in r.properties.properties.rotationPolicy.lifetimeActions
	t := la.action.type
	is_string(t)
	lower(t) == "rotate"
}

# policy_unknowns are the paths that cannot be read (unknown or secret) and could still hide a
# rotate action: the policy (or an object holding it) or anything inside it.
policy_unknowns(r) := {policy_path | lib.is_unknown(r, policy_path)} | {u |
	some u in lib.unreadable_paths(r)
	startswith(u, concat("", [policy_path, "."]))
}
