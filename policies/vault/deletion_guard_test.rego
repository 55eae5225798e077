package kvguard.vault.deletion_guard_test

import data.kvguard.vault.deletion_guard

vault_urn := "urn:pulumi:prod::secret-store::azure-native:keyvault:Vault::vault"

secret_urn := "urn:pulumi:prod::secret-store::azure-native:keyvault:Secret::db-connection"

lock_urn := "urn:pulumi:prod::secret-store::azure-native:authorization:ManagementLockAtResourceLevel::vault-lock"

vault(op, protect) := {
	"urn": vault_urn,
	"type": "azure-native:keyvault:Vault",
	"name": "vault",
	"op": op,
	"custom": true,
	"protect": protect,
	"properties": {"vaultName": "kv-store-prod", "properties": {"enablePurgeProtection": true}},
	"unknown": [],
	"secret": [],
}

secret(op) := {
	"urn": secret_urn,
	"type": "azure-native:keyvault:Secret",
	"name": "db-connection",
	"op": op,
	"custom": true,
	"properties": {"vaultName": "kv-store-prod", "secretName": "db-connection"},
	"unknown": [],
	"secret": ["properties.value"],
}

lock(props, unknown, deps) := {
	"urn": lock_urn,
	"type": "azure-native:authorization:ManagementLockAtResourceLevel",
	"name": "vault-lock",
	"op": "create",
	"custom": true,
	"properties": props,
	"unknown": unknown,
	"secret": [],
	"propertyDependencies": deps,
}

doc(profile, resources) := {"now": "2026-12-03T00:00:00Z", "profile": profile, "resources": resources}

unprotected_msg := "Key Vault 'vault' is neither protected nor covered by a CanNotDelete lock."

test_deny_vault_delete if {
	got := deletion_guard.deny with input as doc("dev", [vault("delete", false)])
	got == {{"urn": vault_urn, "msg": "Key Vault 'vault' is deleted by this change."}}
}

test_deny_secret_delete if {
	got := deletion_guard.deny with input as doc("dev", [secret("delete")])
	got == {{"urn": secret_urn, "msg": "Key Vault secret 'db-connection' is deleted by this change."}}
}

# An export has no change: its resource marked for deletion is worded as such.
test_deny_export_resource_marked_for_deletion if {
	inp := object.union(doc("dev", [secret("delete-replaced")]), {"source": "export"})
	got := deletion_guard.deny with input as inp
	got == {{"urn": secret_urn, "msg": "Key Vault secret 'db-connection' is marked for deletion in the state (the old half of a replacement an interrupted update left), so the next update deletes it and its contents."}}
}

test_deny_replace_steps_give_one_finding if {
	got := deletion_guard.deny with input as doc("dev", [secret("create-replacement"), secret("replace"), secret("delete-replaced")])
	got == {{"urn": secret_urn, "msg": "Key Vault secret 'db-connection' is replaced by this change, which deletes the existing one and its contents."}}
}

test_deny_prod_vault_unprotected if {
	got := deletion_guard.deny with input as doc("prod", [vault("create", false)])
	got == {{"urn": vault_urn, "msg": unprotected_msg}}
}

test_deny_prod_vault_with_read_only_lock if {
	l := lock({"level": "ReadOnly", "resourceName": "kv-store-prod", "resourceProviderNamespace": "Microsoft.KeyVault", "resourceType": "vaults"}, [], {})
	got := deletion_guard.deny with input as doc("prod", [vault("create", false), l])
	got == {{"urn": vault_urn, "msg": unprotected_msg}}
}

test_deny_prod_vault_lock_on_other_namespace if {
	l := lock({"level": "CanNotDelete", "resourceName": "kv-store-prod", "resourceProviderNamespace": "Microsoft.Storage", "resourceType": "storageAccounts"}, [], {})
	got := deletion_guard.deny with input as doc("prod", [vault("create", false), l])
	got == {{"urn": vault_urn, "msg": unprotected_msg}}
}

