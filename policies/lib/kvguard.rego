# METADATA
# title: kvguard helper library
# description: |
#   Selectors, finding builders, unknown-value handling and id normalisation shared by every
#   kvguard policy. Plain Rego only, so `opa test` and `opa eval` run the policies unchanged.
# scope: package
package kvguard.lib

# Pulumi type tokens the policies look at.
type_vault := "azure-native:keyvault:Vault"

type_secret := "azure-native:keyvault:Secret"

type_key := "azure-native:keyvault:Key"

type_access_policy := "azure-native:keyvault:AccessPolicy"

type_role_assignment := "azure-native:authorization:RoleAssignment"

type_lock := "azure-native:authorization:ManagementLockAtResourceLevel"

type_diagnostic_setting := "azure-native:insights:DiagnosticSetting"

type_workspace := "azure-native:operationalinsights:Workspace"

type_identity := "azure-native:managedidentity:UserAssignedIdentity"

# Ops whose resource is going away: its settings no longer matter, only the deletion does.
# Besides deletions, the steps that drop a resource from the state (discard, discard-replaced)
# and remove-pending-replace, the stale copy of a resource an interrupted delete-before-replace
# already deleted in Azure (sources give an export's `pendingReplacement` resource this op):
# a lock or audit setting in that state protects nothing.
removal_ops := {"delete", "delete-replaced", "discard", "discard-replaced", "remove-pending-replace"}

# Rules annotated `shared` are the costly values many policies read: kvguard computes each
# once per document before the policies and hands it to every worker that evaluates them
# (opa eval and conftest compute them as any rule, so the annotation changes no result).
#
# by_type groups the checked resources (custom, not being removed) by Pulumi type token, once
# per evaluation, so a policy reads lib.by_type[lib.type_vault] without scanning every resource.
# Built with comprehensions rather than a `x[k] contains v` rule: OPA (v1.22) checks each
# element a multi-value ref-head rule produces against every earlier one (hasCollisions in
# topdown), which is quadratic in the number of elements. An inner comprehension filtered on
# the outer key is indexed by OPA (comprehension indexing), so each group costs one pass.
# The groups, like every collection of resources policies iterate, are arrays: OPA sorts a
# set before iterating it, and sorting resources compares whole objects (a second at 100k
# secrets). No resource is listed twice, so nothing relies on a set's uniqueness.
# METADATA
# custom:
#   shared: true
by_type := {t: rs |
	some t in checked_types
	rs := [r | some r in checked_resources; r.type == t]
}

# METADATA
# custom:
#   shared: true
checked_resources := [r |
	some r in input.resources
	r.custom
	not removal_ops[r.op]
]

checked_types := {r.type | some r in checked_resources}

vaults := object.get(by_type, type_vault, [])

secrets := object.get(by_type, type_secret, [])

keys := object.get(by_type, type_key, [])

access_policies := object.get(by_type, type_access_policy, [])

role_assignments := object.get(by_type, type_role_assignment, [])

locks := object.get(by_type, type_lock, [])

diagnostic_settings := object.get(by_type, type_diagnostic_setting, [])

workspaces := object.get(by_type, type_workspace, [])

identities := object.get(by_type, type_identity, [])

# Human names of the types, for messages.
kind_names := {
	type_vault: "Key Vault",
	type_secret: "Key Vault secret",
	type_key: "Key Vault key",
	type_access_policy: "Key Vault access policy",
	type_role_assignment: "Role assignment",
	type_lock: "Management lock",
	"azure-native:authorization:ManagementLockAtResourceGroupLevel": "Management lock",
	"azure-native:authorization:ManagementLockAtSubscriptionLevel": "Management lock",
	"azure-native:authorization:ManagementLockByScope": "Management lock",
	type_diagnostic_setting: "Diagnostic setting",
	type_workspace: "Log Analytics workspace",
	type_identity: "Managed identity",
}

# label is how a message names a resource: "Key Vault 'kv-prod-01'".
label(r) := sprintf("%s '%s'", [object.get(kind_names, r.type, r.type), r.name])

# urn_name is the resource name at the end of a URN.
urn_name(urn) := segs[count(segs) - 1] if segs := split(urn, "::")

