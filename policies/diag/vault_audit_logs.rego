# METADATA
# title: Every Key Vault should send its audit logs to a log destination
# description: |
#   Every vault has a diagnostic setting that sends audit logs (category `AuditEvent`, or
#   category group `audit` or `allLogs`, enabled) to a Log Analytics workspace, storage
#   account or event hub. The setting is matched to the vault by its resourceUri (against the
#   vault's id or name, case-insensitively) or, while that is unknown, by its property
#   dependency; a known resourceUri also follows its dependency on a vault that neither a known
#   id nor a readable name identifies (the policy pack gets no ids).
#   When no setting is found but one whose target or logs are unknown could be it, the result
#   is unverifiable rather than a failure. So it is for a vault that a `pulumi preview --json`
#   without `--show-sames` only updates: that preview leaves unchanged settings out; and a
#   setting such a preview deletes, whose vault it leaves out, is unverifiable too. Values
#   kept as Pulumi secrets count like unknown ones. An audit entry whose `enabled` is not a
#   boolean (the string `"true"`, say) does not count as sending, and the vault's failure
#   names the wrong type.
# scope: package
# related_resources:
#   - ref: https://learn.microsoft.com/azure/key-vault/general/logging
#     description: Azure Key Vault logging
# custom:
#   id: DIAG-001
#   severity: HIGH
#   enforcement: mandatory
#   relational: true
#   recommended_action: |
#     Add an insights:DiagnosticSetting with resourceUri set to the vault's id, a logs entry
#     `{categoryGroup: audit, enabled: true}` (or `allLogs`) and a workspaceId.
#   resource_types:
#     - azure-native:keyvault:Vault
#   references:
#     azure_policy:
#       - cf820ca0-f99e-4f3e-84fb-66e913812d21
#     mcsb:
#       - LT-3
#     checkov: []
#     trivy: []
#     psrule:
#       - Azure.KeyVault.Logs
package kvguard.diag.vault_audit_logs

import data.kvguard.lib

audit_groups := {"audit", "alllogs"}

destination_fields := ["workspaceId", "storageAccountId", "eventHubAuthorizationRuleId"]

# Unknown or secret paths that may hide an audit log entry.
log_unknown := `^logs(\.[0-9]+(\.(category|categoryGroup|enabled))?)?$`

vault_id_pattern := `/providers/microsoft\.keyvault/vaults/([^/]+)$`

is_audit_entry(log) if {
	is_string(log.category)
	lower(log.category) == "auditevent"
}

is_audit_entry(log) if {
	is_string(log.categoryGroup)
	audit_groups[lower(log.categoryGroup)]
}

sends_audit(s) if {
	some log in s.properties.logs
	is_audit_entry(log)
	log.enabled == true
}

# A destination that is set but unknown at preview still receives the logs.
has_destination(s) if {
	some f in destination_fields
	lib.known_string(s, f)
}

has_destination(s) if {
	some f in destination_fields
	lib.is_unknown(s, f)
}

# audit_unknown_paths are the paths that cannot be read (unknown or secret) and keep us from
# telling whether s sends audit logs.
audit_unknown_paths(s) := {u | some u in lib.unreadable_paths(s); regex.match(log_unknown, u)}

may_send_audit(s) if {
	not sends_audit(s)
	count(audit_unknown_paths(s)) > 0
}

# target_keys are the keys of the resource a setting watches: the canonical key of a known
# resourceUri (and the vault name it ends with), or the URNs an unknown one depends on. A
# known resourceUri also offers the vaults it was computed from as "via:" keys, which only a
# vault that neither a known id nor a readable name identifies carries (vault_keys): the
# policy pack gets no ids, and a secret vaultName leaves the dependency as the only link.
target_keys(s) := ({lib.id_key(uri)} | {concat("", ["via:", u]) | some u in lib.dependency_urns(s, "resourceUri")}) | {concat("", ["vault-name:", name]) |
	some m in regex.find_all_string_submatch_n(vault_id_pattern, lower(uri), 1)
	name := m[1]
} if {
	lib.known_string(s, "resourceUri")
	uri := s.properties.resourceUri
} else := lib.dependency_urns(s, "resourceUri") if {
	lib.is_unknown(s, "resourceUri")
}

# vault_keys are the keys a setting's target may match for a vault.
vault_keys(v) := (({v.urn} | {lib.scope(v.id) | is_string(v.id)}) | {concat("", ["vault-name:", lower(v.properties.vaultName)]) |
	is_string(v.properties.vaultName)
}) | {concat("", ["via:", v.urn]) | unidentifiable(v)}

# object.get, not v.id: OPA evaluates a call's arguments outside the negation, so an absent id
# would leave `not is_string(v.id)` undefined rather than true.
unidentifiable(v) if {
	not is_string(object.get(v, "id", null))
	not lib.known_string(v, "vaultName")
}

# A complete rule (not a partial set), so membership tests below do not re-scan settings.
audited := {k |
	some s in lib.diagnostic_settings
	sends_audit(s)
	has_destination(s)
	some k in target_keys(s)
}

# pending holds, per target key, settings that watch it but whose logs are not known yet.
# A comprehension, not a `pending[k] contains ...` rule, which OPA builds in superlinear time;
# the outer loop runs over distinct keys and the inner comprehension is indexed on k, so the
# grouping is linear.
pending_by_key := {k: entries |
	some k in {x | some [x, _] in pending_entries}
	entries := {e | some [k2, e] in pending_entries; k2 == k}
}