# A parentResourcePath puts the lock on a child of another resource, not on the vault.
test_deny_prod_vault_lock_below_another_resource if {
	props := {"level": "CanNotDelete", "resourceName": "kv-store-prod", "resourceProviderNamespace": "Microsoft.KeyVault", "resourceType": "vaults"}
	nested := lock(object.union(props, {"parentResourcePath": "managedHSMs/hsm"}), [], {})
	got := deletion_guard.deny with input as doc("prod", [vault("create", false), nested])
	got == {{"urn": vault_urn, "msg": unprotected_msg}}
	count(deletion_guard.deny) == 0 with input as doc("prod", [vault("create", false), lock(object.union(props, {"parentResourcePath": ""}), [], {})])
}

test_allow_dev_vault_unprotected if {
	count(deletion_guard.deny) == 0 with input as doc("dev", [vault("create", false), secret("same")])
}

test_allow_prod_vault_protected if {
	count(deletion_guard.deny) == 0 with input as doc("prod", [vault("same", true)])
}

test_allow_prod_vault_lock_by_name if {
	l := lock({"level": "CanNotDelete", "resourceName": "KV-STORE-PROD", "resourceProviderNamespace": "Microsoft.KeyVault", "resourceType": "vaults"}, [], {})
	count(deletion_guard.deny) == 0 with input as doc("prod", [vault("create", false), l])
}

test_allow_prod_vault_lock_by_property_dependency if {
	l := lock({"level": "cannotdelete", "resourceProviderNamespace": "Microsoft.KeyVault", "resourceType": "vaults"}, ["resourceName"], {"resourceName": [vault_urn]})
	count(deletion_guard.deny) == 0 with input as doc("prod", [vault("create", false), l])
}

# A dependency on the vault through another property (notes that name it) does not make a
# lock on another vault cover this one.
test_deny_prod_vault_lock_on_other_vault_with_dependency if {
	l := lock({"level": "CanNotDelete", "resourceName": "kv-some-other-vault", "resourceProviderNamespace": "Microsoft.KeyVault", "resourceType": "vaults", "notes": "lock for kv-store-prod"}, [], {"notes": [vault_urn]})
	got := deletion_guard.deny with input as doc("prod", [vault("create", false), l])
	got == {{"urn": vault_urn, "msg": unprotected_msg}}
}

# A known resourceName wins over the dependency it was computed from.
test_deny_prod_vault_lock_naming_other_vault if {
	l := lock({"level": "CanNotDelete", "resourceName": "kv-some-other-vault", "resourceProviderNamespace": "Microsoft.KeyVault", "resourceType": "vaults"}, [], {"resourceName": [vault_urn]})
	got := deletion_guard.deny with input as doc("prod", [vault("create", false), l])
	got == {{"urn": vault_urn, "msg": unprotected_msg}}
}

test_unknown_lock_level_is_unverifiable if {
	l := lock({"resourceName": "kv-store-prod"}, ["level"], {})
	inp := doc("prod", [vault("create", false), l])
	count(deletion_guard.deny) == 0 with input as inp
	deletion_guard.warn == {{
		"urn": vault_urn,
		"msg": "Key Vault 'vault' is covered by Management lock 'vault-lock', whose 'level' has no known value until the update runs.",
		"unknown": "level",
		"on": lock_urn,
	}} with input as inp
}

# A preview without --show-sames leaves unchanged resources out (input.partial), so a lock on a
# vault that the change only updates may be there unseen.
partial_doc(resources) := object.union(doc("prod", resources), {"partial": true})

test_unknown_partial_preview_updated_vault_is_unverifiable if {
	inp := partial_doc([vault("update", false)])
	count(deletion_guard.deny) == 0 with input as inp
	deletion_guard.warn == {{
		"urn": vault_urn,
		"msg": "Key Vault 'vault' is not protected and this preview shows no CanNotDelete lock that covers it; unchanged locks (on the vault, its resource group or the subscription) are listed only by `pulumi preview --json --show-sames` or a stack export.",
		"unknown": "(unchanged resources the preview leaves out)",
	}} with input as inp
}

