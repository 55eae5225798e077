package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/gobwas/glob"
	"gopkg.in/yaml.v3"

	"github.com/kvguard/kvguard/internal/jsonscan"
)

const dateLayout = "2006-01-02"

// ParseExceptions parses an exceptions file, YAML or JSON:
//
//	exceptions:
//	  - policy: KV-004
//	    urns: ["urn:pulumi:dev::secret-store::azure-native:keyvault:Vault::*"]
//	    reason: "Dev vault reachable from the office network until the VPN lands"
//	    expires: 2027-01-31
//
// "urn" (one pattern) may stand in for, or add to, "urns". URN patterns are gobwas/glob
// globs without separators: "*" matches any run of characters including ':' and '$', "?"
// one character, "[a-z]" / "[!a-z]" a class, "{a,b}" alternatives, "\" escapes. reason and
// expires (YYYY-MM-DD, inclusive) are required. Whether the policy id exists is checked by
// (*Engine).ValidateExceptions, which Evaluate calls. The file is one YAML document or one
// JSON object, each key given once; a leading UTF-8 byte order mark is ignored.
func ParseExceptions(name string, data []byte) ([]Exception, error) {
	tree, err := decodeTree(name, data)
	if err != nil {
		return nil, err
	}
	top, ok := tree.(map[string]any)
	if !ok {
		return nil, &ConfigError{File: name, Expected: "an object with an \"exceptions\" list"}
	}
	for _, k := range sortedKeys(top) {
		if k != "exceptions" {
			return nil, &ConfigError{File: name, Path: k, Expected: "only the key \"exceptions\""}
		}
	}
	rawList, ok := top["exceptions"]
	if !ok {
		return nil, &ConfigError{File: name, Path: "exceptions", Expected: "an \"exceptions\" list"}
	}
	if rawList == nil {
		return []Exception{}, nil
	}
	list, ok := rawList.([]any)
	if !ok {
		return nil, &ConfigError{File: name, Path: "exceptions", Expected: "a list of exceptions"}
	}
	out := make([]Exception, 0, len(list))
	for i, item := range list {
		at := fmt.Sprintf("exceptions[%d]", i)
		m, ok := item.(map[string]any)
		if !ok {
			return nil, &ConfigError{File: name, Path: at, Expected: "an object with policy, urns, reason and expires"}
		}
		var ex Exception
		for _, k := range sortedKeys(m) {
			v := m[k]
			switch k {
			case "policy", "reason", "expires":
				s, ok := v.(string)
				if !ok {
					return nil, &ConfigError{File: name, Path: at + "." + k, Expected: "a string"}
				}
				switch k {
				case "policy":
					ex.Policy = s
				case "reason":
					ex.Reason = s
				default:
					ex.Expires = s
				}
			case "urn":
				s, ok := v.(string)
				if !ok {
					return nil, &ConfigError{File: name, Path: at + ".urn", Expected: "a URN pattern string"}
				}
				ex.URNs = append(ex.URNs, s)
			case "urns":
				l, ok := v.([]any)
				if !ok {
					return nil, &ConfigError{File: name, Path: at + ".urns", Expected: "a list of URN pattern strings"}
				}
				for j, x := range l {
					s, ok := x.(string)
					if !ok {
						return nil, &ConfigError{File: name, Path: fmt.Sprintf("%s.urns[%d]", at, j), Expected: "a URN pattern string"}
					}
					ex.URNs = append(ex.URNs, s)
				}
			default:
				return nil, &ConfigError{File: name, Path: at + "." + k, Expected: "one of policy, urns, urn, reason, expires"}
			}
		}
		if err := checkException(name, i, ex); err != nil {
			return nil, err
		}
		out = append(out, ex)
	}
	return out, nil
}

// checkException validates one exception's fields apart from the policy id's existence.
func checkException(file string, i int, ex Exception) error {
	at := fmt.Sprintf("exceptions[%d]", i)
	if strings.TrimSpace(ex.Policy) == "" {
		return &ConfigError{File: file, Path: at + ".policy", Expected: "a policy id"}
	}
	if len(ex.URNs) == 0 {
		return &ConfigError{File: file, Path: at + ".urns", Expected: "at least one URN pattern"}
	}
	for j, u := range ex.URNs {
		if strings.TrimSpace(u) == "" {
			return &ConfigError{File: file, Path: fmt.Sprintf("%s.urns[%d]", at, j), Expected: "a non-empty URN pattern"}
		}
		if _, err := glob.Compile(u); err != nil {
			return &ConfigError{File: file, Path: fmt.Sprintf("%s.urns[%d]", at, j), Expected: "a valid glob pattern (*, ?, [a-z], {a,b})"}
		}
	}
	if strings.TrimSpace(ex.Reason) == "" {
		return &ConfigError{File: file, Path: at + ".reason", Expected: "a non-empty reason"}
	}
	if _, err := time.Parse(dateLayout, ex.Expires); err != nil {
		return &ConfigError{File: file, Path: at + ".expires", Expected: "a date YYYY-MM-DD"}
	}
	return nil
}

// ValidateExceptions checks exceptions built in code or parsed from file against the
// catalogue: every field as ParseExceptions requires, and a policy id that exists.
func (e *Engine) ValidateExceptions(file string, exc []Exception) error {
	for i, ex := range exc {
		if err := checkException(file, i, ex); err != nil {
			return err
		}
		if _, ok := e.byID[ex.Policy]; !ok {
			return &ConfigError{File: file, Path: fmt.Sprintf("exceptions[%d].policy", i), Expected: "a known policy id"}
		}
	}
	return nil
}

