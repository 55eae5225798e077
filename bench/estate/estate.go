// Package estate generates `pulumi preview --json` documents of large secret-store estates for
// kvguard's benchmarks: many vaults, each with its diagnostic setting, lock, identities, role
// assignments, secrets and keys, with a deterministic mix of compliant and failing resources
// and of values unknown at preview.
//
// The documents have the exact shape of tests/testdata/samples/preview-dev.json (they decode with
// source.PreviewDigest, unknown fields disallowed) and of a preview run with --show-sames: an
// existing estate shows most resources as `same` steps with known ids and outputs, while
// freshly added vaults show `create` steps whose references are unknown and resolved only
// through propertyDependencies, which is what makes the relational policies work hard.
package estate

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"slices"
	"time"

	"github.com/kvguard/kvguard/internal/source"
)

// Pulumi type tokens the generator emits.
const (
	typeStack     = "pulumi:pulumi:Stack"
	typeRG        = "azure-native:resources:ResourceGroup"
	typeWorkspace = "azure-native:operationalinsights:Workspace"
	typeVault     = "azure-native:keyvault:Vault"
	typeDiag      = "azure-native:insights:DiagnosticSetting"
	typeLock      = "azure-native:authorization:ManagementLockAtResourceLevel"
	typeIdentity  = "azure-native:managedidentity:UserAssignedIdentity"
	typeSecret    = "azure-native:keyvault:Secret"
	typeKey       = "azure-native:keyvault:Key"
	typeRA        = "azure-native:authorization:RoleAssignment"
)

// Role definition GUIDs (policies/roles.json).
const (
	roleSecretsUser    = "4633458b-17de-408a-b874-0445c86b69e6"
	roleSecretsOfficer = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"
	roleKVReader       = "21090545-7ca7-4776-b22c-e363652d74d2"
	roleContributor    = "b24988ac-6180-42a0-ab88-20f7382dd24c"
)

const (
	unknown      = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
	subscription = "3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61"
	tenant       = "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f"
	providerRef  = "::pulumi:providers:azure-native::default_2_90_0::b1946ac9-2d1b-4c1e-9a57-1f0b6b1d3c11"
)

// Shape of one vault "unit": how many of each child a vault has.
const (
	identitiesPerVault = 3
	secretsPerVault    = 16
	// Each identity reads two secrets and the vault's metadata; one group administers secrets.
	secretGrantsPerIdentity = 2
	vaultsPerGroup          = 20  // vaults per resource group
	vaultsPerWorkspace      = 100 // vaults sharing one Log Analytics workspace
	keyEvery                = 2   // one key every keyEvery vaults
)

// Options selects what Generate writes.
type Options struct {
	// Resources is the number of resource steps to write (the stack resource included).
	Resources int
	// Seed makes the document reproducible: the same options give the same bytes.
	Seed uint64
	// Stack names the stack (and its environment profile: "prod" adds locks and protect).
	Stack string
	// Project is the Pulumi project name.
	Project string
	// Now anchors secret expiries; pass the same time to `kvguard check --now`.
	Now time.Time
}

// DefaultNow is the evaluation time the benchmarks use, so expiry results are reproducible.
var DefaultNow = time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)

// Stats counts what a generated document holds.
type Stats struct {
	Resources int
	ByType    map[string]int
	ByOp      map[string]int
	Vaults    int
}

// Generate builds the document and returns it as indented JSON, like `pulumi preview --json`.
func Generate(o Options) ([]byte, Stats, error) {
	d, st, err := build(o)
	if err != nil {
		return nil, Stats{}, err
	}
	out, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, Stats{}, fmt.Errorf("encode preview: %w", err)
	}
	return append(out, '\n'), st, nil
}

// Write is Generate to w.
func Write(w io.Writer, o Options) (Stats, error) {
	data, st, err := Generate(o)
	if err != nil {
		return Stats{}, err
	}
	if _, err := w.Write(data); err != nil {
		return Stats{}, fmt.Errorf("write preview: %w", err)
	}
	return st, nil
}

