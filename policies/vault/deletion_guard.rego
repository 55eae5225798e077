# METADATA
# title: Changes should not delete or replace a Key Vault or secret, and production vaults should be protected
# description: |
#   Deleting or replacing a vault or secret destroys key material and secret values that other
#   systems depend on; a replace looks harmless in a diff but deletes the existing resource.
#   In production every vault must also be guarded against accidental deletion, by Pulumi's
#   `protect` option or by a `CanNotDelete` management lock that covers it: a resource-level
#   lock whose `resourceName` is the vault's name (or, while that name cannot be read, takes it
#   from the vault through `propertyDependencies`), a lock by scope on the vault, its resource
#   group or the subscription, a resource-group lock on its group, or a subscription lock.
#   A `pulumi preview --json` without `--show-sames` leaves unchanged
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
#   relational: true
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
# Each of these rules tests the op first: nearly every resource of a change is kept as it is,
# so most of the document is passed over at the first test.
deny contains lib.fail(r, msg) if {
	some r in input.resources
	r.op == "delete"
	r.custom
	guarded_types[r.type]
	msg := sprintf("%s is deleted by this change.", [lib.label(r)])
}

# A stack export's resource marked pendingReplacement was deleted by an interrupted
# delete-before-replace; the next update creates its replacement.
deny contains lib.fail(r, msg) if {
	input.source == "export"
	some r in input.resources
	r.op == "remove-pending-replace"
	r.custom
	guarded_types[r.type]
	msg := sprintf("%s was deleted by an interrupted update that replaces it (marked pendingReplacement in the state); the next update creates the replacement.", [lib.label(r)])
}

# The three steps of one replacement share a URN and this message, so they give one finding.
deny contains lib.fail(r, msg) if {
	some r in input.resources
	replace_ops[r.op]
	r.custom
	guarded_types[r.type]
	msg := replacement_message(r)
}

# A stack export has no change: a resource it marks for deletion is the old half of a
# replacement an interrupted update left, which the next update deletes.
replacement_message(r) := sprintf("%s is marked for deletion in the state (the old half of a replacement an interrupted update left), so the next update deletes it and its contents.", [lib.label(r)]) if {
	input.source == "export"
} else := sprintf("%s is replaced by this change, which deletes the existing one and its contents.", [lib.label(r)])

deny contains lib.fail(r, msg) if {
	lib.is_prod
	some r in lib.vaults
	not r.protect
	not locked(r)
	not lock_pending(r)
	count(unresolved_locks) == 0
	not partial
	msg := sprintf("%s is neither protected nor covered by a CanNotDelete lock.", [lib.label(r)])
}

# A preview without --show-sames leaves unchanged locks out, and any vault, a new one too,
# may be covered by one: a lock on its resource group or subscription does not change with it.
partial if input.partial == true

warn contains lib.unverifiable_msg(r, lib.hidden_path, msg) if {
	lib.is_prod
	some r in lib.vaults
	not r.protect
	not locked(r)
	not lock_pending(r)
	partial
	msg := sprintf("%s is not protected and this preview shows no CanNotDelete lock that covers it; unchanged locks (on the vault, its resource group or the subscription) are listed only by `pulumi preview --json --show-sames` or a stack export.", [lib.label(r)])
}

# A partial preview that deletes a lock leaves out the vaults it covers (they do not change):
# whether they stay protected cannot be seen. With every resource listed, the vaults' own
# results say it.
warn contains lib.unverifiable_msg(l, lib.hidden_path, msg) if {
	lib.is_prod
	partial
	some l in input.resources
	l.op == "delete"
	lock_types[l.type]
	count(lock_keys(l)) > 0
	not covers_listed_vault(l)
	msg := sprintf("%s is deleted by this change, and the vaults it may cover are not in this preview (unchanged resources are listed only by `pulumi preview --json --show-sames`), so whether they stay protected cannot be checked.", [lib.label(l)])
}