# A new vault too: an unchanged lock on its resource group or subscription may cover it.
test_unknown_partial_preview_new_vault_is_unverifiable if {
	inp := partial_doc([vault("create", false)])
	count(deletion_guard.deny) == 0 with input as inp
	count(deletion_guard.warn) == 1 with input as inp
}

# Deleting the lock of a vault the preview leaves out: the vault's protection cannot be seen.
test_unknown_partial_preview_deleted_lock_of_unlisted_vault if {
	l := object.union(lock({"level": "CanNotDelete", "resourceName": "kv-store-prod", "resourceProviderNamespace": "Microsoft.KeyVault", "resourceType": "vaults"}, [], {}), {"op": "delete"})
	inp := partial_doc([l])
	count(deletion_guard.deny) == 0 with input as inp
	some w in deletion_guard.warn with input as inp
	w.urn == lock_urn
	contains(w.msg, "is deleted by this change, and the vaults it may cover are not in this preview")
	count(deletion_guard.warn) == 0 with input as doc("prod", [l])
}

# Changing the lock of a vault the preview leaves out (its level, or the vault it names): the
# vault's protection cannot be seen either.
test_unknown_partial_preview_changed_lock_of_unlisted_vault if {
	before := {"level": "CanNotDelete", "resourceName": "kv-store-prod", "resourceProviderNamespace": "Microsoft.KeyVault", "resourceType": "vaults"}
	read_only := object.union(lock(object.union(before, {"level": "ReadOnly"}), [], {}), {"op": "update", "oldProperties": before})
	moved := object.union(lock(object.union(before, {"resourceName": "kv-other"}), [], {}), {"op": "replace", "oldProperties": before})
	renamed := object.union(lock(object.union(before, {"notes": "kept"}), [], {}), {"op": "update", "oldProperties": before})
	every l in [read_only, moved] {
		count(deletion_guard.deny) == 0 with input as partial_doc([l])
		some w in deletion_guard.warn with input as partial_doc([l])
		w.urn == lock_urn
		contains(w.msg, "is changed so that it may no longer cover the vaults it covered")
	}
	count(deletion_guard.warn) == 0 with input as partial_doc([renamed])
}

# A lock an interrupted delete-before-replace already deleted (remove-pending-replace) does
# not protect the vault.
test_deny_prod_vault_lock_pending_replacement if {
	l := object.union(lock({"level": "CanNotDelete", "resourceName": "kv-store-prod", "resourceProviderNamespace": "Microsoft.KeyVault", "resourceType": "vaults"}, [], {}), {"op": "remove-pending-replace"})
	got := deletion_guard.deny with input as doc("prod", [vault("same", false), l])
	got == {{"urn": vault_urn, "msg": unprotected_msg}}
}

# In an export, a vault marked pendingReplacement was deleted by an interrupted update.
test_deny_export_vault_pending_replacement if {
	inp := object.union(doc("dev", [vault("remove-pending-replace", false)]), {"source": "export"})
	got := deletion_guard.deny with input as inp
	got == {{"urn": vault_urn, "msg": "Key Vault 'vault' was deleted by an interrupted update that replaces it (marked pendingReplacement in the state); the next update creates the replacement."}}
}

# The lock's vault is listed: its own result says what deleting the lock does.
test_deny_partial_preview_deleted_lock_of_listed_vault if {
	l := object.union(lock({"level": "CanNotDelete", "resourceName": "kv-store-prod", "resourceProviderNamespace": "Microsoft.KeyVault", "resourceType": "vaults"}, [], {}), {"op": "delete"})
	got := deletion_guard.warn with input as partial_doc([vault("update", false), l])
	every w in got {
		w.urn == vault_urn
	}
}

