package infra

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/keyvault/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/managedidentity/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/operationalinsights/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// SecretStoreType is the component's type token.
const SecretStoreType = "kvguard:index:SecretStore"

// SoftDeleteRetentionDays is the longest retention Azure allows; KV-001 requires it in prod and
// there is no reason to keep less elsewhere.
const SoftDeleteRetentionDays = 90

// lockAPIVersion is the Microsoft.Authorization/locks API version the lock is created with.
const lockAPIVersion = "2020-05-01"

// SecretStoreArgs configures a SecretStore.
type SecretStoreArgs struct {
	// Environment is dev, staging or prod. Required.
	Environment string
	// Owner is the owning team, written to the owner tag. Optional; defaults to no owner tag
	// (GEN-001 reports it; the component does not refuse it so policies can be exercised).
	Owner string
	// Location is the Azure region. Required.
	Location string
	// TenantID is the Entra tenant of the vault, a GUID. Required.
	TenantID string
	// SubscriptionID is the subscription the role definition ids are built for, a GUID. Required.
	SubscriptionID string
	// VaultName is the globally unique vault name (see DeriveVaultName). Required.
	VaultName string
	// ResourceGroupName names an existing resource group. Optional; defaults to creating
	// "rg-<project>-<environment>".
	ResourceGroupName string
	// WorkspaceID is the ARM id of an existing Log Analytics workspace. Optional; defaults to
	// creating "log-<project>-<environment>".
	WorkspaceID string
	// CreateMode is "default" or "recover". Optional; defaults to "default".
	CreateMode string
	// SKU is "standard" or "premium". Optional; defaults to DefaultSKU(Environment).
	SKU string
	// AllowedIPRanges are public IPv4 addresses or CIDR ranges let through the firewall.
	// Optional; defaults to none.
	AllowedIPRanges []string
	// PublicNetworkAccess is "Disabled" or "Enabled". Optional; defaults to "Enabled" when
	// AllowedIPRanges is set and "Disabled" otherwise. networkAcls deny by default either way.
	PublicNetworkAccess string
	// NetworkDefaultAction is the firewall's default action, "Deny" or "Allow". Optional;
	// defaults to "Deny".
	NetworkDefaultAction string
	// LogRetentionDays is the workspace retention. Optional; defaults to
	// DefaultLogRetentionDays(Environment).
	LogRetentionDays int
	// Tags are extra tags. Optional; defaults to none. environment and owner are always set.
	Tags map[string]string
	// Applications each get a managed identity and Key Vault Secrets User on their secrets.
	// Optional; defaults to none.
	Applications []Application
	// OperatorGroupIDs get Key Vault Secrets Officer on the vault. Optional; defaults to none.
	OperatorGroupIDs []string
	// Secrets are created in the vault. Optional; defaults to none.
	Secrets []SecretArgs
}

// SecretArgs is one secret to create.
type SecretArgs struct {
	// Name is the Key Vault secret name. Required.
	Name string
	// ContentType describes the value. Optional; defaults to DefaultContentType.
	ContentType string
	// Expires is the expiry instant; an explicit date from config, never the clock. Required.
	Expires time.Time
	// Value is the secret's value; it is always wrapped as a Pulumi secret. Required.
	Value pulumi.StringInput
}

// SecretStore is a hardened Key Vault with audit logging, workload identities with per-secret
// read access, operator access and expiring secrets.
type SecretStore struct {
	pulumi.ResourceState

	// VaultID is the vault's ARM id.
	VaultID pulumi.StringOutput `pulumi:"vaultId"`
	// VaultName is the vault's name.
	VaultName pulumi.StringOutput `pulumi:"vaultName"`
	// VaultURI is the data-plane endpoint, https://<name>.vault.azure.net/.
	VaultURI pulumi.StringOutput `pulumi:"vaultUri"`
	// WorkspaceID is the ARM id of the Log Analytics workspace receiving audit logs.
	WorkspaceID pulumi.StringOutput `pulumi:"workspaceId"`
	// ResourceGroupName is the resource group holding the vault.
	ResourceGroupName pulumi.StringOutput `pulumi:"resourceGroupName"`
	// IdentityClientIDs maps application name to its managed identity's client id.
	IdentityClientIDs pulumi.StringMapOutput `pulumi:"identityClientIds"`
	// IdentityPrincipalIDs maps application name to its managed identity's principal id.
	IdentityPrincipalIDs pulumi.StringMapOutput `pulumi:"identityPrincipalIds"`
}

