package source

import (
	"bytes"
	"fmt"
	"maps"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/kvguard/kvguard/internal/model"
)

// urnParts is what a URN tells us: urn:pulumi:<stack>::<project>::<type>::<name>.
type urnParts struct {
	stack, project, typ, name string
}

func parseURN(file, path, s string) (urnParts, error) {
	u, err := resource.ParseURN(s)
	if err != nil || !u.IsValid() {
		return urnParts{}, &InputError{File: file, Path: path,
			Expected: "a Pulumi URN (urn:pulumi:<stack>::<project>::<type>::<name>)", Got: "something else"}
	}
	return urnParts{stack: u.Stack().String(), project: u.Project().String(), typ: u.Type().String(), name: u.Name()}, nil
}

// fromState builds a model resource from a serialized resource state (export resource or a
// preview step's state). path locates st inside the file for errors.
func fromState(file, path string, st *apitype.ResourceV3, op string) (model.Resource, urnParts, error) {
	u, err := parseURN(file, JoinPath(path, "urn"), string(st.URN))
	if err != nil {
		return model.Resource{}, urnParts{}, err
	}
	if st.Type != "" && string(st.Type) != u.typ {
		// Pulumi writes the URN's own type; a resource whose two disagree has been edited, and
		// judging either type could drop it from the policies that should see it.
		return model.Resource{}, urnParts{}, &InputError{File: file, Path: JoinPath(path, "type"),
			Expected: fmt.Sprintf("the type its URN names (%q)", u.typ), Got: fmt.Sprintf("%q", st.Type)}
	}
	typ := CanonicalType(u.typ)
	if !st.Custom && strings.HasPrefix(typ, azureNativePackage+":") {
		// Only component resources (and the stack) have custom false, and azure-native has
		// none: it is a provider of ARM resources only. The policies skip components, so an
		// edited flag would hide a vault or a role assignment from every one of them.
		return model.Resource{}, urnParts{}, &InputError{File: file, Path: JoinPath(path, "custom"),
			Expected: "true (every azure-native resource is a custom resource; only components have custom false)", Got: "false"}
	}
	inputs, outputs := wholeBag(st.Inputs), wholeBag(st.Outputs)
	n := normalizeOverlay(typ, inputs, outputs)
	if n.Plaintext == nil && (holdsPlainValue(typ, inputs) || holdsPlainValue(typ, outputs)) {
		// The overlay lets a secret on either side win, so a plain input under a secret output
		// is gone from n; the state file still stores the value in the clear.
		n.Plaintext = []string{plaintextPath}
	}
	r := model.Resource{
		URN:                  string(st.URN),
		Type:                 typ,
		Name:                 u.name,
		ID:                   knownID(string(st.ID)),
		Op:                   op,
		Custom:               st.Custom,
		Parent:               string(st.Parent),
		Provider:             st.Provider,
		Properties:           n.Properties,
		Unknown:              n.Unknown,
		Secret:               n.Secret,
		Plaintext:            n.Plaintext,
		Dependencies:         urnStrings(st.Dependencies),
		PropertyDependencies: propertyDependencies(st.PropertyDependencies),
		Protect:              st.Protect,
		SourcePosition:       SourcePosition(st.SourcePosition),
	}
	return r, u, nil
}

// oldProperties cleans a previous state by the rules of its own type: its outputs overlaid on
// its inputs, as for the new state, so a setting Azure defaulted (in the outputs only) is what
// a change is compared with. The unknown and secret paths come back as unreadable: their
// values are dropped, and a policy comparing old with new must not read the gap as absent.
func oldProperties(st *apitype.ResourceV3) (props map[string]any, unreadable []string) {
	if st == nil {
		return nil, nil
	}
	n := normalizeOverlay(CanonicalType(stateType(st)), wholeBag(st.Inputs), wholeBag(st.Outputs))
	return n.Properties, unreadablePaths(n)
}

// unreadablePaths are a normalised bag's unknown and secret paths together; nil when none.
func unreadablePaths(n Normalized) []string {
	if len(n.Unknown)+len(n.Secret) == 0 {
		return nil
	}
	return append(slices.Clone(n.Unknown), n.Secret...)
}

// refuseDamagedStates refuses the states of one export resource or preview step, whose JSON
// text is raw, that Pulumi or ARM could not have written: a damaged secret signature object
// (refuseDamagedSecrets) or azure-native properties that are not an object
// (refuseMisshapedProperties).
func refuseDamagedStates(file string, raw []byte, states map[string]*apitype.ResourceV3) error {
	if err := refuseDamagedSecrets(file, raw, states); err != nil {
		return err
	}
	return refuseMisshapedProperties(file, states)
}

