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
// Stack outputs (ctx.Export): "vaultId", "vaultName", "vaultUri", "workspaceId",
// "resourceGroupName" and "identityClientIds" (map: application name -> client id).
//
// Package infra/azuremock provides a pulumi.MockResourceMonitor that answers like Azure (ARM ids,
// https://<name>.vault.azure.net/, GUID principal and client ids, getClientConfig) and records
// every registration (type, name, URN, parent, inputs, outputs, protect, dependencies); the
// planner and the tests here share it:
//
//	m := azuremock.New(azuremock.Options{})   // defaults: fixed test tenant and subscription
//	err := pulumi.RunWithContext(ctx, infra.Run) // ctx from pulumi.NewContext(..., RunInfo{Mocks: m, ...})
//	m.Registrations() []azuremock.Registration
//	azuremock.Run(project, stack string, config map[string]string, secretKeys []string,
//	    m *azuremock.Monitor, body pulumi.RunFunc) error // helper doing the above
package infra
