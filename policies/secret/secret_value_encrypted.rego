# METADATA
# title: Key Vault secret values should be Pulumi secrets
# description: |
#   A secret's `properties.value` that is not marked as a Pulumi secret is stored in plain text
#   in the stack's state, its exports and its previews, where anyone with read access to the
#   state can copy it. The value itself is never read or printed: sources remove it and record
#   its path in `plaintext`.
# related_resources:
#   - https://www.pulumi.com/docs/iac/concepts/secrets/
#   - https://learn.microsoft.com/azure/key-vault/secrets/secrets-best-practices
# scope: package
# custom:
#   id: SEC-005
#   severity: CRITICAL
#   enforcement: mandatory
#   recommended_action: |
#     Pass the value as a Pulumi secret (`pulumi.ToSecret`, a secret config value or an output
#     of a resource that returns secrets), then rotate the exposed value, since it is already in
#     earlier state files.
#   resource_types:
#     - azure-native:keyvault:Secret
#   references:
#     azure_policy: []
#     mcsb:
#       - IM-8
#     checkov: []
#     trivy: []
#     psrule: []
package kvguard.secret.secret_value_encrypted

import data.kvguard.lib

path := "properties.value"

deny contains lib.fail(r, msg) if {
	some r in stored_secrets
	some p in r.plaintext
	msg := sprintf("%s has a value at '%s' that is not a Pulumi secret, so the state stores it in plain text.", [lib.label(r), p])
}

# stored_secrets are the Key Vault secrets whose values the state holds: the checked ones and,
# in a stack export, those marked for deletion (the old half of a replacement an interrupted
# update left), which stay in the state file until an update removes them. In a preview a
# secret being deleted is not judged: the change that removes it is the cure.
stored_secrets := array.concat(lib.secrets, [r |
	input.source == "export"
	some r in input.resources
	r.type == lib.type_secret
	lib.removal_ops[r.op]
])

# A value computed during the update may or may not arrive marked as a secret.
warn contains lib.unverifiable(r, path) if {
	some r in lib.unreadable[lib.type_secret]
	lib.is_unknown(r, path)
	not lib.is_secret(r, path)
}
