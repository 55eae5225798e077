package engine

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"slices"
	"sort"
	"unsafe"

	"github.com/kvguard/kvguard/internal/model"
)

// Turning the policies' entries into the report's results: one per (policy, resource), in
// report order (URN, then policy id).
//
// A large estate has hundreds of thousands of results (28 policies over 100k resources, most
// of them passes). Each result's place in the report is worked out first, from small
// integers, and each policy then builds its results straight into their places on every
// CPU: no map shared between policies, no second copy of the results and no sort of them
// afterwards.

// resourceIndex finds a document's resources for building results.
type resourceIndex struct {
	byURN map[string]*model.Resource // the last resource of each URN
	// byType holds, per type, the first checked resource (custom, not being removed) of each
	// URN: the halves of a replacement share a URN and get one result.
	byType map[string][]checkedResource
	first  map[string]*model.Resource // the first checked resource of each URN
	// rank is each result URN's place in URN order (place fills it).
	rank map[string]int32
}

// checkedResource is a checked resource and, once place has run, its URN's rank.
type checkedResource struct {
	*model.Resource
	rank int32
}

// newResourceIndex indexes doc's resources. checked counts the checked resources of each
// type, which orders the policies' queries.
func newResourceIndex(doc *model.Document) (idx *resourceIndex, checked map[string]int) {
	idx = &resourceIndex{
		byURN:  make(map[string]*model.Resource, len(doc.Resources)),
		byType: map[string][]checkedResource{},
		first:  make(map[string]*model.Resource, len(doc.Resources)),
	}
	checked = map[string]int{}
	for i := range doc.Resources {
		r := &doc.Resources[i]
		idx.byURN[r.URN] = r
		if !r.Custom || model.IsRemoval(r.Op) {
			continue
		}
		checked[r.Type]++
		if _, ok := idx.first[r.URN]; !ok {
			idx.first[r.URN] = r
			idx.byType[r.Type] = append(idx.byType[r.Type], checkedResource{Resource: r})
		}
	}
	return idx, checked
}

// policyFindings are one policy's entries and where its results go.
type policyFindings struct {
	policy Policy
	level  Level
	types  []string             // the policy's resource types, each once
	found  map[string][]finding // entries by URN
	// extra are the URNs only entries name (resources being deleted, components, resources
	// of other types), which get a result of their own; none for a disabled policy.
	extra []string
	// places are the positions of the policy's results in the report, checked resources
	// first (by type, then in document order), then extra.
	places []int32
}

// newPolicyFindings groups one policy's deny and warn sets by URN.
func (idx *resourceIndex) newPolicyFindings(p Policy, lvl Level, deny, warn any) (*policyFindings, error) {
	found, err := collectFindings(p.ID, deny, warn)
	if err != nil {
		return nil, err
	}
	pf := &policyFindings{policy: p, level: lvl, types: distinctTypes(p), found: found}
	if lvl == LevelDisabled {
		return pf, nil
	}
	for urn := range found {
		if r, ok := idx.first[urn]; !ok || !slices.Contains(pf.types, r.Type) {
			pf.extra = append(pf.extra, urn)
		}
	}
	return pf, nil
}

// each calls f with the rank of every result of pf, in the order of pf.places.
func (idx *resourceIndex) each(pf *policyFindings, f func(rank int32)) {
	for _, t := range pf.types {
		for _, r := range idx.byType[t] {
			f(r.rank)
		}
	}
	for _, urn := range pf.extra {
		f(idx.rank[urn])
	}
}

