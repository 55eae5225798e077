package planner

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/kvguard/kvguard/internal/model"
)

// Setting is one property worth showing a person for a planned resource.
type Setting struct {
	Name  string
	Value string
}

// unknownText is how a value Azure assigns during the update reads in the listing.
const unknownText = "(known after apply)"

// RoleNames maps built-in role definition GUIDs to their names, for the listing; set by the
// caller (the CLI loads policies/roles.json), may be nil.
type RoleNames map[string]string

// Settings picks the settings that matter for a resource, per type: SKU, network, RBAC mode
// and retention of a vault; expiry and content type of a secret; role, principal and scope of
// an assignment; target and destination of a diagnostic setting. Secret values are shown as
// "[secret]" and values unknown at preview as "(known after apply)"; no value is ever read
// from inside a secret. A deleted resource is shown from the state, whose secrets were
// redacted when it was read (ParseState), by the same rules; a Key Vault secret's value is
// never shown at all.
func (s *Step) Settings(roles RoleNames, names map[string]string) []Setting {
	var out []Setting
	props := s.Inputs
	if s.Op == model.OpDelete && s.Old != nil {
		props = s.Old.InputProps()
	}
	add := func(name string, path ...string) {
		if v, ok := lookup(props, path...); ok {
			out = append(out, Setting{name, v})
		}
	}
	ref := func(name, key string, path ...string) {
		v, ok := lookup(props, path...)
		if !ok {
			return
		}
		if v == unknownText {
			if deps := s.PropertyDependencies[key]; len(deps) > 0 {
				var ns []string
				for _, d := range deps {
					if n, ok := names[d]; ok {
						ns = append(ns, n)
					} else {
						ns = append(ns, resource.URN(d).Name())
					}
				}
				// "from", not "id of": the value may be any output (a principalId, a name).
				v = "from " + strings.Join(ns, ", ") + " " + unknownText
			}
		}
		out = append(out, Setting{name, v})
	}
	switch s.Type {
	case "azure-native:resources:ResourceGroup":
		add("name", "resourceGroupName")
		add("location", "location")
	case "azure-native:keyvault:Vault":
		add("name", "vaultName")
		add("location", "location")
		add("sku", "properties", "sku", "name")
		add("rbac authorization", "properties", "enableRbacAuthorization")
		add("soft delete days", "properties", "softDeleteRetentionInDays")
		add("purge protection", "properties", "enablePurgeProtection")
		add("public network access", "properties", "publicNetworkAccess")
		add("firewall default", "properties", "networkAcls", "defaultAction")
		add("firewall bypass", "properties", "networkAcls", "bypass")
		if n := arrayLen(props, "properties", "networkAcls", "ipRules"); n > 0 {
			out = append(out, Setting{"allowed ip ranges", strconv.Itoa(n)})
		}
		add("tenant", "properties", "tenantId")
		if s.Protect {
			out = append(out, Setting{"protect", "true"})
		}
	case "azure-native:keyvault:Secret":
		add("name", "secretName")
		ref("vault", "vaultName", "vaultName")
		// azure-native marks a secret's value secret, so it is "[secret]" whatever the program
		// passed or the state held: a secret is one already (redacted when the state was read),
		// and a plain value is what SEC-005 reports, not something to print.
		if v, ok := lookupValue(props, "properties", "value"); ok {
			shown := model.SecretPlaceholder
			if isUnknown(v) && !isSecret(v) {
				shown = unknownText
			}
			out = append(out, Setting{"value", shown})
		}
		add("content type", "properties", "contentType")
		if v, ok := lookupValue(props, "properties", "attributes", "expires"); ok && v.IsNumber() {
			out = append(out, Setting{"expires", time.Unix(int64(v.NumberValue()), 0).UTC().Format(time.RFC3339)})
		} else {
			add("expires", "properties", "attributes", "expires")
		}
	case "azure-native:managedidentity:UserAssignedIdentity":
		add("name", "resourceName")
		add("location", "location")
	case "azure-native:operationalinsights:Workspace":
		add("name", "workspaceName")
		add("sku", "sku", "name")
		add("retention days", "retentionInDays")
	case "azure-native:authorization:RoleAssignment":
		if v, ok := lookup(props, "roleDefinitionId"); ok {
			guid := strings.ToLower(v[strings.LastIndex(v, "/")+1:])
			if n, ok := roles[guid]; ok {
				v = n + " (" + guid + ")"
			}
			out = append(out, Setting{"role", v})
		}
		add("principal type", "principalType")
		ref("principal", "principalId", "principalId")
		ref("scope", "scope", "scope")
		add("name", "roleAssignmentName")
	case "azure-native:insights:DiagnosticSetting":
		add("name", "name")
		ref("target", "resourceUri", "resourceUri")
		ref("workspace", "workspaceId", "workspaceId")
		var logs []string
		if v, ok := lookupValue(props, "logs"); ok && v.IsArray() {
			for _, e := range v.ArrayValue() {
				if e.IsObject() {
					for _, k := range []resource.PropertyKey{"category", "categoryGroup"} {
						if c, ok := e.ObjectValue()[k]; ok && c.IsString() {
							logs = append(logs, c.StringValue())
						}
					}
				}
			}
		}
		if len(logs) > 0 {
			out = append(out, Setting{"logs", strings.Join(logs, ", ")})
		}
	case "azure-native:authorization:ManagementLockAtResourceLevel":
		add("name", "lockName")
		add("level", "level")
		ref("resource", "resourceName", "resourceName")
	}
	if t := tagsText(props); t != "" && (s.Type == "azure-native:keyvault:Vault" || s.Type == "azure-native:managedidentity:UserAssignedIdentity") {
		out = append(out, Setting{"tags", t})
	}
	if len(s.DiffKeys) > 0 {
		out = append(out, Setting{"changes", strings.Join(s.DiffKeys, ", ")})
	}
	if len(s.ReplaceKeys) > 0 {
		out = append(out, Setting{"replaced because of", strings.Join(s.ReplaceKeys, ", ")})
	}
	return out
}

