// Command compare measures `kvguard check` against `opa eval` and `conftest test` on the same
// generated estates and the same Rego files, and checks that the three report the same
// failing resources (see docs/performance.md):
//
//	go run ./bench/compare -sizes 1000,10000,100000 -runs 5
//
// It builds the three commands from source (kvguard from this module, opa from the OPA module
// kvguard already requires, conftest from tools/conftest), generates a preview per size with
// bench/estate, and normalises it once with `kvguard input`, because opa and conftest read the
// document policies see, not a raw preview. kvguard is timed on the raw preview (parse,
// normalise, evaluate, report); opa and conftest on the normalised document. Times are wall
// clock medians; peak memory is the child's maximum resident set size from rusage. Each tool
// runs up to -runs times per size, interleaved, until its runs add up to -budget (conftest
// needs minutes per run at 100k). The untimed kvguard run with --format json and the first
// opa and conftest runs (whose output is kept) give the findings, and the command exits 1
// when the three sets differ.
//
// It is run by hand, not in CI: it needs minutes and a quiet machine.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/kvguard/kvguard/bench/estate"
	"github.com/kvguard/kvguard/internal/engine"
	"github.com/kvguard/kvguard/policies"
)

func main() {
	if out := os.Getenv(measureEnv); out != "" {
		os.Exit(measure(out, os.Args[1:]))
	}
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "compare: %v\n", err)
		os.Exit(1)
	}
}

type config struct {
	sizes    []int
	runs     int
	seed     uint64
	stack    string
	dir      string
	tools    []string
	keep     bool
	budget   time.Duration
	moduleRt string
}

func run(ctx context.Context, args []string) error {
	fl := flag.NewFlagSet("compare", flag.ContinueOnError)
	sizes := fl.String("sizes", "1000,10000,100000", "comma-separated estate sizes (resources)")
	runs := fl.Int("runs", 5, "timed runs per tool and size")
	seed := fl.Uint64("seed", 1, "generator seed")
	stack := fl.String("stack", "prod", "stack the estate belongs to")
	dir := fl.String("dir", filepath.Join(os.TempDir(), "kvguard-bench"), "work directory for binaries, inputs and outputs")
	tools := fl.String("tools", "kvguard,opa,conftest", "tools to run")
	keep := fl.Bool("keep", true, "keep generated files in -dir (the 100k preview is ~400 MB)")
	budget := fl.Duration("budget", 5*time.Minute, "stop timing a tool at a size once its runs add up to this (at least one run is always timed)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	c := config{runs: *runs, seed: *seed, stack: *stack, dir: *dir, keep: *keep, budget: *budget}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("-sizes: %q is not a positive number", s)
		}
		c.sizes = append(c.sizes, n)
	}
	c.tools = strings.Split(*tools, ",")
	if c.runs < 1 {
		return errors.New("-runs: want at least 1")
	}
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	c.moduleRt = root
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
	}

	if err := build(ctx, c); err != nil {
		return err
	}
	eng, err := engine.New(policies.FS)
	if err != nil {
		return err
	}
	polDir := filepath.Join(c.dir, "policies")
	query, err := writePolicies(eng, polDir)
	if err != nil {
		return err
	}
	// Policies disabled for this stack give not-applicable in kvguard and are left out of the
	// comparison; opa and conftest know nothing about levels.
	profile := engine.ProfileFor(c.stack)
	compared := map[string]bool{}
	for _, p := range eng.Policies() {
		if engine.LevelFor(p, profile, engine.PackConfig{}) != engine.LevelDisabled {
			compared[p.ID] = true
		}
	}

	now := estate.DefaultNow.Format(time.RFC3339)
	fmt.Fprintf(os.Stderr, "compare: %d CPUs, GOMAXPROCS %d, %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), loadavg())
	var rows []row
	for _, n := range c.sizes {
		r, err := measureSize(ctx, c, n, now, polDir, query, eng, compared)
		if err != nil {
			return fmt.Errorf("size %d: %w", n, err)
		}
		rows = append(rows, r)
	}
	printTable(os.Stdout, c, rows)
	for _, r := range rows {
		if r.mismatch != "" {
			return fmt.Errorf("findings differ at size %d: %s", r.n, r.mismatch)
		}
	}
	return nil
}

