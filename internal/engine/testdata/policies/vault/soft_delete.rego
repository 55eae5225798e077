# METADATA
# title: Key Vaults should keep deleted objects long enough
# description: Fixture policy with a deny, an unverifiable and a setting with a prod default.
# related_resources:
#   - ref: https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview
# scope: package
# custom:
#   id: TST-001
#   severity: HIGH
#   enforcement: mandatory
#   recommended_action: Set softDeleteRetentionInDays to at least the configured minimum.
#   resource_types:
#     - azure-native:keyvault:Vault
#   config:
#     minRetentionDays:
#       type: integer
#       minimum: 7
#       maximum: 90
#       description: Minimum soft delete retention in days.
#       default: 7
#       prod: 90
#   references:
#     azure_policy: [1e66c121-a66a-4b1f-9b83-0fd99bf0fc2d]
#     mcsb: [DP-8]
#     checkov: [CKV_AZURE_111]
#     trivy: []
#     psrule: [Azure.KeyVault.SoftDelete]
package kvguard.vault.soft_delete

import data.kvguard.lib

path := "softDeleteRetentionInDays"

deny contains lib.fail(r, msg) if {
	some r in lib.vaults
	not lib.is_unknown(r, path)
	days := object.get(r.properties, path, 0)
	days < lib.setting("TST-001", "minRetentionDays")
	msg := sprintf("Vault '%s' keeps deleted objects fewer than %d days.", [r.name, lib.setting("TST-001", "minRetentionDays")])
}

warn contains lib.unverifiable(r, path) if {
	some r in lib.vaults
	lib.is_unknown(r, path)
}

# A second failure mode that can coexist with an unverifiable entry on the same vault.
deny contains lib.fail(r, msg) if {
	some r in lib.vaults
	r.properties.enableSoftDelete == false
	msg := sprintf("Vault '%s' has soft delete disabled.", [r.name])
}
