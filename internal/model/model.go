// Package model defines the one document every input source produces and every policy reads.
//
// Paths in Unknown, Secret and Plaintext are relative to Properties, dot separated, with array
// indexes as decimal numbers ("properties.networkAcls", "logs.0.categoryGroup").
package model

import "slices"

// UnknownSentinel is the string Pulumi writes for a value not known until the update runs.
// It is itself a valid GUID, so it must never reach a policy as a value.
const UnknownSentinel = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

// SecretSigKey and SecretSigValue mark a secret value in a stack export:
// {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "..."}.
const (
	SecretSigKey   = "4dabf18193072939515e22adb298388d"
	SecretSigValue = "1b47061264138c4ac30d75fd1eb44270"
)

// SecretPlaceholder is how `pulumi preview --json` prints a secret value.
const SecretPlaceholder = "[secret]"

// Source names the kind of input a document was built from.
const (
	SourcePreview = "preview"
	SourceExport  = "export"
	SourcePlan    = "plan"
	SourceEngine  = "engine"
)

// Document is what policies see as `input`.
type Document struct {
	Stack     string     `json:"stack"`
	Project   string     `json:"project"`
	Source    string     `json:"source"`
	Now       string     `json:"now"`
	Resources []Resource `json:"resources"`
	// Config holds the effective per-policy settings keyed by policy id ("SEC-002":
	// {"maxValidityDays": 90}); the engine fills it so Rego never carries defaults of its own.
	Config map[string]map[string]any `json:"config,omitempty"`
	// Profile is the environment profile ("dev", "staging", "prod") derived from the stack.
	Profile string `json:"profile,omitempty"`
	// Environment is the environment the stack's own config names (the project's
	// "environment" key in a preview's config or the planned stack config), if any; the
	// engine judges the stack by the stricter of it and the stack name's profile.
	Environment string `json:"environment,omitempty"`
	// Partial is set for a preview that leaves out resources it does not change (Pulumi lists
	// same steps only with --show-sames): relations to those resources cannot be seen, so the
	// policies that look for a related resource report unverifiable instead of fail.
	Partial bool `json:"partial,omitempty"`
	// PendingOperations counts the operations an interrupted update left in an export
	// (creating, updating, deleting): their resources may differ from the state, or exist in
	// Azure without being in it, so the report mentions them. Not read by any policy.
	PendingOperations int `json:"pendingOperations,omitempty"`
}

// Resource is one resource of a preview step, an export or an engine registration.
type Resource struct {
	URN      string `json:"urn"`
	Type     string `json:"type"`
	Name     string `json:"name"`
	ID       string `json:"id,omitempty"`
	Op       string `json:"op"`
	Custom   bool   `json:"custom"`
	Parent   string `json:"parent,omitempty"`
	Provider string `json:"provider,omitempty"`
	// Properties are the inputs overlaid with known outputs; unknown and secret values removed.
	Properties map[string]any `json:"properties"`
	// OldProperties are the properties before the change (update, replace, delete), if any;
	// a same step has none (nothing changed).
	OldProperties map[string]any `json:"oldProperties,omitempty"`
	// OldUnreadable are the paths of OldProperties whose values were unknown or secret and
	// are removed, so a policy comparing old with new can tell a gap from an absent setting.
	OldUnreadable []string `json:"oldUnreadable,omitempty"`
	Unknown       []string `json:"unknown"`
	Secret        []string `json:"secret"`
	// Plaintext lists sensitive fields (a Key Vault secret's value) that held a plain,
	// non-secret value; the value itself is removed like a secret's.
	Plaintext            []string            `json:"plaintext,omitempty"`
	Dependencies         []string            `json:"dependencies"`
	PropertyDependencies map[string][]string `json:"propertyDependencies"`
	// ReplaceReasons lists the top-level properties a replace was caused by (preview `diffReasons`
	// or `replaceReasons`), when known.
	ReplaceReasons []string `json:"replaceReasons,omitempty"`
	Protect        bool     `json:"protect"`
	SourcePosition string   `json:"sourcePosition,omitempty"`
}

// Ops a resource can carry.
const (
	OpSame              = "same"
	OpCreate            = "create"
	OpUpdate            = "update"
	OpDelete            = "delete"
	OpReplace           = "replace"
	OpCreateReplacement = "create-replacement"
	OpDeleteReplaced    = "delete-replaced"
	OpRead              = "read"
	OpRefresh           = "refresh"
	OpImport            = "import"
	// The steps that drop a resource from the state: discard and discard-replaced leave it
	// in the cloud; remove-pending-replace drops the stale copy of a resource an interrupted
	// delete-before-replace already deleted (an export marks it pendingReplacement).
	OpDiscard              = "discard"
	OpDiscardReplaced      = "discard-replaced"
	OpRemovePendingReplace = "remove-pending-replace"
)

// RemovalOps are the ops of a resource that is going away (policies/lib's removal_ops): it
// is deleted, or dropped from the state, so only the entries policies produce for its removal
// judge it.
var RemovalOps = []string{OpDelete, OpDeleteReplaced, OpDiscard, OpDiscardReplaced, OpRemovePendingReplace}

// IsRemoval holds for an op in RemovalOps.
func IsRemoval(op string) bool { return slices.Contains(RemovalOps, op) }

// EnvironmentKey is the config key that names a stack's environment: the project's
// "environment" setting ("secret-store:environment"), read from a preview's config and from
// the stack config the planner plans (which writes it into its preview again).
func EnvironmentKey(project string) string { return project + ":environment" }