// refuseMisshapedProperties names the first state of an azure-native resource, among one
// export resource's or preview step's, whose top-level properties input or output is neither
// an object nor unreadable (null, unknown, a secret). ARM keeps a resource's settings in that
// one object; a string or an array in its place leaves every setting absent, so the policies
// would judge a vault that says nothing, and a Key Vault secret's value would not be where
// kvguard removes it. The value is not quoted: it may be a secret.
func refuseMisshapedProperties(file string, states map[string]*apitype.ResourceV3) error {
	for _, path := range slices.Sorted(maps.Keys(states)) {
		if side, v := misshapedProperties(states[path]); side != "" {
			return &InputError{File: file, Path: JoinPath(JoinPath(path, side), "properties"),
				Expected: "an object (an azure-native resource keeps its ARM properties in one)", Got: describeGoType(reflect.TypeOf(v))}
		}
	}
	return nil
}

// misshapedProperties returns the side ("inputs" or "outputs") of an azure-native state whose
// top-level properties refuseMisshapedProperties refuses, and that value; "" when none.
func misshapedProperties(st *apitype.ResourceV3) (side string, v any) {
	if st == nil || !strings.HasPrefix(stateType(st), azureNativePackage+":") {
		return "", nil
	}
	for _, side := range []struct {
		name string
		bag  map[string]any
	}{{"inputs", st.Inputs}, {"outputs", st.Outputs}} {
		v, present := side.bag["properties"]
		if _, isObject := v.(map[string]any); !present || v == nil || isObject || isUnknownValue(v) || isSecretValue(v) {
			continue
		}
		return side.name, v
	}
	return "", nil
}

// stateType is a state's type token, or its URN's when the state names none.
func stateType(st *apitype.ResourceV3) string {
	if st.Type != "" {
		return string(st.Type)
	}
	if u, err := resource.ParseURN(string(st.URN)); err == nil && u.IsValid() {
		return u.Type().String()
	}
	return ""
}

// sigKeyBytes is the signature key as it appears in JSON text.
var sigKeyBytes = []byte(`"` + model.SecretSigKey + `"`)

// refuseDamagedSecrets names the first signature object Pulumi would refuse to read in the
// states of one export resource or preview step, whose JSON text is raw: inputs, then outputs
// of each (both sides, since the overlay lets a secret on one side hide the other). Only text
// holding the signature key can hold one, so other states are not walked. The value is not
// quoted: it may be a secret.
func refuseDamagedSecrets(file string, raw []byte, states map[string]*apitype.ResourceV3) error {
	if !bytes.Contains(raw, sigKeyBytes) {
		return nil
	}
	for _, path := range slices.Sorted(maps.Keys(states)) {
		if st := states[path]; st != nil {
			if err := refuseDamagedState(file, path, st); err != nil {
				return err
			}
		}
	}
	return nil
}

func refuseDamagedState(file, path string, st *apitype.ResourceV3) error {
	for _, side := range []struct {
		name string
		bag  map[string]any
	}{{"inputs", st.Inputs}, {"outputs", st.Outputs}} {
		if at, found := findDamaged(JoinPath(path, side.name), side.bag); found {
			return damagedSecretError(file, at)
		}
	}
	return nil
}

// findDamaged walks v for a signature object damagedSecret refuses.
func findDamaged(path string, v any) (string, bool) {
	switch x := v.(type) {
	case map[string]any:
		if _, signed := x[model.SecretSigKey]; signed {
			return path, damagedSecret(x)
		}
		for _, k := range slices.Sorted(maps.Keys(x)) {
			if at, found := findDamaged(JoinPath(path, k), x[k]); found {
				return at, true
			}
		}
	case []any:
		for i, e := range x {
			if at, found := findDamaged(JoinPath(path, strconv.Itoa(i)), e); found {
				return at, true
			}
		}
	}
	return "", false
}

func damagedSecretError(file, at string) error {
	return &InputError{File: file, Path: at,
		Expected: "a Pulumi secret (the signature object with exactly one of a ciphertext string and a plaintext JSON string) or another signature Pulumi writes",
		Got:      "a damaged signature object, which Pulumi itself refuses to read"}
}

// wholeBag is a state's inputs or outputs as a bag of properties. Pulumi never writes a bag
// that is itself a secret or another signature object; one that is (a damaged file) counts as
// one secret value, so nothing inside it is read.
func wholeBag(props map[string]any) map[string]any {
	if props != nil && classify(props) != markerNone {
		return map[string]any{wholeBagKey: props}
	}
	return props
}

// wholeBagKey names a bag that is itself a signature object once wholeBag wraps it; the
// wrapped value is then removed and recorded as a secret at this path.
const wholeBagKey = "(all properties)"

// sameStack reports whether u names the stack and project of first. A document is one
// stack's: the stack's name chooses the environment profile, so a file that mixes stacks would
// be judged by the rules of whichever came first.
func (u urnParts) sameStack(first urnParts) bool {
	return u.stack == first.stack && u.project == first.project
}

