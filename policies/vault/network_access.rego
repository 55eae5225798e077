# METADATA
# title: Key Vaults should not be reachable from public networks
# description: |
#   A vault passes when `publicNetworkAccess` is `Disabled` (private endpoints only), or when its
#   firewall denies by default (`networkAcls.defaultAction: Deny`) and lets at most trusted Azure
#   services bypass it. Azure's defaults are `Enabled` and `Allow`, so absent values fail.
#   Values are compared case-insensitively. A firewall that denies by default but allows an
#   IP range wider than a /8 (`0.0.0.0/0`, or `0.0.0.0/1` and `128.0.0.0/1`) is open to the
#   internet all the same and fails too.
# related_resources:
#   - https://learn.microsoft.com/azure/key-vault/general/network-security
#   - https://learn.microsoft.com/azure/key-vault/general/private-link-service
# scope: package
# custom:
#   id: KV-004
#   severity: MEDIUM
#   enforcement: advisory
#   prod_enforcement: mandatory
#   recommended_action: |
#     Set `publicNetworkAccess: Disabled` and reach the vault through a private endpoint, or set
#     `networkAcls: {defaultAction: Deny, bypass: AzureServices}` with only the IP ranges and
#     subnets that need access.
#   resource_types:
#     - azure-native:keyvault:Vault
#   references:
#     azure_policy:
#       - 405c5871-3e91-4644-8a63-58e19d68ff5b
#       - 55615ac9-af46-4a59-874e-391cc3dfb490
#     mcsb:
#       - NS-2
#     checkov:
#       - CKV_AZURE_109
#       - CKV_AZURE_189
#     trivy:
#       - AZU-0013
#     psrule:
#       - Azure.KeyVault.Firewall
package kvguard.vault.network_access

import data.kvguard.lib

public_path := "properties.publicNetworkAccess"

action_path := "properties.networkAcls.defaultAction"

bypass_path := "properties.networkAcls.bypass"

allowed_bypass := {"azureservices", "none"}

public_disabled(r) if {
	v := r.properties.properties.publicNetworkAccess
	is_string(v)
	lower(v) == "disabled"
}

# public_known holds when publicNetworkAccess is known not to be Disabled (absent is Enabled).
public_known(r) if {
	not public_disabled(r)
	not lib.is_unknown(r, public_path)
}

default_action(r) := object.get(r.properties, ["properties", "networkAcls", "defaultAction"], "Allow")

default_denies(r) if {
	not lib.is_unknown(r, action_path)
	a := default_action(r)
	is_string(a)
	lower(a) == "deny"
}

default_allows(r) if {
	not lib.is_unknown(r, action_path)
	not default_denies(r)
}

# bypass is the networkAcls bypass: Azure's default, AzureServices, when absent or null (as
# for the other settings, null takes the default).
bypass(r) := b if {
	b := object.get(r.properties, ["properties", "networkAcls", "bypass"], null)
	b != null
} else := "AzureServices"

bypass_allowed(r) if {
	not lib.is_unknown(r, bypass_path)
	b := bypass(r)
	is_string(b)
	allowed_bypass[lower(b)]
}

firewall_closed(r) if {
	default_denies(r)
	bypass_allowed(r)
}

ip_rules_path := "properties.networkAcls.ipRules"

# widest_prefix is the shortest prefix length an allow-list entry may have: a /8 is already
# 16.7 million addresses, and no office or pipeline needs more.
widest_prefix := 8

# wide_ip_rules are the allow-list entries ("a.b.c.d/n", bare or as {"value": ...}) that open
# more than a /8. An address without a prefix is one host.
# Only a well-formed entry is read for its prefix (to_number needs its digits); the others
# are malformed_ip_rules.
wide_ip_rules(r) := [v |
	some rule in object.get(r.properties, ["properties", "networkAcls", "ipRules"], [])
	v := ip_rule_value(rule)
	regex.match(ipv4_pattern, v)
	parts := split(v, "/")
	count(parts) == 2
	to_number(parts[1]) < widest_prefix
]

