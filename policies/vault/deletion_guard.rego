# METADATA
# title: Changes should not delete or replace a Key Vault or secret, and production vaults should be protected
# description: |
#   Deleting or replacing a vault or secret destroys key material and secret values that other
#   systems depend on; a replace looks harmless in a diff but deletes the existing resource.
#   In production every vault must also be guarded against accidental deletion, by Pulumi's
#   `protect` option or by a `CanNotDelete` management lock on the vault. A lock counts when its
#   `resourceName` is the vault's name or when it takes a value from the vault
#   (`propertyDependencies`).
# related_resources:
#   - https://learn.microsoft.com/azure/azure-resource-manager/management/lock-resources
#   - https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview
#   - https://www.pulumi.com/docs/iac/concepts/options/protect/
# scope: package
# custom:
#   id: KV-007
#   severity: HIGH
#   enforcement: advisory
#   prod_enforcement: mandatory
#   recommended_action: |
#     Find the input that forces the delete or replace (name, location, resource group) and keep
#     it stable, or move the resource with `aliases` or an import instead. In production set
#     `pulumi.Protect(true)` on the vault or add a `ManagementLockAtResourceLevel` with
#     `level: CanNotDelete` on it.
#   resource_types:
#     - azure-native:keyvault:Vault
#     - azure-native:keyvault:Secret
#   references:
#     azure_policy: []
#     mcsb:
#       - DP-8
#     checkov: []
#     trivy: []
#     psrule: []
package kvguard.vault.deletion_guard

import data.kvguard.lib

guarded_types := {lib.type_vault, lib.type_secret}

replace_ops := {"replace", "create-replacement", "delete-replaced"}

# lib.by_type leaves out resources being deleted, so removals are read from input directly.
deny contains lib.fail(r, msg) if {
	some r in input.resources
	r.custom
	guarded_types[r.type]
	r.op == "delete"
	msg := sprintf("%s is deleted by this change.", [lib.label(r)])
}

# The three steps of one replacement share a URN and this message, so they give one finding.
deny contains lib.fail(r, msg) if {
	some r in input.resources
	r.custom
	guarded_types[r.type]
	replace_ops[r.op]
	msg := sprintf("%s is replaced by this change, which deletes the existing one and its contents.", [lib.label(r)])
}

deny contains lib.fail(r, msg) if {
	lib.is_prod
	some r in lib.vaults
	not r.protect
	not locked(r)
	not lock_pending(r)
	msg := sprintf("%s is neither protected nor covered by a CanNotDelete lock.", [lib.label(r)])
}

warn contains lib.unverifiable_msg(r, "level", msg) if {
	lib.is_prod
	some r in lib.vaults
	not r.protect
	not locked(r)
	some l in pending_locks(r)
	msg := sprintf("%s is covered by %s, whose 'level' has no known value until the update runs.", [lib.label(r), lib.label(l)])
}

locked(v) if {
	some l in lib.locks
	targets(l, v)
	level := l.properties.level
	is_string(level)
	lower(level) == "cannotdelete"
}

pending_locks(v) := {l |
	some l in lib.locks
	targets(l, v)
	lib.is_unknown(l, "level")
}

lock_pending(v) if count(pending_locks(v)) > 0

targets(l, v) if {
	name := l.properties.resourceName
	is_string(name)
	lower(name) == lower(v.properties.vaultName)
	keyvault_namespace(l)
}

targets(l, v) if {
	some deps in l.propertyDependencies
	v.urn in deps
}

# A lock on a same-named resource of another provider does not protect the vault.
keyvault_namespace(l) if {
	namespace := object.get(l.properties, "resourceProviderNamespace", "Microsoft.KeyVault")
	is_string(namespace)
	lower(namespace) == "microsoft.keyvault"
}
