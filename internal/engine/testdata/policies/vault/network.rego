# METADATA
# title: Key Vaults should not be reachable from the internet
# description: Fixture policy that is advisory by default and mandatory in prod.
# related_resources:
#   - ref: https://learn.microsoft.com/azure/key-vault/general/network-security
# scope: package
# custom:
#   id: TST-002
#   severity: MEDIUM
#   enforcement: advisory
#   prod_enforcement: mandatory
#   recommended_action: Set publicNetworkAccess to Disabled.
#   resource_types: [azure-native:keyvault:Vault]
#   references:
#     azure_policy: []
#     mcsb: []
#     checkov: []
#     trivy: []
#     psrule: []
package kvguard.vault.network

import data.kvguard.lib

deny contains lib.fail(r, sprintf("Vault '%s' allows public network access.", [r.name])) if {
	some r in lib.vaults
	not lib.is_unknown(r, "publicNetworkAccess")
	object.get(r.properties, "publicNetworkAccess", "Enabled") != "Disabled"
}

warn contains lib.unverifiable(r, "publicNetworkAccess") if {
	some r in lib.vaults
	lib.is_unknown(r, "publicNetworkAccess")
}

# Deletions are the one thing this policy says about resources going away; the engine must
# report the entry although it gives deleted resources no pass.
deny contains lib.fail(r, sprintf("Vault '%s' is deleted.", [r.name])) if {
	some r in input.resources
	r.type == "azure-native:keyvault:Vault"
	r.op == "delete"
}

# Entries for URNs the document does not hold are still reported.
deny contains {"urn": urn, "msg": "A vault that is not in the document is reported."} if {
	some urn in data.fixture.ghosts
	input.profile == "prod"
}