pending_entries := [[k, [s, min(audit_unknown_paths(s))]] |
	some s in lib.diagnostic_settings
	may_send_audit(s)
	has_destination(s)
	some k in target_keys(s)
]

# mistyped_by_key holds, per target key, [setting, index, enabled] of audit entries whose
# enabled has the wrong type. Grouped like pending_by_key, in one pass.
mistyped_by_key := {k: entries |
	some k in {x | some [x, _] in mistyped_list}
	entries := {e | some [k2, e] in mistyped_list; k2 == k}
}

# Audit entries whose enabled is set but not a boolean: ARM rejects or coerces them, so they
# do not count as sending. The type test comes first: it fails for almost every entry.
mistyped_list := [[k, [s, i, e]] |
	some s in lib.diagnostic_settings
	some i, log in object.get(s.properties, "logs", [])
	e := log.enabled
	e != null
	not is_boolean(e)
	is_audit_entry(log)
	has_destination(s)
	some k in target_keys(s)
]

has_mistyped(v) if {
	some k in vault_keys(v)
	count(mistyped_by_key[k]) > 0
}

# Settings that may send audit logs to a target nobody can name yet.
unresolved contains s if {
	some s in lib.diagnostic_settings
	lib.is_unknown(s, "resourceUri")
	count(lib.dependency_urns(s, "resourceUri")) == 0
	has_destination(s)
	candidate(s)
}

candidate(s) if sends_audit(s)

candidate(s) if may_send_audit(s)

# One unresolved setting is enough to name in every finding; picked once, not per vault.
first_unresolved := [s | some s in unresolved; s.urn == min({x.urn | some x in unresolved})][0]

is_audited(v) if {
	some k in vault_keys(v)
	audited[k]
}

has_pending(v) if {
	some k in vault_keys(v)
	count(pending_by_key[k]) > 0
}

deny contains lib.fail(v, msg) if {
	some v in lib.vaults
	not is_audited(v)
	not has_pending(v)
	not has_mistyped(v)
	count(unresolved) == 0
	not lib.relations_hidden(v)
	msg := sprintf("%s has no diagnostic setting that sends audit logs to a workspace, storage account or event hub.", [lib.label(v)])
}

deny contains lib.fail(v, msg) if {
	some v in lib.vaults
	not is_audited(v)
	some k in vault_keys(v)
	some [s, i, e] in mistyped_by_key[k]
	field := sprintf("enabled on logs entry %d", [i])
	msg := sprintf("%s has no diagnostic setting that sends audit logs: %s", [lib.label(v), lib.wrong_type(s, field, e, "a boolean")])
}

# A vault this preview updates may be watched by a setting the preview leaves out unchanged.
warn contains lib.unverifiable_msg(v, lib.hidden_path, msg) if {
	some v in lib.vaults
	not is_audited(v)
	not has_pending(v)
	count(unresolved) == 0
	lib.relations_hidden(v)
	msg := sprintf("%s has no audit diagnostic setting in this preview; unchanged settings are listed only by `pulumi preview --json --show-sames` or a stack export.", [lib.label(v)])
}

warn contains lib.unverifiable_via(v, s, path) if {
	some v in lib.vaults
	not is_audited(v)
	some k in vault_keys(v)
	some [s, path] in pending_by_key[k]
}

warn contains lib.unverifiable_via(v, first_unresolved, "resourceUri") if {
	some v in lib.vaults
	not is_audited(v)
	not has_pending(v)
	count(unresolved) > 0
}

# A partial preview that deletes an audit setting of a vault it leaves out (the vault does
# not change): whether that vault stays audited cannot be seen. With every resource listed,
# the vault's own result says it.
warn contains lib.unverifiable_msg(s, lib.hidden_path, msg) if {
	input.partial == true
	some s in input.resources
	s.op == "delete"
	s.type == lib.type_diagnostic_setting
	candidate(s)
	watches_a_vault(s)
	not watches_listed_vault(s)
	msg := sprintf("%s is deleted by this change, and the vault it watches is not in this preview (unchanged resources are listed only by `pulumi preview --json --show-sames`), so whether the vault stays audited cannot be checked.", [lib.label(s)])
}

# A partial preview that changes an audit setting so that it may no longer audit the vault it
# watched, when that vault is left out: as for a deleted setting, whether the vault stays
# audited cannot be seen.
warn contains lib.unverifiable_msg(s, lib.hidden_path, msg) if {
	input.partial == true
	some s in input.resources
	lib.change_ops[s.op]
	s.type == lib.type_diagnostic_setting
	old := lib.old_state(s)
	candidate(old)
	watches_a_vault(old)
	not watches_listed_vault(old)
	not still_audits(s, old)
	msg := sprintf("%s is changed so that it may no longer send the audit logs of the vault it watched, and that vault is not in this preview (unchanged resources are listed only by `pulumi preview --json --show-sames`), so whether the vault stays audited cannot be checked.", [lib.label(s)])
}

still_audits(s, old) if {
	sends_audit(s)
	has_destination(s)
	some k in target_keys(old)
	keys := target_keys(s)
	keys[k]
}

watches_a_vault(s) if {
	some k in target_keys(s)
	startswith(k, "vault-name:")
}

watches_a_vault(s) if {
	some u in lib.dependency_urns(s, "resourceUri")
	lib.urn_type(u) == lib.type_vault
}

watches_listed_vault(s) if {
	some k in target_keys(s)
	listed_vault_keys[k]
}

listed_vault_keys := {k | some v in lib.vaults; some k in vault_keys(v)}
