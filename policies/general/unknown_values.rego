# METADATA
# title: Values the policies need should be known before the update runs
# description: |
#   During a preview some inputs (ids, names and keys of resources not created yet) are unknown.
#   Each policy reports the value it needs as unverifiable; this policy adds one summary per
#   resource naming every unknown path, so a reviewer sees what the preview could not check.
#   The kvguard policy pack checks the same values again during `pulumi up`, when they are known.
# related_resources:
#   - https://www.pulumi.com/docs/iac/concepts/inputs-outputs/
#   - https://www.pulumi.com/docs/iac/using-pulumi/crossguard/
# scope: package
# custom:
#   id: GEN-002
#   severity: LOW
#   enforcement: advisory
#   recommended_action: |
#     Run the update with the kvguard policy pack (`pulumi up --policy-pack`) so these values
#     are checked once known, or pass known values (names, ids from config) where a reviewer
#     needs to see them at preview.
#   resource_types:
#     - azure-native:keyvault:Vault
#     - azure-native:keyvault:Secret
#     - azure-native:keyvault:Key
#     - azure-native:keyvault:AccessPolicy
#     - azure-native:authorization:RoleAssignment
#     - azure-native:authorization:ManagementLockAtResourceLevel
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

warn contains lib.unverifiable_msg(r, concat(", ", paths), msg) if {
	some type, _ in lib.kind_names
	some r in lib.by_type[type]
	paths := sort({p | some p in r.unknown})
	count(paths) > 0
	quoted := concat(", ", [sprintf("'%s'", [p]) | some p in paths])
	msg := sprintf("%s has values unknown at preview (%s), which the kvguard policy pack checks again during `pulumi up`.", [lib.label(r), quoted])
}
