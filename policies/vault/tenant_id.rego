# METADATA
# title: Key Vaults should name their Microsoft Entra tenant by GUID
# description: |
#   `tenantId` decides which Microsoft Entra tenant authenticates requests to the vault. ARM
#   rejects an empty or malformed value, so a missing or non-GUID value is caught here before
#   the update starts. The unknown sentinel is itself a GUID; sources remove it, so an unknown
#   tenant id is reported as unverifiable, never as a pass. So is a tenant id kept as a Pulumi
#   secret, which the policies cannot read. A value that is not a string fails as the wrong
#   type.
# related_resources:
#   - https://learn.microsoft.com/azure/templates/microsoft.keyvault/vaults
#   - https://learn.microsoft.com/entra/fundamentals/how-to-find-tenant
# scope: package
# custom:
#   id: KV-006
#   severity: MEDIUM
#   enforcement: mandatory
#   recommended_action: |
#     Set `properties.tenantId` to the tenant's GUID, for example from
#     `authorization.GetClientConfig` rather than a hand-typed string.
#   resource_types:
#     - azure-native:keyvault:Vault
#   references:
#     azure_policy: []
#     mcsb: []
#     checkov: []
#     trivy: []
#     psrule: []
package kvguard.vault.tenant_id

import data.kvguard.lib

path := "properties.tenantId"

deny contains lib.fail(r, msg) if {
	some r in lib.vaults
	not has_value(r)
	not lib.is_unknown(r, path)
	msg := sprintf("%s does not set a tenant id.", [lib.label(r)])
}

deny contains lib.fail(r, msg) if {
	some r in lib.vaults
	has_value(r)
	tenant := r.properties.properties.tenantId
	not is_string(tenant)
	msg := lib.wrong_type(r, "tenantId", tenant, "a GUID string")
}

deny contains lib.fail(r, msg) if {
	some r in lib.vaults
	has_value(r)
	tenant := r.properties.properties.tenantId
	is_string(tenant)
	not lib.is_guid(tenant)
	msg := sprintf("%s has the tenant id '%v', which is not a GUID.", [lib.label(r), tenant])
}

warn contains lib.unverifiable(r, path) if {
	some r in lib.unreadable[lib.type_vault]
	lib.is_unknown(r, path)
}

has_value(r) if {
	tenant := r.properties.properties.tenantId
	tenant != null
	tenant != ""
}