// res is one resource before it becomes a step.
type res struct {
	typ, name string
	inputs    map[string]any
	// outputs are the provider's outputs once the resource exists (merged over inputs).
	outputs map[string]any
	// oldInputs are the inputs before an update or replace.
	oldInputs map[string]any
	id        string
	deps      []string
	pdeps     map[string][]string
	protect   bool
}

// mode is how a vault unit shows up in the preview.
type mode int

const (
	modeSame   mode = iota // deployed and unchanged
	modeCreate             // added by this change: ids and outputs unknown
	modeUpdate             // deployed, some properties change
)

type gen struct {
	o       Options
	rng     *rand.Rand
	stack   string
	prod    bool
	steps   []source.PrintedStep
	summary map[string]int
	stats   Stats
	root    string
}

func build(o Options) (*source.PrintedPreview, Stats, error) {
	if o.Resources < 1 {
		return nil, Stats{}, fmt.Errorf("resources: got %d, want at least 1", o.Resources)
	}
	if o.Stack == "" {
		o.Stack = "prod"
	}
	if o.Project == "" {
		o.Project = "secret-store"
	}
	if o.Now.IsZero() {
		o.Now = DefaultNow
	}
	g := &gen{
		o:       o,
		rng:     rand.New(rand.NewPCG(o.Seed, o.Seed^0x6b76677561726421)),
		stack:   o.Stack,
		prod:    o.Stack == "prod" || o.Stack == "production",
		summary: map[string]int{},
		stats:   Stats{ByType: map[string]int{}, ByOp: map[string]int{}},
	}
	g.root = g.urn(typeStack, o.Project+"-"+o.Stack)
	g.emit(modeSame, &res{typ: typeStack, name: o.Project + "-" + o.Stack, inputs: map[string]any{}, outputs: map[string]any{}}, "")
	var rgName, rgURN, wsURN, wsID string
	for v := 0; !g.full(); v++ {
		if v%vaultsPerGroup == 0 {
			rgName, rgURN = g.resourceGroup(v / vaultsPerGroup)
		}
		if v%vaultsPerWorkspace == 0 && !g.full() {
			wsURN, wsID = g.workspace(v/vaultsPerWorkspace, rgName, rgURN)
		}
		g.vaultUnit(v, rgName, rgURN, wsURN, wsID)
	}
	g.stats.Resources = len(g.steps)
	return &source.PrintedPreview{
		Config: map[string]string{
			"azure-native:location":    "westeurope",
			"secret-store:environment": o.Stack,
		},
		Steps:         g.steps,
		Duration:      int64(4*time.Second) + int64(len(g.steps))*int64(2*time.Millisecond),
		ChangeSummary: g.summary,
	}, g.stats, nil
}

func (g *gen) full() bool { return len(g.steps) >= g.o.Resources }

func (g *gen) urn(typ, name string) string {
	return fmt.Sprintf("urn:pulumi:%s::%s::%s::%s", g.stack, g.o.Project, typ, name)
}

func (g *gen) provider() string {
	return fmt.Sprintf("urn:pulumi:%s::%s%s", g.stack, g.o.Project, providerRef)
}

// chance is true with probability p.
func (g *gen) chance(p float64) bool { return g.rng.Float64() < p }

// guid returns a random (but seeded) version-4 GUID.
func (g *gen) guid() string {
	a, b := g.rng.Uint64(), g.rng.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", uint32(a>>32), uint16(a>>16), uint16(a)&0x0fff,
		(uint16(b>>48)&0x3fff)|0x8000, b&0xffffffffffff)
}

func armID(rg, provider string) string {
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/%s", subscription, rg, provider)
}

