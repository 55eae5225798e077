package planner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kvguard/kvguard/internal/source"
)

// InputError reports a project file, stack config file or --set override kvguard cannot use:
// the file ("--set" for an override), the key or path inside it and what was expected. It is
// the sources' error type, so the CLI maps both to exit code 2 the same way, and like theirs
// it never carries a config value, because any value may be a secret.
type InputError = source.InputError

// Project is what the planner needs from Pulumi.yaml.
type Project struct {
	// Name is the project name; config keys without a namespace belong to it.
	Name string
	// StackConfigDir is the folder of the stack files, relative to the project folder.
	StackConfigDir string
	// Defaults are the config values the project file declares with a default, by full key.
	Defaults map[string]string
	// SecretKeys are the project config keys declared `secret: true`.
	SecretKeys map[string]bool
}

// StackConfig is a stack's configuration as Pulumi hands it to a program: every value a
// string (structured values as JSON), keys namespaced ("secret-store:vaultName").
type StackConfig struct {
	// Values maps full keys to values. An encrypted `secure:` value is kept as its ciphertext:
	// the planner never decrypts, and the key is listed in SecretKeys so the program and every
	// output treat it as a secret.
	Values map[string]string
	// SecretKeys lists the keys whose values are secrets, sorted.
	SecretKeys []string
}

// LoadProject reads Pulumi.yaml (or Pulumi.yml) from dir.
func LoadProject(dir string) (*Project, error) {
	var path string
	var data []byte
	var err error
	for _, n := range []string{"Pulumi.yaml", "Pulumi.yml"} {
		path = filepath.Join(dir, n)
		data, err = os.ReadFile(path)
		if err == nil {
			break
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, &InputError{File: path, Err: err}
		}
	}
	if err != nil {
		return nil, &InputError{File: filepath.Join(dir, "Pulumi.yaml"), Expected: "a Pulumi project file",
			Got: "none here (run kvguard plan in the project directory or pass --project-dir)"}
	}
	var raw struct {
		Name           string               `yaml:"name"`
		StackConfigDir string               `yaml:"stackConfigDir"`
		Config         map[string]yaml.Node `yaml:"config"`
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, &InputError{File: path, Expected: "a YAML mapping", Err: yamlError(err)}
	}
	if err := oneDocument(path, data); err != nil {
		return nil, err
	}
	if raw.Name == "" {
		return nil, &InputError{File: path, Path: "name", Expected: "the project name"}
	}
	p := &Project{Name: raw.Name, StackConfigDir: raw.StackConfigDir, Defaults: map[string]string{}, SecretKeys: map[string]bool{}}
	for k, node := range raw.Config {
		key := fullKey(p.Name, k)
		// A declaration is either a bare default value or {type, description, default, secret}.
		if node.Kind == yaml.MappingNode && hasAnyKey(&node, "type", "default", "description", "secret", "items") {
			for i := 0; i+1 < len(node.Content); i += 2 {
				name, val := node.Content[i].Value, node.Content[i+1]
				switch name {
				case "secret":
					if val.Value == "true" {
						p.SecretKeys[key] = true
					}
				case "default":
					v, _, err := configValue(val)
					if err != nil {
						return nil, &InputError{File: path, Path: "config." + k + ".default", Expected: "a config value", Err: err}
					}
					p.Defaults[key] = v
				}
			}
			continue
		}
		v, _, err := configValue(&node)
		if err != nil {
			return nil, &InputError{File: path, Path: "config." + k, Expected: "a config value", Err: err}
		}
		p.Defaults[key] = v
	}
	return p, nil
}

// StackConfigPath is where Pulumi looks for a stack's config file.
func (p *Project) StackConfigPath(dir, stack string) string {
	return filepath.Join(dir, p.StackConfigDir, "Pulumi."+stack+".yaml")
}

// LoadStackConfig reads a stack config file (Pulumi.<stack>.yaml) on top of the project's
// defaults. Values marked `secure:` are never decrypted.
func LoadStackConfig(p *Project, path string) (*StackConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &InputError{File: path, Expected: "a stack config file", Err: err}
	}
	var raw struct {
		Config map[string]yaml.Node `yaml:"config"`
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, &InputError{File: path, Expected: "a YAML mapping with a config section", Err: yamlError(err)}
	}
	if err := oneDocument(path, data); err != nil {
		return nil, err
	}
	sc := &StackConfig{Values: map[string]string{}}
	secret := map[string]bool{}
	for k, v := range p.Defaults {
		sc.Values[k] = v
	}
	for k := range p.SecretKeys {
		secret[k] = true
	}
	for k, node := range raw.Config {
		if strings.TrimSpace(k) == "" {
			return nil, &InputError{File: path, Path: "config", Expected: "non-empty config keys"}
		}
		key := fullKey(p.Name, k)
		v, isSecret, err := configValue(&node)
		if err != nil {
			return nil, &InputError{File: path, Path: "config." + k, Expected: "a config value", Err: err}
		}
		sc.Values[key] = v
		if isSecret {
			secret[key] = true
		}
	}
	for k := range secret {
		if _, ok := sc.Values[k]; ok {
			sc.SecretKeys = append(sc.SecretKeys, k)
		}
	}
	sort.Strings(sc.SecretKeys)
	return sc, nil
}