// place ranks the URNs that get results and gives every policy's results their positions:
// by URN rank, then in policy order (policies are in id order). It returns the number of
// results.
func (idx *resourceIndex) place(pfs []*policyFindings) int {
	idx.rank = make(map[string]int32, len(idx.first))
	for urn := range idx.first {
		idx.rank[urn] = 0
	}
	for _, pf := range pfs {
		for _, urn := range pf.extra {
			idx.rank[urn] = 0
		}
	}
	urns := make([]string, 0, len(idx.rank))
	for urn := range idx.rank {
		urns = append(urns, urn)
	}
	sort.Strings(urns)
	for i, urn := range urns {
		idx.rank[urn] = int32(i)
	}
	for _, rs := range idx.byType {
		for i := range rs {
			rs[i].rank = idx.rank[rs[i].URN]
		}
	}
	// A counting sort over the ranks: next[k] is where the next result of the k-th URN goes.
	next := make([]int32, len(urns)+1)
	for _, pf := range pfs {
		idx.each(pf, func(k int32) { next[k+1]++ })
	}
	for k := 1; k < len(next); k++ {
		next[k] += next[k-1]
	}
	total := int(next[len(urns)])
	for _, pf := range pfs {
		pf.places = pf.places[:0]
		idx.each(pf, func(k int32) {
			pf.places = append(pf.places, next[k])
			next[k]++
		})
	}
	return total
}

// buildResults turns every policy's entries into the report's results, in report order.
// For one (policy, resource): a checked resource of the policy's types with no entry passes
// (not-applicable when the policy is disabled); entries are judged (judge) and excepted
// (applyExceptions).
func (idx *resourceIndex) buildResults(pfs []*policyFindings, live []*liveException) ([]Result, error) {
	n := idx.place(pfs)
	collectIfBuildingWould(uint64(n) * uint64(unsafe.Sizeof(Result{})))
	results := make([]Result, n)
	errs := make([]error, len(pfs))
	pool(runtime.GOMAXPROCS(0), upTo(len(pfs)), func(_, i int) {
		errs[i] = idx.policyResults(pfs[i], live, results)
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return results, nil
}

// collectIfBuildingWould collects now when the results (need bytes) and about as much again
// (their messages, the report written from them) would bring the heap to the collector's
// goal. After an evaluation most of the heap is garbage (OPA's input, the
// evaluation's caches and values): collected before the results are built, it holds them;
// collected while they are built, as happens on a large estate, the results would grow the
// heap into new pages and pay the write barriers of a collection in progress. At 100k
// resources building them took 0.75 s that way and takes 0.15 s after a 0.15-0.35 s
// collection (docs/performance.md, item 17). A small estate's results fit, and nothing is
// collected.
func collectIfBuildingWould(need uint64) {
	heap := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(heap)
	if heap[0].Value.Kind() != metrics.KindUint64 || heap[1].Value.Kind() != metrics.KindUint64 {
		return
	}
	if heap[1].Value.Uint64()+2*need >= heap[0].Value.Uint64() {
		runtime.GC()
	}
}

// policyResults writes pf's results into their places in results.
func (idx *resourceIndex) policyResults(pf *policyFindings, live []*liveException, results []Result) error {
	n := 0
	put := func(res Result) {
		results[pf.places[n]] = res
		n++
	}
	p, lvl := pf.policy, pf.level
	for _, t := range pf.types {
		for _, r := range idx.byType[t] {
			res := Result{
				PolicyID:       p.ID,
				URN:            r.URN,
				ResourceType:   r.Type,
				ResourceName:   r.Name,
				Level:          lvl,
				SourcePosition: r.SourcePosition,
			}
			switch fs := pf.found[r.URN]; {
			case lvl == LevelDisabled:
				res.Status = StatusNotApplicable
			case len(fs) == 0:
				res.Status = StatusPass
			default:
				judge(&res, fs, lvl)
				applyExceptions(&res, live)
			}
			put(res)
		}
	}
	for _, urn := range pf.extra {
		res := Result{PolicyID: p.ID, URN: urn, Level: lvl}
		if r, ok := idx.byURN[urn]; ok {
			res.ResourceType, res.ResourceName, res.SourcePosition = r.Type, r.Name, r.SourcePosition
		} else {
			res.ResourceType, res.ResourceName = splitURN(urn)
		}
		judge(&res, pf.found[urn], lvl)
		applyExceptions(&res, live)
		put(res)
	}
	if n != len(pf.places) {
		return fmt.Errorf("policy %q: built %d results, placed %d", p.ID, n, len(pf.places))
	}
	return nil
}

// distinctTypes are the policy's resource types, each once.
func distinctTypes(p Policy) []string {
	return slices.Compact(slices.Sorted(slices.Values(p.ResourceTypes)))
}
