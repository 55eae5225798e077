# METADATA
# title: Values the policies need should be readable, known before the update and not secret
# description: |
#   During a preview some inputs (ids, names and keys of resources not created yet) are unknown,
#   and any value kept as a Pulumi secret is removed before the policies run. Each policy
#   reports a value it needs but cannot read as unverifiable; this policy adds one summary per
#   resource naming every such path, so a reviewer sees what could not be checked. Values no
#   policy reads (a Key Vault secret's value, which is always a secret), and relations resolved
#   through Pulumi's propertyDependencies, are not reported.
#   The kvguard policy pack checks unknown values again during `pulumi up`, when they are known;
#   a secret value stays unreadable, so it is never checked.
# related_resources:
#   - https://www.pulumi.com/docs/iac/concepts/inputs-outputs/
#   - https://www.pulumi.com/docs/iac/using-pulumi/crossguard/
# scope: package
# custom:
#   id: GEN-002
#   severity: LOW
#   enforcement: advisory
#   recommended_action: |
#     Run the update with the kvguard policy pack (`pulumi up --policy-pack`) so unknown values
#     are checked once known, or pass known values (names, ids from config) where a reviewer
#     needs to see them at preview. Keep only secret material (a Key Vault secret's value) as a
#     Pulumi secret: do not mark settings the policies read (tenant id, flags, names, tags,
#     role ids) secret with `pulumi.ToSecret`, secret config or `additionalSecretOutputs`.
#   resource_types:
#     - azure-native:keyvault:Vault
#     - azure-native:keyvault:Secret
#     - azure-native:keyvault:Key
#     - azure-native:keyvault:AccessPolicy
#     - azure-native:authorization:RoleAssignment
#     - azure-native:authorization:ManagementLockAtResourceLevel
#     - azure-native:authorization:ManagementLockAtResourceGroupLevel
#     - azure-native:authorization:ManagementLockAtSubscriptionLevel
#     - azure-native:authorization:ManagementLockByScope
#     - azure-native:insights:DiagnosticSetting
#     - azure-native:operationalinsights:Workspace
#     - azure-native:managedidentity:UserAssignedIdentity
#   references:
#     azure_policy: []
#     mcsb: []
#     checkov: []
#     trivy: []
#     psrule: []
package kvguard.general.unknown_values

import data.kvguard.lib

# The areas whose policies report unverifiable results. Named one by one rather than as
# data.kvguard[_]: this package lives under data.kvguard too, and a rule may not depend on
# itself.
needed := [e |
	some e in array.concat(
		array.concat(
			[w | some w in data.kvguard.vault[_].warn],
			[w | some w in data.kvguard.secret[_].warn],
		),
		array.concat(
			array.concat(
				[w | some w in data.kvguard.rbac[_].warn],
				[w | some w in data.kvguard.diag[_].warn],
			),
			[w | some w in data.kvguard.general.required_tags.warn],
		),
	)
	is_string(e.unknown)
	e.unknown != lib.hidden_path
]

# Paths another policy needed but could not read, grouped by resource URN. An unknown value
# no policy reads (a resource group name, say) is not a finding: the preview lost nothing.
# An entry about a value of another resource ("on", from lib.unverifiable_on) counts there.
# Results waiting for resources a partial preview leaves out name no value, so they do not count.
needed_paths := {u: paths |
	some u in {holder(e) | some e in needed}
	paths := {p | some e in needed; holder(e) == u; some p in split(e.unknown, ", ")}
}

holder(e) := object.get(e, "on", e.urn)

warn contains lib.unverifiable_msg(r, concat(", ", paths), summary(r, paths)) if {
	some type, _ in lib.kind_names
	some r in lib.by_type[type]
	paths := sort(needed_paths[r.urn])
}

# summary words the finding by why the values cannot be read: the policy pack checks unknown
# values again during `pulumi up`, but a Pulumi secret stays unreadable.
summary(r, paths) := msg if {
	secret := [p | some p in paths; lib.is_secret(r, p)]
	count(secret) == 0
	msg := sprintf("%s has values the policies need unknown at preview (%s); the kvguard policy pack checks them again during `pulumi up`.", [lib.label(r), quoted(paths)])
} else := msg if {
	every p in paths {
		lib.is_secret(r, p)
	}
	msg := sprintf("%s has values the policies need but cannot read (%s): they are kept as Pulumi secrets.", [lib.label(r), quoted(paths)])
} else := sprintf("%s has values the policies need but cannot read (%s): unknown until the update runs, or kept as Pulumi secrets.", [lib.label(r), quoted(paths)])

quoted(paths) := concat(", ", [sprintf("'%s'", [p]) | some p in paths])
