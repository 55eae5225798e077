# METADATA
# title: Key Vault secrets should have an expiration date
# description: |
#   A secret without `attributes.expires` stays valid for ever, which gives anyone who copies
#   it unlimited time to use it and removes the prompt to rotate it. An expiry that is not a
#   number (the string `"4102444800"`, say) fails too: ARM rejects or coerces it, so the date
#   cannot be read from it.
# related_resources:
#   - https://learn.microsoft.com/azure/key-vault/secrets/about-secrets#secret-attributes
#   - https://learn.microsoft.com/azure/key-vault/secrets/secrets-best-practices
# scope: package
# custom:
#   id: SEC-001
#   severity: HIGH
#   enforcement: mandatory
#   recommended_action: |
#     Set `properties.attributes.expires` (seconds since the Unix epoch) on every secret, for
#     example from a rotation date computed in the program, and rotate the secret before then.
#   resource_types:
#     - azure-native:keyvault:Secret
#   references:
#     azure_policy:
#       - 98728c90-32c7-4049-8429-847dc0f4fe37
#     mcsb:
#       - DP-6
#     checkov:
#       - CKV_AZURE_41
#     trivy:
#       - AZU-0017
#     psrule: []
package kvguard.secret.secret_expiry

import data.kvguard.lib

path := "properties.attributes.expires"

deny contains lib.fail(r, msg) if {
	some r in lib.secrets
	object.get(r.properties, ["properties", "attributes", "expires"], null) == null
	not lib.is_unknown(r, path)
	msg := sprintf("%s has no expiration date.", [lib.label(r)])
}

deny contains lib.fail(r, msg) if {
	some r in lib.secrets
	e := r.properties.properties.attributes.expires
	e != null
	not is_number(e)
	msg := lib.wrong_type(r, "attributes.expires", e, "a number of seconds since the epoch")
}

warn contains lib.unverifiable(r, path) if {
	some r in lib.unreadable[lib.type_secret]
	lib.is_unknown(r, path)
}