// moduleRoot is the directory of kvguard's go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run compare inside the kvguard module")
	}
	return filepath.Dir(mod), nil
}

func (c config) bin(name string) string { return filepath.Join(c.dir, "bin", name) }

func (c config) uses(tool string) bool {
	for _, t := range c.tools {
		if strings.TrimSpace(t) == tool {
			return true
		}
	}
	return false
}

// build compiles the three commands from source with the module proxy as the only source.
func build(ctx context.Context, c config) error {
	steps := []struct {
		tool, dir, pkg string
	}{
		{"kvguard", c.moduleRt, "./cmd/kvguard"},
		{"opa", c.moduleRt, "github.com/open-policy-agent/opa"},
		{"conftest", filepath.Join(c.moduleRt, "tools", "conftest"), "github.com/open-policy-agent/conftest"},
	}
	for _, s := range steps {
		if s.tool != "kvguard" && !c.uses(s.tool) {
			continue
		}
		fmt.Fprintf(os.Stderr, "compare: building %s\n", s.tool)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", c.bin(s.tool), s.pkg)
		cmd.Dir = s.dir
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("build %s: %w", s.tool, err)
		}
	}
	return nil
}

// writePolicies copies the Rego files and data the engine compiles (tests left out) into dir,
// so opa and conftest load exactly kvguard's policies, and returns the opa query: one binding
// per policy entry point, as the engine's single query has.
func writePolicies(eng *engine.Engine, dir string) (string, error) {
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	err := fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, "_test.rego") {
			return err
		}
		if !strings.HasSuffix(p, ".rego") && !strings.HasSuffix(p, ".json") {
			return nil
		}
		data, err := fs.ReadFile(policies.FS, p)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		return "", fmt.Errorf("write policies: %w", err)
	}
	entries := map[string]map[string]bool{} // package -> entry point names
	for file, src := range eng.Modules() {
		m, err := ast.ParseModuleWithOpts(file, src, ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			return "", err
		}
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		for _, r := range m.Rules {
			if name := r.Head.Name.String(); name == "deny" || name == "warn" || (len(r.Head.Reference) > 0 && (r.Head.Reference[0].Value.String() == "deny" || r.Head.Reference[0].Value.String() == "warn")) {
				if name != "deny" && name != "warn" {
					name = r.Head.Reference[0].Value.String()
				}
				if entries[pkg] == nil {
					entries[pkg] = map[string]bool{}
				}
				entries[pkg][name] = true
			}
		}
	}
	var q strings.Builder
	for _, p := range eng.Policies() {
		for _, e := range []string{"deny", "warn"} {
			if entries[p.Package][e] {
				fmt.Fprintf(&q, "%s := data.%s.%s\n", binding(p.ID, e), p.Package, e)
			}
		}
	}
	return q.String(), nil
}

// binding names the query variable of a policy's entry point ("KV-001", "deny" -> KV_001__deny).
func binding(id, entry string) string {
	return strings.ReplaceAll(id, "-", "_") + "__" + entry
}

// finding is one (policy, resource) outcome that is not a pass.
type finding struct {
	policy, urn, status string
}

type sample struct {
	wall  time.Duration
	cpu   time.Duration
	maxKB int64
}

type toolResult struct {
	samples []sample
}

// total is the wall time of all timed runs.
func (t toolResult) total() time.Duration {
	var d time.Duration
	for _, s := range t.samples {
		d += s.wall
	}
	return d
}

