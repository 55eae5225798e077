package infra

import (
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// StoreName is the component name Run uses; child resource names derive from it.
const StoreName = "store"

// providerTenantKey is the azure-native provider's tenant setting, which getClientConfig
// reports when the stack config sets it.
const providerTenantKey = "azure-native:tenantId"

// Run is the secret-store program: load and validate config, resolve tenant and subscription,
// build the store and export its outputs. main.go passes it to pulumi.Run; the planner runs it
// against mocks.
func Run(ctx *pulumi.Context) error {
	cfg, err := LoadConfig(ctx)
	if err != nil {
		return err
	}
	args, err := StoreArgs(ctx, cfg)
	if err != nil {
		return err
	}
	store, err := NewSecretStore(ctx, StoreName, args)
	if err != nil {
		return err
	}
	ctx.Export("vaultId", store.VaultID)
	ctx.Export("vaultName", store.VaultName)
	ctx.Export("vaultUri", store.VaultURI)
	ctx.Export("workspaceId", store.WorkspaceID)
	ctx.Export("resourceGroupName", store.ResourceGroupName)
	ctx.Export("identityClientIds", store.IdentityClientIDs)
	return nil
}

// StoreArgs turns validated config into component args. Tenant and subscription come from
// config when set, otherwise from the provider's getClientConfig; the tenant must be a
// non-empty GUID either way (KV-006), because ARM accepts some malformed tenants and the vault
// is then unusable.
func StoreArgs(ctx *pulumi.Context, cfg *Config) (*SecretStoreArgs, error) {
	tenant, sub := cfg.TenantID, cfg.SubscriptionID
	if tenant == "" || sub == "" {
		cc, err := authorization.GetClientConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("get azure client config: %w", err)
		}
		if tenant == "" {
			tenant = cc.TenantId
		}
		if sub == "" {
			sub = cc.SubscriptionId
		}
	}
	if !IsGUID(tenant) || tenant == "00000000-0000-0000-0000-000000000000" {
		// Name the key the value came from: ours when set; else the provider's tenantId when
		// the stack sets it (getClientConfig answers with it); else ours, which overrides
		// whatever the provider's credentials report.
		from, key := "from getClientConfig", fullKey(keyTenantID)
		if cfg.TenantID != "" {
			from = "from " + strconv.Quote(key)
		} else if v, ok := ctx.GetConfig(providerTenantKey); ok && v != "" {
			key = providerTenantKey
		}
		return nil, fmt.Errorf("tenant id %q %s is not a non-empty GUID; set %q", tenant, from, key)
	}
	if !IsGUID(sub) {
		return nil, fmt.Errorf("subscription id %q from getClientConfig is not a GUID; set %q", sub, fullKey(keySubscriptionID))
	}
	vaultName := cfg.VaultName
	if vaultName == "" {
		vaultName = DeriveVaultName(cfg.VaultNamePrefix, ctx.Project(), ctx.Stack(), cfg.Environment, sub)
	}
	args := &SecretStoreArgs{
		Environment:          cfg.Environment,
		Owner:                cfg.Owner,
		Location:             cfg.Location,
		TenantID:             tenant,
		SubscriptionID:       sub,
		VaultName:            vaultName,
		ResourceGroupName:    cfg.ResourceGroupName,
		WorkspaceID:          cfg.WorkspaceID,
		CreateMode:           cfg.CreateMode,
		SKU:                  cfg.SKU,
		AllowedIPRanges:      cfg.AllowedIPRanges,
		PublicNetworkAccess:  cfg.PublicNetworkAccess,
		NetworkDefaultAction: cfg.NetworkDefaultAction,
		LogRetentionDays:     cfg.LogRetentionDays,
		Tags:                 cfg.Tags,
		Applications:         cfg.Applications,
		OperatorGroupIDs:     cfg.OperatorGroupIDs,
	}
	for _, s := range cfg.Secrets {
		args.Secrets = append(args.Secrets, SecretArgs{
			Name:        s.Name,
			ContentType: s.ContentType,
			Expires:     s.ExpiresAt,
			Value:       pulumi.ToSecret(pulumi.String(s.Value.Reveal())).(pulumi.StringOutput),
		})
	}
	return args, nil
}