// emit appends the step for r in the unit's mode; op overrides the mode's op when set.
func (g *gen) emit(m mode, r *res, op string) string {
	if g.full() {
		return ""
	}
	u := g.urn(r.typ, r.name)
	custom := r.typ != typeStack
	prov := ""
	if custom {
		prov = g.provider()
	}
	parent := ""
	if r.typ != typeStack {
		parent = g.root
	}
	newState := func(outputs map[string]any, id string) *source.PrintedState {
		return &source.PrintedState{URN: u, Custom: custom, Type: r.typ, Inputs: r.inputs, Outputs: outputs, Parent: parent,
			Protect: r.protect, Provider: prov, Dependencies: r.deps, PropertyDependencies: r.pdeps, ID: id}
	}
	existing := func() *source.PrintedState { return newState(merge(r.inputs, r.outputs), r.id) }
	if op == "" {
		switch m {
		case modeCreate:
			op = "create"
		default:
			op = "same"
		}
	}
	s := source.PrintedStep{Op: op, URN: u, Provider: prov}
	switch op {
	case "create":
		s.NewState = newState(map[string]any{}, "")
	case "same":
		s.OldState, s.NewState = existing(), existing()
	case "update":
		old := existing()
		old.Inputs = r.oldInputs
		old.Outputs = merge(old.Inputs, r.outputs)
		s.OldState, s.NewState = old, newState(merge(r.inputs, r.outputs), r.id)
		s.DiffReasons = diffKeys(old.Inputs, r.inputs)
		s.DetailedDiff = map[string]source.PropertyDiff{}
		for _, k := range s.DiffReasons {
			s.DetailedDiff[k] = source.PropertyDiff{Kind: "update", InputDiff: true}
		}
	case "delete":
		old := existing()
		s.OldState = old
	case "replace":
		old := existing()
		old.Inputs = r.oldInputs
		old.Outputs = merge(old.Inputs, r.outputs)
		s.OldState, s.NewState = old, newState(map[string]any{}, "")
		s.DiffReasons = diffKeys(old.Inputs, r.inputs)
		s.ReplaceReasons = s.DiffReasons
		s.DetailedDiff = map[string]source.PropertyDiff{}
		for _, k := range s.DiffReasons {
			s.DetailedDiff[k] = source.PropertyDiff{Kind: "update-replace", InputDiff: true}
		}
	default:
		panic("estate: unknown op " + op)
	}
	g.steps = append(g.steps, s)
	g.summary[op]++
	g.stats.ByOp[op]++
	g.stats.ByType[r.typ]++
	return u
}