// Validate reports every problem with args at once, naming the field.
func (a *SecretStoreArgs) Validate() error {
	if a == nil {
		return errors.New("args: required, got nil")
	}
	var errs []error
	req := func(field, v string) {
		if strings.TrimSpace(v) == "" {
			errs = append(errs, fmt.Errorf("args.%s: required", field))
		}
	}
	req("Environment", a.Environment)
	req("Location", a.Location)
	req("TenantID", a.TenantID)
	req("SubscriptionID", a.SubscriptionID)
	req("VaultName", a.VaultName)
	if a.Environment != "" && !slices.Contains([]string{EnvDev, EnvStaging, EnvProd}, a.Environment) {
		errs = append(errs, fmt.Errorf("args.Environment: must be dev, staging or prod, got %q", a.Environment))
	}
	// Catches the all-zero GUID too: getClientConfig returns it when credentials are half set.
	if a.TenantID != "" && (!IsGUID(a.TenantID) || a.TenantID == "00000000-0000-0000-0000-000000000000") {
		errs = append(errs, fmt.Errorf("args.TenantID: must be a non-empty GUID, got %q", a.TenantID))
	}
	if a.SubscriptionID != "" && !IsGUID(a.SubscriptionID) {
		errs = append(errs, fmt.Errorf("args.SubscriptionID: must be a GUID, got %q", a.SubscriptionID))
	}
	if a.VaultName != "" {
		for _, rule := range VaultNameProblems(a.VaultName) {
			errs = append(errs, fmt.Errorf("args.VaultName: %s, got %q", rule, a.VaultName))
		}
	}
	if a.CreateMode != "" && a.CreateMode != "default" && a.CreateMode != "recover" {
		errs = append(errs, fmt.Errorf("args.CreateMode: must be default or recover, got %q", a.CreateMode))
	}
	if a.PublicNetworkAccess != "" && a.PublicNetworkAccess != "Disabled" && a.PublicNetworkAccess != "Enabled" {
		errs = append(errs, fmt.Errorf("args.PublicNetworkAccess: must be Disabled or Enabled, got %q", a.PublicNetworkAccess))
	}
	if a.NetworkDefaultAction != "" && a.NetworkDefaultAction != "Deny" && a.NetworkDefaultAction != "Allow" {
		errs = append(errs, fmt.Errorf("args.NetworkDefaultAction: must be Deny or Allow, got %q", a.NetworkDefaultAction))
	}
	if a.SKU != "" && a.SKU != "standard" && a.SKU != "premium" {
		errs = append(errs, fmt.Errorf("args.SKU: must be standard or premium, got %q", a.SKU))
	}
	for i, r := range a.AllowedIPRanges {
		if rule := ipRangeProblem(r); rule != "" {
			errs = append(errs, fmt.Errorf("args.AllowedIPRanges[%d]: %s, got %q", i, rule, r))
		}
	}
	for i, id := range a.OperatorGroupIDs {
		if !IsGUID(id) {
			errs = append(errs, fmt.Errorf("args.OperatorGroupIDs[%d]: must be a GUID, got %q", i, id))
		}
	}
	names := map[string]bool{}
	exact := map[string]bool{}
	for i, s := range a.Secrets {
		if !secretNameRe.MatchString(s.Name) {
			errs = append(errs, fmt.Errorf("args.Secrets[%d].Name: must be 1-127 letters, digits and hyphens, got %q", i, s.Name))
		}
		if names[strings.ToLower(s.Name)] {
			errs = append(errs, fmt.Errorf("args.Secrets[%d].Name: duplicates %q", i, s.Name))
		}
		names[strings.ToLower(s.Name)] = true
		exact[s.Name] = true
		if s.Expires.IsZero() {
			errs = append(errs, fmt.Errorf("args.Secrets[%d].Expires: required", i))
		}
		if s.Value == nil {
			errs = append(errs, fmt.Errorf("args.Secrets[%d].Value: required", i))
		}
	}
	apps := map[string]bool{}
	for i, app := range a.Applications {
		if !appNameRe.MatchString(app.Name) {
			errs = append(errs, fmt.Errorf("args.Applications[%d].Name: must be lowercase letters, digits and single hyphens, got %q", i, app.Name))
		}
		if apps[app.Name] {
			errs = append(errs, fmt.Errorf("args.Applications[%d].Name: duplicates %q", i, app.Name))
		}
		apps[app.Name] = true
		if len(app.Secrets) == 0 {
			errs = append(errs, fmt.Errorf("args.Applications[%d].Secrets: required", i))
		}
		if app.GrantsAll() {
			continue
		}
		for j, s := range app.Secrets {
			if !exact[s] {
				errs = append(errs, fmt.Errorf("args.Applications[%d].Secrets[%d]: grants unknown secret %q", i, j, s))
			}
		}
	}
	return errors.Join(errs...)
}

