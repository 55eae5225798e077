package engine

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
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
