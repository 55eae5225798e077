// Package azuremock is a pulumi.MockResourceMonitor that answers like Azure Resource Manager
// and records every registration, so tests and the offline planner can run the secret-store
// program without a cloud account and inspect what it would create.
//
// Answers are deterministic (ids and GUIDs derive from the inputs), so two runs of the same
// program produce the same registrations.
package azuremock

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/google/uuid"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Defaults used when Options leaves a field empty.
const (
	DefaultTenantID       = "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f"
	DefaultSubscriptionID = "3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61"
	DefaultClientID       = "6b7c8d9e-0f1a-4b2c-8d3e-4f5a6b7c8d9e"
	DefaultObjectID       = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
)

// GetClientConfigToken is the invoke token of authorization.GetClientConfig.
const GetClientConfigToken = "azure-native:authorization:getClientConfig"

// Options sets what getClientConfig reports.
type Options struct {
	// TenantID is returned by getClientConfig. Optional; defaults to DefaultTenantID. Set it to
	// "-" to return an empty tenant (tests of the tenant check).
	TenantID string
	// SubscriptionID is returned by getClientConfig and used in ARM ids. Optional; defaults to
	// DefaultSubscriptionID.
	SubscriptionID string
	// ClientID is returned by getClientConfig. Optional; defaults to DefaultClientID.
	ClientID string
	// ObjectID is returned by getClientConfig. Optional; defaults to DefaultObjectID.
	ObjectID string
}

// Registration is one resource the program registered, with the options it carried.
type Registration struct {
	Type   string
	Name   string
	URN    string
	ID     string
	Custom bool
	// Parent is the parent's URN ("" for none).
	Parent   string
	Provider string
	// Inputs keep secret and unknown markers (resource.PropertyValue IsSecret / IsComputed /
	// IsOutput); never turn them into plain maps with Mappable, which reveals secrets.
	Inputs resource.PropertyMap
	// Outputs are the mock's answer: the inputs plus what Azure computes (ids, URIs, GUIDs).
	Outputs              resource.PropertyMap
	Protect              bool
	DeleteBeforeReplace  bool
	RetainOnDelete       bool
	IgnoreChanges        []string
	Dependencies         []string
	PropertyDependencies map[string][]string
}

// Call is one invoke the program made.
type Call struct {
	Token string
	Args  resource.PropertyMap
}

// Monitor implements pulumi.MockResourceMonitor. Its methods are safe for concurrent use, as
// the SDK registers resources from several goroutines.
type Monitor struct {
	opts    Options
	project string
	stack   string

	mu    sync.Mutex
	regs  []Registration
	calls []Call
}

// New returns a Monitor; Run binds it to a project and stack so URNs match the engine's.
func New(opts Options) *Monitor {
	if opts.TenantID == "" {
		opts.TenantID = DefaultTenantID
	}
	if opts.TenantID == "-" {
		opts.TenantID = ""
	}
	if opts.SubscriptionID == "" {
		opts.SubscriptionID = DefaultSubscriptionID
	}
	if opts.ClientID == "" {
		opts.ClientID = DefaultClientID
	}
	if opts.ObjectID == "" {
		opts.ObjectID = DefaultObjectID
	}
	return &Monitor{opts: opts}
}

// Options returns the effective options (defaults applied).
func (m *Monitor) Options() Options { return m.opts }

// Bind sets the project and stack used to compute URNs.
func (m *Monitor) Bind(project, stack string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.project, m.stack = project, stack
}

// RunOptions configures RunWith.
type RunOptions struct {
	// Project is the Pulumi project name. Required.
	Project string
	// Stack is the stack name. Required.
	Stack string
	// Config holds full config keys ("secret-store:environment") to values; structured values
	// as JSON. Optional.
	Config map[string]string
	// SecretKeys lists the Config keys that are secret (set with --secret). Optional.
	SecretKeys []string
	// DryRun runs as a preview. Optional; defaults to false (an update).
	DryRun bool
}

// Run runs body against m as `pulumi up` would, with config keyed by full config key and
// secretKeys naming the keys set with --secret. Inspect m.Registrations() after it returns.
func Run(project, stack string, config map[string]string, secretKeys []string, m *Monitor, body pulumi.RunFunc) error {
	return RunWith(m, RunOptions{Project: project, Stack: stack, Config: config, SecretKeys: secretKeys}, body)
}

