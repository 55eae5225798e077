package source

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/internal/jsonscan"
)

// TestFastPathMatchesCarefulPath checks that the fast path of Load builds exactly the
// document the careful path builds, on every preview fixture and the shared sample
// (TestFastPathMatchesCarefulPathOnEstates does generated estates).
func TestFastPathMatchesCarefulPath(t *testing.T) {
	assertFastMatchesCareful(t, fastPathInputs(t))
}

// fastPathInputs are the previews the fast path must read as the careful path does.
func fastPathInputs(t *testing.T) map[string][]byte {
	t.Helper()
	inputs := map[string][]byte{}
	for name, kind := range fixtureKind {
		if kind == "preview" {
			inputs[name] = readFixture(t, name)
		}
	}
	sample, err := os.ReadFile(filepath.Join("..", "..", "tests", "testdata", "samples", "preview-dev.json"))
	require.NoError(t, err)
	inputs["samples/preview-dev.json"] = sample
	inputs["empty preview"] = []byte(`{"changeSummary": {}}`)
	inputs["empty steps"] = []byte("{\"steps\" : [ ] ,\r\n\t\"changeSummary\":{}}")
	inputs["compact, text around"] = []byte("Updating plugins\n{\"steps\":[{\"op\":\"create\",\"urn\":\"urn:pulumi:dev::p::azure-native:keyvault:Vault::v\",\"newState\":{\"urn\":\"urn:pulumi:dev::p::azure-native:keyvault:Vault::v\",\"type\":\"azure-native:keyvault:Vault\",\"custom\":true,\"inputs\":{\"a\\\"]}\":\"}]\"},\"outputs\":{}},\"detailedDiff\":null}],\"duration\":1,\"changeSummary\":{\"create\":1}}\nUpdate plan written to x\n")
	// What encoding/json reads in its own way, which the fast path's decoder must read alike:
	// escapes (\u0000 too), lone surrogates (U+FFFD), -0, integers a float64
	// rounds, fields it skips, state fields the fast path has encoding/json decode.
	rare := `{"urn": "urn:pulumi:dev::p::azure-native:keyvault:Secret::s", "custom": true, "type": "azure-native:keyvault:Secret", ` +
		`"created": "2024-01-02T03:04:05Z", "modified": "2024-01-02T03:04:05.5Z", "customTimeouts": {"create": 60}, "stackTrace": [{"sourcePosition": "x"}], "futureField": [1], ` +
		`"inputs": {"properties": {"value": "[secret]", "note": "a\"b\u00e9\ud800\u0000 \u2028", "n": [-0, 12345678901234567890, 2.5e-3]}, "t\u0061gs": {"é": "v"}}, ` +
		`"outputs": {"properties": {"value": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "x"}}}}`
	inputs["rare values and fields"] = []byte(`{"steps": [{"op": "create", "urn": "urn:pulumi:dev::p::azure-native:keyvault:Secret::s", "futureStepField": {"a": null}, ` +
		`"newState": ` + rare + `, "detailedDiff": {"properties.value": {"kind": "add", "inputDiff": true}}}], "diagnostics": [{"severity": "warning", "message": "m"}], ` +
		`"duration": 5, "maybeCorrupt": false, "config": {"p:environment": "[secret]"}, "changeSummary": {"create": 1}}`)
	// A damaged secret whose signature key is escaped: the careful path's search for the key's
	// text does not find it, and Pulumi's own reader would not either; it is dropped as a secret.
	inputs["escaped signature key"] = []byte(`{"steps": [{"op": "create", "urn": "urn:pulumi:dev::p::azure-native:keyvault:Vault::v", ` +
		`"newState": {"urn": "urn:pulumi:dev::p::azure-native:keyvault:Vault::v", "custom": true, "type": "azure-native:keyvault:Vault", ` +
		`"inputs": {"x": {"4dabf18193072939515e22adb29838\u0038d": "0000", "value": "v"}}}, "detailedDiff": null}], "changeSummary": {"create": 1}}`)
	// A same step's old state is only validated (decodeStep); what makes it decode in full.
	inputs["same steps whose old state is decoded in full"] = []byte(`{"steps": [` +
		sameStep("a", `"inputs": {"properties": "[secret]"}, "outputs": {"properties": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}`) + `, ` +
		sameStep("b", `"inputs": {"properties": {"x": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "c"}}}`) + `, ` +
		sameStep("c", `"inputs": null, "outputs": {"properties": null}`) + `, ` +
		strings.Replace(strings.Replace(sameStep("d", `"inputs": {}`), `{"op": "same", `, `{`, 1), `"detailedDiff": null}`, `"detailedDiff": null, "op": "same"}`, 1) +
		`], "changeSummary": {"same": 4}}`)
	return inputs
}

