package policies_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/internal/model"
	"github.com/kvguard/kvguard/policies"
)

// catalogueIDs is the policy catalogue of the team's POLICIES.md: the contract the library
// must implement, one package per id.
var catalogueIDs = []string{
	"KV-001", "KV-002", "KV-003", "KV-004", "KV-005", "KV-006", "KV-007", "KV-008",
	"SEC-001", "SEC-002", "SEC-003", "SEC-004", "SEC-005",
	"KEY-001",
	"RBAC-001", "RBAC-002", "RBAC-003", "RBAC-004", "RBAC-005", "RBAC-006", "RBAC-007",
	"DIAG-001", "DIAG-002", "DIAG-003", "DIAG-004", "DIAG-005",
	"GEN-001", "GEN-002",
}

var (
	idPattern = regexp.MustCompile(`^(KV|SEC|KEY|RBAC|DIAG|GEN)-\d{3}$`)
	// packagePattern is kvguard.<area>.<slug>, the Rego contract of docs/architecture.md.
	packagePattern = regexp.MustCompile(`^data\.kvguard\.(vault|secret|rbac|diag|general)\.([a-z][a-z0-9_]*)$`)
	libPackage     = "data.kvguard.lib"
	severities     = map[string]bool{"LOW": true, "MEDIUM": true, "HIGH": true, "CRITICAL": true}
	enforcements   = map[string]bool{"mandatory": true, "advisory": true, "disabled": true}
	referenceKeys  = []string{"azure_policy", "mcsb", "checkov", "trivy", "psrule"}
)

// regoFile is one parsed Rego file of the embedded library.
type regoFile struct {
	path   string
	src    []byte
	module *ast.Module
}

func (f regoFile) isTest() bool { return strings.HasSuffix(f.path, "_test.rego") }

func (f regoFile) pkg() string { return f.module.Package.Path.String() }

// loadLibrary parses every Rego file of policies.FS and merges its JSON data files, exactly
// the set the engine embeds.
func loadLibrary(t *testing.T) ([]regoFile, map[string]any) {
	t.Helper()
	var files []regoFile
	data := map[string]any{}
	err := fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := fs.ReadFile(policies.FS, p)
		require.NoError(t, err, "read %q", p)
		switch path.Ext(p) {
		case ".rego":
			m, err := ast.ParseModuleWithOpts(p, string(src), ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
			require.NoError(t, err, "parse %q", p)
			files = append(files, regoFile{path: p, src: src, module: m})
		case ".json":
			var doc map[string]any
			require.NoError(t, json.Unmarshal(src, &doc), "decode %q", p)
			for k, v := range doc {
				_, dup := data[k]
				require.False(t, dup, "data file %q: top-level key %q already defined by another file", p, k)
				data[k] = v
			}
		}
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, files, "policies.FS holds no Rego files")
	sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
	return files, data
}

// policyFiles are the non-test files outside the helper library.
func policyFiles(files []regoFile) []regoFile {
	var out []regoFile
	for _, f := range files {
		if !f.isTest() && f.pkg() != libPackage {
			out = append(out, f)
		}
	}
	return out
}

func packageAnnotation(m *ast.Module) *ast.Annotations {
	for _, a := range m.Annotations {
		if a.Scope == "package" {
			return a
		}
	}
	return nil
}

