package kvguard.general.required_tags_test

import data.kvguard.general.required_tags

vault_urn := "urn:pulumi:dev::secret-store::azure-native:keyvault:Vault::vault"

identity_urn := "urn:pulumi:dev::secret-store::azure-native:managedidentity:UserAssignedIdentity::app"

resource(urn, type, name, props, unknown) := {
	"urn": urn,
	"type": type,
	"name": name,
	"op": "create",
	"custom": true,
	"properties": props,
	"unknown": unknown,
	"secret": [],
}

vault(tags, unknown) := resource(vault_urn, "azure-native:keyvault:Vault", "vault", {"vaultName": "kv-store-dev", "tags": tags}, unknown)

identity(props, unknown) := resource(identity_urn, "azure-native:managedidentity:UserAssignedIdentity", "app", props, unknown)

doc(resources) := {
	"now": "2026-12-03T00:00:00Z",
	"profile": "dev",
	"config": {"GEN-001": {"requiredTags": ["environment", "owner"]}},
	"resources": resources,
}

test_deny_identity_without_tags if {
	got := required_tags.deny with input as doc([identity({"resourceName": "id-app-dev"}, [])])
	got == {{"urn": identity_urn, "msg": "Managed identity 'app' is missing the required tags 'environment', 'owner'."}}
}

test_deny_vault_blank_owner if {
	got := required_tags.deny with input as doc([vault({"environment": "dev", "owner": " "}, [])])
	got == {{"urn": vault_urn, "msg": "Key Vault 'vault' is missing the required tag 'owner'."}}
}

test_deny_configured_tag if {
	got := required_tags.deny with input as doc([vault({"environment": "dev", "owner": "platform"}, [])])
		with input.config as {"GEN-001": {"requiredTags": ["environment", "owner", "costCenter"]}}
	got == {{"urn": vault_urn, "msg": "Key Vault 'vault' is missing the required tag 'costCenter'."}}
}

test_allow_tags_present if {
	count(required_tags.deny) == 0 with input as doc([vault({"environment": "dev", "owner": "platform-team"}, [])])
}

test_allow_tag_names_any_case if {
	count(required_tags.deny) == 0 with input as doc([vault({"Environment": "dev", "OWNER": "platform-team"}, [])])
}

test_allow_other_types_ignored if {
	rg := resource("urn:pulumi:dev::secret-store::azure-native:resources:ResourceGroup::rg", "azure-native:resources:ResourceGroup", "rg", {}, [])
	count(required_tags.deny) == 0 with input as doc([rg])
}

test_unknown_tags_object_is_unverifiable if {
	inp := doc([vault({}, ["tags"])])
	count(required_tags.deny) == 0 with input as inp
	required_tags.warn == {{
		"urn": vault_urn,
		"msg": "Key Vault 'vault' has no known value at 'tags' until the update runs.",
		"unknown": "tags",
	}} with input as inp
}

test_unknown_tag_value_is_unverifiable if {
	inp := doc([vault({"environment": "dev"}, ["tags.owner"])])
	count(required_tags.deny) == 0 with input as inp
	{w.unknown | some w in required_tags.warn} == {"tags.owner"} with input as inp
}

# secret_vault is vault with the given paths kept as Pulumi secrets (removed, like the sources do).
secret_vault(tags, secret) := object.union(vault(tags, []), {"secret": secret})

# A "[secret]" owner tag is removed by the source: it is not missing.
test_unknown_secret_tag_value_is_unverifiable if {
	inp := doc([secret_vault({"environment": "dev"}, ["tags.owner"])])
	count(required_tags.deny) == 0 with input as inp
	required_tags.warn == {{
		"urn": vault_urn,
		"msg": "Key Vault 'vault' keeps 'tags.owner' as a Pulumi secret, so its value cannot be checked.",
		"unknown": "tags.owner",
	}} with input as inp
}

test_unknown_secret_tags_object_is_unverifiable if {
	inp := doc([object.union(resource(vault_urn, "azure-native:keyvault:Vault", "vault", {"vaultName": "kv-store-dev"}, []), {"secret": ["tags"]})])
	count(required_tags.deny) == 0 with input as inp
	{w.unknown | some w in required_tags.warn} == {"tags"} with input as inp
}

test_deny_other_tag_missing_next_to_a_secret_one if {
	got := required_tags.deny with input as doc([secret_vault({}, ["tags.owner"])])
	got == {{"urn": vault_urn, "msg": "Key Vault 'vault' is missing the required tag 'environment'."}}
}

# ARM takes tags as a map of names to values: a list holds no tag.
test_deny_tags_given_as_a_list if {
	got := required_tags.deny with input as doc([vault(["owner", 1], [])])
	count(got) == 1
	some f in got
	f.urn == vault_urn
}