// IsSecret reports whether key holds a secret.
func (c *StackConfig) IsSecret(key string) bool {
	i := sort.SearchStrings(c.SecretKeys, key)
	return i < len(c.SecretKeys) && c.SecretKeys[i] == key
}

// Display is the config as `pulumi preview --json` prints it: secrets as "[secret]".
func (c *StackConfig) Display() map[string]string {
	out := make(map[string]string, len(c.Values))
	for k, v := range c.Values {
		if c.IsSecret(k) {
			v = secretPlaceholder
		}
		out[k] = v
	}
	return out
}

// Apply sets one override, "KEY=VALUE", as --set does. KEY is a config key, namespaced or not
// ("secret-store:publicNetworkAccess", "publicNetworkAccess"), optionally followed by a path
// into a structured value ("secret-store:secrets[0].expires", as `pulumi config set --path`).
// VALUE is a plain string; with a path, `true`, `false`, `null` and numbers are typed as YAML
// would type them. Overriding a secret key keeps it secret.
func (c *StackConfig) Apply(project, override string) error {
	k, v, ok := strings.Cut(override, "=")
	if !ok {
		return &InputError{File: "--set", Path: redactOverride(override), Expected: "KEY=VALUE"}
	}
	if strings.TrimSpace(k) == "" {
		return &InputError{File: "--set", Expected: "KEY=VALUE, with a key before the '='"}
	}
	key, path := splitKeyPath(k)
	if key == "" {
		return &InputError{File: "--set", Path: k, Expected: "a config key before the path"}
	}
	key = fullKey(project, key)
	if path == "" {
		c.Values[key] = v
		return nil
	}
	segs, err := parsePath(path)
	if err != nil {
		return &InputError{File: "--set", Path: k, Expected: "a path like name[0].field", Err: err}
	}
	var root any
	if cur, ok := c.Values[key]; ok && cur != "" {
		if err := json.Unmarshal([]byte(cur), &root); err != nil {
			return &InputError{File: "--set", Path: key, Expected: "a structured (object or list) config value to set a path in"}
		}
	}
	root, err = setPath(root, segs, scalarValue(v))
	if err != nil {
		return &InputError{File: "--set", Path: k, Expected: "a path that matches the value's structure", Err: err}
	}
	b, err := json.Marshal(root)
	if err != nil {
		return &InputError{File: "--set", Path: k, Err: err}
	}
	c.Values[key] = string(b)
	return nil
}

// redactOverride stands for a malformed override (one without "=") in errors, which never
// echo it: it may be a value typed without its key, or "KEY VALUE" as `pulumi config set` takes
// it, and the value may be a secret.
func redactOverride(string) string {
	return "(an argument without '=', not shown: it may hold a value)"
}

// fullKey namespaces a bare key with the project name, as Pulumi does.
func fullKey(project, k string) string {
	if strings.Contains(k, ":") {
		return k
	}
	return project + ":" + k
}

func hasAnyKey(n *yaml.Node, keys ...string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		for _, k := range keys {
			if n.Content[i].Value == k {
				return true
			}
		}
	}
	return false
}

// configValue renders a YAML config value the way Pulumi passes it to a program: scalars as
// their text, objects and lists as JSON. A `secure:` value anywhere inside marks the whole key
// secret; its ciphertext stands in for the plaintext, which the planner never has.
func configValue(n *yaml.Node) (string, bool, error) {
	if n.Kind == yaml.ScalarNode {
		if n.Tag == "!!null" {
			return "", false, nil
		}
		return n.Value, false, nil
	}
	if cipher, ok := secureValue(n); ok {
		return cipher, true, nil
	}
	v, secret, err := plainValue(n)
	if err != nil {
		return "", false, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", false, err
	}
	return string(b), secret, nil
}

// secureValue recognises {secure: <ciphertext>}.
func secureValue(n *yaml.Node) (string, bool) {
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Value == "secure" && n.Content[1].Kind == yaml.ScalarNode {
		return n.Content[1].Value, true
	}
	return "", false
}

