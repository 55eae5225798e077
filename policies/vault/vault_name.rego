# METADATA
# title: Key Vault names should follow Azure's naming rules
# description: |
#   Azure accepts a vault name of 3 to 24 characters that starts with a letter, ends with a
#   letter or digit and holds only letters, digits and single hyphens. Catching a bad name in
#   review saves a failed deployment halfway through an update. A `vaultName` that is not a
#   string fails; an absent one is left to Pulumi's auto-naming.
# related_resources:
#   - https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftkeyvault
#   - https://learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates#vault-name-and-object-name
# scope: package
# custom:
#   id: KV-005
#   severity: LOW
#   enforcement: mandatory
#   recommended_action: |
#     Choose a `vaultName` of 3 to 24 letters, digits and single hyphens that starts with a
#     letter and ends with a letter or digit, for example `kv-store-prod-01`.
#   resource_types:
#     - azure-native:keyvault:Vault
#   references:
#     azure_policy: []
#     mcsb: []
#     checkov: []
#     trivy: []
#     psrule:
#       - Azure.KeyVault.Name
package kvguard.vault.vault_name

import data.kvguard.lib

path := "vaultName"

named := [[r, name] |
	some r in lib.vaults
	name := r.properties.vaultName
	is_string(name)
]

deny contains lib.fail(r, msg) if {
	some r in lib.vaults
	name := r.properties.vaultName
	name != null
	not is_string(name)
	msg := lib.wrong_type(r, "vaultName", name, "a string")
}

deny contains lib.fail(r, msg) if {
	some [r, name] in named
	n := count(name)
	not between(n, 3, 24)
	msg := sprintf("%s has the name '%s' of %d characters, outside the allowed 3 to 24.", [lib.label(r), name, n])
}

deny contains lib.fail(r, msg) if {
	some [r, name] in named
	not regex.match(`^[A-Za-z]`, name)
	msg := sprintf("%s has the name '%s', which does not start with a letter.", [lib.label(r), name])
}

deny contains lib.fail(r, msg) if {
	some [r, name] in named
	not regex.match(`[A-Za-z0-9]$`, name)
	msg := sprintf("%s has the name '%s', which does not end with a letter or digit.", [lib.label(r), name])
}

deny contains lib.fail(r, msg) if {
	some [r, name] in named
	regex.match(`[^A-Za-z0-9-]`, name)
	msg := sprintf("%s has the name '%s', which holds characters other than letters, digits and hyphens.", [lib.label(r), name])
}

deny contains lib.fail(r, msg) if {
	some [r, name] in named
	contains(name, "--")
	msg := sprintf("%s has the name '%s', which holds consecutive hyphens.", [lib.label(r), name])
}

warn contains lib.unverifiable(r, path) if {
	some r in lib.unreadable[lib.type_vault]
	lib.is_unknown(r, path)
}

between(n, low, high) if {
	n >= low
	n <= high
}