// merge overlays b on a copy of a (one level deep, like the provider's outputs).
func merge(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func diffKeys(a, b map[string]any) []string {
	var keys []string
	for k, v := range b {
		old, ok := a[k]
		if !ok || !reflect.DeepEqual(old, v) {
			keys = append(keys, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func tags(env, owner string) map[string]any {
	t := map[string]any{"environment": env}
	if owner != "" {
		t["owner"] = owner
	}
	return t
}

func (g *gen) resourceGroup(i int) (name, urn string) {
	name = fmt.Sprintf("rg-kv-%s-%03d", g.stack, i)
	r := &res{typ: typeRG, name: fmt.Sprintf("rg-%03d", i),
		inputs: map[string]any{"resourceGroupName": name, "location": "westeurope", "tags": tags(g.stack, "platform-team")},
		outputs: map[string]any{"name": name, "type": "Microsoft.Resources/resourceGroups",
			"azureApiVersion": "2022-09-01", "provisioningState": "Succeeded"},
		id:   fmt.Sprintf("/subscriptions/%s/resourceGroups/%s", subscription, name),
		deps: nil,
	}
	return name, g.emit(modeSame, r, "")
}

func (g *gen) workspace(i int, rg, rgURN string) (urn, id string) {
	name := fmt.Sprintf("log-kv-%s-%02d", g.stack, i)
	days := 90
	if g.prod {
		days = 365
	}
	if g.chance(0.1) {
		days = 30 // DIAG-004
	}
	id = armID(rg, "Microsoft.OperationalInsights/workspaces/"+name)
	r := &res{typ: typeWorkspace, name: fmt.Sprintf("logs-%02d", i),
		inputs: map[string]any{"resourceGroupName": rg, "workspaceName": name, "location": "westeurope",
			"retentionInDays": days, "sku": map[string]any{"name": "PerGB2018"}},
		outputs: map[string]any{"name": name, "customerId": g.guid(), "provisioningState": "Succeeded",
			"type": "Microsoft.OperationalInsights/workspaces", "azureApiVersion": "2022-10-01"},
		id: id, deps: []string{rgURN},
	}
	return g.emit(modeSame, r, ""), id
}

// ref sets property key of r to the value of another resource: known in an existing unit,
// the unknown sentinel plus a property dependency in a new one (as the sample preview shows).
func ref(m mode, r *res, key, value, dep string) {
	if r.pdeps == nil {
		r.pdeps = map[string][]string{}
	}
	if m == modeCreate {
		r.inputs[key] = unknown
	} else {
		r.inputs[key] = value
	}
	r.pdeps[key] = []string{dep}
	r.deps = appendUnique(r.deps, dep)
}

func appendUnique(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// vaultUnit writes one vault and everything that hangs off it, in dependency order, stopping
// as soon as the document is full.
func (g *gen) vaultUnit(v int, rg, rgURN, wsURN, wsID string) {
	m := modeSame
	switch x := g.rng.Float64(); {
	case x < 0.10:
		m = modeCreate
	case x < 0.15:
		m = modeUpdate
	}
	g.stats.Vaults++
	unit := fmt.Sprintf("%05d", v)
	env := g.stack

	// --- vault
	vaultName := fmt.Sprintf("kv-%s-%s", shortStack(g.stack), unit)
	if g.chance(0.01) {
		vaultName = fmt.Sprintf("kv--%s-%s", shortStack(g.stack), unit) // KV-005: double hyphen
	}
	vaultID := armID(rg, "Microsoft.KeyVault/vaults/"+vaultName)
	props := map[string]any{
		"tenantId":                     tenant,
		"sku":                          map[string]any{"family": "A", "name": "standard"},
		"enableRbacAuthorization":      true,
		"enableSoftDelete":             true,
		"softDeleteRetentionInDays":    90,
		"enablePurgeProtection":        true,
		"enabledForDeployment":         false,
		"enabledForDiskEncryption":     false,
		"enabledForTemplateDeployment": false,
		"publicNetworkAccess":          "Disabled",
		"networkAcls": map[string]any{"defaultAction": "Deny", "bypass": "AzureServices",
			"ipRules": []any{}, "virtualNetworkRules": []any{}},
	}
	if g.chance(0.03) {
		delete(props, "enablePurgeProtection") // KV-002
	}
	if g.chance(0.02) {
		props["softDeleteRetentionInDays"] = 120 // KV-001
	}
	if g.chance(0.03) { // KV-004
		props["publicNetworkAccess"] = "Enabled"
		props["networkAcls"] = map[string]any{"defaultAction": "Allow", "bypass": "AzureServices",
			"ipRules": []any{}, "virtualNetworkRules": []any{}}
	}
	if g.chance(0.01) { // KV-003 and RBAC-007
		props["enableRbacAuthorization"] = false
		props["accessPolicies"] = []any{map[string]any{
			"tenantId": tenant, "objectId": g.guid(),
			"permissions": map[string]any{"secrets": []any{"get", "list", "all"}, "keys": []any{}, "certificates": []any{}},
		}}
	}
	if m == modeCreate && g.chance(0.2) {
		props["tenantId"] = unknown // KV-006 unverifiable
	}
	owner := fmt.Sprintf("team-%02d", v%37)
	if g.chance(0.03) {
		owner = "" // GEN-001
	}
	vault := &res{typ: typeVault, name: "vault-" + unit,
		inputs: map[string]any{"location": "westeurope", "resourceGroupName": rg, "vaultName": vaultName,
			"properties": props, "tags": tags(env, owner)},
		id: vaultID, deps: []string{rgURN},
		protect: g.prod && !g.chance(0.02), // KV-007 in prod when no lock either
	}
	vault.outputs = map[string]any{"name": vaultName, "type": "Microsoft.KeyVault/vaults", "azureApiVersion": "2023-07-01",
		"properties": merge(props, map[string]any{"vaultUri": "https://" + vaultName + ".vault.azure.net/",
			"provisioningState": "Succeeded"})}
	vaultOp := ""
	if m == modeUpdate {
		old := merge(vault.inputs, nil)
		old["tags"] = tags(env, "platform-team")
		vault.oldInputs = old
		vaultOp = "update"
	}
	vaultURN := g.emit(m, vault, vaultOp)

	// --- lock (prod only, like infra.NewSecretStore)
	if g.prod && !g.chance(0.05) {
		lock := &res{typ: typeLock, name: "vault-" + unit + "-lock",
			inputs: map[string]any{"lockName": "kv-no-delete", "level": "CanNotDelete",
				"notes":             "Production Key Vault: deleting it loses every secret until purge protection expires.",
				"resourceGroupName": rg, "resourceProviderNamespace": "Microsoft.KeyVault",
				"parentResourcePath": "", "resourceType": "vaults"},
			outputs: map[string]any{"name": "kv-no-delete", "type": "Microsoft.Authorization/locks"},
			id:      vaultID + "/providers/Microsoft.Authorization/locks/kv-no-delete",
		}
		ref(m, lock, "resourceName", vaultName, vaultURN)
		g.emit(m, lock, "")
	}

	// --- diagnostic settings
	diagCount := 1
	switch x := g.rng.Float64(); {
	case x < 0.03:
		diagCount = 0 // DIAG-001
	case x < 0.04:
		diagCount = 2 // DIAG-005
	}
	for d := 0; d < diagCount; d++ {
		group := "audit"
		if g.prod {
			group = "allLogs"
		}
		logs := []any{map[string]any{"categoryGroup": group, "enabled": true}}
		if g.chance(0.02) { // DIAG-002
			logs = []any{map[string]any{"categoryGroup": group, "enabled": true,
				"retentionPolicy": map[string]any{"days": 30, "enabled": true}}}
		}
		if g.chance(0.01) { // DIAG-003
			logs = append(logs, map[string]any{"category": "AuditEvent", "enabled": true})
		}
		name := fmt.Sprintf("kv-audit-%d", d)
		diag := &res{typ: typeDiag, name: fmt.Sprintf("vault-%s-audit-%d", unit, d),
			inputs: map[string]any{"name": name, "logs": logs,
				"metrics": []any{map[string]any{"category": "AllMetrics", "enabled": true}}},
			outputs: map[string]any{"type": "Microsoft.Insights/diagnosticSettings"},
			id:      vaultID + "/providers/Microsoft.Insights/diagnosticSettings/" + name,
		}
		ref(m, diag, "resourceUri", vaultID, vaultURN)
		diag.inputs["workspaceId"] = wsID
		diag.pdeps["workspaceId"] = []string{wsURN}
		diag.deps = appendUnique(diag.deps, wsURN)
		g.emit(m, diag, "")
	}

	// --- identities
	type identity struct{ urn, principal string }
	ids := make([]identity, 0, identitiesPerVault)
	for k := 0; k < identitiesPerVault; k++ {
		name := fmt.Sprintf("id-%s-%s-%d", shortStack(g.stack), unit, k)
		principal := g.guid()
		idOwner := owner
		if g.chance(0.03) {
			idOwner = "" // GEN-001
		}
		ident := &res{typ: typeIdentity, name: fmt.Sprintf("app-%s-%d", unit, k),
			inputs: map[string]any{"resourceGroupName": rg, "resourceName": name, "location": "westeurope",
				"tags": tags(env, idOwner)},
			outputs: map[string]any{"principalId": principal, "clientId": g.guid(), "tenantId": tenant,
				"name": name, "type": "Microsoft.ManagedIdentity/userAssignedIdentities"},
			id: armID(rg, "Microsoft.ManagedIdentity/userAssignedIdentities/"+name), deps: []string{rgURN},
		}
		ids = append(ids, identity{g.emit(m, ident, ""), principal})
	}

	// --- secrets
	type secret struct{ urn, id string }
	secrets := make([]secret, 0, secretsPerVault)
	nowSec := g.o.Now.Unix()
	maxDays := int64(365)
	if g.prod {
		maxDays = 90
	}
	for s := 0; s < secretsPerVault; s++ {
		name := fmt.Sprintf("app-secret-%02d", s)
		attrs := map[string]any{"enabled": true,
			"expires": nowSec + 86400*(45+g.rng.Int64N(maxDays-45))}
		switch x := g.rng.Float64(); {
		case x < 0.03:
			delete(attrs, "expires") // SEC-001
		case x < 0.05:
			attrs["expires"] = nowSec + 86400*(maxDays+200) // SEC-002
		case x < 0.06:
			attrs["expires"] = (nowSec + 86400*60) * 1000 // SEC-002: milliseconds
		case x < 0.08:
			attrs["expires"] = nowSec - 86400*10 // SEC-003: expired
		case x < 0.09:
			attrs["expires"] = nowSec + 86400*7 // SEC-003: expires soon
		}
		sp := map[string]any{"value": "[secret]", "contentType": "text/plain", "attributes": attrs}
		if g.chance(0.08) {
			delete(sp, "contentType") // SEC-004
		}
		if g.chance(0.005) {
			sp["value"] = fmt.Sprintf("bench-plaintext-%s-%02d", unit, s) // SEC-005
		}
		sid := vaultID + "/secrets/" + name
		sec := &res{typ: typeSecret, name: fmt.Sprintf("vault-%s-%s", unit, name),
			inputs: map[string]any{"resourceGroupName": rg, "secretName": name, "properties": sp},
			outputs: map[string]any{"name": name, "type": "Microsoft.KeyVault/vaults/secrets",
				"properties": map[string]any{"attributes": attrs, "contentType": sp["contentType"],
					"secretUri": "https://" + vaultName + ".vault.azure.net/secrets/" + name}},
			id: sid,
		}
		if sp["contentType"] == nil {
			delete(sec.outputs["properties"].(map[string]any), "contentType")
		}
		ref(m, sec, "vaultName", vaultName, vaultURN)
		op := ""
		if m != modeCreate {
			switch x := g.rng.Float64(); {
			case x < 0.003:
				op = "delete" // KV-007
			case x < 0.03: // a rotated expiry
				old := merge(sec.inputs, nil)
				oldSP := merge(sp, nil)
				oldSP["attributes"] = merge(attrs, map[string]any{"expires": nowSec + 86400*20})
				old["properties"] = oldSP
				sec.oldInputs = old
				op = "update"
			}
		}
		secrets = append(secrets, secret{g.emit(m, sec, op), sid})
	}

	// --- a key every other vault
	if v%keyEvery == 0 {
		kp := map[string]any{"kty": "RSA", "keySize": 2048, "keyOps": []any{"wrapKey", "unwrapKey"},
			"attributes": map[string]any{"enabled": true, "expires": nowSec + 86400*365},
			"rotationPolicy": map[string]any{
				"attributes": map[string]any{"expiryTime": "P1Y"},
				"lifetimeActions": []any{
					map[string]any{"action": map[string]any{"type": "rotate"}, "trigger": map[string]any{"timeBeforeExpiry": "P30D"}},
					map[string]any{"action": map[string]any{"type": "notify"}, "trigger": map[string]any{"timeBeforeExpiry": "P30D"}},
				}}}
		if g.chance(0.1) {
			delete(kp, "rotationPolicy") // KEY-001
		}
		key := &res{typ: typeKey, name: "vault-" + unit + "-cmk",
			inputs:  map[string]any{"resourceGroupName": rg, "keyName": "cmk", "properties": kp},
			outputs: map[string]any{"name": "cmk", "type": "Microsoft.KeyVault/vaults/keys"},
			id:      vaultID + "/keys/cmk",
		}
		ref(m, key, "vaultName", vaultName, vaultURN)
		g.emit(m, key, "")
	}

	// --- role assignments
	roleID := func(guid string) string {
		return fmt.Sprintf("/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s", subscription, guid)
	}
	assign := func(name, principal, principalURN, principalType, role, scope, scopeURN string) {
		if g.full() {
			return
		}
		inputs := map[string]any{"principalType": principalType, "roleDefinitionId": roleID(role),
			"roleAssignmentName": g.guid()}
		switch x := g.rng.Float64(); {
		case x < 0.01 && principalType == "ServicePrincipal": // RBAC-001
			inputs["roleDefinitionId"] = roleID(roleContributor)
		case x < 0.02 && principalType == "ServicePrincipal": // RBAC-003
			inputs["roleDefinitionId"] = roleID(roleSecretsOfficer)
		case x < 0.03: // RBAC-002
			scope, scopeURN = fmt.Sprintf("/subscriptions/%s/resourceGroups/%s", subscription, rg), rgURN
		case x < 0.035: // RBAC-004
			delete(inputs, "principalType")
		case x < 0.04: // RBAC-005
			inputs["roleAssignmentName"] = "ra-" + name
		}
		ra := &res{typ: typeRA, name: name, inputs: inputs, pdeps: map[string][]string{},
			outputs: map[string]any{"type": "Microsoft.Authorization/roleAssignments",
				"principalId": principal, "scope": scope},
		}
		ra.id = scope + "/providers/Microsoft.Authorization/roleAssignments/" + fmt.Sprint(inputs["roleAssignmentName"])
		if principalURN != "" {
			ref(m, ra, "principalId", principal, principalURN)
		} else {
			inputs["principalId"] = principal
		}
		if scopeURN == rgURN {
			inputs["scope"] = scope // the group name is known from config
			ra.pdeps["scope"] = []string{rgURN}
			ra.deps = appendUnique(ra.deps, rgURN)
		} else {
			ref(m, ra, "scope", scope, scopeURN)
		}
		op := ""
		if m == modeSame && g.chance(0.003) { // RBAC-005 warn: replaced only for its name
			old := merge(inputs, nil)
			old["roleAssignmentName"] = g.guid()
			ra.oldInputs = old
			op = "replace"
		}
		g.emit(m, ra, op)
		if g.chance(0.005) && !g.full() { // RBAC-006: the same grant under another name
			dup := &res{typ: typeRA, name: name + "-again", inputs: merge(inputs, map[string]any{"roleAssignmentName": g.guid()}),
				outputs: ra.outputs, deps: ra.deps, pdeps: ra.pdeps}
			dup.id = scope + "/providers/Microsoft.Authorization/roleAssignments/" + fmt.Sprint(dup.inputs["roleAssignmentName"])
			g.emit(m, dup, "")
		}
	}
	if g.full() || len(secrets) == 0 {
		return
	}
	for k, id := range ids {
		if id.urn == "" {
			return
		}
		for j := 0; j < secretGrantsPerIdentity; j++ {
			si := (k*secretGrantsPerIdentity + j) % len(secrets)
			if secrets[si].urn == "" {
				continue
			}
			assign(fmt.Sprintf("app-%s-%d-reads-%02d", unit, k, si), id.principal, id.urn, "ServicePrincipal",
				roleSecretsUser, secrets[si].id, secrets[si].urn)
		}
		assign(fmt.Sprintf("app-%s-%d-vault-reader", unit, k), id.principal, id.urn, "ServicePrincipal",
			roleKVReader, vaultID, vaultURN)
	}
	assign(fmt.Sprintf("ops-%s-secrets-officer", unit), fmt.Sprintf("0f9e8d7c-6b5a-4c3d-8e1f-%012d", v%50), "", "Group",
		roleSecretsOfficer, vaultID, vaultURN)
}

func shortStack(s string) string {
	if len(s) > 4 {
		return s[:4]
	}
	return s
}
