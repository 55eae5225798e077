# METADATA
# title: Key Vault secrets should have a content type
# description: |
#   `contentType` tells the reader how to interpret a secret (a password, a connection string,
#   a PEM certificate), which lets rotation tooling and reviewers handle it correctly. An empty
#   or blank value counts as unset.
# related_resources:
#   - https://learn.microsoft.com/azure/key-vault/secrets/about-secrets
#   - https://learn.microsoft.com/azure/key-vault/secrets/secrets-best-practices
# scope: package
# custom:
#   id: SEC-004
#   severity: LOW
#   enforcement: advisory
#   recommended_action: |
#     Set `properties.contentType` to a short description of the value, for example
#     `text/plain`, `application/x-connection-string` or `application/x-pem-file`.
#   resource_types:
#     - azure-native:keyvault:Secret
#   references:
#     azure_policy:
#       - 75262d3e-ba4a-4f43-85f8-9f72c090e5e3
#     mcsb: []
#     checkov:
#       - CKV_AZURE_114
#     trivy:
#       - AZU-0015
#     psrule: []
package kvguard.secret.secret_content_type

import data.kvguard.lib

path := "properties.contentType"

deny contains lib.fail(r, msg) if {
	some r in lib.secrets
	not has_content_type(r)
	not lib.is_unknown(r, path)
	msg := sprintf("%s has no content type.", [lib.label(r)])
}

warn contains lib.unverifiable(r, path) if {
	some r in lib.unreadable[lib.type_secret]
	lib.is_unknown(r, path)
}

has_content_type(r) if {
	ct := r.properties.properties.contentType
	is_string(ct)
	trim_space(ct) != ""
}
