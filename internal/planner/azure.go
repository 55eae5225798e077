package planner

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Placeholder identity of the simulated Azure when the stack config names none. They are
// valid, obviously fake GUIDs (KV-006 rejects an empty or malformed tenant, and infra rejects
// the all-zero one); set azure-native:tenantId and azure-native:subscriptionId to use real ones.
const (
	PlaceholderTenantID       = "11111111-1111-4111-8111-111111111111"
	PlaceholderSubscriptionID = "22222222-2222-4222-8222-222222222222"
	PlaceholderClientID       = "33333333-3333-4333-8333-333333333333"
	PlaceholderObjectID       = "44444444-4444-4444-8444-444444444444"
)

// Azure is a pulumi.MockResourceMonitor that answers as Azure would: ARM ids built from the
// resource's names, https://<name>.vault.azure.net/ vault URIs, principal and client ids
// derived from the URN (stable across runs), and getClientConfig from its fields. It is the
// planner's own stand-in; infra/azuremock is preferred when the program's tests share it.
type Azure struct {
	TenantID       string
	SubscriptionID string
	ClientID       string
	ObjectID       string
	Project, Stack string
}

var _ pulumi.MockResourceMonitor = (*Azure)(nil)

// NewAzure builds the mock for a stack, taking tenant, subscription and client from the stack
// config (azure-native:tenantId, azure-native:subscriptionId, azure-native:clientId) when set.
func NewAzure(project, stack string, cfg *StackConfig) *Azure {
	a := &Azure{TenantID: PlaceholderTenantID, SubscriptionID: PlaceholderSubscriptionID,
		ClientID: PlaceholderClientID, ObjectID: PlaceholderObjectID, Project: project, Stack: stack}
	if cfg != nil {
		for key, dst := range map[string]*string{
			"azure-native:tenantId": &a.TenantID, "azure-native:subscriptionId": &a.SubscriptionID,
			"azure-native:clientId": &a.ClientID,
		} {
			if v := cfg.Values[key]; v != "" && !cfg.IsSecret(key) {
				*dst = v
			}
		}
	}
	return a
}

// Call answers getClientConfig; other invokes are not part of the program.
func (a *Azure) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	switch args.Token {
	case "azure-native:authorization:getClientConfig", "azure-native:authorization/v2:getClientConfig":
		return resource.PropertyMap{
			"clientId":       resource.NewProperty(a.ClientID),
			"objectId":       resource.NewProperty(a.ObjectID),
			"subscriptionId": resource.NewProperty(a.SubscriptionID),
			"tenantId":       resource.NewProperty(a.TenantID),
		}, nil
	}
	return nil, fmt.Errorf("invoke %q is not simulated", args.Token)
}

