# METADATA
# title: Diagnostic settings should not send a category twice to one destination
# description: |
#   No two diagnostic settings on one resource send the same log category, category group or
#   metric to the same workspace, storage account or event hub. Azure rejects the second
#   setting, and where it does not the events are stored and billed twice. Resources and
#   destinations are compared by id (case-insensitively) or, while unknown, by property
#   dependency; categories case-insensitively; only enabled entries count. On a Key Vault a
#   category group stands for the categories it holds (audit: AuditEvent; allLogs: AuditEvent
#   and AzurePolicyEvaluationDetails), so a group in one setting and one of its categories in
#   another collide.
# scope: package
# related_resources:
#   - ref: https://learn.microsoft.com/azure/azure-monitor/essentials/diagnostic-settings#destination-limitations
#     description: Diagnostic settings destination limitations
# custom:
#   id: DIAG-005
#   severity: MEDIUM
#   enforcement: mandatory
#   relational: true
#   recommended_action: |
#     Keep one diagnostic setting per resource and destination, or give each setting a
#     different set of categories.
#   resource_types:
#     - azure-native:insights:DiagnosticSetting
#   references:
#     azure_policy: []
#     mcsb:
#       - LT-3
#     checkov: []
#     trivy: []
#     psrule: []
package kvguard.diag.duplicate_destinations

import data.kvguard.lib

destination_fields := ["workspaceId", "storageAccountId", "eventHubAuthorizationRuleId"]

# streams are the [key, text] pairs of what a setting sends: enabled log categories, log
# category groups and metric categories. For a vault, whose category groups are known, a group
# stands for the categories it holds, so `allLogs` in one setting and `AuditEvent` in another
# send the same category; for other resources a group is a stream of its own. A setting whose
# target cannot be read or resolved may watch a vault or not, so it offers both.
streams(s) := {[concat(":", [kind, lower(name)]), sprintf("%s '%s'", [text, name])] |
	some [list, field, kind, text] in entry_kinds
	some e in object.get(s.properties, list, [])
	e.enabled == true
	name := e[field]
	is_string(name)
	not replaced_by_categories(s, kind, name)
} | {[concat(":", ["category", lower(category)]), sprintf("category '%s' (in category group '%s')", [category, name])] |
	expands_groups(s)
	some e in object.get(s.properties, "logs", [])
	e.enabled == true
	name := e.categoryGroup
	is_string(name)
	some category in vault_category_groups[lower(name)]
}

# The log categories in each category group of a Key Vault (Azure Monitor's supported logs
# for Microsoft.KeyVault/vaults).
vault_category_groups := {
	"audit": ["AuditEvent"],
	"alllogs": ["AuditEvent", "AzurePolicyEvaluationDetails"],
}

replaced_by_categories(s, kind, name) if {
	kind == "group"
	vault_category_groups[lower(name)]
	on_vault(s)
}

expands_groups(s) if on_vault(s)

expands_groups(s) if unresolvable(s, "resourceUri")

# on_vault holds for a setting whose resourceUri is a vault id, or, unknown, is computed from
# a vault of this stack.
on_vault(s) if {
	lib.known_string(s, "resourceUri")
	regex.match(`/providers/microsoft\.keyvault/vaults/[^/]+$`, lib.scope(s.properties.resourceUri))
}

on_vault(s) if {
	lib.is_unknown(s, "resourceUri")
	some u in lib.dependency_urns(s, "resourceUri")
	lib.urn_type(u) == lib.type_vault
}

# [list, field, key prefix, wording] per kind of stream.
entry_kinds := [
	["logs", "category", "category", "category"],
	["logs", "categoryGroup", "group", "category group"],
	["metrics", "category", "metric", "metric"],
]

# destinations are the canonical keys of where a setting sends, prefixed by field.
destinations(s) := {concat(" ", [f, k]) |
	some f in destination_fields
	k := lib.ref_key(s, f)
}

unresolvable(s, path) if {
	lib.is_unknown(s, path)
	count(lib.dependency_urns(s, path)) == 0
}

# Settings grouped by (resource, destination, stream) and, for unresolvable parts, by the
# other two: built once, so duplicates are found in linear time.
# The groups are comprehensions, not `x[key] contains urn` rules, which OPA builds in
# superlinear time. The outer loop runs over the distinct keys and the inner comprehension,
# filtered on the outer key, is indexed by OPA, so each grouping is one pass.
sender_groups := {key: urns |
	some key in {x | some [x, _] in sender_keys}
	urns := {u | some [k2, u] in sender_keys; k2 == key}
}

# duplicate_senders are the sorted members of each group of duplicate senders, for messages.
duplicate_senders := {key: lib.group_members(urns) | some key, urns in sender_groups; count(urns) > 1}

destination_groups := {key: urns |
	some key in {x | some [x, _] in destination_keys}
	urns := {u | some [k2, u] in destination_keys; k2 == key}
}

target_groups := {key: urns |
	some key in {x | some [x, _] in target_keys}
	urns := {u | some [k2, u] in target_keys; k2 == key}
}

sender_keys := [[[t, d, k], s.urn] |
	some s in lib.diagnostic_settings
	t := lib.ref_key(s, "resourceUri")
	some d in destinations(s)
	some [k, _] in streams(s)
]

destination_keys := [[[d, k], s.urn] |
	some s in lib.diagnostic_settings
	some d in destinations(s)
	some [k, _] in streams(s)
]

target_keys := [[[t, k], s.urn] |
	some s in lib.diagnostic_settings
	t := lib.ref_key(s, "resourceUri")
	some [k, _] in streams(s)
]

# pair_groups groups the settings by target and destination, whatever they send.
pair_groups := {key: urns |
	some key in {x | some [x, _] in pair_keys}
	urns := {u | some [k2, u] in pair_keys; k2 == key}
}

pair_keys := [[[t, d], s.urn] |
	some s in lib.diagnostic_settings
	t := lib.ref_key(s, "resourceUri")
	some d in destinations(s)
]

deny contains lib.fail(s, msg) if {
	some s in lib.diagnostic_settings
	t := lib.ref_key(s, "resourceUri")
	some d in destinations(s)
	some [k, text] in streams(s)
	members := duplicate_senders[[t, d, k]]
	msg := sprintf("%s sends %s to the same destination as %s for the same resource.", [lib.label(s), text, lib.others_text(members, s.urn)])
}

warn contains lib.unverifiable(s, "resourceUri") if {
	some s in lib.diagnostic_settings
	unresolvable(s, "resourceUri")
	some d in destinations(s)
	some [k, _] in streams(s)
	count(destination_groups[[d, k]]) > 1
}

warn contains lib.unverifiable(s, f) if {
	some s in lib.diagnostic_settings
	some f in destination_fields
	unresolvable(s, f)
	t := lib.ref_key(s, "resourceUri")
	some [k, _] in streams(s)
	count(target_groups[[t, k]]) > 1
}

# A stream list, or an entry of one, that cannot be read may send what another setting for the
# same resource and destination already sends.
warn contains lib.unverifiable(s, u) if {
	some s in lib.diagnostic_settings
	some u in lib.unreadable_paths(s)
	some list in ["logs", "metrics"]
	lib.covers(list, u)
	t := lib.ref_key(s, "resourceUri")
	some d in destinations(s)
	count(pair_groups[[t, d]]) > 1
}