ip_rule_value(rule) := rule if is_string(rule)

ip_rule_value(rule) := rule.value if is_string(rule.value)

ip_rules(r) := object.get(r.properties, ["properties", "networkAcls", "ipRules"], [])

# An IPv4 address or CIDR range, the only form Key Vault's ipRules take.
ipv4_pattern := `^([0-9]{1,3}\.){3}[0-9]{1,3}(/[0-9]{1,2})?$`

# malformed_ip_rules are the indexes of readable allow-list entries that are not an IPv4
# address or range: ARM rejects or reinterprets them, so the firewall they leave is not known.
malformed_ip_rules(r) := [i |
	some i, rule in ip_rules(r)
	not unreadable_below(r, sprintf("%s.%d", [ip_rules_path, i]))
	not well_formed_ip_rule(rule)
]

# unreadable_below holds when the value at path, something holding it, or something inside
# it (an entry's value from another resource's output) cannot be read.
unreadable_below(r, path) if lib.is_unknown(r, path)

unreadable_below(r, path) if {
	some u in lib.unreadable_paths(r)
	lib.covers(path, u)
}

well_formed_ip_rule(rule) if regex.match(ipv4_pattern, ip_rule_value(rule))

deny contains lib.fail(r, msg) if {
	some r in lib.vaults
	public_known(r)
	default_allows(r)
	msg := sprintf("%s accepts traffic from public networks.", [lib.label(r)])
}

deny contains lib.fail(r, msg) if {
	some r in lib.vaults
	public_known(r)
	default_denies(r)
	not lib.is_unknown(r, bypass_path)
	not bypass_allowed(r)
	msg := sprintf("%s lets '%v' bypass its firewall, more than trusted Azure services.", [lib.label(r), bypass(r)])
}

deny contains lib.fail(r, msg) if {
	some r in lib.vaults
	public_known(r)
	default_denies(r)
	wide := wide_ip_rules(r)
	count(wide) > 0
	msg := sprintf("%s denies by default but allows %s, which opens it to much of the internet (allow /%d or narrower).", [lib.label(r), concat(", ", wide), widest_prefix])
}

deny contains lib.fail(r, msg) if {
	some r in lib.vaults
	public_known(r)
	default_denies(r)
	not lib.is_unknown(r, ip_rules_path)
	rules := ip_rules(r)
	not is_array(rules)
	msg := lib.wrong_type(r, "networkAcls.ipRules", rules, "a list of IP rules")
}

deny contains lib.fail(r, msg) if {
	some r in lib.vaults
	public_known(r)
	default_denies(r)
	bad := malformed_ip_rules(r)
	count(bad) > 0
	msg := sprintf("%s allows networkAcls.ipRules entries %v that are not IPv4 addresses or ranges.", [lib.label(r), bad])
}

# An allow-list entry that cannot be read may be the whole internet.
warn contains lib.unverifiable(r, u) if {
	some r in lib.vaults
	public_known(r)
	default_denies(r)
	count(wide_ip_rules(r)) == 0
	some u in lib.unreadable_paths(r)
	lib.covers(ip_rules_path, u)
}

warn contains lib.unverifiable(r, public_path) if {
	some r in lib.unreadable[lib.type_vault]
	lib.is_unknown(r, public_path)
	not firewall_closed(r)
}

warn contains lib.unverifiable(r, action_path) if {
	some r in lib.unreadable[lib.type_vault]
	not public_disabled(r)
	lib.is_unknown(r, action_path)
}

# The bypass only matters while the default action is not known to let everything in.
warn contains lib.unverifiable(r, bypass_path) if {
	some r in lib.unreadable[lib.type_vault]
	not public_disabled(r)
	lib.is_unknown(r, bypass_path)
	not default_allows(r)
}