# A partial preview that changes a lock so that it may no longer cover what it covered (its
# level, or what it names), when what it covered is left out: as for a deleted lock, whether
# those vaults stay protected cannot be seen.
warn contains lib.unverifiable_msg(l, lib.hidden_path, msg) if {
	lib.is_prod
	partial
	some l in input.resources
	lib.change_ops[l.op]
	lock_types[l.type]
	old := lib.old_state(l)
	may_cannot_delete(old)
	some k in lock_keys(old)
	not listed_vault_keys[k]
	not still_covers(l, k)
	msg := sprintf("%s is changed so that it may no longer cover the vaults it covered, and they are not in this preview (unchanged resources are listed only by `pulumi preview --json --show-sames`), so whether they stay protected cannot be checked.", [lib.label(l)])
}

may_cannot_delete(l) if cannot_delete(l)

may_cannot_delete(l) if lib.is_unknown(l, "level")

cannot_delete(l) if {
	level := l.properties.level
	is_string(level)
	lower(level) == "cannotdelete"
}

still_covers(l, k) if {
	cannot_delete(l)
	keys := lock_keys(l)
	keys[k]
}

covers_listed_vault(l) if {
	some k in lock_keys(l)
	listed_vault_keys[k]
}

listed_vault_keys := {k | some v in lib.vaults; some k in vault_lock_keys(v)}

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
warn contains lib.unverifiable_via(r, first_unresolved_lock, target_path[first_unresolved_lock.type]) if {
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
	some l in all_locks
	path := target_path[l.type]
	lib.is_unknown(l, path)
	count(lib.dependency_urns(l, path)) == 0
	maybe_on_vault(l)
}

# target_path is the property that names what a lock of each type covers (a subscription
# lock covers the whole subscription and names nothing).
target_path := {
	lib.type_lock: "resourceName",
	type_group_lock: "resourceGroupName",
	type_scope_lock: "scope",
}

maybe_on_vault(l) if {
	l.type == lib.type_lock
	on_vault_type(l)
}

maybe_on_vault(l) if l.type != lib.type_lock

# One unresolved lock is enough to name in every finding; picked once, not per vault.
first_unresolved_lock := [l | some l in unresolved_locks; l.urn == min({x.urn | some x in unresolved_locks})][0]

locked(v) if {
	some l in vault_locks(v)
	cannot_delete(l)
}

pending_locks(v) := {l |
	some l in vault_locks(v)
	lib.is_unknown(l, "level")
}

lock_pending(v) if count(pending_locks(v)) > 0

# vault_locks are the locks that cover a vault, looked up by key in an index built once, not
# by testing every lock against every vault, which is quadratic. A vault's keys: its URN and
# name (for resource-level locks and locks by scope on it), its resource group's (for
# resource-group locks and locks by scope on the group) and the subscription (every
# subscription lock: a stack deploys into one subscription per provider).
vault_locks(v) := {l |
	some k in vault_lock_keys(v)
	some l in object.get(locks_by_key, k, set())
}

vault_lock_keys(v) := keys if {
	own := {concat("", ["urn:", v.urn]), "subscription"}
	names := {concat("", ["name:", lower(name)]) | name := v.properties.vaultName; is_string(name)}
	keys := ((own | names) | group_keys(v)) | scope_lock_targets(v)
}

# scope_lock_targets are the keys locks by scope match a vault by: with a known id, the vault's
# own scope and those above it (its group, its subscription), so a lock in another
# subscription does not count; without one (a vault not created yet), by what it is named.
scope_lock_targets(v) := {concat("", ["scope:", s]) |
	parts := split(lib.scope(v.id), "/")
	some n in [3, 5, count(parts)]
	count(parts) >= n
	s := concat("/", array.slice(parts, 0, n))
} if {
	is_string(v.id)
} else := keys if {
	names := {concat("", ["noid-name:", lower(name)]) | name := v.properties.vaultName; is_string(name)}
	keys := ({"noid-subscription"} | {concat("", ["noid-", k]) | some k in group_keys(v)}) | names
}

# group_keys name the resource group of r (a vault or a resource-group lock, both carry
# resourceGroupName): by its name, or while that cannot be read, by the resource groups of
# this stack it is computed from, and their names.
group_keys(r) := {concat("", ["group:", lower(name)]) |
	name := r.properties.resourceGroupName
	is_string(name)
} | {k |
	lib.is_unknown(r, "resourceGroupName")
	some u in lib.dependency_urns(r, "resourceGroupName")
	some k in resource_group_keys(u)
}

