package kvguard.lib

# Relation resolution and role lookups shared by the rbac and diag policies.
#
# Every lookup here is a complete rule or a partial object built once per evaluation, so a
# policy resolves a reference with one indexed lookup instead of scanning all resources: with
# 100k resources a per-resource scan would make relational checks quadratic.

type_role_definition := "azure-native:authorization:RoleDefinition"

role_definitions := object.get(by_type, type_role_definition, [])

# The built-in role catalogue (policies/roles.json), keyed by lower-case role GUID. Each entry
# carries name, privileged (administers the resource or its access), keyvault_data (grants
# Key Vault data-plane access), read and write.
role_catalogue := data.kvguard.roles

# urns_by_id maps a normalised resource id (lib.scope) to the URNs carrying it. A list, not a
# single value, so a resource listed twice (a replacement) never makes the object conflict;
# a list rather than a set because it is cheaper to build for 100k ids (id_key takes the
# distinct URNs). A comprehension over the distinct keys, not a `x[k] contains v` rule
# (superlinear in OPA); the inner comprehension is indexed on k, so the grouping is one pass.
# METADATA
# custom:
#   shared: true
urns_by_id := {k: us |
	some k in {x | some [x, _] in id_urns}
	us := [u | some [k2, u] in id_urns; k2 == k]
}

# scope(r.id), written out: one call per resource of the stack costs more than the
# normalisation itself.
id_urns := [[concat("", ["/", trim(lower(r.id), "/")]), r.urn] |
	some r in input.resources
	is_string(r.id)
	r.id != ""
]

# dependency_urns is the set of URNs the property at path was computed from.
dependency_urns(r, path) := {u | some u in object.get(r, ["propertyDependencies", path], [])}

# known_string holds when the top-level property is a known, non-empty string. Sources remove
# unknown and secret values, so it never holds for either.
known_string(r, path) if {
	v := r.properties[path]
	is_string(v)
	v != ""
}

# id_key is the canonical key of an ARM id: the URN of the stack resource that has this id
# when there is exactly one; else, for a vault id, the URN of the one vault of that name whose
# id is not known yet (it is being created; vault names are global, and the id is computed
# from the name); else the normalised id itself. So a literal vault id and a reference to the
# vault's unknown id give the same key.
id_key(v) := u if {
	us := {u | some u in object.get(urns_by_id, scope(v), [])}
	count(us) == 1
	some u in us
} else := u if {
	us := object.get(unplaced_vaults_by_name, vault_id_name(scope(v)), set())
	count(us) == 1
	some u in us
} else := scope(v)

# vault_id_name is the lower-case vault name at the end of a normalised vault id.
vault_id_name(s) := parts[8] if {
	regex.match(`^/subscriptions/[^/]+/resourcegroups/[^/]+/providers/microsoft\.keyvault/vaults/[^/]+$`, s)
	parts := split(s, "/")
}

# unplaced_vaults_by_name maps a lower-case vault name to the vaults of that name whose id is
# not known.
unplaced_vaults_by_name := {n: us |
	some n in {x | some [x, _] in unplaced_vault_names}
	us := {u | some [n2, u] in unplaced_vault_names; n2 == n}
}

unplaced_vault_names := [[lower(v.properties.vaultName), v.urn] |
	some v in vaults
	not is_string(object.get(v, "id", null))
	is_string(v.properties.vaultName)
]

# ref_key is the canonical key of what the top-level property at path refers to: the known
# value resolved through resource ids, or, when the value cannot be read (unknown or secret,
# lib.is_unknown), the URNs it depends on. Undefined when the value cannot be read and has no
# recorded dependency (unresolvable).
ref_key(r, path) := id_key(r.properties[path]) if {
	known_string(r, path)
} else := concat(" ", sort(deps)) if {
	is_unknown(r, path)
	deps := dependency_urns(r, path)
	count(deps) > 0
}

# urn_type is the Pulumi type token carried by a URN (the last element of its type chain),
# without an azure-native API version: sources judge "azure-native:resources/v20220901:
# ResourceGroup" as "azure-native:resources:ResourceGroup", and so must a relation through it.
urn_type(urn) := canonical_type(chain[count(chain) - 1]) if {
	parts := split(urn, "::")
	count(parts) >= 4
	chain := split(parts[2], "$")
}

canonical_type(t) := concat(":", [tokens[0], module, tokens[2]]) if {
	tokens := split(t, ":")
	count(tokens) == 3
	tokens[0] == "azure-native"
	[module, version] := split(tokens[1], "/")
	startswith(version, "v")
} else := t

# --- principals ---------------------------------------------------------------------------

identity_urns := {i.urn | some i in identities}