# A resource-group or by-scope lock whose target cannot be read may be the one that covers it.
test_unknown_secret_group_and_scope_lock_targets_are_unverifiable if {
	g := object.union(other_lock(group_lock_type, {"level": "CanNotDelete"}, [], {}), {"secret": ["resourceGroupName"]})
	inp := doc("prod", [placed, g])
	count(deletion_guard.deny) == 0 with input as inp
	some w in deletion_guard.warn with input as inp
	w.unknown == "resourceGroupName"
	sc := other_lock(scope_lock_type, {"level": "CanNotDelete"}, ["scope"], {})
	count(deletion_guard.deny) == 0 with input as doc("prod", [placed, sc])
}

test_allow_partial_preview_protected_vault if {
	inp := partial_doc([vault("update", true)])
	count(deletion_guard.deny) == 0 with input as inp
	count(deletion_guard.warn) == 0 with input as inp
}

test_unknown_secret_lock_level_is_unverifiable if {
	l := object.union(lock({"resourceName": "kv-store-prod"}, [], {}), {"secret": ["level"]})
	inp := doc("prod", [vault("create", false), l])
	count(deletion_guard.deny) == 0 with input as inp
	deletion_guard.warn == {{
		"urn": vault_urn,
		"msg": "Key Vault 'vault' is covered by Management lock 'vault-lock', whose 'level' is kept as a Pulumi secret, so it cannot be checked.",
		"unknown": "level",
		"on": lock_urn,
	}} with input as inp
}

# A secret resourceName from config (no dependency) may name this vault: not a failure.
test_unknown_secret_lock_target_is_unverifiable if {
	l := object.union(lock({"level": "CanNotDelete", "resourceType": "vaults"}, [], {}), {"secret": ["resourceName"]})
	inp := doc("prod", [vault("create", false), l])
	count(deletion_guard.deny) == 0 with input as inp
	deletion_guard.warn == {{
		"urn": vault_urn,
		"msg": "Key Vault 'vault' cannot be checked: Management lock 'vault-lock' keeps 'resourceName' as a Pulumi secret.",
		"unknown": "resourceName",
		"on": lock_urn,
	}} with input as inp
}

test_allow_secret_lock_target_resolved_through_dependency if {
	l := object.union(lock({"level": "CanNotDelete", "resourceType": "vaults"}, [], {"resourceName": [vault_urn]}), {"secret": ["resourceName"]})
	inp := doc("prod", [vault("create", false), l])
	count(deletion_guard.deny) == 0 with input as inp
	count(deletion_guard.warn) == 0 with input as inp
}

test_deny_prod_vault_lock_on_managed_hsm if {
	l := lock({"level": "CanNotDelete", "resourceName": "kv-store-prod", "resourceProviderNamespace": "Microsoft.KeyVault", "resourceType": "managedHSMs"}, [], {})
	got := deletion_guard.deny with input as doc("prod", [vault("create", false), l])
	got == {{"urn": vault_urn, "msg": unprotected_msg}}
}

vault_id := "/subscriptions/3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61/resourceGroups/rg-secret-store-prod/providers/Microsoft.KeyVault/vaults/kv-store-prod"

# placed is the unprotected prod vault with its resource group and, when created, its id.
placed := object.union(vault("same", false), {"id": vault_id, "properties": {"resourceGroupName": "rg-secret-store-prod"}})

other_lock(type, props, unknown, deps) := object.union(lock(props, unknown, deps), {
	"type": type,
	"urn": concat("", ["urn:pulumi:prod::secret-store::", type, "::other-lock"]),
})

group_lock_type := "azure-native:authorization:ManagementLockAtResourceGroupLevel"

scope_lock_type := "azure-native:authorization:ManagementLockByScope"

rg_urn := "urn:pulumi:prod::secret-store::azure-native:resources:ResourceGroup::rg"

rg := {
	"urn": rg_urn, "type": "azure-native:resources:ResourceGroup", "name": "rg", "op": "same", "custom": true,
	"properties": {"resourceGroupName": "rg-secret-store-prod"}, "unknown": [], "secret": [],
}

test_allow_prod_vault_resource_group_lock if {
	l := other_lock(group_lock_type, {"level": "CanNotDelete", "resourceGroupName": "RG-Secret-Store-Prod"}, [], {})
	count(deletion_guard.deny) == 0 with input as doc("prod", [placed, l])
}

