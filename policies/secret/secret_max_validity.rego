# METADATA
# title: Key Vault secrets should expire within the maximum validity period
# description: |
#   A secret's `attributes.expires` must be no later than `now + maxValidityDays`, so every
#   secret is rotated on a schedule. `expires` is seconds since the Unix epoch; a value above
#   1e11 is almost certainly milliseconds (a date thousands of years ahead) and fails, and so
#   does an expiry that is not a number (a string, say), whose date cannot be read. Secrets
#   without an expiry are SEC-001's finding.
# related_resources:
#   - https://learn.microsoft.com/azure/key-vault/secrets/about-secrets#secret-attributes
#   - https://learn.microsoft.com/azure/key-vault/keys-secrets-certificates/tutorial-rotation
# scope: package
# custom:
#   id: SEC-002
#   severity: MEDIUM
#   enforcement: mandatory
#   recommended_action: |
#     Set `properties.attributes.expires` in seconds (not milliseconds) since the Unix epoch, no
#     more than maxValidityDays ahead, and rotate the secret before it expires.
#   resource_types:
#     - azure-native:keyvault:Secret
#   config:
#     maxValidityDays:
#       type: integer
#       minimum: 1
#       description: Most days ahead of now that a secret may expire.
#       default: 365
#       prod: 90
#   references:
#     azure_policy:
#       - 342e8053-e12e-4c44-be01-c3c2f318400f
#     mcsb:
#       - DP-6
#     checkov: []
#     trivy: []
#     psrule: []
package kvguard.secret.secret_max_validity

import data.kvguard.lib

path := "properties.attributes.expires"

expiring := [[r, e] |
	some r in lib.secrets
	e := r.properties.properties.attributes.expires
	is_number(e)
]

deny contains lib.fail(r, msg) if {
	some [r, e] in expiring
	e > lib.milliseconds_floor
	msg := sprintf("%s has the expiry %s, which looks like milliseconds rather than seconds since the epoch.", [lib.label(r), format_int(e, 10)])
}

deny contains lib.fail(r, msg) if {
	some [r, e] in expiring
	e > latest
	e <= lib.milliseconds_floor
	msg := sprintf("%s expires on %s, more than %v days after %s.", [lib.label(r), lib.date(e), max_days, lib.date(lib.now_seconds)])
}

max_days := lib.setting("SEC-002", "maxValidityDays")

# latest is the last expiry the policy accepts, computed once rather than per secret.
latest := lib.now_seconds + (max_days * lib.day_seconds)

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