// NewResource returns the id and outputs Azure would give the resource once created: the
// inputs, plus name, type, id and the values Azure assigns. Inputs unknown at preview are
// absent from args.Inputs; ids built from them use "unknown" segments and are never shown as
// known values (the planner treats every Azure-assigned output as unknown at preview).
func (a *Azure) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	in := args.Inputs
	out := resource.PropertyMap{}
	for k, v := range in {
		out[k] = v
	}
	if !args.Custom {
		return "", resource.PropertyMap{}, nil
	}
	str := func(k string) string {
		v, ok := in[resource.PropertyKey(k)]
		for ok && (v.IsSecret() || v.IsOutput()) {
			if v.IsSecret() {
				return "unknown"
			}
			o := v.OutputValue()
			if !o.Known || o.Secret {
				return "unknown"
			}
			v = o.Element
		}
		if !ok || !v.IsString() || v.StringValue() == "" {
			return "unknown"
		}
		return v.StringValue()
	}
	sub := "/subscriptions/" + a.SubscriptionID
	rg := sub + "/resourceGroups/" + str("resourceGroupName")
	urn := string(resource.NewURN(tokens.QName(a.Stack), tokens.PackageName(a.Project), "", tokens.Type(args.TypeToken), args.Name))
	var id, name, armType string
	switch args.TypeToken {
	case "azure-native:resources:ResourceGroup":
		name, armType = str("resourceGroupName"), "Microsoft.Resources/resourceGroups"
		id = sub + "/resourceGroups/" + name
		out["properties"] = resource.NewProperty(resource.PropertyMap{"provisioningState": resource.NewProperty("Succeeded")})
	case "azure-native:keyvault:Vault":
		name, armType = str("vaultName"), "Microsoft.KeyVault/vaults"
		id = rg + "/providers/Microsoft.KeyVault/vaults/" + name
		props := resource.PropertyMap{}
		if p, ok := in["properties"]; ok && p.IsObject() {
			for k, v := range p.ObjectValue() {
				props[k] = v
			}
		}
		props["vaultUri"] = resource.NewProperty("https://" + name + ".vault.azure.net/")
		props["provisioningState"] = resource.NewProperty("Succeeded")
		out["properties"] = resource.NewProperty(props)
	case "azure-native:keyvault:Secret":
		vault := str("vaultName")
		name, armType = str("secretName"), "Microsoft.KeyVault/vaults/secrets"
		id = rg + "/providers/Microsoft.KeyVault/vaults/" + vault + "/secrets/" + name
		props := resource.PropertyMap{}
		if p, ok := in["properties"]; ok && p.IsObject() {
			for k, v := range p.ObjectValue() {
				if k != "value" { // Azure never returns a secret's value
					props[k] = v
				}
			}
		}
		uri := "https://" + vault + ".vault.azure.net/secrets/" + name
		props["secretUri"] = resource.NewProperty(uri)
		props["secretUriWithVersion"] = resource.NewProperty(uri + "/" + strings.ReplaceAll(guidFor(urn+"#version"), "-", ""))
		out["properties"] = resource.NewProperty(props)
	case "azure-native:managedidentity:UserAssignedIdentity":
		name, armType = str("resourceName"), "Microsoft.ManagedIdentity/userAssignedIdentities"
		id = rg + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" + name
		out["principalId"] = resource.NewProperty(guidFor(urn + "#principalId"))
		out["clientId"] = resource.NewProperty(guidFor(urn + "#clientId"))
		out["tenantId"] = resource.NewProperty(a.TenantID)
	case "azure-native:operationalinsights:Workspace":
		name, armType = str("workspaceName"), "Microsoft.OperationalInsights/workspaces"
		id = rg + "/providers/Microsoft.OperationalInsights/workspaces/" + name
		out["customerId"] = resource.NewProperty(guidFor(urn + "#customerId"))
	case "azure-native:authorization:RoleAssignment":
		name, armType = str("roleAssignmentName"), "Microsoft.Authorization/roleAssignments"
		if name == "unknown" {
			name = guidFor(urn)
		}
		id = strings.TrimSuffix(str("scope"), "/") + "/providers/Microsoft.Authorization/roleAssignments/" + name
	case "azure-native:insights:DiagnosticSetting":
		name, armType = str("name"), "Microsoft.Insights/diagnosticSettings"
		id = str("resourceUri") + "/providers/Microsoft.Insights/diagnosticSettings/" + name
	case "azure-native:authorization:ManagementLockAtResourceLevel":
		name, armType = str("lockName"), "Microsoft.Authorization/locks"
		parent := str("parentResourcePath")
		if parent == "unknown" {
			parent = ""
		} else {
			parent += "/"
		}
		id = rg + "/providers/" + str("resourceProviderNamespace") + "/" + parent + str("resourceType") + "/" +
			str("resourceName") + "/providers/Microsoft.Authorization/locks/" + name
	default:
		name, armType = args.Name, args.TypeToken
		id = rg + "/providers/" + args.TypeToken + "/" + args.Name
	}
	out["name"] = resource.NewProperty(name)
	out["type"] = resource.NewProperty(armType)
	out["azureApiVersion"] = resource.NewProperty("simulated")
	return id, out, nil
}

// defaultAzure is the monitor Run uses when Options.Azure is nil.
func defaultAzure(project, stack string, cfg *StackConfig) pulumi.MockResourceMonitor {
	return NewAzure(project, stack, cfg)
}