// sameStep is a same step of vault name whose old state has the given inputs and outputs.
func sameStep(name, bags string) string {
	urn := "urn:pulumi:dev::p::azure-native:keyvault:Vault::" + name
	return `{"op": "same", "urn": "` + urn + `", "oldState": {"urn": "` + urn + `", "custom": true, "type": "azure-native:keyvault:Vault", ` + bags + `}, ` +
		`"newState": {"urn": "` + urn + `", "custom": true, "type": "azure-native:keyvault:Vault", "inputs": {"properties": {"tenantId": "t"}}}, "detailedDiff": null}`
}

func TestFastPathGivesWay(t *testing.T) {
	step := `{"op": "create", "urn": "urn:pulumi:dev::p::azure-native:keyvault:Vault::v", "newState": {"urn": "urn:pulumi:dev::p::azure-native:keyvault:Vault::v", "custom": true, "type": "azure-native:keyvault:Vault", "inputs": {}, "outputs": {}}, "detailedDiff": null}`
	cases := map[string]string{
		"export":                  readFixtureString(t, "export-clean-dev.json"),
		"two objects":             `{"steps": [` + step + `]}` + "\n" + `{"steps": []}`,
		"duplicate steps":         `{"steps": [` + step + `], "steps": []}`,
		"null steps":              `{"steps": null}`,
		"null step":               `{"steps": [null]}`,
		"step not an object":      `{"steps": [1]}`,
		"wrong type":              `{"steps": [{"op": 1, "urn": "x"}]}`,
		"failed preview":          `{"steps": [` + step + `], "diagnostics": [{"severity": "error", "message": "boom"}]}`,
		"unexpected key":          `{"steps": [` + step + `], "extra": true}`,
		"truncated":               `{"steps": [` + step,
		"truncated after a step":  `{"steps": [` + step + `,`,
		"truncated after a space": `{"steps": [` + step + `, `,
		"truncated at the steps":  `{"steps": [`,
		"truncated in the steps":  `{"steps": [ `,
		"truncated in a key":      `{"steps": [` + step + `], "chan`,
		"truncated in a string":   `{"steps": [{"op": "cre`,
		"truncated in a number":   `{"steps": [` + step + `], "duration": 12`,
		"truncated in a literal":  `{"steps": [` + step + `], "maybeCorrupt": fal`,
		"no steps or summary":     `{"config": {}}`,
		"bad urn":                 strings.ReplaceAll(`{"steps": [`+step+`]}`, "urn:pulumi:dev::p::", "nope:"),
		"not json":                "hello",
		"trailing comma":          `{"steps": [` + step + `],}`,
		"missing comma":           `{"steps": [` + step + `] "config": {}}`,
		"step comma":              `{"steps": [` + step + `,]}`,
		"bad value":               `{"steps": [` + step + `], "config": {"a": nope}}`,
		"mismatched brackets":     `{"steps": [` + step + `], "config": {"a": 1]}`,
		"broken step":             `{"steps": [{"op": "create",}]}`,
		"bad key":                 `{"steps": [` + step + `], "con\qfig": {}}`,
		"empty object":            `{}`,
		// Keys given twice outside the steps: the careful path refuses them.
		"key twice in a diagnostic": `{"steps": [` + step + `], "diagnostics": [{"severity": "warning", "message": "a", "message": "b"}], "changeSummary": {"create": 1}}`,
		"key twice in duration":     `{"steps": [` + step + `], "duration": {"a": 1, "a": 2}, "changeSummary": {"create": 1}}`,
		"key twice in config":       `{"steps": [` + step + `], "config": {"a": "1", "a": "2"}, "changeSummary": {"create": 1}}`,
		"key twice in summary":      `{"steps": [` + step + `], "changeSummary": {"create": 1, "create": 1}}`,
		// What the fast path's decoder leaves to encoding/json (TestStepDecoderGivesWay).
		"a step key in another case":       `{"steps": [` + strings.Replace(step, `"op"`, `"Op"`, 1) + `], "changeSummary": {"create": 1}}`,
		"a number out of range":            `{"steps": [` + strings.Replace(step, `"inputs": {}`, `"inputs": {"a": 1e400}`, 1) + `], "changeSummary": {"create": 1}}`,
		"two keys encoding/json makes one": `{"steps": [` + strings.Replace(step, `"inputs": {}`, "\"inputs\": {\"a\xff\": 1, \"a\xfe\": 2}", 1) + `], "changeSummary": {"create": 1}}`,
		"bytes that are not UTF-8":         `{"steps": [` + strings.Replace(step, `"inputs": {}`, "\"inputs\": {\"note\": \"a\xffb\"}", 1) + `], "changeSummary": {"create": 1}}`,
		// A same step's old state, which the fast path only validates when it can.
		"same step: damaged secret in old state": `{"steps": [` + sameStep("a", `"inputs": {"properties": {"x": {"4dabf18193072939515e22adb298388d": "0000"}}}`) + `], "changeSummary": {"same": 1}}`,
		"same step: old properties a string":     `{"steps": [` + sameStep("a", `"outputs": {"properties": "x"}`) + `], "changeSummary": {"same": 1}}`,
		"same step: old inputs an array":         `{"steps": [` + sameStep("a", `"inputs": []`) + `], "changeSummary": {"same": 1}}`,
		"same step: key twice in old inputs":     `{"steps": [` + sameStep("a", `"inputs": {"properties": {"a": {"b": 1, "b": 2}}}`) + `], "changeSummary": {"same": 1}}`,
		"same step: old number out of range":     `{"steps": [` + sameStep("a", `"inputs": {"properties": {"a": [1e999]}}`) + `], "changeSummary": {"same": 1}}`,
		"same step: old inputs malformed":        `{"steps": [` + sameStep("a", `"inputs": {"properties": {"a": [1,]}}`) + `], "changeSummary": {"same": 1}}`,
		"deep nesting":                           `{"steps": [` + strings.Replace(step, `"inputs": {}`, `"inputs": {"a": `+strings.Repeat("[", 2000)+strings.Repeat("]", 2000)+`}`, 1) + `], "changeSummary": {"create": 1}}`,
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			_, ok := loadPreviewFast(name, []byte(in))
			assert.False(t, ok)
			if strings.HasPrefix(name, "same step:") {
				_, err := loadCareful(name, []byte(in))
				assert.Error(t, err, "the careful path refuses it")
			}
		})
	}
}