// otherStackError is the error for a resource whose URN is not of the document's stack.
func otherStackError(file, path string, first urnParts) error {
	return &InputError{File: file, Path: JoinPath(path, "urn"),
		Expected: fmt.Sprintf("a URN of stack %q, project %q, as the first resource's", first.stack, first.project),
		Got:      "a URN of another stack or project (give one stack per file)"}
}

// knownID drops the unknown sentinel a preview gives a resource not created yet.
func knownID(id string) string {
	if id == model.UnknownSentinel {
		return ""
	}
	return id
}

func urnStrings(urns []resource.URN) []string {
	out := make([]string, 0, len(urns))
	for _, u := range urns {
		out = append(out, string(u))
	}
	return out
}

func propertyDependencies(deps map[resource.PropertyKey][]resource.URN) map[string][]string {
	out := make(map[string][]string, len(deps))
	for k, urns := range deps {
		out[string(k)] = urnStrings(urns)
	}
	return out
}

// SourcePosition turns Pulumi's source position ("project:///main.go#12,3", or
// "file:///abs/main.go#12" for files outside the project) into "main.go:12". A value it does
// not understand is returned unchanged: a position is never secret and beats nothing.
func SourcePosition(pos string) string {
	if pos == "" {
		return ""
	}
	u, err := url.Parse(pos)
	if err != nil || (u.Scheme != "project" && u.Scheme != "file") {
		return pos
	}
	file := u.Path
	if u.Scheme == "project" {
		file = strings.TrimPrefix(file, "/")
	}
	line, _, _ := strings.Cut(u.Fragment, ",")
	if file == "" {
		return pos
	}
	if line == "" {
		return file
	}
	return file + ":" + line
}

// newDocument assembles a document, taking stack and project from the first URN.
func newDocument(source string, rs []model.Resource, first urnParts) *model.Document {
	if rs == nil {
		rs = []model.Resource{}
	}
	return &model.Document{Stack: first.stack, Project: first.project, Source: source, Resources: rs}
}

// refuseRepeatedURNs names the second of two resources with one URN that Pulumi never lists
// together. A preview repeats a URN only for the steps of one replacement (replace with
// create-replacement, read-replacement or import-replacement, each once) and for the old
// copies it removes (delete-replaced, discard-replaced, remove-pending-replace: a
// replacement's old half, or one an interrupted update left, beside the resource's own
// step). An export repeats one only for resources marked delete (Pulumi's own integrity
// check refuses anything else). Two steps that each create, keep, update or delete one
// resource contradict each other, and judging both would join their findings into one
// result. pathOf gives resource i's path in the file.
func refuseRepeatedURNs(file string, resources []model.Resource, pathOf func(i int) string) error {
	steps := make(map[string][]int, len(resources)) // URN -> indexes of its resources
	for i, r := range resources {
		if isOldCopy(r.Op) {
			continue
		}
		for _, j := range steps[r.URN] {
			other := resources[j].Op
			if other == r.Op || !isReplacementHalf(other) || !isReplacementHalf(r.Op) {
				return &InputError{File: file, Path: JoinPath(pathOf(i), "urn"),
					Expected: fmt.Sprintf("a URN of its own (%s has the same URN, op %q; Pulumi lists a resource once, or once per step of one replacement)", pathOf(j), other),
					Got:      fmt.Sprintf("a repeated URN, op %q", r.Op)}
			}
		}
		steps[r.URN] = append(steps[r.URN], i)
	}
	return nil
}

// isReplacementHalf holds for the steps of one replacement that share their URN: the replace
// ops but the old copy's.
func isReplacementHalf(op string) bool { return isReplaceOp(op) && !isOldCopy(op) }

// isOldCopy holds for the steps that remove an old copy of a resource, which share its URN.
func isOldCopy(op string) bool {
	return op == model.OpDeleteReplaced || op == model.OpDiscardReplaced || op == model.OpRemovePendingReplace
}

// replaceOps are the step ops whose reasons are replace reasons.
var replaceOps = []string{
	model.OpReplace, model.OpCreateReplacement, model.OpDeleteReplaced, "read-replacement", "import-replacement",
}

func isReplaceOp(op string) bool { return slices.Contains(replaceOps, op) }

// azureNativePackage is the package of the resource types the policies check.
const azureNativePackage = "azure-native"

// CanonicalType drops the API version from an azure-native type token
// ("azure-native:keyvault/v20230701:Vault" is "azure-native:keyvault:Vault"): a program may pin
// a version module, and the policies must judge the resource all the same.
func CanonicalType(t string) string {
	pkg, rest, ok := strings.Cut(t, ":")
	if !ok || pkg != azureNativePackage {
		return t
	}
	module, name, ok := strings.Cut(rest, ":")
	if !ok {
		return t
	}
	if base, version, ok := strings.Cut(module, "/"); ok && strings.HasPrefix(version, "v") {
		return pkg + ":" + base + ":" + name
	}
	return t
}
