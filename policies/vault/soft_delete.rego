# METADATA
# title: Key Vaults should keep soft delete on with a retention the stack allows
# description: |
#   Soft delete keeps a deleted vault and its objects recoverable for the retention period.
#   An absent `enableSoftDelete` or `softDeleteRetentionInDays` takes Azure's default (on,
#   90 days), so only an explicit `false` or a retention outside the configured bounds fails.
#   A value of the wrong type (`"7"` rather than `7`, `"false"` rather than `false`) fails
#   too: ARM rejects or coerces it, so what Azure keeps cannot be read from it.
# related_resources:
#   - https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview
#   - https://learn.microsoft.com/azure/templates/microsoft.keyvault/vaults
# scope: package
# custom:
#   id: KV-001
#   severity: HIGH
#   enforcement: mandatory
#   recommended_action: |
#     Remove `enableSoftDelete: false` (or set it to true) and set `softDeleteRetentionInDays`
#     to a number of days (not a string) between minRetentionDays and maxRetentionDays (90 in
#     production).
#   resource_types:
#     - azure-native:keyvault:Vault
#   config:
#     minRetentionDays:
#       type: integer
#       minimum: 7
#       maximum: 90
#       description: Fewest days a deleted vault or object must stay recoverable.
#       default: 7
#       prod: 90
#     maxRetentionDays:
#       type: integer
#       minimum: 7
#       maximum: 90
#       description: Most days a deleted vault or object may stay recoverable (Azure allows 90).
#       default: 90
#       prod: 90
#   references:
#     azure_policy:
#       - 1e66c121-a66a-4b1f-9b83-0fd99bf0fc2d
#     mcsb:
#       - DP-8
#     checkov:
#       - CKV_AZURE_111
#     trivy: []
#     psrule:
#       - Azure.KeyVault.SoftDelete
package kvguard.vault.soft_delete

import data.kvguard.lib

enabled_path := "properties.enableSoftDelete"

retention_path := "properties.softDeleteRetentionInDays"

deny contains lib.fail(r, msg) if {
	some r in lib.vaults
	r.properties.properties.enableSoftDelete == false
	msg := sprintf("%s has soft delete disabled.", [lib.label(r)])
}

deny contains lib.fail(r, msg) if {
	some r in lib.vaults
	v := r.properties.properties.enableSoftDelete
	v != null
	not is_boolean(v)
	msg := lib.wrong_type(r, "enableSoftDelete", v, "a boolean")
}

deny contains lib.fail(r, msg) if {
	some r in lib.vaults
	days := r.properties.properties.softDeleteRetentionInDays
	days != null
	not is_number(days)
	msg := lib.wrong_type(r, "softDeleteRetentionInDays", days, "a number of days")
}

deny contains lib.fail(r, msg) if {
	some r in lib.vaults
	days := r.properties.properties.softDeleteRetentionInDays
	is_number(days)
	least := lib.setting("KV-001", "minRetentionDays")
	days < least
	msg := sprintf("%s keeps deleted data for %v days, fewer than the required %v.", [lib.label(r), days, least])
}

deny contains lib.fail(r, msg) if {
	some r in lib.vaults
	days := r.properties.properties.softDeleteRetentionInDays
	is_number(days)
	most := lib.setting("KV-001", "maxRetentionDays")
	days > most
	msg := sprintf("%s keeps deleted data for %v days, more than the allowed %v.", [lib.label(r), days, most])
}

warn contains lib.unverifiable(r, path) if {
	some r in lib.unreadable[lib.type_vault]
	some path in [enabled_path, retention_path]
	lib.is_unknown(r, path)
}