// decodeTree reads JSON (when the text starts with '{') or YAML into plain Go values. YAML
// dates stay strings, so "expires: 2027-01-31" unquoted works. A leading UTF-8 byte order mark
// is ignored. A key given twice in one object (any depth), a YAML alias and a second YAML
// document are errors: each would make the file say something else than it seems to.
func decodeTree(name string, data []byte) (any, error) {
	data = jsonscan.StripBOM(data)
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, &ConfigError{File: name, Expected: "an object with an \"exceptions\" list (the file is empty)"}
	}
	if trimmed[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(data))
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, jsonError(name, data, err)
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			return nil, &ConfigError{File: name, Expected: "a single JSON object and nothing after it"}
		}
		if dup, ok := jsonscan.DuplicateKey(data); ok {
			return nil, &ConfigError{File: name, Path: dup, Expected: keyOnce}
		}
		return v, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &ConfigError{File: name, Expected: "an object with an \"exceptions\" list (the file is empty)"}
		}
		return nil, &ConfigError{File: name, Expected: "valid YAML (" + yamlErrorLine(err) + ")"}
	}
	// yaml.v3 reads the first document only; a second one (after "---") would be ignored.
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		return nil, &ConfigError{File: name, Path: fmt.Sprintf("line %d", next.Line), Expected: "one YAML document, not a second one after \"---\""}
	case !errors.Is(err, io.EOF):
		return nil, &ConfigError{File: name, Expected: "valid YAML (" + yamlErrorLine(err) + ")"}
	}
	if len(doc.Content) == 0 {
		return nil, &ConfigError{File: name, Expected: "an object with an \"exceptions\" list (the file is empty)"}
	}
	return nodeTree(name, doc.Content[0], "")
}

// yamlErrorLine keeps only the "line N" part of a YAML error, which never quotes the input.
// yamlErrorLine words the YAML parser's complaint for an error message: its line is where the
// parser was when it gave up, often the start of the block holding the mistake, so the
// message says "at or after". An exceptions file holds no secrets, so the parser's words
// (which may quote a token) can be shown.
func yamlErrorLine(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line, rest, ok := strings.Cut(msg, ": ")
	if !ok || !strings.HasPrefix(line, "line ") {
		return "syntax error: " + msg
	}
	return fmt.Sprintf("%s at or after %s", rest, line)
}

func nodeTree(file string, n *yaml.Node, path string) (any, error) {
	switch n.Kind {
	case yaml.AliasNode:
		// Expanding aliases by hand would follow a self-referencing anchor forever or blow a
		// small file up exponentially ("billion laughs"); an exceptions list has no need of them.
		return nil, &ConfigError{File: file, Path: fmt.Sprintf("%s (line %d)", path, n.Line), Expected: "a plain value, not a YAML alias (*" + n.Value + ")"}
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, &ConfigError{File: file, Path: fmt.Sprintf("%s (line %d)", path, k.Line), Expected: "string keys"}
			}
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			// A yaml.Node keeps both of two equal keys; the map would keep the last silently
			// ("exceptions: [...]" then "exceptions: []" would drop every exception).
			if _, dup := m[k.Value]; dup {
				return nil, &ConfigError{File: file, Path: fmt.Sprintf("%s (line %d)", p, k.Line), Expected: keyOnce}
			}
			v, err := nodeTree(file, n.Content[i+1], p)
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for i, c := range n.Content {
			v, err := nodeTree(file, c, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!str", "!!timestamp":
			return n.Value, nil
		case "!!null":
			return nil, nil
		}
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, &ConfigError{File: file, Path: fmt.Sprintf("%s (line %d)", path, n.Line), Expected: "a valid scalar"}
		}
		return v, nil
	}
	return nil, &ConfigError{File: file, Path: path, Expected: "a YAML mapping, list or scalar"}
}

// liveException is an exception in force, its patterns compiled.
type liveException struct {
	Exception
	globs []*glob.Pattern
	// used is set once the exception has excepted a result.
	used bool
}

// splitExceptions separates exceptions in force on now's date (UTC, expiry inclusive) from
// expired ones. Patterns were validated, so compile errors cannot occur here.
func splitExceptions(exc []Exception, now time.Time) (live []*liveException, expired []Exception) {
	today := now.UTC().Format(dateLayout)
	for _, ex := range exc {
		if ex.Expires < today {
			expired = append(expired, ex)
			continue
		}
		le := &liveException{Exception: ex}
		for _, u := range ex.URNs {
			if g, err := glob.Compile(u); err == nil {
				le.globs = append(le.globs, g)
			}
		}
		live = append(live, le)
	}
	return live, expired
}

// unusedExceptions are the live exceptions that excepted nothing: the violation was fixed, or
// the URN patterns match no resource (a pattern without the parent chain, a typo), and either
// way the file no longer says what the team believes it says.
func unusedExceptions(live []*liveException) []Exception {
	var out []Exception
	for _, ex := range live {
		if !ex.used {
			out = append(out, ex.Exception)
		}
	}
	return out
}

// applyExceptions turns a fail into excepted when a live exception for its policy matches
// its URN; the first matching exception's reason is kept. Every matching exception counts as
// used: one that overlaps an earlier one still covers the result (and may outlive it), so
// calling it unused would advise removing cover that is in force.
func applyExceptions(res *Result, live []*liveException) {
	if res.Status != StatusFail {
		return
	}
	for _, ex := range live {
		if ex.Policy != res.PolicyID || !slices.ContainsFunc(ex.globs, func(g *glob.Pattern) bool { return g.Match(res.URN) }) {
			continue
		}
		if res.Status == StatusFail {
			res.Status = StatusExcepted
			res.Exception = ex.Reason
		}
		ex.used = true
	}
}
