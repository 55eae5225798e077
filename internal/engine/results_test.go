package engine

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/internal/model"
)

// TestSortByURNIsTheReportOrder feeds sortByURN results as Evaluate makes them (policy by
// policy in id order, each policy's URNs in any order, a URN at most once per policy) and
// compares with a plain sort by URN, then policy id.
func TestSortByURNIsTheReportOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name           string
		policies, urns int
	}{
		{name: "empty", policies: 0, urns: 0},
		{name: "one result", policies: 1, urns: 1},
		{name: "one policy", policies: 1, urns: 50},
		{name: "many policies", policies: 28, urns: 300},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var results []Result
			for p := range tc.policies {
				for _, u := range rng.Perm(tc.urns) {
					if rng.IntN(4) == 0 {
						continue // not every policy applies to every resource
					}
					results = append(results, Result{PolicyID: fmt.Sprintf("P-%03d", p), URN: fmt.Sprintf("urn:%05d", u)})
				}
			}
			want := append([]Result(nil), results...)
			sort.Slice(want, func(i, j int) bool {
				if want[i].URN != want[j].URN {
					return want[i].URN < want[j].URN
				}
				return want[i].PolicyID < want[j].PolicyID
			})
			got := sortByURN(results)
			assert.Equal(t, len(want), len(got))
			for i := range want {
				if !assert.Equal(t, want[i], got[i], "result %d", i) {
					break
				}
			}
		})
	}
}

// A policy's results are counted before they are built into one shared slice, so the two
// must agree: one result per URN (the first of the halves of a replacement), a type the
// policy names twice counted once, and an entry for a URN that is not a checked resource (a
// deletion) given its own result.
func TestPolicyResultsMatchTheirCount(t *testing.T) {
	const vault = "azure-native:keyvault:Vault"
	newHalf := &model.Resource{URN: "urn:pulumi:prod::p::" + vault + "::a", Type: vault, Name: "a", Op: "create-replacement", Custom: true}
	oldHalf := &model.Resource{URN: newHalf.URN, Type: vault, Name: "a", Op: "replace", Custom: true}
	other := &model.Resource{URN: "urn:pulumi:prod::p::" + vault + "::b", Type: vault, Name: "b", Op: "same", Custom: true}
	deleted := "urn:pulumi:prod::p::" + vault + "::gone"
	idx := resourceIndex{
		byURN:  map[string]*model.Resource{newHalf.URN: oldHalf, other.URN: other},
		byType: map[string][]*model.Resource{vault: {newHalf, oldHalf, other}},
		first:  map[string]*model.Resource{newHalf.URN: newHalf, other.URN: other},
	}
	p := Policy{ID: "KV-001", ResourceTypes: []string{vault, vault}}
	found := map[string][]finding{
		newHalf.URN: {{urn: newHalf.URN, msg: "Key Vault 'a' fails.", deny: true}},
		deleted:     {{urn: deleted, msg: "Key Vault 'gone' fails.", deny: true}},
	}
	for _, lvl := range []Level{LevelMandatory, LevelDisabled} {
		t.Run(string(lvl), func(t *testing.T) {
			n := idx.policyResultCount(p, lvl, found)
			got := idx.policyResults(p, lvl, found, nil, make([]Result, 0, n))
			require.Len(t, got, n)
			urns := map[string]int{}
			for _, r := range got {
				urns[r.URN]++
			}
			want := map[string]int{newHalf.URN: 1, other.URN: 1}
			if lvl != LevelDisabled {
				want[deleted] = 1
			}
			assert.Equal(t, want, urns)
		})
	}
}