// NewSecretStore creates the store. Nothing is registered when args are invalid.
func NewSecretStore(ctx *pulumi.Context, name string, args *SecretStoreArgs, opts ...pulumi.ResourceOption) (*SecretStore, error) {
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("secret store %q: %w", name, err)
	}
	c := &SecretStore{}
	if err := ctx.RegisterComponentResource(SecretStoreType, name, c, opts...); err != nil {
		return nil, fmt.Errorf("secret store %q: register component: %w", name, err)
	}
	if err := c.build(ctx, name, args); err != nil {
		return nil, fmt.Errorf("secret store %q: %w", name, err)
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"vaultId":              c.VaultID,
		"vaultName":            c.VaultName,
		"vaultUri":             c.VaultURI,
		"workspaceId":          c.WorkspaceID,
		"resourceGroupName":    c.ResourceGroupName,
		"identityClientIds":    c.IdentityClientIDs,
		"identityPrincipalIds": c.IdentityPrincipalIDs,
	}); err != nil {
		return nil, fmt.Errorf("secret store %q: register outputs: %w", name, err)
	}
	return c, nil
}

func (c *SecretStore) build(ctx *pulumi.Context, name string, args *SecretStoreArgs) error {
	parent := pulumi.Parent(c)
	env := args.Environment
	prod := env == EnvProd
	project := ctx.Project()

	tags := pulumi.StringMap{}
	for k, v := range args.Tags {
		tags[k] = pulumi.String(v)
	}
	tags["environment"] = pulumi.String(env)
	if args.Owner != "" {
		tags["owner"] = pulumi.String(args.Owner)
	}
	tags["project"] = pulumi.String(project)
	tags["stack"] = pulumi.String(ctx.Stack())
	tags["managed-by"] = pulumi.String("pulumi")

	var rgName pulumi.StringOutput
	if args.ResourceGroupName != "" {
		rgName = pulumi.String(args.ResourceGroupName).ToStringOutput()
	} else {
		rg, err := resources.NewResourceGroup(ctx, name+"-rg", &resources.ResourceGroupArgs{
			ResourceGroupName: pulumi.String(fmt.Sprintf("rg-%s-%s", project, env)),
			Location:          pulumi.String(args.Location),
			Tags:              tags,
		}, parent)
		if err != nil {
			return fmt.Errorf("resource group: %w", err)
		}
		rgName = rg.Name
	}
	c.ResourceGroupName = rgName

	var workspaceID pulumi.StringOutput
	if args.WorkspaceID != "" {
		workspaceID = pulumi.String(args.WorkspaceID).ToStringOutput()
	} else {
		retention := args.LogRetentionDays
		if retention == 0 {
			retention = DefaultLogRetentionDays(env)
		}
		ws, err := operationalinsights.NewWorkspace(ctx, name+"-logs", &operationalinsights.WorkspaceArgs{
			WorkspaceName:     pulumi.String(fmt.Sprintf("log-%s-%s", project, env)),
			ResourceGroupName: rgName,
			Location:          pulumi.String(args.Location),
			RetentionInDays:   pulumi.Int(retention),
			Sku:               &operationalinsights.WorkspaceSkuArgs{Name: pulumi.String("PerGB2018")},
			Tags:              tags,
		}, parent)
		if err != nil {
			return fmt.Errorf("log analytics workspace: %w", err)
		}
		workspaceID = ws.ID().ToStringOutput()
	}
	c.WorkspaceID = workspaceID

	vault, err := c.newVault(ctx, name, args, rgName, tags)
	if err != nil {
		return err
	}
	vaultID := vault.ID().ToStringOutput()
	c.VaultID = vaultID
	c.VaultName = vault.Name
	c.VaultURI = vault.Properties.VaultUri()

	if prod {
		// A CanNotDelete lock survives a `pulumi state unprotect`; protect survives a portal
		// user without lock rights. Both are cheap, and KV-007 accepts either.
		_, err := authorization.NewManagementLockAtResourceLevel(ctx, name+"-vault-lock", &authorization.ManagementLockAtResourceLevelArgs{
			ApiVersion:                pulumi.String(lockAPIVersion),
			LockName:                  pulumi.String("kv-no-delete"),
			Level:                     pulumi.String(string(authorization.LockLevelCanNotDelete)),
			Notes:                     pulumi.String("Production Key Vault: deleting it loses every secret until purge protection expires."),
			ResourceGroupName:         rgName,
			ResourceProviderNamespace: pulumi.String("Microsoft.KeyVault"),
			ParentResourcePath:        pulumi.String(""),
			ResourceType:              pulumi.String("vaults"),
			ResourceName:              vault.Name,
		}, parent, pulumi.DependsOn([]pulumi.Resource{vault}))
		if err != nil {
			return fmt.Errorf("vault lock: %w", err)
		}
	}

	// One style per setting (DIAG-003): category groups only for logs. prod keeps every log
	// category, elsewhere the audit group is enough.
	group := "audit"
	if prod {
		group = "allLogs"
	}
	if _, err := insights.NewDiagnosticSetting(ctx, name+"-vault-diag", &insights.DiagnosticSettingArgs{
		Name:        pulumi.String("kv-audit"),
		ResourceUri: vaultID,
		WorkspaceId: workspaceID,
		Logs: insights.LogSettingsArray{
			&insights.LogSettingsArgs{CategoryGroup: pulumi.String(group), Enabled: pulumi.Bool(true)},
		},
		Metrics: insights.MetricSettingsArray{
			&insights.MetricSettingsArgs{Category: pulumi.String("AllMetrics"), Enabled: pulumi.Bool(true)},
		},
	}, parent); err != nil {
		return fmt.Errorf("diagnostic setting: %w", err)
	}

	secrets := map[string]*keyvault.Secret{}
	for _, s := range args.Secrets {
		ct := s.ContentType
		if ct == "" {
			ct = DefaultContentType
		}
		sec, err := keyvault.NewSecret(ctx, name+"-secret-"+s.Name, &keyvault.SecretArgs{
			ResourceGroupName: rgName,
			VaultName:         vault.Name,
			SecretName:        pulumi.String(s.Name),
			Properties: &keyvault.SecretPropertiesArgs{
				Value:       pulumi.ToSecret(s.Value).(pulumi.StringOutput),
				ContentType: pulumi.String(ct),
				Attributes: &keyvault.SecretAttributesArgs{
					Enabled: pulumi.Bool(true),
					Expires: pulumi.Int(int(s.Expires.Unix())),
				},
			},
			Tags: tags,
		}, parent)
		if err != nil {
			return fmt.Errorf("secret %q: %w", s.Name, err)
		}
		secrets[s.Name] = sec
	}

	seed := []string{project, ctx.Stack(), args.SubscriptionID, args.VaultName}
	clientIDs := pulumi.StringMap{}
	principalIDs := pulumi.StringMap{}
	for _, app := range args.Applications {
		id, err := managedidentity.NewUserAssignedIdentity(ctx, name+"-id-"+app.Name, &managedidentity.UserAssignedIdentityArgs{
			ResourceName:      pulumi.String(fmt.Sprintf("id-%s-%s", app.Name, env)),
			ResourceGroupName: rgName,
			Location:          pulumi.String(args.Location),
			Tags:              tags,
		}, parent)
		if err != nil {
			return fmt.Errorf("identity for application %q: %w", app.Name, err)
		}
		clientIDs[app.Name] = id.ClientId
		principalIDs[app.Name] = id.PrincipalId

		type grant struct {
			logical, key string
			scope        pulumi.StringInput
			dep          pulumi.Resource
		}
		var grants []grant
		if app.GrantsAll() {
			grants = append(grants, grant{logical: "vault", key: AllSecrets, scope: vaultID, dep: vault})
		} else {
			for _, s := range app.Secrets {
				sec := secrets[s]
				grants = append(grants, grant{logical: s, key: s, scope: sec.ID().ToStringOutput(), dep: sec})
			}
		}
		for _, g := range grants {
			if _, err := authorization.NewRoleAssignment(ctx, fmt.Sprintf("%s-ra-%s-%s", name, app.Name, g.logical), &authorization.RoleAssignmentArgs{
				PrincipalId:        id.PrincipalId,
				PrincipalType:      pulumi.String("ServicePrincipal"),
				RoleDefinitionId:   pulumi.String(RoleDefinitionID(args.SubscriptionID, RoleKeyVaultSecretsUser)),
				Scope:              g.scope,
				RoleAssignmentName: pulumi.String(AssignmentName(slices.Concat(seed, []string{"application", app.Name, g.key, RoleKeyVaultSecretsUser})...)),
				Description:        pulumi.String(fmt.Sprintf("kvguard: application %s reads %s", app.Name, g.key)),
			}, parent, pulumi.DependsOn([]pulumi.Resource{g.dep})); err != nil {
				return fmt.Errorf("role assignment for application %q on %q: %w", app.Name, g.key, err)
			}
		}
	}
	c.IdentityClientIDs = clientIDs.ToStringMapOutput()
	c.IdentityPrincipalIDs = principalIDs.ToStringMapOutput()

	for _, gid := range args.OperatorGroupIDs {
		gid = strings.ToLower(gid)
		if _, err := authorization.NewRoleAssignment(ctx, fmt.Sprintf("%s-ra-operators-%s", name, gid), &authorization.RoleAssignmentArgs{
			PrincipalId:        pulumi.String(gid),
			PrincipalType:      pulumi.String("Group"),
			RoleDefinitionId:   pulumi.String(RoleDefinitionID(args.SubscriptionID, RoleKeyVaultSecretsOfficer)),
			Scope:              vaultID,
			RoleAssignmentName: pulumi.String(AssignmentName(slices.Concat(seed, []string{"group", gid, AllSecrets, RoleKeyVaultSecretsOfficer})...)),
			Description:        pulumi.String("kvguard: operator group manages secrets"),
		}, parent); err != nil {
			return fmt.Errorf("role assignment for operator group %q: %w", gid, err)
		}
	}
	return nil
}

