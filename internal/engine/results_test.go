package engine

import (
	"fmt"
	"math/rand/v2"
	"runtime/metrics"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/internal/model"
)

// entrySets writes findings as the deny and warn sets OPA returns.
func entrySets(fs []finding) (deny, warn []any) {
	for _, f := range fs {
		e := map[string]any{"urn": f.urn, "msg": f.msg}
		if f.unknown != "" {
			e["unknown"] = f.unknown
		}
		if f.deny {
			deny = append(deny, e)
		} else {
			warn = append(warn, e)
		}
	}
	return deny, warn
}

// buildFor runs what Evaluate runs after the evaluation: findings per policy, then results.
func buildFor(t *testing.T, doc *model.Document, policies []Policy, levels []Level, entries [][]finding) []Result {
	t.Helper()
	idx, _ := newResourceIndex(doc)
	pfs := make([]*policyFindings, len(policies))
	for i, p := range policies {
		deny, warn := entrySets(entries[i])
		var err error
		pfs[i], err = idx.newPolicyFindings(p, levels[i], deny, warn)
		require.NoError(t, err)
	}
	results, err := idx.buildResults(pfs, nil)
	require.NoError(t, err)
	return results
}

// TestResultsAreInReportOrder builds random estates' results (replacement halves sharing a
// URN, deletions, components, entries for resources of other types, disabled policies) and
// compares them with the same results made the plain way: each policy's in turn, then
// sorted by URN and policy id.
func TestResultsAreInReportOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	types := []string{"azure-native:keyvault:Vault", "azure-native:keyvault:Secret", "azure-native:authorization:RoleAssignment"}
	ops := []string{"same", "same", "update", "create", "delete", "create-replacement", "replace"}
	for _, tc := range []struct {
		name                string
		policies, resources int
	}{
		{name: "empty", policies: 0, resources: 0},
		{name: "no resources", policies: 3, resources: 0},
		{name: "one result", policies: 1, resources: 1},
		{name: "one policy", policies: 1, resources: 50},
		{name: "many policies", policies: 28, resources: 300},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := &model.Document{}
			for i := range tc.resources {
				typ := types[rng.IntN(len(types))]
				r := model.Resource{URN: fmt.Sprintf("urn:pulumi:prod::p::%s::r%04d", typ, rng.IntN(10*tc.resources)),
					Type: typ, Name: fmt.Sprintf("r%d", i), Op: ops[rng.IntN(len(ops))], Custom: rng.IntN(10) > 0}
				doc.Resources = append(doc.Resources, r)
				if r.Op == "create-replacement" { // the other half of the replacement
					r.Op = "replace"
					doc.Resources = append(doc.Resources, r)
				}
			}
			policies := make([]Policy, tc.policies)
			levels := make([]Level, tc.policies)
			entries := make([][]finding, tc.policies)
			for i := range policies {
				policies[i] = Policy{ID: fmt.Sprintf("P-%03d", i), ResourceTypes: []string{types[rng.IntN(len(types))], types[rng.IntN(len(types))]}}
				levels[i] = []Level{LevelMandatory, LevelAdvisory, LevelDisabled}[rng.IntN(3)]
				for _, r := range doc.Resources {
					if rng.IntN(5) == 0 {
						entries[i] = append(entries[i], finding{urn: r.URN, msg: "fails " + r.Name + ".", deny: rng.IntN(2) == 0})
					}
				}
				if rng.IntN(2) == 0 { // a URN no resource has: a component's
					entries[i] = append(entries[i], finding{urn: fmt.Sprintf("urn:pulumi:prod::p::kvguard:Store::c%d", i), msg: "fails.", deny: true})
				}
			}

			got := buildFor(t, doc, policies, levels, entries)

			var want []Result
			for i, p := range policies {
				found := map[string][]finding{}
				for _, f := range entries[i] {
					found[f.urn] = append(found[f.urn], f)
				}
				hasResult := map[string]bool{}
				for _, typ := range distinctTypes(p) {
					for _, r := range doc.Resources {
						if r.Type != typ || !r.Custom || model.IsRemoval(r.Op) || hasResult[r.URN] {
							continue
						}
						hasResult[r.URN] = true
						res := Result{PolicyID: p.ID, URN: r.URN, ResourceType: r.Type, ResourceName: r.Name, Level: levels[i]}
						switch {
						case levels[i] == LevelDisabled:
							res.Status = StatusNotApplicable
						case len(found[r.URN]) == 0:
							res.Status = StatusPass
						default:
							judge(&res, found[r.URN], levels[i])
						}
						want = append(want, res)
					}
				}
				if levels[i] == LevelDisabled {
					continue
				}
				for urn, fs := range found {
					if hasResult[urn] {
						continue
					}
					res := Result{PolicyID: p.ID, URN: urn, Level: levels[i]}
					res.ResourceType, res.ResourceName = splitURN(urn)
					for _, r := range doc.Resources { // the last resource of the URN
						if r.URN == urn {
							res.ResourceType, res.ResourceName = r.Type, r.Name
						}
					}
					judge(&res, fs, levels[i])
					want = append(want, res)
				}
			}
			sort.Slice(want, func(i, j int) bool {
				if want[i].URN != want[j].URN {
					return want[i].URN < want[j].URN
				}
				return want[i].PolicyID < want[j].PolicyID
			})
			require.Len(t, got, len(want))
			for i := range want {
				if !assert.Equal(t, want[i], got[i], "result %d", i) {
					break
				}
			}
		})
	}
}