// RunWith is Run with every option, including DryRun (a preview).
func RunWith(m *Monitor, o RunOptions, body pulumi.RunFunc) error {
	if o.Project == "" || o.Stack == "" {
		return fmt.Errorf("azuremock: run: project and stack are required, got %q and %q", o.Project, o.Stack)
	}
	m.Bind(o.Project, o.Stack)
	cfg := map[string]string{}
	for k, v := range o.Config {
		cfg[k] = v
	}
	ctx, err := pulumi.NewContext(context.Background(), pulumi.RunInfo{
		Project:          o.Project,
		Stack:            o.Stack,
		Config:           cfg,
		ConfigSecretKeys: append([]string(nil), o.SecretKeys...),
		DryRun:           o.DryRun,
		Mocks:            m,
	})
	if err != nil {
		return fmt.Errorf("azuremock: new context: %w", err)
	}
	defer ctx.Close() //nolint:errcheck // nothing to recover from a failed close of a mock context
	return pulumi.RunWithContext(ctx, body)
}

// Registrations returns every registration, sorted by URN so output is stable across runs.
func (m *Monitor) Registrations() []Registration {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := append([]Registration(nil), m.regs...)
	sort.Slice(out, func(i, j int) bool { return out[i].URN < out[j].URN })
	return out
}

// Calls returns every invoke in the order made.
func (m *Monitor) Calls() []Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Call(nil), m.calls...)
}

// ByType returns the registrations of one type token, sorted by URN.
func (m *Monitor) ByType(typ string) []Registration {
	var out []Registration
	for _, r := range m.Registrations() {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// Find returns the registration with this type and logical name.
func (m *Monitor) Find(typ, name string) (Registration, bool) {
	for _, r := range m.Registrations() {
		if r.Type == typ && r.Name == name {
			return r, true
		}
	}
	return Registration{}, false
}

// Call answers invokes; only getClientConfig is supported, anything else is an error so a
// program change that needs a new invoke is noticed.
func (m *Monitor) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	m.calls = append(m.calls, Call{Token: args.Token, Args: args.Args})
	m.mu.Unlock()
	if args.Token != GetClientConfigToken {
		return nil, fmt.Errorf("azuremock: unsupported invoke %q", args.Token)
	}
	return resource.NewPropertyMapFromMap(map[string]any{
		"clientId":       m.opts.ClientID,
		"objectId":       m.opts.ObjectID,
		"subscriptionId": m.opts.SubscriptionID,
		"tenantId":       m.opts.TenantID,
	}), nil
}

// NewResource answers a registration like ARM would and records it.
func (m *Monitor) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	m.mu.Lock()
	project, stack := m.project, m.stack
	m.mu.Unlock()

	reg := Registration{
		Type:     args.TypeToken,
		Name:     args.Name,
		Custom:   args.Custom,
		Provider: args.Provider,
		Inputs:   args.Inputs,
	}
	if rpc := args.RegisterRPC; rpc != nil {
		reg.Parent = rpc.GetParent()
		reg.Protect = rpc.GetProtect()
		reg.DeleteBeforeReplace = rpc.GetDeleteBeforeReplace()
		reg.RetainOnDelete = rpc.GetRetainOnDelete()
		reg.IgnoreChanges = rpc.GetIgnoreChanges()
		reg.Dependencies = rpc.GetDependencies()
		reg.PropertyDependencies = map[string][]string{}
		for k, v := range rpc.GetPropertyDependencies() {
			reg.PropertyDependencies[k] = v.GetUrns()
		}
	}
	reg.URN = newURN(project, stack, reg.Parent, args.TypeToken, args.Name)

	id, outputs := m.answer(args)
	if args.ID != "" {
		id = args.ID
	}
	reg.ID, reg.Outputs = id, outputs

	m.mu.Lock()
	m.regs = append(m.regs, reg)
	m.mu.Unlock()
	return id, outputs, nil
}

// newURN mirrors the SDK mock monitor's URN scheme (the root stack is not a parent type).
func newURN(project, stack, parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(stack), tokens.PackageName(project), parentType, tokens.Type(typ), name))
}

// guid derives a stable GUID from the resource, standing in for ids Azure assigns.
func guid(parts ...string) string {
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte("azuremock\x00"+strings.Join(parts, "\x00"))).String()
}

