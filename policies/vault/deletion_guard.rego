# METADATA
# title: Changes should not delete or replace a Key Vault or secret, and production vaults should be protected
# description: |
#   Deleting or replacing a vault or secret destroys key material and secret values that other
#   systems depend on; a replace looks harmless in a diff but deletes the existing resource.
#   In production every vault must also be guarded against accidental deletion, by Pulumi's
#   `protect` option or by a `CanNotDelete` management lock on the vault. A lock counts when its
#   `resourceName` is the vault's name or when it takes a value from the vault
#   (`propertyDependencies`). A `pulumi preview --json` without `--show-sames` leaves unchanged
#   locks out, so there an unprotected vault that the change only updates is unverifiable. So
#   is a vault that a lock may cover whose `level` cannot be read (unknown until the update
#   runs, or a Pulumi secret), or when a lock's `resourceName` cannot be read and does not
#   come from a resource of this stack.
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
	count(unresolved_locks) == 0
	not lib.relations_hidden(r)
	msg := sprintf("%s is neither protected nor covered by a CanNotDelete lock.", [lib.label(r)])
}

# A vault this preview updates may be covered by a lock the preview leaves out unchanged.
warn contains lib.unverifiable_msg(r, lib.hidden_path, msg) if {
	lib.is_prod
	some r in lib.vaults
	not r.protect
	not locked(r)
	not lock_pending(r)
	lib.relations_hidden(r)
	msg := sprintf("%s is not protected and this preview shows no CanNotDelete lock on it; unchanged locks are listed only by `pulumi preview --json --show-sames` or a stack export.", [lib.label(r)])
}

warn contains lib.unverifiable_on(r, l, "level", level_msg(r, l)) if {
	lib.is_prod
	some r in lib.vaults
	not r.protect
	not locked(r)
	some l in pending_locks(r)
}

level_msg(r, l) := sprintf("%s is covered by %s, whose 'level' is kept as a Pulumi secret, so it cannot be checked.", [lib.label(r), lib.label(l)]) if {
	lib.is_secret(l, "level")
} else := sprintf("%s is covered by %s, whose 'level' has no known value until the update runs.", [lib.label(r), lib.label(l)])

# A lock whose target cannot be read may be the one that covers an unlocked vault.
warn contains lib.unverifiable_via(r, first_unresolved_lock, "resourceName") if {
	lib.is_prod
	some r in lib.vaults
	not r.protect
	not locked(r)
	not lock_pending(r)
	count(unresolved_locks) > 0
}

# unresolved_locks name their resource with a value that cannot be read (unknown or secret)
# and that does not come from a resource of this stack, so any vault may be theirs.
unresolved_locks := {l |
	some l in lib.locks
	lib.is_unknown(l, "resourceName")
	count(lib.dependency_urns(l, "resourceName")) == 0
	on_vault_type(l)
}

# One unresolved lock is enough to name in every finding; picked once, not per vault.
first_unresolved_lock := [l | some l in unresolved_locks; l.urn == min({x.urn | some x in unresolved_locks})][0]

locked(v) if {
	some l in vault_locks(v)
	level := l.properties.level
	is_string(level)
	lower(level) == "cannotdelete"
}

pending_locks(v) := {l |
	some l in vault_locks(v)
	lib.is_unknown(l, "level")
}

lock_pending(v) if count(pending_locks(v)) > 0

# vault_locks are the locks that target a vault: by the vault name they name (with the Key
# Vault provider namespace) or, when that name cannot be read, through its dependency on the
# vault. Looked up in an
# index built once, not by testing every lock against every vault, which is quadratic.
vault_locks(v) := {l |
	some k in vault_lock_keys(v)
	some l in object.get(locks_by_key, k, set())
}

vault_lock_keys(v) := {concat("", ["urn:", v.urn])} | {concat("", ["name:", lower(name)]) |
	name := v.properties.vaultName
	is_string(name)
}

# A lock targets the vault it names, or, while that name cannot be read, the resources the
# name is computed from. Dependencies of its other properties (notes that mention a vault)
# say nothing about which vault is locked.
lock_keys(l) := name_keys | dependency_keys if {
	on_vault_type(l)
	name_keys := {concat("", ["name:", lower(name)]) |
		name := l.properties.resourceName
		is_string(name)
	}
	dependency_keys := {concat("", ["urn:", u]) |
		lib.is_unknown(l, "resourceName")
		some u in lib.dependency_urns(l, "resourceName")
	}
}

# A comprehension over the distinct keys, not a `x[k] contains l` rule (superlinear in OPA);
# the inner comprehension is indexed on k, so the grouping is one pass.
locks_by_key := {k: ls |
	some k in {x | some [x, _] in lock_entries}
	ls := {l | some [k2, l] in lock_entries; k2 == k}
}

lock_entries := [[k, l] | some l in lib.locks; some k in lock_keys(l)]

# A lock on a same-named resource of another provider, or of another Key Vault type (a
# managed HSM), does not protect the vault.
on_vault_type(l) if {
	namespace := object.get(l.properties, "resourceProviderNamespace", "Microsoft.KeyVault")
	is_string(namespace)
	lower(namespace) == "microsoft.keyvault"
	resource_type := object.get(l.properties, "resourceType", "vaults")
	is_string(resource_type)
	lower(resource_type) == "vaults"
}