func (t toolResult) median() sample {
	if len(t.samples) == 0 {
		return sample{}
	}
	s := append([]sample(nil), t.samples...)
	sort.Slice(s, func(i, j int) bool { return s[i].wall < s[j].wall })
	m := s[len(s)/2]
	var peak int64
	for _, x := range t.samples {
		peak = max(peak, x.maxKB)
	}
	m.maxKB = peak
	return m
}

type row struct {
	n          int
	previewMB  float64
	inputMB    float64
	normalise  sample
	tools      map[string]toolResult
	findings   map[string]int
	mismatch   string
	failing    int
	unverified int
}

func measureSize(ctx context.Context, c config, n int, now, polDir, query string, eng *engine.Engine, compared map[string]bool) (row, error) {
	r := row{n: n, tools: map[string]toolResult{}, findings: map[string]int{}}
	preview := filepath.Join(c.dir, fmt.Sprintf("preview-%d.json", n))
	input := filepath.Join(c.dir, fmt.Sprintf("input-%d.json", n))
	data, st, err := estate.Generate(estate.Options{Resources: n, Seed: c.seed, Stack: c.stack})
	if err != nil {
		return r, err
	}
	if err := os.WriteFile(preview, data, 0o644); err != nil {
		return r, err
	}
	r.previewMB = float64(len(data)) / 1e6
	data = nil
	fmt.Fprintf(os.Stderr, "compare: n=%d: %d vaults, preview %.1f MB\n", n, st.Vaults, r.previewMB)

	// The normalised document opa and conftest read; its cost is reported, not compared.
	r.normalise, err = timed(ctx, io.Discard, c.bin("kvguard"), "input", preview, "--stack", c.stack, "--now", now, "-o", input)
	if err != nil {
		return r, fmt.Errorf("kvguard input: %w", err)
	}
	if fi, err := os.Stat(input); err == nil {
		r.inputMB = float64(fi.Size()) / 1e6
	}

	// One untimed run per tool gives the findings to compare and warms the page cache.
	sets := map[string]map[finding]bool{}
	if sets["kvguard"], err = kvguardFindings(ctx, c, preview, now, compared); err != nil {
		return r, err
	}
	commands := map[string][]string{
		"kvguard":  {c.bin("kvguard"), "check", preview, "--stack", c.stack, "--now", now},
		"opa":      {c.bin("opa"), "eval", "--format", "json", "-d", polDir, "-i", input, query},
		"conftest": {c.bin("conftest"), "test", input, "--policy", polDir, "--data", polDir, "--all-namespaces", "--output", "json", "--no-color"},
	}
	var order []string
	for _, t := range []string{"kvguard", "opa", "conftest"} {
		if c.uses(t) || t == "kvguard" {
			order = append(order, t)
		}
	}
	for _, t := range order[1:] {
		// This run is the timed command itself (its output kept rather than discarded), so it
		// counts as the tool's first timed run: conftest needs minutes at 100k resources.
		var out bytes.Buffer
		s, err := timed(ctx, &out, commands[t][0], commands[t][1:]...)
		if err != nil {
			return r, fmt.Errorf("%s: %w", t, err)
		}
		tr := r.tools[t]
		tr.samples = append(tr.samples, s)
		r.tools[t] = tr
		fmt.Fprintf(os.Stderr, "compare: n=%d run 1 %-8s %8.3fs %6.0f MiB\n", n, t, s.wall.Seconds(), float64(s.maxKB)/1024)
		parse := map[string]func([]byte, *engine.Engine, map[string]bool) (map[finding]bool, error){
			"opa": opaFindings, "conftest": conftestFindings,
		}[t]
		if sets[t], err = parse(out.Bytes(), eng, compared); err != nil {
			return r, fmt.Errorf("%s output: %w", t, err)
		}
	}
	for f := range sets["kvguard"] {
		if f.status == "fail" {
			r.failing++
		} else {
			r.unverified++
		}
	}
	var diffs []string
	for _, t := range order[1:] {
		r.findings[t] = len(sets[t])
		if d := diff(sets["kvguard"], sets[t]); d != "" {
			diffs = append(diffs, t+": "+d)
		}
	}
	r.findings["kvguard"] = len(sets["kvguard"])
	r.mismatch = strings.Join(diffs, "; ")

	for i := 0; i < c.runs; i++ {
		for _, t := range order {
			tr := r.tools[t]
			if len(tr.samples) >= c.runs || (len(tr.samples) > 0 && tr.total() >= c.budget) {
				continue
			}
			s, err := timed(ctx, io.Discard, commands[t][0], commands[t][1:]...)
			if err != nil {
				return r, fmt.Errorf("%s: %w", t, err)
			}
			tr.samples = append(tr.samples, s)
			r.tools[t] = tr
			fmt.Fprintf(os.Stderr, "compare: n=%d run %d %-8s %8.3fs %6.0f MiB\n", n, len(tr.samples), t, s.wall.Seconds(), float64(s.maxKB)/1024)
		}
	}
	if !c.keep {
		os.Remove(preview)
		os.Remove(input)
	}
	return r, nil
}

