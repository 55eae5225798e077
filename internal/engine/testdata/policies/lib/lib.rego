# METADATA
# title: fixture helper library
# description: A trimmed copy of kvguard.lib so the engine tests do not depend on the real policies.
# scope: package
package kvguard.lib

removal_ops := {"delete", "delete-replaced"}

by_type[t] contains r if {
	some r in input.resources
	r.custom
	not removal_ops[r.op]
	t := r.type
}

vaults := object.get(by_type, "azure-native:keyvault:Vault", set())

secrets := object.get(by_type, "azure-native:keyvault:Secret", set())

fail(r, msg) := {"urn": r.urn, "msg": msg}

unverifiable(r, path) := {
	"urn": r.urn,
	"msg": sprintf("'%s' has no known value at '%s' until the update runs.", [r.name, path]),
	"unknown": path,
}

is_unknown(r, path) if {
	some u in r.unknown
	u == path
}

setting(id, name) := input.config[id][name]