func stringList(v any) ([]string, bool) {
	l, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(l))
	for _, x := range l {
		s, ok := x.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func TestPolicyPackagesAndMetadata(t *testing.T) {
	files, _ := loadLibrary(t)
	policyList := policyFiles(files)
	require.NotEmpty(t, policyList)
	for _, f := range policyList {
		t.Run(f.path, func(t *testing.T) {
			m := packagePattern.FindStringSubmatch(f.pkg())
			require.NotNil(t, m, "package %q: got no match, want kvguard.<area>.<slug>", f.pkg())
			assert.Equal(t, m[1]+"/"+m[2]+".rego", f.path, "file of package %q", f.pkg())

			a := packageAnnotation(f.module)
			require.NotNil(t, a, "got no METADATA with scope: package, want one")
			assert.NotEmpty(t, strings.TrimSpace(a.Title), "title")
			assert.Contains(t, a.Title, "should", "title %q: want a \"should\" sentence", a.Title)
			assert.NotEmpty(t, strings.TrimSpace(a.Description), "description")
			assert.NotEmpty(t, a.RelatedResources, "related_resources")

			c := a.Custom
			require.NotNil(t, c, "custom block")
			id, _ := c["id"].(string)
			assert.Regexp(t, idPattern, id, "custom.id")
			sev, _ := c["severity"].(string)
			assert.True(t, severities[sev], "custom.severity: got %q, want LOW, MEDIUM, HIGH or CRITICAL", sev)
			enf, _ := c["enforcement"].(string)
			assert.True(t, enforcements[enf], "custom.enforcement: got %q, want mandatory, advisory or disabled", enf)
			if pe, ok := c["prod_enforcement"]; ok {
				s, _ := pe.(string)
				assert.True(t, enforcements[s], "custom.prod_enforcement: got %q", s)
			}
			ra, _ := c["recommended_action"].(string)
			assert.NotEmpty(t, strings.TrimSpace(ra), "custom.recommended_action")
			types, ok := stringList(c["resource_types"])
			if assert.True(t, ok, "custom.resource_types: got %T, want a list of strings", c["resource_types"]) {
				assert.NotEmpty(t, types, "custom.resource_types")
				for _, typ := range types {
					assert.Equal(t, 2, strings.Count(typ, ":"), "resource type %q: want a Pulumi type token", typ)
				}
			}
			refs, ok := c["references"].(map[string]any)
			if assert.True(t, ok, "custom.references: got %T, want an object", c["references"]) {
				for _, k := range referenceKeys {
					_, ok := stringList(refs[k])
					assert.True(t, ok, "custom.references.%s: got %v, want a list (may be empty)", k, refs[k])
				}
			}
		})
	}
}

func TestPolicyIDsUniqueAndComplete(t *testing.T) {
	files, _ := loadLibrary(t)
	byID := map[string]string{}
	for _, f := range policyFiles(files) {
		a := packageAnnotation(f.module)
		if a == nil || a.Custom == nil {
			continue // reported by TestPolicyPackagesAndMetadata
		}
		id, _ := a.Custom["id"].(string)
		if prev, dup := byID[id]; dup {
			t.Errorf("id %q: got it in %q and %q, want one package per id", id, prev, f.path)
		}
		byID[id] = f.path
	}
	want := map[string]bool{}
	for _, id := range catalogueIDs {
		want[id] = true
		_, ok := byID[id]
		assert.True(t, ok, "id %q of POLICIES.md: got no policy, want one", id)
	}
	for id, file := range byID {
		assert.True(t, want[id], "id %q in %q: got an id outside POLICIES.md", id, file)
	}
}

// Every policy has tests beside it with at least one deny, one allow and one unknown case.
func TestPolicyTestFiles(t *testing.T) {
	files, _ := loadLibrary(t)
	tests := map[string]regoFile{}
	for _, f := range files {
		if f.isTest() {
			tests[f.path] = f
		}
	}
	for _, f := range policyFiles(files) {
		t.Run(f.path, func(t *testing.T) {
			tf, ok := tests[strings.TrimSuffix(f.path, ".rego")+"_test.rego"]
			require.True(t, ok, "got no %s_test.rego beside the policy", strings.TrimSuffix(path.Base(f.path), ".rego"))
			assert.Equal(t, f.pkg()+"_test", tf.pkg(), "test package")
			var deny, allow, unknown int
			for _, r := range tf.module.Rules {
				name := r.Head.Ref().String()
				switch {
				case strings.HasPrefix(name, "test_deny_"):
					deny++
				case strings.HasPrefix(name, "test_allow_"):
					allow++
				}
				if strings.HasPrefix(name, "test_") && strings.Contains(name, "unknown") {
					unknown++
				}
			}
			assert.Positive(t, deny, "test_deny_ cases")
			assert.Positive(t, allow, "test_allow_ cases")
			assert.Positive(t, unknown, "unknown-value cases")
		})
	}
}

func TestRegoTests(t *testing.T) {
	files, data := loadLibrary(t)
	modules := make(map[string]*ast.Module, len(files))
	for _, f := range files {
		modules[f.path] = f.module
	}
	ctx := context.Background()
	ch, err := tester.NewRunner().
		SetStore(inmem.NewFromObject(data)).
		SetModules(modules).
		SetDefaultRegoVersion(ast.RegoV1).
		RaiseBuiltinErrors(true).
		RunTests(ctx, nil)
	require.NoError(t, err, "compile the library")

	var ran int
	for res := range ch {
		ran++
		name := strings.TrimPrefix(res.Package, "data.") + "." + res.Name
		t.Run(name, func(t *testing.T) {
			if res.Error != nil {
				t.Fatalf("got error %v, want pass", res.Error)
			}
			if res.Fail {
				t.Errorf("got fail, want pass (%s)", res.Location)
			}
			if res.Skip {
				t.Skip("todo_test_ rule")
			}
		})
	}
	assert.Positive(t, ran, "Rego tests run")
}

func TestRegoFormatted(t *testing.T) {
	files, _ := loadLibrary(t)
	for _, f := range files {
		t.Run(f.path, func(t *testing.T) {
			got, err := format.SourceWithOpts(f.path, f.src, format.Opts{RegoVersion: ast.RegoV1, ParserOptions: &ast.ParserOptions{RegoVersion: ast.RegoV1}})
			require.NoError(t, err)
			assert.Equal(t, string(got), string(f.src), "file is not `opa fmt` clean")
		})
	}
}

// TestRemovalOpsMatchTheModel keeps lib.removal_ops, which the policies judge by, and
// model.RemovalOps, which the engine reports by, one list.
func TestRemovalOpsMatchTheModel(t *testing.T) {
	files, _ := loadLibrary(t)
	var got []string
	for _, f := range files {
		if f.pkg() != libPackage || f.isTest() {
			continue
		}
		for _, r := range f.module.Rules {
			if r.Head.Name.String() != "removal_ops" {
				continue
			}
			set, ok := r.Head.Value.Value.(ast.Set)
			require.True(t, ok, "removal_ops is a set literal")
			for _, term := range set.Slice() {
				s, ok := term.Value.(ast.String)
				require.True(t, ok, "removal_ops holds strings")
				got = append(got, string(s))
			}
		}
	}
	want := slices.Clone(model.RemovalOps)
	sort.Strings(got)
	sort.Strings(want)
	assert.Equal(t, want, got)
}