// measureEnv, when set, makes this command a small wrapper that runs its arguments as a
// command and writes the command's rusage to the file the variable names (see timed).
const measureEnv = "KVGUARD_COMPARE_MEASURE"

// timed runs a command, sending stdout to w, and returns its wall time, CPU time and peak RSS.
// Exit status 1 is a normal outcome for all three tools (violations found).
//
// The command runs under a fresh copy of this program (measure) rather than as a child of this
// process: Go starts children with vfork semantics, and Linux counts the parent's own peak
// RSS into a child's ru_maxrss at exec, so every tool would report at least this process's
// peak (2.1 GB at 100k, where the preview is generated and evaluated here), as runs A-F did
// for opa at 10k and 100k. The wrapper is small, so its children's figures are their own.
func timed(ctx context.Context, w io.Writer, name string, args ...string) (sample, error) {
	self, err := os.Executable()
	if err != nil {
		return sample{}, err
	}
	usage, err := os.CreateTemp("", "kvguard-compare-rusage-*")
	if err != nil {
		return sample{}, err
	}
	usage.Close()
	defer os.Remove(usage.Name())
	cmd := exec.CommandContext(ctx, self, append([]string{name}, args...)...)
	cmd.Env = append(os.Environ(), measureEnv+"="+usage.Name())
	cmd.Stdout = w
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
		return sample{}, fmt.Errorf("%w: %s", err, lastLines(stderr.String(), 5))
	}
	raw, err := os.ReadFile(usage.Name())
	if err != nil {
		return sample{}, err
	}
	var s sample
	if _, err := fmt.Sscan(string(raw), &s.maxKB, &s.cpu, &s.wall); err != nil {
		return sample{}, fmt.Errorf("rusage of %s: %q: %w", name, raw, err)
	}
	return s, nil
}

// measure runs args as a command with this process's standard streams, writes its peak RSS
// (KiB), CPU time and wall time (ns) to out, and returns its exit code. The wall time is taken
// here, so the wrapper's own start-up is not counted.
func measure(out string, args []string) int {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		fmt.Fprintf(os.Stderr, "compare: %v\n", err)
		return 2
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		fmt.Fprintln(os.Stderr, "compare: no rusage")
		return 2
	}
	cpu := ru.Utime.Nano() + ru.Stime.Nano()
	if err := os.WriteFile(out, fmt.Appendf(nil, "%d %d %d\n", ru.Maxrss, cpu, wall.Nanoseconds()), 0o600); err != nil {
		fmt.Fprintf(os.Stderr, "compare: %v\n", err)
		return 2
	}
	return cmd.ProcessState.ExitCode()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// kvguardFindings runs `kvguard check --format json` and keeps the fail and unverifiable