# identities_by_principal maps a lower-case principal (object) id to the managed identities
# that have it as their principalId output.
identities_by_principal := {p: us |
	some p in {x | some [x, _] in principal_urns}
	us := {u | some [p2, u] in principal_urns; p2 == p}
}

principal_urns := [[lower(pid), i.urn] |
	some i in identities
	pid := i.properties.principalId
	is_string(pid)
]

# principal_identities is the set of managed identities of this stack a role assignment's
# principal resolves to: through the principalId value, or through its property dependency on
# an identity, unless both ids are known and differ (a known id that is not the identity's is
# not that identity, whatever it was computed from).
# It is computed from the two values it depends on (identities_for), so OPA works it out
# once per principal rather than once per assignment: a principal holds several assignments.
principal_identities(r) := identities_for(known_principal(r), object.get(r, ["propertyDependencies", "principalId"], []))

# known_principal is the lower-case principalId when it is a known, non-empty string, else null.
known_principal(r) := lower(r.properties.principalId) if {
	known_string(r, "principalId")
} else := null

# identities_for is principal_identities of a known principal id (or null) and the URNs the
# principalId depends on.
identities_for(pid, deps) := by_id | by_dep if {
	by_id := {u |
		pid != null
		some u in object.get(identities_by_principal, pid, set())
	}
	by_dep := {u |
		some u in deps
		identity_urns[u]
		not other_principal(pid, u)
	}
}

other_principal(pid, identity_urn) if {
	pid != null
	pids := principals_by_identity[identity_urn]
	not pids[pid]
}

# principals_by_identity maps an identity's URN to its known principal ids (a set: the two
# halves of a replacement share the URN).
principals_by_identity := {u: pids |
	some u in {x | some [_, x] in principal_urns}
	pids := {p | some [p, u2] in principal_urns; u2 == u}
}

# principal_type is the declared principalType, lower case; undefined when absent, unknown or
# secret.
principal_type(r) := lower(r.properties.principalType) if is_string(r.properties.principalType)

# is_workload holds when an assignment's principal is a workload: a service principal, or a
# managed identity of this stack whatever principalType claims.
is_workload(r) if principal_type(r) == "serviceprincipal"

is_workload(r) if count(principal_identities(r)) > 0

# workloads are the role assignments whose principal is a workload (is_workload), and
# privileged_assignments those granting a privileged built-in role or a custom role with `*`
# actions (by id, or through a dependency on the role definition): built once
# per evaluation, so rules test membership. OPA keeps a function's result only when it is
# defined, so a predicate that does not hold (most principals are not workloads, most roles
# not privileged) was evaluated again in every rule that asked, about ten per assignment.
# METADATA
# custom:
#   shared: true
workloads := {r | some r in role_assignments; is_workload(r)}

# METADATA
# custom:
#   shared: true
privileged_assignments := {r |
	some r in role_assignments
	privileged_role_ids[r.properties.roleDefinitionId]
} | {r |
	some r in role_assignments
	some u in object.get(r, ["propertyDependencies", "roleDefinitionId"], [])
	star_role_urns[u]
}

# privileged_role_ids are the known role ids of this stack's assignments that name a
# privileged built-in role or a custom role with `*` actions: worked out once per distinct id
# (a stack uses a handful), not once per assignment.
privileged_role_ids := {id |
	some id in {r.properties.roleDefinitionId | some r in role_assignments}
	is_string(id)
	id != ""
	privileged_role_id(id)
}

privileged_role_id(id) if role_catalogue[role_guid(id)].privileged

privileged_role_id(id) if star_role_guids[role_guid(id)]

# is_group holds when an assignment's principal is a group and not a workload identity.
is_group(r) if {
	principal_type(r) == "group"
	not is_workload(r)
}

# principal_key canonicalises the assignee: the managed identity's URN when resolvable, else
# the lower-case principal id. Undefined when the principal is unknown and unresolvable.
principal_key(r) := concat(" ", sort(ids)) if {
	ids := principal_identities(r)
	count(ids) > 0
} else := lower(r.properties.principalId) if {
	known_string(r, "principalId")
} else := ref_key(r, "principalId")

# --- roles --------------------------------------------------------------------------------

# has_star_action holds for a role definition whose permissions grant every action.
has_star_action(rd) if {
	some p in rd.properties.permissions
	some a in p.actions
	a == "*"
}

star_role_urns := {rd.urn | some rd in role_definitions; has_star_action(rd)}

# role_definition_guids are the GUIDs a custom role definition of this stack is known by: its
# resource id (known after creation) and its roleDefinitionId input.
role_definition_guids(rd) := {g | is_string(rd.id); g := role_guid(rd.id)} | {g |
	is_string(rd.properties.roleDefinitionId)
	g := role_guid(rd.properties.roleDefinitionId)
}

star_role_guids := {g | some rd in role_definitions; has_star_action(rd); some g in role_definition_guids(rd)}

