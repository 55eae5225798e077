package infra

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/google/uuid"
)

// Built-in role definition GUIDs (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
const (
	// RoleKeyVaultSecretsUser reads secret contents; the only role workloads get.
	RoleKeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6"
	// RoleKeyVaultSecretsOfficer manages secrets; given to operator groups only.
	RoleKeyVaultSecretsOfficer = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"
)

// RoleDefinitionID is the full subscription-scoped id ARM returns for a built-in role, so the
// value we send equals the value read back and refreshes show no diff.
func RoleDefinitionID(subscriptionID, roleGUID string) string {
	return fmt.Sprintf("/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s", subscriptionID, roleGUID)
}

// assignmentNamespace scopes our UUIDv5 names so they never collide with other tools' names.
var assignmentNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/kvguard/kvguard/role-assignment"))

// AssignmentName is the deterministic roleAssignmentName for a grant. Every part is known at
// preview (no resource ids), so reruns and previews yield the same GUID and never replace the
// assignment. Parts are joined with "\x00" so ("a/b","c") and ("a","b/c") differ.
func AssignmentName(parts ...string) string {
	return uuid.NewSHA1(assignmentNamespace, []byte(strings.Join(parts, "\x00"))).String()
}

var (
	vaultCharsRe = regexp.MustCompile(`^[A-Za-z0-9-]*$`)
	nonAlnumRe   = regexp.MustCompile(`[^a-z0-9]+`)
)

// VaultNameProblems lists the Azure Key Vault naming rules name breaks (KV-005): 3-24
// characters, letters digits and hyphens, starting with a letter, ending with a letter or digit,
// no consecutive hyphens. Empty means valid.
func VaultNameProblems(name string) []string {
	var out []string
	if n := len(name); n < 3 || n > 24 {
		out = append(out, fmt.Sprintf("must be 3-24 characters long (is %d)", n))
	}
	if !vaultCharsRe.MatchString(name) {
		out = append(out, "must contain only letters, digits and hyphens")
	}
	if name != "" && !isLetter(name[0]) {
		out = append(out, "must start with a letter")
	}
	if name != "" && !isLetter(name[len(name)-1]) && !isDigit(name[len(name)-1]) {
		out = append(out, "must end with a letter or digit")
	}
	if strings.Contains(name, "--") {
		out = append(out, "must not contain consecutive hyphens")
	}
	return out
}

func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// vaultHashLen hex characters of SHA-256 keep names globally unique enough across
// stacks and subscriptions while leaving room for readable parts.
const vaultHashLen = 6

// maxProjectTokenLen keeps the project part short and the same in every environment, so the
// vaults of one project read alike ("kv-secret-dev-…", "kv-secret-prod-…").
const maxProjectTokenLen = 6

// DeriveVaultName builds "<prefix>-<project token>-<environment>-<hash>" within 24 characters.
// The hash covers project, stack and subscription, so the name is stable across runs (no
// randomness, no clock) yet differs between subscriptions, where vault names must be globally
// unique. The project token is shortened, or dropped, to fit.
func DeriveVaultName(prefix, project, stack, environment, subscriptionID string) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{project, stack, subscriptionID}, "\x00")))
	hash := hex.EncodeToString(sum[:])[:vaultHashLen]
	prefix = strings.TrimRight(strings.ToLower(prefix), "-")
	env := nonAlnumRe.ReplaceAllString(strings.ToLower(environment), "")
	token := nonAlnumRe.ReplaceAllString(strings.ToLower(project), "")
	if len(token) > maxProjectTokenLen {
		token = token[:maxProjectTokenLen]
	}
	tail := "-" + env + "-" + hash
	budget := 24 - len(prefix) - 1 - len(tail)
	if budget > len(token) {
		budget = len(token)
	}
	if budget <= 0 {
		return prefix + tail
	}
	return prefix + "-" + token[:budget] + tail
}