// results of the compared policies.
func kvguardFindings(ctx context.Context, c config, preview, now string, compared map[string]bool) (map[finding]bool, error) {
	var out bytes.Buffer
	if _, err := timed(ctx, &out, c.bin("kvguard"), "check", preview, "--stack", c.stack, "--now", now, "--format", "json"); err != nil {
		return nil, fmt.Errorf("kvguard check: %w", err)
	}
	var rep struct {
		Results []struct {
			Policy string `json:"policy"`
			URN    string `json:"urn"`
			Status string `json:"status"`
		} `json:"results"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		return nil, fmt.Errorf("kvguard json report: %w", err)
	}
	set := map[finding]bool{}
	for _, r := range rep.Results {
		if compared[r.Policy] && (r.Status == "fail" || r.Status == "unverifiable") {
			set[finding{r.Policy, r.URN, r.Status}] = true
		}
	}
	return set, nil
}

// entry is a deny or warn object as lib.fail and lib.unverifiable build it.
type entry struct {
	URN     string `json:"urn"`
	Msg     string `json:"msg"`
	Unknown string `json:"unknown"`
}

// judge folds one policy's entries into findings the way the engine does: any deny or a warn
// without an unknown path is a fail; only unknown-path warns make it unverifiable.
type judge map[[2]string]string

func (j judge) add(policy string, deny bool, e entry) {
	k := [2]string{policy, e.URN}
	status := "fail"
	if !deny && e.Unknown != "" {
		status = "unverifiable"
	}
	if j[k] != "fail" {
		j[k] = status
	}
}

func (j judge) set() map[finding]bool {
	out := map[finding]bool{}
	for k, s := range j {
		out[finding{k[0], k[1], s}] = true
	}
	return out
}

func opaFindings(out []byte, eng *engine.Engine, compared map[string]bool) (map[finding]bool, error) {
	var res struct {
		Result []struct {
			Bindings map[string][]entry `json:"bindings"`
		} `json:"result"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, err
	}
	if len(res.Result) != 1 {
		return nil, fmt.Errorf("got %d results, want 1", len(res.Result))
	}
	j := judge{}
	for _, p := range eng.Policies() {
		if !compared[p.ID] {
			continue
		}
		for _, e := range res.Result[0].Bindings[binding(p.ID, "deny")] {
			j.add(p.ID, true, e)
		}
		for _, e := range res.Result[0].Bindings[binding(p.ID, "warn")] {
			j.add(p.ID, false, e)
		}
	}
	return j.set(), nil
}

