# METADATA
# title: Secrets should declare a content type
# description: Fixture policy whose findings ride on warn, so they never block.
# related_resources:
#   - ref: https://learn.microsoft.com/azure/key-vault/secrets/about-secrets
# scope: package
# custom:
#   id: TST-003
#   severity: LOW
#   enforcement: mandatory
#   recommended_action: Set contentType.
#   resource_types: [azure-native:keyvault:Secret]
#   config:
#     allowedTypes:
#       type: array
#       items: {type: string}
#       description: Content types accepted.
#       default: [text/plain]
#     strict:
#       type: boolean
#       description: Also reject content types outside allowedTypes.
#       default: false
#   references:
#     azure_policy: []
#     mcsb: []
#     checkov: []
#     trivy: []
#     psrule: []
package kvguard.secret.content_type

import data.kvguard.lib

warn contains lib.fail(r, sprintf("Secret '%s' has no content type.", [r.name])) if {
	some r in lib.secrets
	not r.properties.properties.contentType
}

warn contains lib.fail(r, sprintf("Secret '%s' has a content type outside the allowed list.", [r.name])) if {
	some r in lib.secrets
	lib.setting("TST-003", "strict")
	ct := r.properties.properties.contentType
	not ct in lib.setting("TST-003", "allowedTypes")
}
