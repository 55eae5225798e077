package source

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/internal/jsonscan"
)

// fastStep decodes one step with the fast path's decoder; ok is false when it gives way.
func fastStep(raw []byte) (PreviewStep, bool) {
	var step PreviewStep
	d := jsonscan.NewDecoder(raw, 0, 0)
	ok := decodeStep(d, &step, nil, false) && !d.Failed() && jsonscan.SkipSpace(raw, d.Pos()) == len(raw)
	return step, ok
}

// stepOf is a step around state, with the given extra step fields.
func stepOf(state, extra string) string {
	return `{"op": "update", "urn": "urn:pulumi:dev::p::azure-native:keyvault:Vault::v", ` + extra +
		`"oldState": null, "newState": ` + state + `, "detailedDiff": null}`
}

const plainState = `{"urn": "urn:pulumi:dev::p::azure-native:keyvault:Vault::v", "custom": true, "type": "azure-native:keyvault:Vault", "inputs": {}, "outputs": {}}`

// stateWith is plainState with more fields.
func stateWith(fields string) string {
	return strings.Replace(plainState, `"custom": true,`, `"custom": true, `+fields+`,`, 1)
}

// TestStepDecoderMatchesEncodingJSON checks that the fast path decodes every step of the
// fixtures, and steps holding every field Pulumi writes, into the PreviewStep encoding/json
// builds.
func TestStepDecoderMatchesEncodingJSON(t *testing.T) {
	var steps []string
	for name, kind := range fixtureKind {
		if kind != "preview" {
			continue
		}
		obj, err := findObject(name, readFixture(t, name))
		require.NoError(t, err)
		var top struct{ Steps []json.RawMessage }
		require.NoError(t, json.Unmarshal(obj, &top))
		for _, s := range top.Steps {
			steps = append(steps, string(s))
		}
	}
	require.NotEmpty(t, steps)
	steps = append(steps,
		stepOf(plainState, `"provider": "prov", "diffReasons": ["a", "b"], "replaceReasons": [], `),
		stepOf(plainState, `"provider": null, "diffReasons": null, "replaceReasons": null, `),
		strings.Replace(stepOf(plainState, ""), `"detailedDiff": null`, `"detailedDiff": {"properties.sku": {"kind": "update-replace", "inputDiff": true, "extra": [1]}, "tags": {}, "x": {"kind": null, "inputDiff": null}}`, 1),
		stepOf(plainState, `"unknownField": {"nested": [1, "two", {"three": null}]}, `),
		stepOf(stateWith(`"delete": true, "protect": true, "pendingReplacement": false, "id": "/subscriptions/x", "parent": "urn:pulumi:dev::p::pulumi:pulumi:Stack::s", "provider": "urn:pulumi:dev::p::pulumi:providers:azure-native::default::id", "dependencies": ["a", "b"], "propertyDependencies": {"x": ["a"], "y": []}, "sourcePosition": "project:///main.go#1,2"`), ""),
		stepOf(stateWith(`"dependencies": [], "propertyDependencies": {}, "id": null, "parent": null, "protect": null`), ""),
		stepOf(`{"urn": null, "custom": null, "type": null, "inputs": {}}`, ""),
		stepOf(stateWith(`"created": "2024-01-02T03:04:05Z", "modified": "2024-05-06T07:08:09.123456789+02:00", "taint": true, "external": false, "initErrors": ["boom"], "additionalSecretOutputs": ["value"], "aliases": ["urn:pulumi:dev::p::t::old"], "customTimeouts": {"create": 60, "Update": 1.5}, "importID": "imp", "retainOnDelete": true, "deletedWith": "urn:x", "replaceWith": ["urn:y"], "stackTrace": [{"sourcePosition": "a"}], "ignoreChanges": ["tags"], "hideDiff": ["a.b"], "replaceOnChanges": ["*"], "replacementTrigger": {"a": [1, 2]}, "refreshBeforeUpdate": true, "viewOf": "urn:v", "resourceHooks": {"BeforeCreate": ["h"]}, "extensionRef": "e", "snippetID": "s", "someFutureField": {"a": 1}`), ""),
		stepOf(stateWith(`"created": null, "stackTrace": null, "customTimeouts": null`), ""),
		stepOf(stateWith(`"created": "2024-02-29T23:59:59.999999999-08:00", "modified": "0001-01-01T00:00:00Z"`), ""),
		stepOf(strings.Replace(plainState, `"inputs": {}`, `"inputs": {"properties": {"value": "a\"b\u00e9\ud800\u0000", "n": [1, -0, 2.5e-3, 12345678901234567890, 1e308], "deep": {"a": {"b": [[{"c": true}]]}}}, "v\u0061lue": "x", "é": "ü"}`, 1), ""),
		stepOf(strings.Replace(plainState, `"inputs": {}, "outputs": {}`, `"inputs": null, "outputs": null`, 1), ""),
	)
	for i, raw := range steps {
		var want PreviewStep
		require.NoError(t, json.Unmarshal([]byte(raw), &want), "step %d", i)
		got, ok := fastStep([]byte(raw))
		require.True(t, ok, "the fast path gave way on step %d: %s", i, raw)
		assert.Equal(t, want, got, "step %d: %s", i, raw)
	}
}

