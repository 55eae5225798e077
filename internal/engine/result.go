package engine

// Status is the outcome of one policy for one resource.
type Status string

// The five outcomes DESIGN.md names.
const (
	StatusPass          Status = "pass"
	StatusFail          Status = "fail"
	StatusUnverifiable  Status = "unverifiable"
	StatusExcepted      Status = "excepted"
	StatusNotApplicable Status = "not-applicable"
)

// Level is a policy's enforcement level for one stack.
type Level string

// Enforcement levels, named as Pulumi names them.
const (
	LevelMandatory Level = "mandatory"
	LevelAdvisory  Level = "advisory"
	LevelDisabled  Level = "disabled"
)

// Exit codes shared by every command and the analyzer's fail-closed path.
const (
	ExitClean     = 0
	ExitViolation = 1
	ExitBadInput  = 2
)

// Policy is one Rego policy as its METADATA describes it.
type Policy struct {
	ID                string   `json:"id"`
	Package           string   `json:"package"` // "kvguard.vault.purge_protection"
	Title             string   `json:"title"`
	Description       string   `json:"description"`
	Severity          string   `json:"severity"` // LOW, MEDIUM, HIGH, CRITICAL
	Enforcement       Level    `json:"enforcement"`
	ProdEnforcement   Level    `json:"prodEnforcement,omitempty"`
	RecommendedAction string   `json:"recommendedAction"`
	ResourceTypes     []string `json:"resourceTypes"`
	// Config is the policy's settings schema: name to {"type", "description", "default", "prod"}.
	Config     map[string]map[string]any `json:"config,omitempty"`
	References map[string]any            `json:"references,omitempty"`
	Related    []string                  `json:"relatedResources,omitempty"`
	File       string                    `json:"file"`
	// Relational policies judge a resource by others (a vault by its diagnostic settings or
	// locks, an assignment against the other assignments): one resource alone cannot be
	// checked, and their deny and warn sets share whole-stack groupings.
	Relational bool `json:"relational,omitempty"`
}

// Result is the outcome of one policy for one resource.
type Result struct {
	PolicyID     string `json:"policy"`
	URN          string `json:"urn"`
	ResourceType string `json:"type"`
	ResourceName string `json:"name"`
	Status       Status `json:"status"`
	Level        Level  `json:"level"`
	// Message is the policy's sentence; empty for pass and not-applicable.
	Message string `json:"message,omitempty"`
	// Path is the property path that was unknown, for unverifiable results.
	Path string `json:"path,omitempty"`
	// Exception is the reason of the exception that applied, for excepted results.
	Exception      string `json:"exception,omitempty"`
	SourcePosition string `json:"sourcePosition,omitempty"`
}

// Report is everything one evaluation found. It never holds a property value, so no
// output format can leak a secret through it.
type Report struct {
	Stack   string `json:"stack"`
	Project string `json:"project"`
	Source  string `json:"source"`
	Profile string `json:"profile"`
	Now     string `json:"now"`
	// Policies is the catalogue evaluated, with the level each has for this stack.
	Policies []PolicyLevel `json:"policies"`
	// Results holds one entry per (policy, resource) the policy applies to, sorted by URN
	// then policy id.
	Results []Result `json:"results"`
	// ExpiredExceptions are exceptions that matched nothing because their date has passed.
	ExpiredExceptions []Exception `json:"expiredExceptions,omitempty"`
	// UnusedExceptions are live exceptions that excepted no result of this document.
	UnusedExceptions []Exception `json:"unusedExceptions,omitempty"`
}

// PolicyLevel is a policy with the level it has for the evaluated stack.
type PolicyLevel struct {
	Policy
	Level Level `json:"level"`
}

// Exception waives one policy for resources whose URN matches one of the patterns, until
// Expires (a date, YYYY-MM-DD, inclusive).
type Exception struct {
	Policy  string   `json:"policy" yaml:"policy"`
	URNs    []string `json:"urns" yaml:"urns"`
	Reason  string   `json:"reason" yaml:"reason"`
	Expires string   `json:"expires" yaml:"expires"`
}

// Counts tallies results by status, and failures by level.
type Counts struct {
	Resources     int `json:"resources"`
	Pass          int `json:"pass"`
	Fail          int `json:"fail"`
	Mandatory     int `json:"mandatory"` // failures at mandatory level
	Advisory      int `json:"advisory"`  // failures at advisory level
	Unverifiable  int `json:"unverifiable"`
	Excepted      int `json:"excepted"`
	NotApplicable int `json:"notApplicable"`
}

// Counts tallies the report's results.
func (r *Report) Counts() Counts {
	var c Counts
	seen := map[string]bool{}
	for _, res := range r.Results {
		if !seen[res.URN] {
			seen[res.URN] = true
			c.Resources++
		}
		switch res.Status {
		case StatusPass:
			c.Pass++
		case StatusFail:
			c.Fail++
			if res.Level == LevelMandatory {
				c.Mandatory++
			} else {
				c.Advisory++
			}
		case StatusUnverifiable:
			c.Unverifiable++
		case StatusExcepted:
			c.Excepted++
		case StatusNotApplicable:
			c.NotApplicable++
		}
	}
	return c
}

// ExitCode is 1 when any result fails at mandatory level, else 0.
func (r *Report) ExitCode() int {
	for _, res := range r.Results {
		if res.Status == StatusFail && res.Level == LevelMandatory {
			return ExitViolation
		}
	}
	return ExitClean
}
