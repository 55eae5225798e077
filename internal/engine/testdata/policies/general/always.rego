# METADATA
# title: Fixture policy disabled by default
# description: Denies every vault; only a config file turns it on.
# related_resources:
#   - ref: https://example.com/kvguard/fixture
# scope: package
# custom:
#   id: TST-004
#   severity: LOW
#   enforcement: disabled
#   recommended_action: Nothing; this is a fixture.
#   resource_types: [azure-native:keyvault:Vault]
#   references:
#     azure_policy: []
#     mcsb: []
#     checkov: []
#     trivy: []
#     psrule: []
package kvguard.general.always

import data.kvguard.lib

deny contains lib.fail(r, sprintf("Vault '%s' is denied by the fixture.", [r.name])) if {
	some r in lib.vaults
}