# custom_role_urns_by_guid maps a custom role GUID to the role definitions of this stack.
custom_role_urns_by_guid := {g: us |
	some g in {x | some [x, _] in guid_urns}
	us := {u | some [g2, u] in guid_urns; g2 == g}
}

guid_urns := [[g, rd.urn] |
	some rd in role_definitions
	some g in role_definition_guids(rd)
]

role_definition_urns := {rd.urn | some rd in role_definitions}

# assigned_role is the catalogue entry of a role assignment's built-in role; undefined for
# custom roles, roles the catalogue does not know, and unknown or secret role ids.
assigned_role(r) := catalogue_roles[r.properties.roleDefinitionId]

# catalogue_roles maps each known role id the stack's assignments use to its catalogue entry:
# worked out once per distinct id (a stack uses a handful), so assigned_role is one lookup.
# METADATA
# custom:
#   shared: true
catalogue_roles := {id: entry |
	some id in {r.properties.roleDefinitionId | some r in role_assignments}
	is_string(id)
	id != ""
	entry := role_catalogue[role_guid(id)]
}

# is_star_role holds when an assignment grants a custom role of this stack with `*` actions,
# referenced by id or through its property dependency.
is_star_role(r) if {
	known_string(r, "roleDefinitionId")
	star_role_guids[role_guid(r.properties.roleDefinitionId)]
}

is_star_role(r) if {
	some u in dependency_urns(r, "roleDefinitionId")
	star_role_urns[u]
}

# role_resolved holds when the assigned role is known: a value, or an unknown or secret value
# that depends on a role definition of this stack.
role_resolved(r) if known_string(r, "roleDefinitionId")

role_resolved(r) if {
	some u in dependency_urns(r, "roleDefinitionId")
	role_definition_urns[u]
}

# role_key canonicalises the assigned role: a custom role of this stack by its URN, a
# built-in or external role by its GUID. Undefined when unknown and unresolvable.
role_key(r) := role_key_for(r.properties.roleDefinitionId) if {
	known_string(r, "roleDefinitionId")
} else := ref_key(r, "roleDefinitionId")

# role_key_for is role_key of a known role id: computed once per role, not per assignment.
role_key_for(id) := concat(" ", sort(urns)) if {
	urns := object.get(custom_role_urns_by_guid, role_guid(id), set())
	count(urns) > 0
} else := role_guid(id)

# role_label names the assigned role for messages.
role_label(r) := sprintf("'%s'", [assigned_role(r).name]) if {
	assigned_role(r)
} else := "a custom role with '*' actions" if {
	is_star_role(r)
} else := "a custom role"

# --- findings about another resource ------------------------------------------------------

# unverifiable_via is lib.unverifiable for a resource whose check depends on a value of
# another resource that cannot be read (unknown until the update runs, or kept as a Pulumi
# secret); path is relative to other.
unverifiable_via(r, other, path) := unverifiable_on(r, other, path, msg) if {
	holder := secret_holder(other, path)
	msg := sprintf("%s cannot be checked: %s keeps '%s' as a Pulumi secret.", [label(r), label(other), holder])
} else := unverifiable_on(
	r, other, path,
	sprintf("%s cannot be checked until the update runs: %s has no known value at '%s'.", [label(r), label(other), path]),
)

# unverifiable_on is unverifiable_msg for a path that belongs to another resource: "on" names
# that resource, so GEN-002 reports the path where it is.
unverifiable_on(r, other, path, msg) := {"urn": r.urn, "msg": msg, "unknown": path, "on": other.urn}

# --- previews that leave resources out ----------------------------------------------------

# fresh_ops create a resource with a new id: anything that refers to it changes with it, so
# it is in the same preview.
fresh_ops := {"create", "replace", "create-replacement"}

# relations_hidden holds for a resource whose related resources may be missing from the
# document: `pulumi preview --json` lists unchanged resources only with --show-sames (the
# source sets input.partial), and a resource this change does not create may be watched,
# locked or granted by one of them.
relations_hidden(r) if {
	input.partial == true
	not fresh_ops[r.op]
}

# change_ops change a resource that stays: rules compare its old state with the new one.
change_ops := {"update", "replace", "create-replacement"}

# old_state is r as it was before the change (oldProperties, which sources keep for updates
# and replacements), for rules that ask what a changed resource covered before. The old
# unreadable paths count as unknown; dependencies are the new state's (the old ones are not
# kept).
old_state(r) := object.union(r, {"properties": r.oldProperties, "unknown": object.get(r, "oldUnreadable", []), "secret": []}) if {
	is_object(r.oldProperties)
}

# hidden_path is the unknown path of a result that waits for resources a partial preview
# leaves out.
hidden_path := "(unchanged resources the preview leaves out)"