func readFixtureString(t *testing.T, name string) string {
	t.Helper()
	return string(readFixture(t, name))
}

// lookAlikeSteps is a compact preview of n vault creations whose inputs hold arrays of objects
// that start like a step (`,{"op"`), some of them decodable as one, so that pieces split at
// them start where no step does.
func lookAlikeSteps(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"steps":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		urn := fmt.Sprintf("urn:pulumi:dev::p::azure-native:keyvault:Vault::v%d", i)
		state := fmt.Sprintf(`{"urn":%q,"custom":true,"type":"azure-native:keyvault:Vault","inputs":{}}`, urn)
		fmt.Fprintf(&b, `{"op":"create","urn":%q,"newState":{"urn":%q,"custom":true,"type":"azure-native:keyvault:Vault",`+
			`"inputs":{"ops":[{"op":1},{"op":"create","urn":%q,"newState":%s},{"op":"x"}],"s":",{\"op\""},"outputs":{}},"detailedDiff":null}`,
			urn, urn, urn+"-inner", state)
	}
	fmt.Fprintf(&b, `],"changeSummary":{"create":%d}}`, n)
	return []byte(b.String())
}

// TestFastPathPiecesMatchCarefulPath splits every preview into pieces of a few hundred bytes,
// most of which then start inside a step (TestFastPathMatchesCarefulPathOnEstates does
// generated estates with the pieces they are split into).
// assertFastMatchesCareful checks that the fast path reads each input, into the document the
// careful path builds.
func assertFastMatchesCareful(t *testing.T, inputs map[string][]byte) {
	t.Helper()
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			fast, ok := loadPreviewFast(name, data)
			require.True(t, ok, "the fast path gave up on a plain preview")
			careful, err := loadCareful(name, data)
			require.NoError(t, err)
			assert.Equal(t, careful, fast)
		})
	}
}

