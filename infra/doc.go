// Package infra holds the kvguard Pulumi components and the typed stack configuration of the
// secret-store project.
//
// The program is callable as a function so the offline planner (internal/planner) can run it
// in-process against Pulumi's mocks exactly as `pulumi up` runs it:
//
//	func Run(ctx *pulumi.Context) error
//	    // LoadConfig, then NewSecretStore(ctx, "store", ...), then ctx.Export of the outputs.
//	func LoadConfig(ctx *pulumi.Context) (*Config, error)
//	    // reads every key under the "secret-store:" namespace from ctx; secret values must be
//	    // secret config keys (ctx.IsConfigSecret), i.e. set with `pulumi config set --secret`.
//	func ParseConfig(values map[string]string) (*Config, error)
//	    // pure: keys are full config keys ("secret-store:environment"); structured values are
//	    // JSON (as Pulumi passes them to programs); does not check that values are secret keys.
//	func ParseStackConfig(values map[string]string, secretKeys []string) (*Config, error)
//	    // like ParseConfig, and also requires every "secret-store:secret-<name>" key to be in
//	    // secretKeys. LoadConfig calls this.
//	func NewSecretStore(ctx *pulumi.Context, name string, args *SecretStoreArgs,
//	    opts ...pulumi.ResourceOption) (*SecretStore, error)
//
// Config errors are a *ConfigError listing every problem at once ([]ConfigProblem{Key, Rule}),
// each naming the full config key ("secret-store:secrets[1].expires") and the rule broken.
// Secret values never appear in errors; SecretValue redacts itself when printed.
//
// The Pulumi CLI injects the defaults declared in Pulumi.yaml, so an optional key that is empty
// ("", "0" for logRetentionDays) or holds its Pulumi.yaml default counts as unset and the
// environment's default applies.
//
// Config validation is structural only, by design: types, Azure naming and format rules, GUIDs,
// date format and a sanity range (2020-01-01 to 2099-12-31), references between keys (grants of
// unknown secrets, secrets without a value, values not set with --secret). Choices the kvguard
// policies judge are accepted: publicNetworkAccess Enabled (even without allowedIpRanges), far
// expiry dates, a missing owner (hence no owner tag), "*" grants, short log retention. The
// planner's non-compliant examples must be able to express such configs so the policies, with
// their levels, exceptions and per-stack settings, are what catches them. What the component
// never does whatever the config (purge protection false, RBAC or soft delete off, access
// policies, networkAcls default Allow, write roles for workloads, clock-based expiry) is listed
// in README.md.
//
// Stack outputs (ctx.Export): "vaultId", "vaultName", "vaultUri", "workspaceId",
// "resourceGroupName" and "identityClientIds" (map: application name -> client id).
//
// Package infra/azuremock provides a pulumi.MockResourceMonitor that answers like Azure (ARM ids,
// https://<name>.vault.azure.net/, GUID principal and client ids, getClientConfig) and records
// every registration (type, name, URN, parent, inputs, outputs, protect, deleteBeforeReplace,
// dependencies, property dependencies); the planner and the tests here share it:
//
//	m := azuremock.New(azuremock.Options{})   // defaults: DefaultTenantID, DefaultSubscriptionID
//	azuremock.Run(project, stack string, config map[string]string, secretKeys []string,
//	    m *azuremock.Monitor, body pulumi.RunFunc) error
//	azuremock.RunWith(m, azuremock.RunOptions{Project, Stack, Config, SecretKeys, DryRun}, body)
//	m.Registrations() []azuremock.Registration // sorted by URN; also m.ByType, m.Find, m.Calls
//
// Run and RunWith return once every registration has finished, so assertions belong after them,
// not inside apply callbacks. Options.TenantID "-" makes getClientConfig report an empty tenant.
package infra
