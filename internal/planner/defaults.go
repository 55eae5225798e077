package planner

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kvguard/kvguard/infra"
	"github.com/kvguard/kvguard/infra/azuremock"
)

// defaultProgram is the secret-store program main.go runs.
var defaultProgram = infra.Run

// Config keys of the azure-native provider the simulated Azure reads its identity from, as the
// real provider would. Without them getClientConfig answers with azuremock's documented
// placeholders (azuremock.DefaultTenantID, azuremock.DefaultSubscriptionID).
const (
	ConfigTenantID       = "azure-native:tenantId"
	ConfigSubscriptionID = "azure-native:subscriptionId"
	ConfigClientID       = "azure-native:clientId"
)

// defaultAzure is the monitor Run uses when Options.Azure is nil: infra/azuremock, shared with
// the program's own tests, bound to the project and stack so its URNs match ours.
func defaultAzure(project, stack string, cfg *StackConfig) pulumi.MockResourceMonitor {
	var o azuremock.Options
	if cfg != nil {
		for key, dst := range map[string]*string{
			ConfigTenantID: &o.TenantID, ConfigSubscriptionID: &o.SubscriptionID, ConfigClientID: &o.ClientID,
		} {
			// A secret value would be the ciphertext of a secure: value, never the id.
			if v := cfg.Values[key]; v != "" && !cfg.IsSecret(key) {
				*dst = v
			}
		}
	}
	m := azuremock.New(o)
	m.Bind(project, stack)
	return m
}
