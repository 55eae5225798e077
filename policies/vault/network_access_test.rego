package kvguard.vault.network_access_test

import data.kvguard.vault.network_access

urn := "urn:pulumi:prod::secret-store::azure-native:keyvault:Vault::vault"

doc(settings, unknown) := {
	"now": "2026-12-03T00:00:00Z",
	"profile": "prod",
	"resources": [{
		"urn": urn,
		"type": "azure-native:keyvault:Vault",
		"name": "vault",
		"op": "create",
		"custom": true,
		"properties": {"vaultName": "kv-store-prod", "properties": settings},
		"unknown": unknown,
		"secret": [],
	}],
}

public_msg := "Key Vault 'vault' accepts traffic from public networks."

test_deny_defaults_are_public if {
	got := network_access.deny with input as doc({}, [])
	got == {{"urn": urn, "msg": public_msg}}
}

test_deny_enabled_with_allow_firewall if {
	got := network_access.deny with input as doc(
		{
			"publicNetworkAccess": "Enabled",
			"networkAcls": {"defaultAction": "Allow", "bypass": "AzureServices"},
		},
		[],
	)
	got == {{"urn": urn, "msg": public_msg}}
}

test_deny_unexpected_bypass if {
	got := network_access.deny with input as doc({"networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices, Logging"}}, [])
	got == {{"urn": urn, "msg": "Key Vault 'vault' lets 'AzureServices, Logging' bypass its firewall, more than trusted Azure services."}}
}

test_allow_public_access_disabled if {
	count(network_access.deny) == 0 with input as doc({"publicNetworkAccess": "Disabled"}, [])
}

test_allow_public_access_disabled_any_case if {
	count(network_access.deny) == 0 with input as doc({"publicNetworkAccess": "disabled", "networkAcls": {"defaultAction": "Allow"}}, [])
}

test_allow_firewall_deny_with_azure_services if {
	inp := doc({"publicNetworkAccess": "Enabled", "networkAcls": {"defaultAction": "deny", "bypass": "azureservices"}}, [])
	count(network_access.deny) == 0 with input as inp
	count(network_access.warn) == 0 with input as inp
}

test_allow_firewall_deny_without_bypass_value if {
	count(network_access.deny) == 0 with input as doc({"networkAcls": {"defaultAction": "Deny"}}, [])
}

# null takes Azure's default (AzureServices), as an absent bypass does.
test_allow_firewall_deny_with_null_bypass if {
	count(network_access.deny) == 0 with input as doc({"networkAcls": {"defaultAction": "Deny", "bypass": null}}, [])
}

test_unknown_public_access_with_open_firewall_is_unverifiable if {
	inp := doc({"networkAcls": {"defaultAction": "Allow"}}, ["properties.publicNetworkAccess"])
	count(network_access.deny) == 0 with input as inp
	network_access.warn == {{
		"urn": urn,
		"msg": "Key Vault 'vault' has no known value at 'properties.publicNetworkAccess' until the update runs.",
		"unknown": "properties.publicNetworkAccess",
	}} with input as inp
}

test_allow_unknown_public_access_with_closed_firewall if {
	inp := doc({"networkAcls": {"defaultAction": "Deny", "bypass": "None"}}, ["properties.publicNetworkAccess"])
	count(network_access.deny) == 0 with input as inp
	count(network_access.warn) == 0 with input as inp
}

test_unknown_network_acls_is_unverifiable if {
	inp := doc({"publicNetworkAccess": "Enabled"}, ["properties.networkAcls"])
	count(network_access.deny) == 0 with input as inp
	{w.unknown | some w in network_access.warn} == {"properties.networkAcls.defaultAction", "properties.networkAcls.bypass"} with input as inp
}

test_unknown_secret_public_access_with_open_firewall_is_unverifiable if {
	inp := json.patch(doc({"networkAcls": {"defaultAction": "Allow"}}, []), [{"op": "replace", "path": "/resources/0/secret", "value": ["properties.publicNetworkAccess"]}])
	count(network_access.deny) == 0 with input as inp
	network_access.warn == {{
		"urn": urn,
		"msg": "Key Vault 'vault' keeps 'properties.publicNetworkAccess' as a Pulumi secret, so its value cannot be checked.",
		"unknown": "properties.publicNetworkAccess",
	}} with input as inp
}

