# METADATA
# title: Key Vaults should authorize data access with Azure RBAC, not access policies
# description: |
#   With `enableRbacAuthorization: true` data-plane access is granted by role assignments that
#   can be scoped to one secret, reviewed and audited like any other Azure RBAC grant. Azure's
#   default in the API version the provider uses is off, so an absent value fails, and so
#   does a value that is not a boolean (the string `"true"`, say). Inline `accessPolicies` on
#   the vault and separate `keyvault:AccessPolicy` resources fail too.
# related_resources:
#   - https://learn.microsoft.com/azure/key-vault/general/rbac-guide
#   - https://learn.microsoft.com/azure/key-vault/general/rbac-migration
# scope: package
# custom:
#   id: KV-003
#   severity: HIGH
#   enforcement: mandatory
#   recommended_action: |
#     Set `enableRbacAuthorization: true` on the vault, remove `accessPolicies` and any
#     `keyvault:AccessPolicy` resources, and grant Key Vault data roles with role assignments
#     scoped to the vault or to one secret.
#   resource_types:
#     - azure-native:keyvault:Vault
#     - azure-native:keyvault:AccessPolicy
#   references:
#     azure_policy:
#       - 12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5
#     mcsb:
#       - PA-7
#     checkov: []
#     trivy: []
#     psrule:
#       - Azure.KeyVault.RBAC
package kvguard.vault.rbac_authorization

import data.kvguard.lib

rbac_path := "properties.enableRbacAuthorization"

policies_path := "properties.accessPolicies"

# Absent (or null) counts as off, the default of the API version the provider uses.
deny contains lib.fail(r, msg) if {
	some r in lib.vaults
	object.get(r.properties, ["properties", "enableRbacAuthorization"], null) in {null, false}
	not lib.is_unknown(r, rbac_path)
	msg := sprintf("%s does not use RBAC authorization.", [lib.label(r)])
}

deny contains lib.fail(r, msg) if {
	some r in lib.vaults
	v := r.properties.properties.enableRbacAuthorization
	v != null
	not is_boolean(v)
	msg := lib.wrong_type(r, "enableRbacAuthorization", v, "a boolean")
}

deny contains lib.fail(r, msg) if {
	some r in lib.vaults
	ps := r.properties.properties.accessPolicies
	listed(ps)
	count(ps) > 0
	msg := sprintf("%s grants access through inline access policies.", [lib.label(r)])
}

# A list is what ARM takes (an object of entries still counts as policies, above); any other
# value cannot be read as "no access policies".
deny contains lib.fail(r, msg) if {
	some r in lib.vaults
	v := r.properties.properties.accessPolicies
	v != null
	not listed(v)
	msg := lib.wrong_type(r, "accessPolicies", v, "a list of access policies")
}

listed(v) if is_array(v)

listed(v) if is_object(v)

deny contains lib.fail(r, msg) if {
	some r in lib.access_policies
	msg := sprintf("%s grants vault access outside Azure RBAC.", [lib.label(r)])
}

warn contains lib.unverifiable(r, path) if {
	some r in lib.unreadable[lib.type_vault]
	some path in [rbac_path, policies_path]
	lib.is_unknown(r, path)
}
