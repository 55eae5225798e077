package kvguard.diag.workspace_retention_test

import data.kvguard.diag.workspace_retention

# workspace builds a Log Analytics workspace with the given properties.
workspace(props, unknown) := {
	"urn": "urn:pulumi:dev::secret-store::azure-native:operationalinsights:Workspace::logs",
	"type": "azure-native:operationalinsights:Workspace",
	"name": "logs",
	"op": "create",
	"custom": true,
	"properties": object.union({"workspaceName": "log-store-dev", "sku": {"name": "PerGB2018"}}, props),
	"unknown": unknown,
	"secret": [],
	"dependencies": [],
	"propertyDependencies": {},
	"protect": false,
}

# doc is the input the engine builds: the effective setting for the profile.
doc(resources, min_days) := {"profile": "dev", "config": {"DIAG-004": {"minRetentionDays": min_days}}, "resources": resources}

denies(resources, min_days) := d if {
	d := workspace_retention.deny with input as doc(resources, min_days)
}

warns(resources, min_days) := w if {
	w := workspace_retention.warn with input as doc(resources, min_days)
}

test_deny_short_retention if {
	d := denies([workspace({"retentionInDays": 30}, [])], 90)
	count(d) == 1
	some f in d
	f.msg == "Log Analytics workspace 'logs' keeps logs for 30 days, fewer than the 90 required."
}

test_deny_prod_minimum if {
	count(denies([workspace({"retentionInDays": 90}, [])], 365)) == 1
}

test_deny_unset_retention if {
	d := denies([workspace({}, [])], 90)
	count(d) == 1
	some f in d
	contains(f.msg, "does not set retentionInDays")
}

test_allow_enough_retention if {
	count(denies([workspace({"retentionInDays": 90}, [])], 90)) == 0
	count(denies([workspace({"retentionInDays": 730}, [])], 365)) == 0
}

test_allow_unset_when_minimum_is_low if {
	count(denies([workspace({}, [])], 30)) == 0
}

test_unknown_retention_is_unverifiable if {
	resources := [workspace({}, ["retentionInDays"])]
	count(denies(resources, 90)) == 0
	w := warns(resources, 90)
	count(w) == 1
	some f in w
	f.unknown == "retentionInDays"
}

test_deny_retention_as_string if {
	denies([workspace({"retentionInDays": "7"}, [])], 90) == {{
		"urn": "urn:pulumi:dev::secret-store::azure-native:operationalinsights:Workspace::logs",
		"msg": "Log Analytics workspace 'logs' sets retentionInDays to a string, not a number of days.",
	}}
}

test_deny_retention_as_string_even_when_minimum_is_low if {
	count(denies([workspace({"retentionInDays": "365"}, [])], 30)) == 1
}

test_unknown_secret_retention_is_unverifiable if {
	resources := [object.union(workspace({}, []), {"secret": ["retentionInDays"]})]
	count(denies(resources, 90)) == 0
	warns(resources, 90) == {{
		"urn": "urn:pulumi:dev::secret-store::azure-native:operationalinsights:Workspace::logs",
		"msg": "Log Analytics workspace 'logs' keeps 'retentionInDays' as a Pulumi secret, so its value cannot be checked.",
		"unknown": "retentionInDays",
	}}
}

test_deny_fractional_retention_message if {
	d := denies([workspace({"retentionInDays": 89.5}, [])], 90)
	d == {{"urn": "urn:pulumi:dev::secret-store::azure-native:operationalinsights:Workspace::logs", "msg": "Log Analytics workspace 'logs' keeps logs for 89.5 days, fewer than the 90 required."}}
}