# resource_group_keys are the keys a resource group of this stack is known by.
resource_group_keys(urn) := {concat("", ["group-urn:", urn])} | {concat("", ["group:", lower(g.properties.resourceGroupName)]) |
	some g in resource_groups
	g.urn == urn
	is_string(g.properties.resourceGroupName)
}

resource_groups := object.get(lib.by_type, "azure-native:resources:ResourceGroup", [])

# lock_keys are the keys of what a lock covers, by its type.
# A resource-level lock covers the vault it names, or, while that name cannot be read, the
# resources the name is computed from. Dependencies of its other properties (notes that
# mention a vault) say nothing about which vault is locked.
lock_keys(l) := name_keys | dependency_keys if {
	l.type == lib.type_lock
	on_vault_type(l)
	name_keys := {concat("", ["name:", lower(name)]) |
		name := l.properties.resourceName
		is_string(name)
	}
	dependency_keys := {concat("", ["urn:", u]) |
		lib.is_unknown(l, "resourceName")
		some u in lib.dependency_urns(l, "resourceName")
	}
} else := group_keys(l) if {
	l.type == type_group_lock
} else := {"subscription"} if {
	l.type == type_subscription_lock
} else := scope_lock_keys(l)

# A lock by scope covers what its scope names: a vault (by name), a resource group, the
# subscription, or any resource of this stack its unreadable scope is computed from.
scope_lock_keys(l) := {k |
	lib.known_string(l, "scope")
	s := lib.scope(l.properties.scope)
	some k in scope_keys(s)
} | {k |
	lib.is_unknown(l, "scope")
	some u in lib.dependency_urns(l, "scope")
	some k in ({concat("", ["urn:", u])} | resource_group_keys(u))
}

# A known scope matches a vault's own scope keys exactly, or, for a vault without a known id,
# by what the scope names ("noid-" keys).
scope_keys(s) := {concat("", ["scope:", s]), "noid-subscription"} if {
	regex.match(`^/subscriptions/[^/]+$`, s)
} else := {concat("", ["scope:", s]), concat("", ["noid-group:", parts[4]])} if {
	regex.match(`^/subscriptions/[^/]+/resourcegroups/[^/]+$`, s)
	parts := split(s, "/")
} else := {concat("", ["scope:", s]), concat("", ["noid-name:", parts[8]])} if {
	regex.match(`^/subscriptions/[^/]+/resourcegroups/[^/]+/providers/microsoft\.keyvault/vaults/[^/]+$`, s)
	parts := split(s, "/")
} else := {concat("", ["scope:", s])}

type_group_lock := "azure-native:authorization:ManagementLockAtResourceGroupLevel"

type_subscription_lock := "azure-native:authorization:ManagementLockAtSubscriptionLevel"

type_scope_lock := "azure-native:authorization:ManagementLockByScope"

lock_types := {lib.type_lock, type_group_lock, type_subscription_lock, type_scope_lock}

all_locks := [l | some t in lock_types; some l in object.get(lib.by_type, t, [])]

# A comprehension over the distinct keys, not a `x[k] contains l` rule (superlinear in OPA);
# the inner comprehension is indexed on k, so the grouping is one pass.
locks_by_key := {k: ls |
	some k in {x | some [x, _] in lock_entries}
	ls := {l | some [k2, l] in lock_entries; k2 == k}
}

lock_entries := [[k, l] | some l in all_locks; some k in lock_keys(l)]

# A lock on a same-named resource of another provider, of another Key Vault type (a managed
# HSM), or below another resource (a parentResourcePath), does not protect the vault.
on_vault_type(l) if {
	object.get(l.properties, "parentResourcePath", "") in {"", null}
	namespace := object.get(l.properties, "resourceProviderNamespace", "Microsoft.KeyVault")
	is_string(namespace)
	lower(namespace) == "microsoft.keyvault"
	resource_type := object.get(l.properties, "resourceType", "vaults")
	is_string(resource_type)
	lower(resource_type) == "vaults"
}