func TestFastPathPiecesMatchCarefulPath(t *testing.T) {
	defer func(n int) { pieceBytes = n }(pieceBytes)
	pieceBytes = 64
	inputs := fastPathInputs(t)
	inputs["look-alike steps"] = lookAlikeSteps(40)
	var indented bytes.Buffer
	require.NoError(t, json.Indent(&indented, lookAlikeSteps(40), "", "  "))
	inputs["look-alike steps, indented"] = indented.Bytes()
	for _, name := range []string{"look-alike steps", "look-alike steps, indented", "samples/preview-dev.json"} {
		data := inputs[name]
		steps := bytes.Index(data, []byte(`"steps"`))
		first := jsonscan.SkipSpace(data, steps+bytes.IndexByte(data[steps:], '[')+1)
		require.Greater(t, len(stepStarts(data, first)), 5, "%s is split", name)
	}
	assertFastMatchesCareful(t, inputs)
	// A step the careful path refuses, in the last piece or in a middle one, is refused.
	for _, at := range []string{"v39", "v20"} {
		data := bytes.Replace(lookAlikeSteps(40), []byte(`{"op":"create","urn":"urn:pulumi:dev::p::azure-native:keyvault:Vault::`+at+`"`),
			[]byte(`{"op":"frobnicate","urn":"urn:pulumi:dev::p::azure-native:keyvault:Vault::`+at+`"`), 1)
		_, ok := loadPreviewFast("bad", data)
		assert.False(t, ok, "a bad step %s", at)
		_, err := Load("bad", data)
		assert.ErrorContains(t, err, "a Pulumi step op")
	}
}

// FuzzFastPath checks that the fast path never fails otherwise than by giving way: on any
// input it reads, the careful path builds the same document. Pieces are a few hundred bytes,
// so that the fuzzer's inputs are split too.
func FuzzFastPath(f *testing.F) {
	defer func(n int) { pieceBytes = n }(pieceBytes)
	pieceBytes = 64
	t := &testing.T{}
	for _, data := range fastPathInputs(t) {
		f.Add(data)
	}
	f.Add(lookAlikeSteps(6))
	step := `{"op": "create", "urn": "urn:pulumi:dev::p::azure-native:keyvault:Vault::v", "newState": {"urn": "urn:pulumi:dev::p::azure-native:keyvault:Vault::v", "custom": true, "type": "azure-native:keyvault:Vault", "inputs": {"a": [1, "b", {"c": null}]}, "outputs": {}}, "detailedDiff": null}`
	f.Add([]byte(`{"steps": [` + step + `], "changeSummary": {"create": 1}}`))
	f.Add([]byte(`{"steps": [` + step + `,`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := loadPreviewFast("f", data)
		if !ok {
			return
		}
		careful, err := loadCareful("f", data)
		require.NoError(t, err, "the fast path read what the careful path refuses")
		require.Equal(t, careful, fast)
	})
}
