package kvguard.general.unknown_values_test

import data.kvguard.general.unknown_values

setting_urn := "urn:pulumi:dev::secret-store::azure-native:insights:DiagnosticSetting::vault-audit"

resource(urn, type, name, unknown) := {
	"urn": urn,
	"type": type,
	"name": name,
	"op": "create",
	"custom": true,
	"properties": {"name": name},
	"unknown": unknown,
	"secret": [],
}

doc(resources) := {"now": "2026-12-03T00:00:00Z", "profile": "dev", "resources": resources}

diag(unknown) := resource(setting_urn, "azure-native:insights:DiagnosticSetting", "vault-audit", unknown)

# GEN-002's failure case is a warn (unverifiable): it never blocks, so it has no deny rule.
test_deny_unknown_paths_reported_sorted if {
	got := unknown_values.warn with input as doc([diag(["workspaceId", "resourceUri"])])
	got == {{
		"urn": setting_urn,
		"msg": "Diagnostic setting 'vault-audit' has values unknown at preview ('resourceUri', 'workspaceId'), which the kvguard policy pack checks again during `pulumi up`.",
		"unknown": "resourceUri, workspaceId",
	}}
}

test_unknown_single_path_is_unverifiable if {
	got := unknown_values.warn with input as doc([diag(["workspaceId"])])
	{w.unknown | some w in got} == {"workspaceId"}
}

test_allow_all_known if {
	count(unknown_values.warn) == 0 with input as doc([diag([])])
}

test_allow_unchecked_types_and_removals if {
	rg := resource("urn:pulumi:dev::secret-store::azure-native:resources:ResourceGroup::rg", "azure-native:resources:ResourceGroup", "rg", ["id"])
	gone := object.union(diag(["workspaceId"]), {"op": "delete"})
	count(unknown_values.warn) == 0 with input as doc([rg, gone])
}

test_allow_null_unknown_list if {
	count(unknown_values.warn) == 0 with input as doc([object.union(diag([]), {"unknown": null})])
}
