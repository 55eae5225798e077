package kvguard.vault.tenant_id_test

import data.kvguard.vault.tenant_id

urn := "urn:pulumi:dev::secret-store::azure-native:keyvault:Vault::vault"

doc(settings, unknown) := {
	"now": "2026-12-03T00:00:00Z",
	"profile": "dev",
	"resources": [{
		"urn": urn,
		"type": "azure-native:keyvault:Vault",
		"name": "vault",
		"op": "create",
		"custom": true,
		"properties": {"vaultName": "kv-store-dev", "properties": settings},
		"unknown": unknown,
		"secret": [],
	}],
}

missing_msg := "Key Vault 'vault' does not set a tenant id."

test_deny_missing if {
	tenant_id.deny == {{"urn": urn, "msg": missing_msg}} with input as doc({"sku": {"family": "A", "name": "standard"}}, [])
}

test_deny_empty if {
	tenant_id.deny == {{"urn": urn, "msg": missing_msg}} with input as doc({"tenantId": ""}, [])
}

test_deny_not_a_guid if {
	got := tenant_id.deny with input as doc({"tenantId": "contoso.onmicrosoft.com"}, [])
	got == {{"urn": urn, "msg": "Key Vault 'vault' has the tenant id 'contoso.onmicrosoft.com', which is not a GUID."}}
}

test_allow_guid if {
	count(tenant_id.deny) == 0 with input as doc({"tenantId": "9C1D2E3F-4A5B-4C6D-8E7F-0A1B2C3D4E5F"}, [])
}

# The source removes the unknown sentinel (itself a valid GUID): missing plus unknown must be
# unverifiable, neither a pass nor a "does not set" failure.
test_unknown_sentinel_removed_is_unverifiable if {
	inp := doc({"sku": {"family": "A", "name": "standard"}}, ["properties.tenantId"])
	count(tenant_id.deny) == 0 with input as inp
	tenant_id.warn == {{
		"urn": urn,
		"msg": "Key Vault 'vault' has no known value at 'properties.tenantId' until the update runs.",
		"unknown": "properties.tenantId",
	}} with input as inp
}

test_unknown_parent_object_is_unverifiable if {
	inp := json.patch(doc({}, ["properties"]), [{"op": "remove", "path": "/resources/0/properties/properties"}])
	count(tenant_id.deny) == 0 with input as inp
	{w.unknown | some w in tenant_id.warn} == {"properties.tenantId"} with input as inp
}

test_deny_not_a_string if {
	got := tenant_id.deny with input as doc({"tenantId": {"id": "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f"}}, [])
	got == {{"urn": urn, "msg": "Key Vault 'vault' sets tenantId to an object, not a GUID string."}}
}

# A "[secret]" tenant id is removed by the source: not "does not set a tenant id".
test_unknown_secret_tenant_is_unverifiable if {
	inp := json.patch(doc({"sku": {"family": "A", "name": "standard"}}, []), [{"op": "replace", "path": "/resources/0/secret", "value": ["properties.tenantId"]}])
	count(tenant_id.deny) == 0 with input as inp
	tenant_id.warn == {{
		"urn": urn,
		"msg": "Key Vault 'vault' keeps 'properties.tenantId' as a Pulumi secret, so its value cannot be checked.",
		"unknown": "properties.tenantId",
	}} with input as inp
}

test_unknown_secret_parent_object_is_unverifiable if {
	inp := json.patch(doc({}, []), [
		{"op": "replace", "path": "/resources/0/secret", "value": ["properties"]},
		{"op": "remove", "path": "/resources/0/properties/properties"},
	])
	count(tenant_id.deny) == 0 with input as inp
	tenant_id.warn == {{
		"urn": urn,
		"msg": "Key Vault 'vault' keeps 'properties' as a Pulumi secret, so the value at 'properties.tenantId' cannot be checked.",
		"unknown": "properties.tenantId",
	}} with input as inp
}