// One result per URN and policy: the first of the halves of a replacement, a type the policy
// names twice once, and an entry for a URN that is not a checked resource (a deletion) its
// own result, except under a disabled policy.
func TestOneResultPerPolicyAndURN(t *testing.T) {
	const vault = "azure-native:keyvault:Vault"
	urn := "urn:pulumi:prod::p::" + vault + "::a"
	doc := &model.Document{Resources: []model.Resource{
		{URN: urn, Type: vault, Name: "a", Op: "create-replacement", Custom: true},
		{URN: urn, Type: vault, Name: "a", Op: "replace", Custom: true},
		{URN: "urn:pulumi:prod::p::" + vault + "::b", Type: vault, Name: "b", Op: "same", Custom: true},
		{URN: "urn:pulumi:prod::p::" + vault + "::gone", Type: vault, Name: "gone", Op: "delete", Custom: true},
	}}
	p := Policy{ID: "KV-001", ResourceTypes: []string{vault, vault}}
	entries := [][]finding{{
		{urn: urn, msg: "Key Vault 'a' fails.", deny: true},
		{urn: doc.Resources[3].URN, msg: "Key Vault 'gone' fails.", deny: true},
	}}
	for _, lvl := range []Level{LevelMandatory, LevelDisabled} {
		t.Run(string(lvl), func(t *testing.T) {
			got := buildFor(t, doc, []Policy{p}, []Level{lvl}, entries)
			statuses := map[string]Status{}
			for _, r := range got {
				_, dup := statuses[r.URN]
				assert.False(t, dup, "two results for %s", r.URN)
				statuses[r.URN] = r.Status
			}
			want := map[string]Status{urn: StatusFail, doc.Resources[2].URN: StatusPass, doc.Resources[3].URN: StatusFail}
			if lvl == LevelDisabled {
				want = map[string]Status{urn: StatusNotApplicable, doc.Resources[2].URN: StatusNotApplicable}
			}
			assert.Equal(t, want, statuses)
		})
	}
}

// Results that would bring the heap to the collector's goal are preceded by a collection.
func TestCollectIfBuildingWould(t *testing.T) {
	cycles := func() uint64 {
		s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	before := cycles()
	collectIfBuildingWould(1 << 50)
	assert.Greater(t, cycles(), before, "no collection before results larger than any heap goal")
}