func (m *Monitor) answer(args pulumi.MockResourceArgs) (string, resource.PropertyMap) {
	in := args.Inputs
	out := in.Copy()
	if !args.Custom {
		return "", out
	}
	sub := "/subscriptions/" + m.opts.SubscriptionID
	rg := str(in, "resourceGroupName")
	rgID := sub + "/resourceGroups/" + rg
	set := func(k string, v any) { out[resource.PropertyKey(k)] = resource.NewPropertyValue(v) }
	named := func(key string) string {
		if n := str(in, key); n != "" {
			return n
		}
		return args.Name // azure-native auto-names from the logical name (the suffix is dropped here)
	}

	switch args.TypeToken {
	case "azure-native:resources:ResourceGroup":
		name := named("resourceGroupName")
		set("name", name)
		set("provisioningState", "Succeeded")
		return sub + "/resourceGroups/" + name, out
	case "azure-native:operationalinsights:Workspace":
		name := named("workspaceName")
		set("name", name)
		set("customerId", guid("workspace", rg, name))
		set("provisioningState", "Succeeded")
		return rgID + "/providers/Microsoft.OperationalInsights/workspaces/" + name, out
	case "azure-native:keyvault:Vault":
		name := named("vaultName")
		set("name", name)
		set("type", "Microsoft.KeyVault/vaults")
		props := resource.PropertyMap{}
		if p, ok := in["properties"]; ok && p.IsObject() {
			props = p.ObjectValue().Copy()
		}
		props["vaultUri"] = resource.NewPropertyValue("https://" + name + ".vault.azure.net/")
		props["provisioningState"] = resource.NewPropertyValue("Succeeded")
		out["properties"] = resource.NewObjectProperty(props)
		return rgID + "/providers/Microsoft.KeyVault/vaults/" + name, out
	case "azure-native:keyvault:Secret":
		vault := str(in, "vaultName")
		name := named("secretName")
		set("name", name)
		props := resource.PropertyMap{}
		if p, ok := in["properties"]; ok && p.IsObject() {
			props = p.ObjectValue().Copy()
		}
		uri := "https://" + vault + ".vault.azure.net/secrets/" + name
		props["secretUri"] = resource.NewPropertyValue(uri)
		props["secretUriWithVersion"] = resource.NewPropertyValue(uri + "/" + strings.ReplaceAll(guid("secret", vault, name), "-", ""))
		out["properties"] = resource.NewObjectProperty(props)
		return rgID + "/providers/Microsoft.KeyVault/vaults/" + vault + "/secrets/" + name, out
	case "azure-native:managedidentity:UserAssignedIdentity":
		name := named("resourceName")
		set("name", name)
		set("principalId", guid("principal", rg, name))
		set("clientId", guid("client", rg, name))
		set("tenantId", m.opts.TenantID)
		return rgID + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" + name, out
	case "azure-native:authorization:RoleAssignment":
		name := str(in, "roleAssignmentName")
		if name == "" {
			name = guid("roleassignment", args.Name)
		}
		set("name", name)
		return strings.TrimRight(str(in, "scope"), "/") + "/providers/Microsoft.Authorization/roleAssignments/" + name, out
	case "azure-native:insights:DiagnosticSetting":
		name := named("name")
		set("name", name)
		return str(in, "resourceUri") + "/providers/Microsoft.Insights/diagnosticSettings/" + name, out
	case "azure-native:authorization:ManagementLockAtResourceLevel":
		name := named("lockName")
		set("name", name)
		return fmt.Sprintf("%s/providers/%s/%s/%s/providers/Microsoft.Authorization/locks/%s",
			rgID, str(in, "resourceProviderNamespace"), str(in, "resourceType"), str(in, "resourceName"), name), out
	default:
		return rgID + "/providers/" + strings.ReplaceAll(args.TypeToken, ":", ".") + "/" + args.Name, out
	}
}

// str reads a string input through secret and output wrappers; unknown reads as "".
func str(m resource.PropertyMap, key string) string {
	v, ok := m[resource.PropertyKey(key)]
	if !ok {
		return ""
	}
	return Unwrap(v)
}

// Unwrap returns the string inside v, looking through secret and output wrappers; an unknown
// or non-string value gives "". Use it for ids and names only, never to print a secret.
func Unwrap(v resource.PropertyValue) string {
	for {
		switch {
		case v.IsSecret():
			v = v.SecretValue().Element
		case v.IsOutput():
			o := v.OutputValue()
			if !o.Known {
				return ""
			}
			v = o.Element
		case v.IsString():
			return v.StringValue()
		default:
			return ""
		}
	}
}