func lookupValue(m resource.PropertyMap, path ...string) (resource.PropertyValue, bool) {
	v := resource.NewProperty(m)
	for _, p := range path {
		v = knownElement(v)
		if isSecret(v) || isUnknown(v) {
			return v, true
		}
		if !v.IsObject() {
			return resource.PropertyValue{}, false
		}
		next, ok := v.ObjectValue()[resource.PropertyKey(p)]
		if !ok || next.IsNull() {
			return resource.PropertyValue{}, false
		}
		v = next
	}
	return knownElement(v), true
}

// lookup renders the value at path for people.
func lookup(m resource.PropertyMap, path ...string) (string, bool) {
	v, ok := lookupValue(m, path...)
	if !ok {
		return "", false
	}
	switch {
	case isSecret(v):
		return model.SecretPlaceholder, true
	case isUnknown(v):
		return unknownText, true
	case v.IsString():
		return v.StringValue(), true
	case v.IsBool():
		return strconv.FormatBool(v.BoolValue()), true
	case v.IsNumber():
		return strconv.FormatFloat(v.NumberValue(), 'f', -1, 64), true
	case v.IsArray():
		return fmt.Sprintf("%d items", len(v.ArrayValue())), true
	case v.IsObject():
		return fmt.Sprintf("%d fields", len(v.ObjectValue())), true
	}
	return "", false
}

func arrayLen(m resource.PropertyMap, path ...string) int {
	v, ok := lookupValue(m, path...)
	if !ok || !v.IsArray() {
		return 0
	}
	return len(v.ArrayValue())
}

func tagsText(m resource.PropertyMap) string {
	v, ok := lookupValue(m, "tags")
	if !ok {
		return ""
	}
	if isSecret(v) {
		return model.SecretPlaceholder
	}
	if !v.IsObject() {
		return ""
	}
	obj := v.ObjectValue()
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, string(k))
	}
	sortStrings(keys)
	var parts []string
	for _, k := range keys {
		s, _ := lookup(obj, k)
		parts = append(parts, k+"="+s)
	}
	return strings.Join(parts, " ")
}

// opSymbol is the mark Pulumi's own preview uses for each op.
func opSymbol(op string) string {
	switch op {
	case model.OpCreate:
		return "+"
	case model.OpUpdate:
		return "~"
	case model.OpReplace:
		return "+-"
	case model.OpDelete:
		return "-"
	case model.OpRead:
		return ">"
	}
	return " "
}

// WriteText prints the planned resources for a person: one block per resource with its op,
// type, logical name and settings, then a change summary line. Components and the stack are
// listed by name only.
func (p *Plan) WriteText(w io.Writer, roles RoleNames) error {
	names := map[string]string{}
	for _, s := range p.Steps {
		names[s.URN] = s.Name
	}
	mode := "preview"
	if p.Applied {
		mode = "simulated update"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Plan for stack %q of project %q (%s against simulated Azure):\n\n", p.Stack, p.Project, mode)
	for _, s := range p.Steps {
		fmt.Fprintf(&b, "%-2s %-8s %s  %s\n", opSymbol(s.Op), s.Op, s.Type, s.Name)
		if !s.Custom {
			continue
		}
		for _, st := range s.Settings(roles, names) {
			fmt.Fprintf(&b, "       %-22s %s\n", st.Name+":", st.Value)
		}
	}
	b.WriteString("\nChanges: ")
	sum := p.ChangeSummary()
	var parts []string
	for _, op := range sortedOps(sum) {
		parts = append(parts, fmt.Sprintf("%d to %s", sum[op], op))
	}
	b.WriteString(strings.Join(parts, ", "))
	b.WriteString(".\n\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func sortStrings(s []string) { sort.Strings(s) }