func plainValue(n *yaml.Node) (any, bool, error) {
	switch n.Kind {
	case yaml.AliasNode:
		// Following aliases by hand loops on a self-referencing anchor and multiplies a small
		// file exponentially; Pulumi's own config never writes them.
		return nil, false, fmt.Errorf("line %d: expected a plain value, not a YAML alias (*%s)", n.Line, n.Value)
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, false, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return v, false, nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		secret := false
		for _, c := range n.Content {
			v, s, err := plainValue(c)
			if err != nil {
				return nil, false, err
			}
			out = append(out, v)
			secret = secret || s
		}
		return out, secret, nil
	case yaml.MappingNode:
		if cipher, ok := secureValue(n); ok {
			return cipher, true, nil
		}
		out := map[string]any{}
		secret := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			// yaml.v3 keeps both of two equal keys; the map would keep the last silently.
			if k := n.Content[i]; hasKey(out, k.Value) {
				return nil, false, fmt.Errorf("line %d: expected each key once, %q given twice", k.Line, k.Value)
			}
			v, s, err := plainValue(n.Content[i+1])
			if err != nil {
				return nil, false, err
			}
			out[n.Content[i].Value] = v
			secret = secret || s
		}
		return out, secret, nil
	}
	return nil, false, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

// oneDocument refuses a second YAML document after "---": yaml.Unmarshal reads the first
// and ignores the rest, so settings placed after it would silently not apply.
func oneDocument(file string, data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var first, next yaml.Node
	if err := dec.Decode(&first); err != nil {
		return nil // empty, or invalid: yaml.Unmarshal words it
	}
	if err := dec.Decode(&next); err == nil {
		return &InputError{File: file, Path: fmt.Sprintf("line %d", next.Line), Expected: "one YAML document, not a second one after \"---\""}
	}
	return nil
}

// yamlError keeps yaml.v3's line numbers but not its quoted input, which may hold a secret.
func yamlError(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		// Each entry reads "line N: <what>"; keep the line numbers and drop the rest, which
		// quotes the input.
		var lines []string
		for _, e := range te.Errors {
			if l, _, ok := strings.Cut(e, ":"); ok && strings.HasPrefix(l, "line ") {
				lines = append(lines, l)
			}
		}
		if len(lines) == 0 {
			return errors.New("unexpected value types")
		}
		return fmt.Errorf("unexpected value types or duplicate keys at %s", strings.Join(lines, ", "))
	}
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		end := strings.IndexByte(msg[i:], ':')
		if end > 0 {
			return fmt.Errorf("invalid YAML at %s", msg[i:i+end])
		}
	}
	return errors.New("invalid YAML")
}

// splitKeyPath splits "ns:name[0].field" into "ns:name" and "[0].field".
func splitKeyPath(k string) (string, string) {
	ns := ""
	if i := strings.Index(k, ":"); i >= 0 {
		ns, k = k[:i+1], k[i+1:]
	}
	if i := strings.IndexAny(k, ".["); i >= 0 {
		return ns + k[:i], k[i:]
	}
	return ns + k, ""
}

// pathSeg is one step of a --set path: a field name or a list index.
type pathSeg struct {
	field string
	index int
	isIdx bool
}

func parsePath(p string) ([]pathSeg, error) {
	var segs []pathSeg
	for p != "" {
		switch p[0] {
		case '.':
			p = p[1:]
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			if end == 0 {
				return nil, errors.New("empty field name")
			}
			segs = append(segs, pathSeg{field: p[:end]})
			p = p[end:]
		case '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				return nil, errors.New("unclosed '['")
			}
			n, err := strconv.Atoi(p[1:end])
			if err != nil || n < 0 {
				return nil, errors.New("list index is not a non-negative number")
			}
			segs = append(segs, pathSeg{index: n, isIdx: true})
			p = p[end+1:]
		default:
			return nil, errors.New("path step does not start with '.' or '['")
		}
	}
	return segs, nil
}

func setPath(cur any, segs []pathSeg, v any) (any, error) {
	if len(segs) == 0 {
		return v, nil
	}
	s := segs[0]
	if s.isIdx {
		list, ok := cur.([]any)
		if cur != nil && !ok {
			return nil, fmt.Errorf("index [%d] into a value that is not a list", s.index)
		}
		if s.index > len(list) {
			return nil, fmt.Errorf("index [%d] past the end of a list of %d", s.index, len(list))
		}
		if s.index == len(list) {
			list = append(list, nil)
		}
		nv, err := setPath(list[s.index], segs[1:], v)
		if err != nil {
			return nil, err
		}
		list[s.index] = nv
		return list, nil
	}
	obj, ok := cur.(map[string]any)
	if cur != nil && !ok {
		return nil, fmt.Errorf("field %q of a value that is not an object", s.field)
	}
	if obj == nil {
		obj = map[string]any{}
	}
	nv, err := setPath(obj[s.field], segs[1:], v)
	if err != nil {
		return nil, err
	}
	obj[s.field] = nv
	return obj, nil
}

// scalarValue types a --set path value like a YAML scalar.
func scalarValue(s string) any {
	switch s {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "xXnN") {
		return f
	}
	return s
}