func conftestFindings(out []byte, eng *engine.Engine, compared map[string]bool) (map[finding]bool, error) {
	var res []struct {
		Namespace string `json:"namespace"`
		Failures  []struct {
			Msg      string         `json:"msg"`
			Metadata map[string]any `json:"metadata"`
		} `json:"failures"`
		Warnings []struct {
			Msg      string         `json:"msg"`
			Metadata map[string]any `json:"metadata"`
		} `json:"warnings"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, err
	}
	byPkg := map[string]string{}
	for _, p := range eng.Policies() {
		byPkg[p.Package] = p.ID
	}
	j := judge{}
	for _, r := range res {
		id, ok := byPkg[r.Namespace]
		if !ok || !compared[id] {
			continue
		}
		conv := func(msg string, md map[string]any) entry {
			e := entry{Msg: msg}
			e.URN, _ = md["urn"].(string)
			e.Unknown, _ = md["unknown"].(string)
			return e
		}
		for _, f := range r.Failures {
			j.add(id, true, conv(f.Msg, f.Metadata))
		}
		for _, w := range r.Warnings {
			j.add(id, false, conv(w.Msg, w.Metadata))
		}
	}
	return j.set(), nil
}

// diff describes how got differs from want, with a few examples.
func diff(want, got map[finding]bool) string {
	var missing, extra []string
	for f := range want {
		if !got[f] {
			missing = append(missing, fmt.Sprintf("%s %s %s", f.policy, f.status, f.urn))
		}
	}
	for f := range got {
		if !want[f] {
			extra = append(extra, fmt.Sprintf("%s %s %s", f.policy, f.status, f.urn))
		}
	}
	if len(missing) == 0 && len(extra) == 0 {
		return ""
	}
	sort.Strings(missing)
	sort.Strings(extra)
	return fmt.Sprintf("%d missing (e.g. %v), %d extra (e.g. %v)", len(missing), head(missing, 3), len(extra), head(extra, 3))
}

func head(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "load unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "load unknown"
	}
	return "load " + strings.Join(f[:3], " ")
}

func printTable(w io.Writer, c config, rows []row) {
	fmt.Fprintf(w, "\nkvguard check (raw preview) vs opa eval and conftest test (normalised input), up to %d runs each (budget %s), medians, %s\n\n", c.runs, c.budget, loadavg())
	fmt.Fprintln(w, "| resources | preview MB | input MB | kvguard s | opa s | conftest s | opa/kvguard | conftest/kvguard | kvguard µs/resource | peak MiB kvguard / opa / conftest | kvguard peak / preview | findings (fail + unverifiable) | same findings |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---|")
	for _, r := range rows {
		k, o, cf := r.tools["kvguard"].median(), r.tools["opa"].median(), r.tools["conftest"].median()
		ratio := func(a, b sample) string {
			if a.wall == 0 || b.wall == 0 {
				return "-"
			}
			return fmt.Sprintf("%.2f", a.wall.Seconds()/b.wall.Seconds())
		}
		secs := func(s sample) string {
			if s.wall == 0 {
				return "-"
			}
			return fmt.Sprintf("%.2f", s.wall.Seconds())
		}
		mb := func(s sample) string {
			if s.maxKB == 0 {
				return "-"
			}
			return fmt.Sprintf("%.0f", float64(s.maxKB)/1024)
		}
		same := "yes"
		if r.mismatch != "" {
			same = "NO: " + r.mismatch
		}
		fmt.Fprintf(w, "| %d | %.1f | %.1f | %s | %s | %s | %s | %s | %.0f | %s / %s / %s | %.1f | %d + %d | %s |\n",
			r.n, r.previewMB, r.inputMB, secs(k), secs(o), secs(cf), ratio(o, k), ratio(cf, k),
			k.wall.Seconds()*1e6/float64(r.n), mb(k), mb(o), mb(cf),
			float64(k.maxKB)*1024/(r.previewMB*1e6), r.failing, r.unverified, same)
	}
	fmt.Fprintln(w)
	for _, r := range rows {
		fmt.Fprintf(w, "n=%d: runs kvguard %d, opa %d, conftest %d; kvguard input (normalisation for opa/conftest, not counted) %.2fs; CPU medians kvguard %.2fs, opa %.2fs, conftest %.2fs; opa peak / input %.1f, conftest peak / input %.1f\n",
			r.n, len(r.tools["kvguard"].samples), len(r.tools["opa"].samples), len(r.tools["conftest"].samples),
			r.normalise.wall.Seconds(), r.tools["kvguard"].median().cpu.Seconds(), r.tools["opa"].median().cpu.Seconds(), r.tools["conftest"].median().cpu.Seconds(),
			float64(r.tools["opa"].median().maxKB)*1024/(r.inputMB*1e6), float64(r.tools["conftest"].median().maxKB)*1024/(r.inputMB*1e6))
	}
	for i := 1; i < len(rows); i++ {
		a, b := rows[i-1], rows[i]
		pa := a.tools["kvguard"].median().wall.Seconds() / float64(a.n)
		pb := b.tools["kvguard"].median().wall.Seconds() / float64(b.n)
		if pa > 0 {
			fmt.Fprintf(w, "per-resource cost ratio kvguard %d/%d: %.2f\n", b.n, a.n, pb/pa)
		}
	}
}