// TestStepDecoderGivesWay lists steps the fast path's decoder does not read, for the careful
// path: where encoding/json would read them otherwise than it can (a key matched to a field
// case-insensitively, a null where it decodes a zero value) or refuse them.
func TestStepDecoderGivesWay(t *testing.T) {
	cases := map[string]string{
		"a step key in another case":         strings.Replace(stepOf(plainState, ""), `"op"`, `"Op"`, 1),
		"a step key in capitals":             strings.Replace(stepOf(plainState, ""), `"urn"`, `"URN"`, 1),
		"a state key in another case":        strings.Replace(stepOf(plainState, ""), `"newState"`, `"newstate"`, 1),
		"a state field in another case":      stepOf(strings.Replace(plainState, `"custom"`, `"Custom"`, 1), ""),
		"a field named with the long s":      stepOf(strings.Replace(plainState, `"custom"`, `"cu\u017ftom"`, 1), ""),
		"a field named with the Kelvin sign": strings.Replace(stepOf(plainState, ""), `"detailedDiff": null`, `"detailedDiff": {"a": {"\u212aind": "update"}}`, 1),
		"a key given twice":                  strings.Replace(stepOf(plainState, ""), `"op": "update",`, `"op": "update", "op": "delete",`, 1),
		"a key given twice in inputs":        stepOf(strings.Replace(plainState, `"inputs": {}`, `"inputs": {"a": 1, "a": 2}`, 1), ""),
		"two keys encoding/json makes one":   stepOf(strings.Replace(plainState, `"inputs": {}`, "\"inputs\": {\"a\xff\": 1, \"a\xfe\": 2}", 1), ""),
		"a value that is not UTF-8":          stepOf(strings.Replace(plainState, `"inputs": {}`, "\"inputs\": {\"k\": \"v\xfe\"}", 1), ""),
		"a number out of range":              stepOf(strings.Replace(plainState, `"inputs": {}`, `"inputs": {"a": [1e400]}`, 1), ""),
		"an op that is a number":             strings.Replace(stepOf(plainState, ""), `"op": "update"`, `"op": 1`, 1),
		"custom as a string":                 stepOf(strings.Replace(plainState, `"custom": true`, `"custom": "true"`, 1), ""),
		"inputs as an array":                 stepOf(strings.Replace(plainState, `"inputs": {}`, `"inputs": []`, 1), ""),
		"a state that is a string":           stepOf(`"x"`, ""),
		"a null dependency":                  stepOf(stateWith(`"dependencies": [null]`), ""),
		"a null property dependency":         stepOf(stateWith(`"propertyDependencies": {"a": null}`), ""),
		"a null property diff":               strings.Replace(stepOf(plainState, ""), `"detailedDiff": null`, `"detailedDiff": {"a": null}`, 1),
		"a null reason":                      stepOf(plainState, `"diffReasons": [null], `),
		"a time that is not one":             stepOf(stateWith(`"created": "yesterday"`), ""),
		"a time that is a number":            stepOf(stateWith(`"modified": 1700000000`), ""),
		"a time with an escape":              stepOf(stateWith(`"created": "2024-01-02T03:04:05\u005a"`), ""),
		"nesting deeper than the decoder's":  stepOf(strings.Replace(plainState, `"inputs": {}`, `"inputs": {"a": `+strings.Repeat("[", jsonscan.MaxDepth)+strings.Repeat("]", jsonscan.MaxDepth)+`}`, 1), ""),
		"a control character in a string":    strings.Replace(stepOf(plainState, ""), `"op": "update"`, "\"op\": \"up\tdate\"", 1),
		"malformed":                          strings.Replace(stepOf(plainState, ""), `"op": "update",`, `"op": "update",,`, 1),
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			if name != "malformed" && name != "a control character in a string" {
				require.True(t, json.Valid([]byte(raw)), "the case is JSON")
			}
			_, ok := fastStep([]byte(raw))
			assert.False(t, ok)
		})
	}
}

// TestHandDecodedFieldsHaveNoDecoders checks that encoding/json decodes the fields the fast
// path decodes by hand by their kind alone: a type of the SDK that gained its own
// UnmarshalJSON or UnmarshalText would be decoded otherwise by encoding/json.
func TestHandDecodedFieldsHaveNoDecoders(t *testing.T) {
	unmarshaler := reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler := reflect.TypeFor[encoding.TextUnmarshaler]()
	var check func(path string, typ reflect.Type)
	check = func(path string, typ reflect.Type) {
		for _, ty := range []reflect.Type{typ, reflect.PointerTo(typ)} {
			assert.False(t, ty.Implements(unmarshaler) || ty.Implements(textUnmarshaler), "%s (%s) has its own decoder", path, typ)
		}
		switch typ.Kind() {
		case reflect.Pointer, reflect.Slice:
			check(path+"[]", typ.Elem())
		case reflect.Map:
			check(path+" key", typ.Key())
			check(path+"[]", typ.Elem())
		}
	}
	stepType := reflect.TypeFor[PreviewStep]()
	for i := range stepType.NumField() {
		check("step."+stepType.Field(i).Name, stepType.Field(i).Type)
	}
	stateType := reflect.TypeFor[apitype.ResourceV3]()
	for _, name := range []string{"URN", "Custom", "Delete", "ID", "Type", "Inputs", "Outputs", "Parent", "Protect",
		"Provider", "Dependencies", "PropertyDependencies", "PendingReplacement", "SourcePosition"} {
		f, ok := stateType.FieldByName(name)
		require.True(t, ok, name)
		check("state."+name, f.Type)
	}
}
