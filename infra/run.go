package infra

import (
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// StoreName is the component name Run uses; child resource names derive from it.
const StoreName = "store"

// The azure-native provider's tenant and subscription settings, which getClientConfig reports
// when the stack config sets them.
const (
	providerTenantKey       = "azure-native:tenantId"
	providerSubscriptionKey = "azure-native:subscriptionId"
)

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
		from, key := idSource(ctx, keyTenantID, cfg.TenantID != "", providerTenantKey)
		return nil, fmt.Errorf("tenant id %q %s is not a non-empty GUID; set %q", tenant, from, key)
	}
	if !IsGUID(sub) {
		from, key := idSource(ctx, keySubscriptionID, cfg.SubscriptionID != "", providerSubscriptionKey)
		return nil, fmt.Errorf("subscription id %q %s is not a GUID; set %q", sub, from, key)
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

// idSource names where a tenant or subscription id came from and the key to set instead: ours
// when the stack sets it; else the provider's key when the stack sets that (getClientConfig
// answers with it); else ours, which overrides whatever the provider's credentials report.
func idSource(ctx *pulumi.Context, ours string, setByUs bool, providerKey string) (from, key string) {
	key = fullKey(ours)
	if setByUs {
		return "from " + strconv.Quote(key), key
	}
	if v, ok := ctx.GetConfig(providerKey); ok && v != "" {
		return "from getClientConfig", providerKey
	}
	return "from getClientConfig", key
}