test_deny_prod_vault_lock_on_other_resource_group if {
	l := other_lock(group_lock_type, {"level": "CanNotDelete", "resourceGroupName": "rg-other"}, [], {})
	got := deletion_guard.deny with input as doc("prod", [placed, l])
	got == {{"urn": vault_urn, "msg": unprotected_msg}}
}

# The lock's group is unknown until the update runs but comes from the vault's group.
test_allow_prod_vault_resource_group_lock_through_dependency if {
	l := other_lock(group_lock_type, {"level": "CanNotDelete"}, ["resourceGroupName"], {"resourceGroupName": [rg_urn]})
	count(deletion_guard.deny) == 0 with input as doc("prod", [placed, rg, l])
}

test_allow_prod_vault_subscription_lock if {
	l := other_lock("azure-native:authorization:ManagementLockAtSubscriptionLevel", {"level": "CanNotDelete"}, [], {})
	count(deletion_guard.deny) == 0 with input as doc("prod", [placed, l])
}

test_allow_prod_vault_lock_by_scope_on_vault_and_group if {
	on_vault := other_lock(scope_lock_type, {"level": "CanNotDelete", "scope": vault_id}, [], {})
	count(deletion_guard.deny) == 0 with input as doc("prod", [vault("create", false), on_vault])
	on_group := other_lock(scope_lock_type, {"level": "CanNotDelete", "scope": "/subscriptions/3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61/resourcegroups/rg-secret-store-prod/"}, [], {})
	count(deletion_guard.deny) == 0 with input as doc("prod", [placed, on_group])
}

test_allow_prod_vault_lock_by_unknown_scope_from_vault if {
	l := other_lock(scope_lock_type, {"level": "CanNotDelete"}, ["scope"], {"scope": [vault_urn]})
	count(deletion_guard.deny) == 0 with input as doc("prod", [vault("create", false), l])
}

test_deny_prod_vault_lock_by_scope_on_other_vault if {
	l := other_lock(scope_lock_type, {"level": "CanNotDelete", "scope": replace(vault_id, "kv-store-prod", "kv-other")}, [], {})
	got := deletion_guard.deny with input as doc("prod", [placed, l])
	got == {{"urn": vault_urn, "msg": unprotected_msg}}
}

test_unknown_level_of_group_lock_is_unverifiable if {
	l := other_lock(group_lock_type, {"resourceGroupName": "rg-secret-store-prod"}, ["level"], {})
	inp := doc("prod", [placed, l])
	count(deletion_guard.deny) == 0 with input as inp
	some w in deletion_guard.warn with input as inp
	w.unknown == "level"
	w.on == "urn:pulumi:prod::secret-store::azure-native:authorization:ManagementLockAtResourceGroupLevel::other-lock"
}

# A lock by scope in another subscription does not cover a vault whose id says where it is.
test_deny_prod_vault_lock_by_scope_in_other_subscription if {
	sub_lock := other_lock(scope_lock_type, {"level": "CanNotDelete", "scope": "/subscriptions/00000000-0000-0000-0000-000000000001"}, [], {})
	got := deletion_guard.deny with input as doc("prod", [placed, sub_lock])
	got == {{"urn": vault_urn, "msg": unprotected_msg}}
	group_lock := other_lock(scope_lock_type, {"level": "CanNotDelete", "scope": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-secret-store-prod"}, [], {})
	deletion_guard.deny == {{"urn": vault_urn, "msg": unprotected_msg}} with input as doc("prod", [placed, group_lock])
}

# A vault not created yet has no id: a lock by scope on its group counts by the group's name.
test_allow_new_prod_vault_lock_by_scope_on_its_group if {
	v := object.union(vault("create", false), {"properties": {"resourceGroupName": "rg-secret-store-prod"}})
	l := other_lock(scope_lock_type, {"level": "CanNotDelete", "scope": "/subscriptions/3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61/resourceGroups/rg-secret-store-prod"}, [], {})
	count(deletion_guard.deny) == 0 with input as doc("prod", [v, l])
}
