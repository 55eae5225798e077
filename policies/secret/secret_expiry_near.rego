# METADATA
# title: Key Vault secrets should not be expired or about to expire
# description: |
#   A secret whose `attributes.expires` is already past is unusable: applications reading it
#   fail. One that expires within `warnDays` of now needs rotating soon and is reported as a
#   warning. Values above 1e11 (milliseconds) are left to SEC-002. An expiry that is not a
#   number (a string, say) fails: whether it is past cannot be read from it.
# related_resources:
#   - https://learn.microsoft.com/azure/key-vault/secrets/about-secrets#secret-attributes
#   - https://learn.microsoft.com/azure/key-vault/general/event-grid-overview
# scope: package
# custom:
#   id: SEC-003
#   severity: MEDIUM
#   enforcement: advisory
#   recommended_action: |
#     Rotate the secret and move `properties.attributes.expires` forward, within the maximum
#     validity period; subscribe to the vault's SecretNearExpiry event to be told in time.
#   resource_types:
#     - azure-native:keyvault:Secret
#   config:
#     warnDays:
#       type: integer
#       minimum: 0
#       description: Days before expiry from which a secret is reported as about to expire.
#       default: 30
#       prod: 30
#   references:
#     azure_policy:
#       - b0eb591a-5e70-4534-a8bf-04b9c489584a
#     mcsb:
#       - DP-6
#     checkov: []
#     trivy: []
#     psrule: []
package kvguard.secret.secret_expiry_near

import data.kvguard.lib

path := "properties.attributes.expires"

expiring := [[r, e] |
	some r in lib.secrets
	e := r.properties.properties.attributes.expires
	is_number(e)
	e <= lib.milliseconds_floor
]

deny contains lib.fail(r, msg) if {
	some [r, e] in expiring
	e < lib.now_seconds
	msg := sprintf("%s expired on %s, before %s.", [lib.label(r), lib.date(e), lib.date(lib.now_seconds)])
}

# A warning, not a deny: raising SEC-003 to mandatory blocks expired secrets, never ones that
# are merely close to their date.
warn contains lib.fail(r, msg) if {
	some [r, e] in expiring
	e < warn_before
	e >= lib.now_seconds
	msg := sprintf("%s expires on %s, within %v days of %s.", [lib.label(r), lib.date(e), warn_days, lib.date(lib.now_seconds)])
}

warn_days := lib.setting("SEC-003", "warnDays")

# warn_before is the end of the warning window, computed once rather than per secret.
warn_before := lib.now_seconds + (warn_days * lib.day_seconds)

deny contains lib.fail(r, msg) if {
	some r in lib.secrets
	e := r.properties.properties.attributes.expires
	e != null
	not is_number(e)
	msg := lib.wrong_type(r, "attributes.expires", e, "a number of seconds since the epoch")
}

warn contains lib.unverifiable(r, path) if {
	some r in lib.unreadable[lib.type_secret]
	lib.is_unknown(r, path)
}