# group_members are the [name, URN] pairs of a group of URNs, sorted, for others_text. A
# policy builds them once per group (not once per member), so a group of thousands of
# duplicates costs each member a few steps instead of a pass over the group.
group_members(urns) := sort([[urn_name(u), u] | some u in urns])

# max_others is how many other members of a group a message names before "and N more".
max_others := 5

# others_text names, quoted, the members of a group other than the resource at urn: the first
# max_others by name, then how many more. Messages stay short however large the group.
others_text(members, urn) := concat("", [concat(", ", quoted), and_more((count(members) - 1) - count(shown))]) if {
	names := [m[0] | some m in array.slice(members, 0, max_others + 1); m[1] != urn]
	shown := array.slice(names, 0, max_others)
	quoted := [sprintf("'%s'", [n]) | some n in shown]
}

and_more(n) := "" if {
	n <= 0
} else := sprintf(" and %d more", [n])

# fail builds a deny or warn entry for a resource.
fail(r, msg) := {"urn": r.urn, "msg": msg}

# unverifiable builds the entry a policy emits (under warn) when a value it needs cannot be
# read (lib.is_unknown): unknown until the update runs, or kept as a Pulumi secret. The engine
# reports it as unverifiable, never as pass or fail.
unverifiable(r, path) := {
	"urn": r.urn,
	"msg": sprintf("%s %s.", [label(r), unreadable_reason(r, path)]),
	"unknown": path,
}

# unreadable_reason says, as the end of a sentence about r, why the value at path cannot be
# read. A secret wins over an unknown: it stays unreadable when the update runs.
unreadable_reason(r, path) := sprintf("has no known value at '%s' until the update runs", [path]) if {
	not is_secret(r, path)
} else := sprintf("keeps '%s' as a Pulumi secret, so its value cannot be checked", [path]) if {
	some s in r.secret
	s == path
} else := sprintf("keeps '%s' as a Pulumi secret, so the value at '%s' cannot be checked", [secret_holder(r, path), path])

# is_unknown holds when the policies cannot read the value at path (relative to properties):
# it, or an object or array holding it, is unknown until the update runs or kept as a Pulumi
# secret. Sources remove both, so a rule asks is_unknown before it judges an absent value:
# a value it needs but cannot read gives an unverifiable result, never a pass or a failure.
# One body per list, spelled out rather than calling helpers: is_unknown runs for every
# resource and path a rule asks about, and each extra body or call costs allocations at 100k
# resources. The allocation-free startswith guard keeps the concat to the rare paths that
# share a prefix; then "path." starting with "u." means path is u or lies below it.
is_unknown(r, path) if {
	some u in r.unknown
	startswith(path, u)
	startswith(concat("", [path, "."]), concat("", [u, "."]))
}

is_unknown(r, path) if {
	some s in r.secret
	startswith(path, s)
	startswith(concat("", [path, "."]), concat("", [s, "."]))
}

# unreadable groups by type the checked resources that have a value the policies may ask for
# and cannot read: an unknown path, or a secret one other than a Key Vault secret's value
# (always a secret, asked for only by SEC-005, which wants it unknown and not secret). For any
# other resource lib.is_unknown never holds, so a rule that reports an unreadable value
# iterates lib.unreadable[type], the few resources a change leaves unknown, rather than every
# resource of the type.
# METADATA
# custom:
#   shared: true
unreadable := {t: rs |
	some t in {r.type | some r in unreadable_resources}
	rs := [r | some r in unreadable_resources; r.type == t]
}

# Only a resource with an unknown or a secret path can qualify; the cheap count comes first.
unreadable_resources := [r |
	some r in checked_resources
	count(r.unknown) + count(r.secret) > 0
	has_unreadable(r)
]

has_unreadable(r) if count(r.unknown) > 0

has_unreadable(r) if {
	some s in r.secret
	[r.type, s] != [type_secret, secret_value_path]
}

# is_secret holds when the value at path, or an object or array holding it, was a Pulumi
# secret (its value was removed).
is_secret(r, path) if {
	some s in r.secret
	startswith(path, s)
	startswith(concat("", [path, "."]), concat("", [s, "."]))
}

