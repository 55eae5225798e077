# METADATA
# title: Key Vaults should have purge protection enabled
# description: |
#   Purge protection stops anyone, including an administrator, from permanently deleting a
#   soft-deleted vault or object before its retention period ends. Azure's default is off, so
#   an absent `enablePurgeProtection` fails. An explicit `false` fails twice: Azure rejects
#   `false` once purge protection has been enabled, so the property should be omitted instead.
#   A value that is not a boolean (the string `"true"`, say) fails as the wrong type.
# related_resources:
#   - https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview#purge-protection
#   - https://learn.microsoft.com/azure/templates/microsoft.keyvault/vaults
# scope: package
# custom:
#   id: KV-002
#   severity: HIGH
#   enforcement: mandatory
#   recommended_action: |
#     Set `enablePurgeProtection: true`. Never set it to `false`: leave it out when it must stay
#     off, because Azure rejects `false` once purge protection has been turned on.
#   resource_types:
#     - azure-native:keyvault:Vault
#   references:
#     azure_policy:
#       - 0b60c0b2-2dc2-4e1c-b5c9-abbed971de53
#     mcsb:
#       - DP-8
#     checkov:
#       - CKV_AZURE_110
#     trivy:
#       - AZU-0016
#     psrule:
#       - Azure.KeyVault.PurgeProtect
package kvguard.vault.purge_protection

import data.kvguard.lib

path := "properties.enablePurgeProtection"

# Absent (or null) counts as off, like an explicit false.
deny contains lib.fail(r, msg) if {
	some r in lib.vaults
	object.get(r.properties, ["properties", "enablePurgeProtection"], null) in {null, false}
	not lib.is_unknown(r, path)
	msg := sprintf("%s does not have purge protection enabled.", [lib.label(r)])
}

deny contains lib.fail(r, msg) if {
	some r in lib.vaults
	v := r.properties.properties.enablePurgeProtection
	v != null
	not is_boolean(v)
	msg := lib.wrong_type(r, "enablePurgeProtection", v, "a boolean")
}

deny contains lib.fail(r, msg) if {
	some r in lib.vaults
	r.properties.properties.enablePurgeProtection == false
	msg := sprintf("%s sets enablePurgeProtection to false, which Azure rejects once purge protection is enabled, so the property must be omitted instead.", [lib.label(r)])
}

warn contains lib.unverifiable(r, path) if {
	some r in lib.unreadable[lib.type_vault]
	lib.is_unknown(r, path)
}
