package kvguard.lib_test

import data.kvguard.lib

# res builds a resource with the given unknown and secret paths (their values removed).
res(type, unknown, secret) := {
	"urn": "urn:pulumi:dev::secret-store::azure-native:keyvault:Vault::vault",
	"type": type,
	"name": "vault",
	"op": "create",
	"custom": true,
	"properties": {},
	"unknown": unknown,
	"secret": secret,
}

vault(unknown, secret) := res(lib.type_vault, unknown, secret)

test_unknown_path_and_its_ancestors if {
	lib.is_unknown(vault(["properties.tenantId"], []), "properties.tenantId")
	lib.is_unknown(vault(["properties"], []), "properties.tenantId")
	not lib.is_unknown(vault(["properties.tenant"], []), "properties.tenantId")
	not lib.is_unknown(vault(["properties.tenantId"], []), "properties")
}

# A secret value is as unreadable as an unknown one, ancestors included.
test_unknown_secret_path_and_its_ancestors if {
	lib.is_unknown(vault([], ["properties.tenantId"]), "properties.tenantId")
	lib.is_unknown(vault([], ["properties"]), "properties.tenantId")
	lib.is_secret(vault([], ["properties"]), "properties.tenantId")
	not lib.is_secret(vault(["properties"], []), "properties.tenantId")
	not lib.is_unknown(vault([], ["properties.tenantId"]), "properties.tenantIds")
}

test_unknown_messages_say_why if {
	lib.unverifiable(vault(["properties.tenantId"], []), "properties.tenantId").msg == "Key Vault 'vault' has no known value at 'properties.tenantId' until the update runs."
	lib.unverifiable(vault([], ["properties.tenantId"]), "properties.tenantId").msg == "Key Vault 'vault' keeps 'properties.tenantId' as a Pulumi secret, so its value cannot be checked."
	lib.unverifiable(vault([], ["properties"]), "properties.tenantId").msg == "Key Vault 'vault' keeps 'properties' as a Pulumi secret, so the value at 'properties.tenantId' cannot be checked."
}

test_allow_key_vault_secret_value_is_not_unreadable if {
	lib.unreadable_paths(res(lib.type_secret, ["properties.contentType"], ["properties.value", "properties.attributes"])) == ["properties.contentType", "properties.attributes"]
	lib.unreadable_paths(vault([], ["properties.value"])) == ["properties.value"]
	lib.unreadable_paths(vault(["tags"], [])) == ["tags"]
}

test_deny_wrong_type_message if {
	lib.wrong_type(vault([], []), "softDeleteRetentionInDays", "7", "a number of days") == "Key Vault 'vault' sets softDeleteRetentionInDays to a string, not a number of days."
	lib.type_noun({}) == "an object"
	lib.type_noun([1]) == "an array"
	lib.type_noun(true) == "a boolean"
}

# A relation through a pinned API-version type is judged as the unversioned type.
test_urn_type_drops_the_api_version if {
	lib.urn_type("urn:pulumi:dev::secret-store::azure-native:resources/v20220901:ResourceGroup::rg") == "azure-native:resources:ResourceGroup"
	lib.urn_type("urn:pulumi:dev::secret-store::kvguard:infra:SecretStore$azure-native:keyvault:Vault::v") == "azure-native:keyvault:Vault"
	lib.urn_type("urn:pulumi:dev::secret-store::random:index/randomId:RandomId::r") == "random:index/randomId:RandomId"
}

secret_urn(n) := concat("", ["urn:pulumi:dev::secret-store::azure-native:keyvault:Secret::", n])

test_others_text_leaves_out_the_resource_and_counts_the_rest if {
	two := lib.group_members({secret_urn("b"), secret_urn("a")})
	lib.others_text(two, secret_urn("a")) == "'b'"
	lib.others_text(two, secret_urn("b")) == "'a'"
	seven := lib.group_members({secret_urn(n) | some n in ["g", "f", "e", "d", "c", "b", "a"]})
	lib.others_text(seven, secret_urn("a")) == "'b', 'c', 'd', 'e', 'f' and 1 more"
	lib.others_text(seven, secret_urn("g")) == "'a', 'b', 'c', 'd', 'e' and 1 more"
	six := array.slice(seven, 0, 6)
	lib.others_text(six, secret_urn("c")) == "'a', 'b', 'd', 'e', 'f'"
}

test_date_within_and_beyond_int64_nanoseconds if {
	lib.date(1796256000) == "2026-12-03"
	lib.date(9223372036) == "2262-04-11"
	lib.date(9223372037) == "a date after 2262-04-11"
	lib.date(-9223372036) == "1677-09-21"
	lib.date(-9223372037) == "a date before 1677-09-21"
}