wide_msg(ranges) := sprintf("Key Vault 'vault' denies by default but allows %s, which opens it to much of the internet (allow /8 or narrower).", [ranges])

test_deny_allow_list_of_the_whole_internet if {
	got := network_access.deny with input as doc({"networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "0.0.0.0/0"}]}}, [])
	got == {{"urn": urn, "msg": wide_msg("0.0.0.0/0")}}
}

test_deny_allow_list_split_in_halves if {
	got := network_access.deny with input as doc({"networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "0.0.0.0/1"}, {"value": "128.0.0.0/1"}]}}, [])
	got == {{"urn": urn, "msg": wide_msg("0.0.0.0/1, 128.0.0.0/1")}}
}

test_allow_narrow_allow_list if {
	inp := doc({"networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "203.0.113.0/24"}, {"value": "198.51.100.7"}, {"value": "10.0.0.0/8"}]}}, [])
	count(network_access.deny) == 0 with input as inp
	count(network_access.warn) == 0 with input as inp
}

test_allow_wide_allow_list_when_public_access_disabled if {
	count(network_access.deny) == 0 with input as doc({"publicNetworkAccess": "Disabled", "networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "0.0.0.0/0"}]}}, [])
}

test_unknown_allow_list_entry_is_not_judged if {
	# Sources remove an unknown entry (it stays as null so indexes line up); the rest is judged.
	inp := doc({"networkAcls": {"defaultAction": "Deny", "ipRules": [null, {"value": "0.0.0.0/0"}]}}, ["properties.networkAcls.ipRules.0"])
	network_access.deny == {{"urn": urn, "msg": wide_msg("0.0.0.0/0")}} with input as inp
}

test_unknown_allow_list_entry_is_unverifiable if {
	inp := doc({"networkAcls": {"defaultAction": "Deny", "ipRules": [null, {"value": "203.0.113.0/24"}]}}, ["properties.networkAcls.ipRules.0"])
	count(network_access.deny) == 0 with input as inp
	got := network_access.warn with input as inp
	[w.unknown | some w in got] == ["properties.networkAcls.ipRules.0"]
}

test_unknown_allow_list_is_unverifiable if {
	inp := doc({"networkAcls": {"defaultAction": "Deny"}}, ["properties.networkAcls.ipRules"])
	got := network_access.warn with input as inp
	[w.unknown | some w in got] == ["properties.networkAcls.ipRules"]
}

test_deny_allow_list_that_is_not_a_list if {
	got := network_access.deny with input as doc({"networkAcls": {"defaultAction": "Deny", "ipRules": "0.0.0.0/0"}}, [])
	got == {{"urn": urn, "msg": "Key Vault 'vault' sets networkAcls.ipRules to a string, not a list of IP rules."}}
}

test_deny_allow_list_entries_that_are_not_addresses if {
	rules := [{"value": "*"}, {"value": 0}, {"value": ["0.0.0.0/0"]}, "Any", {"value": "203.0.113.0/24"}]
	got := network_access.deny with input as doc({"networkAcls": {"defaultAction": "Deny", "ipRules": rules}}, [])
	got == {{"urn": urn, "msg": "Key Vault 'vault' allows networkAcls.ipRules entries [0, 1, 2, 3] that are not IPv4 addresses or ranges."}}
}

test_unknown_allow_list_value_is_unverifiable_not_malformed if {
	# Pulumi prints this when the address comes from another resource's output.
	inp := doc({"networkAcls": {"defaultAction": "Deny", "ipRules": [{}]}}, ["properties.networkAcls.ipRules.0.value"])
	count(network_access.deny) == 0 with input as inp
	got := network_access.warn with input as inp
	[w.unknown | some w in got] == ["properties.networkAcls.ipRules.0.value"]
}

# An entry with spaces or a dotted mask is malformed, not a prefix to read: it fails as such
# (the tests raise builtin errors, so reading its prefix as a number would fail the test).
test_deny_allow_list_entry_with_spaces_or_a_mask_is_malformed if {
	got := network_access.deny with input as doc({"networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": " 0.0.0.0/0 "}, "0.0.0.0/0.0.0.0"]}}, [])
	got == {{"urn": urn, "msg": "Key Vault 'vault' allows networkAcls.ipRules entries [0, 1] that are not IPv4 addresses or ranges."}}
}