func (c *SecretStore) newVault(ctx *pulumi.Context, name string, args *SecretStoreArgs, rgName pulumi.StringOutput, tags pulumi.StringMap) (*keyvault.Vault, error) {
	sku := args.SKU
	if sku == "" {
		sku = DefaultSKU(args.Environment)
	}
	// Public access stays off unless an allow-list exists or config asks for it; either way the
	// firewall denies by default and lets no Azure service bypass it.
	public := "Disabled"
	ipRules := keyvault.IPRuleArray{}
	for _, r := range args.AllowedIPRanges {
		ipRules = append(ipRules, &keyvault.IPRuleArgs{Value: pulumi.String(r)})
	}
	if len(ipRules) > 0 {
		public = "Enabled"
	}
	if args.PublicNetworkAccess != "" {
		public = args.PublicNetworkAccess
	}
	defaultAction := string(keyvault.NetworkRuleActionDeny)
	if args.NetworkDefaultAction != "" {
		defaultAction = args.NetworkDefaultAction
	}
	props := &keyvault.VaultPropertiesArgs{
		TenantId:                     pulumi.String(args.TenantID),
		Sku:                          &keyvault.SkuArgs{Family: pulumi.String(string(keyvault.SkuFamilyA)), Name: keyvault.SkuName(sku)},
		EnableRbacAuthorization:      pulumi.Bool(true),
		EnableSoftDelete:             pulumi.Bool(true),
		SoftDeleteRetentionInDays:    pulumi.Int(SoftDeleteRetentionDays),
		EnablePurgeProtection:        pulumi.Bool(true),
		EnabledForDeployment:         pulumi.Bool(false),
		EnabledForTemplateDeployment: pulumi.Bool(false),
		EnabledForDiskEncryption:     pulumi.Bool(false),
		PublicNetworkAccess:          pulumi.String(public),
		NetworkAcls: &keyvault.NetworkRuleSetArgs{
			DefaultAction:       pulumi.String(defaultAction),
			Bypass:              pulumi.String(string(keyvault.NetworkRuleBypassOptionsNone)),
			IpRules:             ipRules,
			VirtualNetworkRules: keyvault.VirtualNetworkRuleArray{},
		},
	}
	// createMode is only sent to recover: ARM does not return it, so "default" would add nothing.
	if args.CreateMode == "recover" {
		props.CreateMode = keyvault.CreateModeRecover
	}
	opts := []pulumi.ResourceOption{pulumi.Parent(c)}
	if args.Environment == EnvProd {
		opts = append(opts, pulumi.Protect(true))
	}
	vault, err := keyvault.NewVault(ctx, name+"-vault", &keyvault.VaultArgs{
		VaultName:         pulumi.String(args.VaultName),
		ResourceGroupName: rgName,
		Location:          pulumi.String(args.Location),
		Properties:        props,
		Tags:              tags,
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	return vault, nil
}