# secret_holder is the secret path that hides the value at path: path itself or an ancestor.
secret_holder(r, path) := min({s | some s in r.secret; covers(s, path)})

# covers holds when holder is path or an object or array holding it.
covers(holder, path) if startswith(concat("", [path, "."]), concat("", [holder, "."]))

# secret_value_path is where a Key Vault secret keeps its value. It is always a Pulumi secret
# (SEC-005 fails when it is not) and no other policy reads it, so it is never unreadable.
secret_value_path := "properties.value"

# unreadable_paths are the paths of r whose values the policies cannot read: the unknown ones
# and the secret ones, except a Key Vault secret's value. For policies that look for any
# unreadable path below a property rather than at one path. An array that may repeat a path
# (callers only iterate it); without secrets it is r.unknown itself, so the common case
# allocates nothing.
unreadable_paths(r) := r.unknown if {
	count(r.secret) == 0
} else := array.concat(r.unknown, [s |
	some s in r.secret
	not always_secret(r, s)
])

always_secret(r, path) if {
	r.type == type_secret
	path == secret_value_path
}

# type_noun names the JSON type of a present value for messages: "a string", "an object".
type_noun(v) := type_nouns[type_name(v)]

type_nouns := {
	"string": "a string",
	"number": "a number",
	"boolean": "a boolean",
	"array": "an array",
	"object": "an object",
	"set": "a set",
	"null": "null",
}

# wrong_type builds the message for a value present with the wrong JSON type:
# "Key Vault 'x' sets softDeleteRetentionInDays to a string, not a number of days." ARM rejects
# or coerces such values, so policies fail them rather than guess what Azure makes of them.
wrong_type(r, field, v, wanted) := sprintf("%s sets %s to %s, not %s.", [label(r), field, type_noun(v), wanted])

# setting reads a policy setting the engine put in input.config for the policy id.
setting(id, name) := input.config[id][name]

# now_seconds is input.now in seconds since the epoch; Key Vault keeps expiry dates in seconds.
now_seconds := time.parse_rfc3339_ns(input.now) / 1000000000

# milliseconds_floor: seconds since the epoch stay below 1e11 until the year 5138;
# milliseconds are above it since 1973.
milliseconds_floor := 100000000000

day_seconds := 86400

# date is the UTC day of a time in seconds since the epoch, for messages. time.format takes
# nanoseconds in an int64, which reach only from 1677-09-21 to 2262-04-11; beyond that the
# builtin fails, and in OPA's default (non-strict) mode the rule building the message would
# quietly give nothing, so a date beyond that range is worded instead.
date(seconds) := time.format([round(seconds) * 1000000000, "UTC", "2006-01-02"]) if {
	abs(seconds) <= max_date_seconds
} else := "a date after 2262-04-11" if {
	seconds > 0
} else := "a date before 1677-09-21"

# max_date_seconds is the last whole second int64 nanoseconds can hold (2262-04-11T23:47:16Z).
max_date_seconds := 9223372036

# is_prod holds when the stack's environment profile is production.
is_prod if input.profile == "prod"

guid_pattern := `^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`

# is_guid holds for a GUID string. The unknown sentinel is a GUID too, which is why sources
# remove it before policies run and rules ask is_unknown first.
is_guid(s) if {
	is_string(s)
	regex.match(guid_pattern, s)
}

# role_guid is the trailing GUID of a role definition id, lower case, whatever prefix it has:
# "/providers/Microsoft.Authorization/roleDefinitions/<guid>",
# "/subscriptions/<sub>/providers/.../roleDefinitions/<guid>" or the bare GUID.
role_guid(id) := lower(parts[count(parts) - 1]) if {
	parts := split(trim_right(id, "/"), "/")
}

# scope normalises an ARM scope for comparison: lower case, one leading slash, no trailing one.
scope(s) := concat("", ["/", trim(lower(s), "/")])

# unverifiable_msg builds an unverifiable entry with the policy's own sentence, for a needed
# value that sits on a related resource (a lock's level for a vault) or for one finding that
# names several unknown paths at once (GEN-002).
unverifiable_msg(r, path, msg) := {"urn": r.urn, "msg": msg, "unknown": path}
