# METADATA
# title: Key Vaults and managed identities should carry the required tags
# description: |
#   Tags such as `environment` and `owner` tell responders whose a vault or workload identity
#   is and how critical it is. Tag names are compared case-insensitively, as Azure does; a tag
#   with an empty or blank value counts as missing. A tag (or the whole `tags` object) whose
#   value is unknown at preview or kept as a Pulumi secret is unverifiable, not missing.
# related_resources:
#   - https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources
#   - https://learn.microsoft.com/azure/cloud-adoption-framework/ready/azure-best-practices/resource-tagging
# scope: package
# custom:
#   id: GEN-001
#   severity: LOW
#   enforcement: advisory
#   recommended_action: |
#     Add every tag in requiredTags with a non-empty value to the resource's `tags`, for example
#     from the component's common tags.
#   resource_types:
#     - azure-native:keyvault:Vault
#     - azure-native:managedidentity:UserAssignedIdentity
#   config:
#     requiredTags:
#       type: array
#       items:
#         type: string
#       description: Tag names every vault and managed identity must carry.
#       default:
#         - environment
#         - owner
#       prod:
#         - environment
#         - owner
#   references:
#     azure_policy: []
#     mcsb: []
#     checkov: []
#     trivy: []
#     psrule: []
package kvguard.general.required_tags

import data.kvguard.lib

tagged := array.concat(lib.vaults, lib.identities)

# The tagged resources with a value the policies cannot read: only these can hold an unknown
# or secret tag (lib.unreadable).
unreadable_tagged := array.concat(object.get(lib.unreadable, lib.type_vault, []), object.get(lib.unreadable, lib.type_identity, []))

deny contains lib.fail(r, msg) if {
	some r in tagged
	names := missing(r)
	count(names) > 0
	not lib.is_unknown(r, "tags")
	msg := sprintf("%s is missing the required %s %s.", [lib.label(r), noun(names), quoted(names)])
}

warn contains lib.unverifiable(r, "tags") if {
	some r in unreadable_tagged
	lib.is_unknown(r, "tags")
}

warn contains lib.unverifiable(r, u) if {
	some r in unreadable_tagged
	some u in lib.unreadable_paths(r)
	startswith(u, "tags.")
	some name in lib.setting("GEN-001", "requiredTags")
	lower(substring(u, 5, -1)) == lower(name)
}

missing(r) := {name |
	some name in lib.setting("GEN-001", "requiredTags")
	not has_tag(r, name)
	not tag_unknown(r, name)
}

# Tags that are not an object (a list, say) hold no tag: ARM takes a map of names to values.
# Tag names compare case-insensitively, as in Azure; the name as configured, looked up
# directly, is the common case and spares the scan.
has_tag(r, name) if {
	value := r.properties.tags[name]
	is_string(value)
	trim_space(value) != ""
}

has_tag(r, name) if {
	tags := object.get(r.properties, "tags", {})
	is_object(tags)
	some key, value in tags
	lower(key) == lower(name)
	is_string(value)
	trim_space(value) != ""
}

tag_unknown(r, name) if {
	some u in lib.unreadable_paths(r)
	startswith(u, "tags.")
	lower(substring(u, 5, -1)) == lower(name)
}

noun(names) := "tag" if count(names) == 1

noun(names) := "tags" if count(names) > 1

quoted(names) := concat(", ", [sprintf("'%s'", [n]) | some n in sort(names)])
