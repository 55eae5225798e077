package source

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/internal/model"
)

// edited decodes a fixture, lets edit change it and encodes it again as Pulumi would (indented).
func edited(t *testing.T, name string, edit func(doc map[string]any)) []byte {
	t.Helper()
	var doc map[string]any
	require.NoError(t, json.Unmarshal(readFixture(t, name), &doc))
	edit(doc)
	out, err := json.MarshalIndent(doc, "", "    ")
	require.NoError(t, err)
	return out
}

// exportResources and previewSteps reach into a decoded fixture.
func exportResources(doc map[string]any) []any {
	return doc["deployment"].(map[string]any)["resources"].([]any)
}

func previewSteps(doc map[string]any) []any { return doc["steps"].([]any) }

func obj(v any) map[string]any { return v.(map[string]any) }

// versioned pins the API version of every Key Vault secret's type, in its URN too, as a
// program that imports a version module (keyvault/v20230701) gets from Pulumi.
func versioned(s string) string {
	return strings.ReplaceAll(s, "azure-native:keyvault:Secret", "azure-native:keyvault/v20230701:Secret")
}

func TestVersionedSecretTypeKeepsPlaintextOut(t *testing.T) {
	data := []byte(versioned(string(readFixture(t, "export-plaintext-secret.json"))))
	doc, err := Load("v.json", data)
	require.NoError(t, err)
	r := one(t, doc, "db-connection")
	assert.Equal(t, "azure-native:keyvault:Secret", r.Type, "judged as the unversioned type")
	assert.Equal(t, []string{"properties.value"}, r.Plaintext, "SEC-005 sees the plain value")
	_, present := lookup(r.Properties, "properties.value")
	assert.False(t, present, "the plain value is removed")
	assert.NotContains(t, string(mustMarshal(t, doc)), planted)

	preview := []byte(versioned(string(readFixture(t, "preview-clean-dev.json"))))
	pdoc, err := Load("p.json", preview)
	require.NoError(t, err)
	pr := one(t, pdoc, "db-connection")
	assert.Equal(t, "azure-native:keyvault:Secret", pr.Type)
	assert.Equal(t, []string{"properties.value"}, pr.Secret)
}

func TestPlainInputUnderSecretOutputIsPlaintext(t *testing.T) {
	// azure-native marks the value secret in its outputs; the inputs keep what the program
	// passed, and the state file stores that in the clear.
	data := edited(t, "export-plaintext-secret.json", func(doc map[string]any) {
		for _, r := range exportResources(doc) {
			if obj(r)["type"] == "azure-native:keyvault:Secret" {
				obj(obj(obj(r)["outputs"])["properties"])["value"] = map[string]any{
					"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
					"ciphertext":                       "v1:AAAA",
				}
			}
		}
	})
	require.Contains(t, string(data), planted, "the input still holds the plain value")
	doc, err := Load("s5.json", data)
	require.NoError(t, err)
	r := one(t, doc, "db-connection")
	assert.Equal(t, []string{"properties.value"}, r.Plaintext)
	assert.NotContains(t, string(mustMarshal(t, doc)), planted)
}

func TestInconsistentPreviewsAreRefused(t *testing.T) {
	tests := []struct {
		name         string
		file         string
		edit         func(doc map[string]any)
		wantPath     string
		wantExpected string
	}{
		{
			name: "a counted create filtered out", file: "preview-clean-dev.json",
			edit: func(doc map[string]any) {
				var kept []any
				for _, s := range previewSteps(doc) {
					if obj(obj(s)["newState"])["type"] != "azure-native:keyvault:Vault" {
						kept = append(kept, s)
					}
				}
				doc["steps"] = kept
			},
			wantPath: "steps", wantExpected: `the 9 "create" steps changeSummary counts`,
		},
		{
			name: "a type that is not the URN's", file: "preview-clean-dev.json",
			edit: func(doc map[string]any) {
				obj(obj(previewSteps(doc)[1])["newState"])["type"] = "azure-native:keyvault:vault"
			},
			wantPath: "steps[1].newState.type", wantExpected: "the type its URN names",
		},
		{
			name: "a resource of another stack", file: "preview-noncompliant-prod.json",
			edit: func(doc map[string]any) {
				s := obj(previewSteps(doc)[2])
				urn := strings.Replace(s["urn"].(string), ":prod::", ":dev::", 1)
				s["urn"] = urn
				for _, k := range []string{"newState", "oldState"} {
					if st, ok := s[k].(map[string]any); ok {
						st["urn"] = urn
					}
				}
			},
			wantPath: "steps[2].urn", wantExpected: `a URN of stack "prod"`,
		},
		{
			name: "a state under another URN than its step", file: "preview-clean-dev.json",
			edit: func(doc map[string]any) {
				st := obj(obj(previewSteps(doc)[1])["newState"])
				st["urn"] = st["urn"].(string) + "-other"
			},
			wantPath: "steps[1].newState.urn", wantExpected: "the step's own URN",
		},
		{
			name: "a misspelt top-level field", file: "preview-clean-dev.json",
			edit: func(doc map[string]any) {
				doc["Steps"] = doc["steps"]
				delete(doc, "steps")
			},
			wantPath: "Steps", wantExpected: "one of the fields Pulumi writes here",
		},
		{
			name: "a config that is not Pulumi's map of strings", file: "preview-clean-dev.json",
			edit:     func(doc map[string]any) { doc["config"] = "x" },
			wantPath: "config", wantExpected: "an object of string values",
		},
		{
			name: "a config value that is not a string", file: "preview-clean-dev.json",
			edit: func(doc map[string]any) {
				doc["config"] = map[string]any{"secret-store:environment": 5, "secret-store:owner": "x"}
			},
			wantPath: "config.secret-store:environment", wantExpected: "a string",
		},
		{
			name: "a null config value", file: "preview-clean-dev.json",
			edit:     func(doc map[string]any) { doc["config"] = map[string]any{"secret-store:environment": nil} },
			wantPath: "config.secret-store:environment", wantExpected: "a string",
		},
		{
			// The policies skip components; an azure-native resource is never one.
			name: "an azure-native resource marked as a component", file: "preview-clean-dev.json",
			edit:     func(doc map[string]any) { obj(obj(previewSteps(doc)[3])["newState"])["custom"] = false },
			wantPath: "steps[3].newState.custom", wantExpected: "every azure-native resource is a custom resource",
		},
		{
			name: "an op Pulumi does not have", file: "preview-clean-dev.json",
			edit:     func(doc map[string]any) { obj(previewSteps(doc)[0])["op"] = "frobnicate" },
			wantPath: "steps[0].op", wantExpected: "a Pulumi step op",
		},
		{
			name: "resources that may be corrupt", file: "preview-clean-dev.json",
			edit:     func(doc map[string]any) { doc["maybeCorrupt"] = true },
			wantPath: "maybeCorrupt", wantExpected: "false or absent",
		},
		{
			name: "a negative count", file: "preview-clean-dev.json",
			edit:     func(doc map[string]any) { doc["changeSummary"] = map[string]any{"create": 9, "same": -1} },
			wantPath: "changeSummary.same", wantExpected: "a whole number of steps",
		},
		{
			name: "a fractional count", file: "preview-clean-dev.json",
			edit:     func(doc map[string]any) { doc["changeSummary"] = map[string]any{"create": 1.5} },
			wantPath: "changeSummary.create", wantExpected: "a whole number of steps",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := edited(t, tt.file, tt.edit)
			_, err := Load("edited.json", data)
			var ie *InputError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, "edited.json", ie.File)
			assert.Equal(t, tt.wantPath, ie.Path)
			assert.Contains(t, ie.Expected, tt.wantExpected)
			_, carefulErr := loadCareful("edited.json", data)
			assert.Equal(t, err, carefulErr, "the fast path gives way to the careful one")
		})
	}
}

func TestInconsistentExportsAreRefused(t *testing.T) {
	tests := []struct {
		name, wantPath, wantExpected string
		edit                         func(doc map[string]any)
	}{
		{
			name: "a resource of another project", wantPath: "deployment.resources[3].urn", wantExpected: `project "secret-store"`,
			edit: func(doc map[string]any) {
				r := obj(exportResources(doc)[3])
				r["urn"] = strings.Replace(r["urn"].(string), "::secret-store::", "::other-project::", 1)
			},
		},
		{
			// An empty stack has no "resources" at all, so a renamed list must not read as one.
			name: "the resources renamed", wantPath: "deployment.Resources", wantExpected: "one of the fields Pulumi writes here",
			edit: func(doc map[string]any) {
				d := obj(doc["deployment"])
				d["Resources"] = d["resources"]
				delete(d, "resources")
			},
		},
		{
			name: "a snapshot that failed its integrity check", wantPath: "deployment.metadata.integrity_error", wantExpected: "a snapshot that passed",
			edit: func(doc map[string]any) {
				obj(doc["deployment"])["metadata"] = map[string]any{"integrity_error": map[string]any{"message": "x", "version": "3.276.0"}}
			},
		},
		{
			name: "a role assignment marked as a component", wantPath: "deployment.resources[9].custom", wantExpected: "every azure-native resource is a custom resource",
			edit: func(doc map[string]any) { obj(exportResources(doc)[9])["custom"] = false },
		},
		{
			name: "pending operations that are not a list", wantPath: "deployment.pending_operations", wantExpected: "an array",
			edit: func(doc map[string]any) { obj(doc["deployment"])["pending_operations"] = map[string]any{} },
		},
		{
			name: "null resources", wantPath: "deployment.resources", wantExpected: "an array",
			edit: func(doc map[string]any) { obj(doc["deployment"])["resources"] = nil },
		},
		{
			name: "an unknown top-level field", wantPath: "deployments", wantExpected: "one of the fields Pulumi writes here",
			edit: func(doc map[string]any) { doc["deployments"] = []any{} },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load("e.json", edited(t, "export-clean-dev.json", tt.edit))
			var ie *InputError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, tt.wantPath, ie.Path)
			assert.Contains(t, ie.Expected, tt.wantExpected)
		})
	}
}

// Pulumi refuses to read these signature objects (its deserializer fails the file), so
// kvguard refuses the input too, naming where the object is and never its content.
func TestDamagedSecretsAreRefused(t *testing.T) {
	const sig, secretSig = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"
	tests := []struct {
		name  string
		value map[string]any
	}{
		{"plaintext that is not JSON", map[string]any{sig: secretSig, "plaintext": planted}},
		{"both ciphertext and plaintext", map[string]any{sig: secretSig, "ciphertext": "v1:AAAA", "plaintext": `"x"`}},
		{"neither ciphertext nor plaintext", map[string]any{sig: secretSig}},
		{"ciphertext that is not a string", map[string]any{sig: secretSig, "ciphertext": map[string]any{"v": planted}}},
		{"a signature Pulumi does not write", map[string]any{sig: "0000", "value": planted}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := edited(t, "export-clean-dev.json", func(doc map[string]any) {
				obj(obj(obj(exportResources(doc)[8])["inputs"])["properties"])["value"] = tt.value
			})
			_, err := Load("e.json", data)
			var ie *InputError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, "deployment.resources[8].inputs.properties.value", ie.Path)
			assert.Contains(t, ie.Expected, "exactly one of a ciphertext string and a plaintext JSON string")
			assert.NotContains(t, err.Error(), planted)
		})
	}
	// In a preview step's state too, whichever path reads it.
	preview := edited(t, "preview-clean-dev.json", func(doc map[string]any) {
		obj(obj(obj(obj(previewSteps(doc)[3])["newState"])["inputs"])["properties"])["tenantId"] = map[string]any{sig: secretSig}
	})
	previewRefusedAt(t, preview, "steps[3].newState.inputs.properties.tenantId")

	// What Pulumi writes still loads: ciphertext, --show-secrets plaintext, and a NaN or
	// infinite number (Pulumi's float signature, which JSON cannot hold otherwise).
	for _, ok := range []map[string]any{
		{sig: secretSig, "ciphertext": "v1:AAAA"},
		{sig: secretSig, "plaintext": `"x"`},
		{sig: "8ad145fe-0d11-4827-bfd7-1abcbf086f5c", "value": "7ff8000000000001"},
	} {
		data := edited(t, "export-clean-dev.json", func(doc map[string]any) {
			obj(obj(obj(exportResources(doc)[8])["inputs"])["properties"])["value"] = ok
		})
		_, err := Load("e.json", data)
		assert.NoError(t, err)
	}
}

func TestReadAllRefusesBinaryAndEndlessInput(t *testing.T) {
	_, err := ReadAll("-", io.LimitReader(zeros{}, 1<<40), 0)
	var ie *InputError
	require.ErrorAs(t, err, &ie, "a NUL byte stops the read at once")
	assert.Equal(t, "<stdin>", ie.File)
	assert.Contains(t, ie.Got, "NUL")

	utf16 := []byte{0xFF, 0xFE, '{', 0, '}', 0}
	_, err = ReadAll("ps.json", bytes.NewReader(utf16), int64(len(utf16)))
	require.ErrorAs(t, err, &ie)
	assert.Contains(t, ie.Got, "UTF-16")

	big := bytes.Repeat([]byte("log line\n"), 100)
	_, err = readAllAtMost("big.txt", bytes.NewReader(big), 0, 512)
	require.ErrorAs(t, err, &ie)
	assert.Contains(t, ie.Expected, "at most")

	// A file known to be larger than the limit is refused before a byte is read.
	_, err = readAllAtMost("huge.json", iotest.ErrReader(errors.New("read, though its size was known")), 513, 512)
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "at most 512 bytes", ie.Expected)
	assert.Equal(t, "a file of 513 bytes", ie.Got)

	// A stream past the limit never holds a buffer larger than the limit.
	_, err = readAllAtMost("-", capReader{t: t, r: bytes.NewReader(big), max: 513}, 0, 512)
	require.ErrorAs(t, err, &ie)

	want := readFixture(t, "preview-clean-dev.json")
	for _, hint := range []int64{0, 10, int64(len(want)), int64(len(want)) * 2} {
		got, err := ReadAll("p.json", iotest.HalfReader(bytes.NewReader(want)), hint)
		require.NoError(t, err)
		assert.Equal(t, want, got, "size hint %d", hint)
	}

	_, err = ReadAll("f.json", iotest.ErrReader(errors.New("device gone")), 0)
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "readable input", ie.Expected)
}

// zeros reads as /dev/zero does.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	out, err := json.Marshal(v)
	require.NoError(t, err)
	return out
}

func TestUnreadableEnvironmentCountsAsProduction(t *testing.T) {
	for _, v := range []string{"[secret]", "04da6b54-80e4-46f7-96ec-b56ff0331ba9"} {
		data := edited(t, "preview-clean-dev.json", func(doc map[string]any) {
			obj(doc["config"])["secret-store:environment"] = v
		})
		doc, err := Load("p.json", data)
		require.NoError(t, err)
		assert.Equal(t, "prod", doc.Environment, "environment %q", v)
	}
	doc := loadFixture(t, "preview-clean-dev.json")
	assert.Equal(t, "dev", doc.Environment, "a readable environment is taken as written")
}

func TestSignedBagIsOneSecret(t *testing.T) {
	sig := map[string]any{
		"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
		"plaintext":                        `{"properties": {"value": "` + planted + `"}}`,
	}
	data := edited(t, "export-clean-dev.json", func(doc map[string]any) {
		for _, r := range exportResources(doc) {
			if obj(r)["type"] == "azure-native:keyvault:Vault" {
				obj(r)["inputs"] = sig
				obj(r)["outputs"] = sig
			}
		}
	})
	doc, err := Load("bag.json", data)
	require.NoError(t, err)
	v := one(t, doc, "vault")
	assert.Equal(t, []string{wholeBagKey}, v.Secret, "the whole bag is one unreadable secret")
	assert.NotContains(t, string(mustMarshal(t, doc)), planted)
}

func TestOldStateIsCleanedByItsOwnType(t *testing.T) {
	old := &apitype.ResourceV3{
		URN:    "urn:pulumi:dev::secret-store::azure-native:keyvault/v20230701:Secret::db",
		Type:   "azure-native:keyvault/v20230701:Secret",
		Inputs: map[string]any{"properties": map[string]any{"value": planted}},
	}
	props, _ := oldProperties(old)
	assert.NotContains(t, string(mustMarshal(t, props)), planted)
}

// The previous state is compared as Azure had it: outputs overlaid on inputs, and a secret or
// unknown value named as unreadable rather than read as absent.
func TestOldStateOverlaysOutputsAndNamesUnreadableValues(t *testing.T) {
	old := &apitype.ResourceV3{
		URN:     "urn:pulumi:dev::secret-store::azure-native:keyvault:Vault::vault",
		Type:    "azure-native:keyvault:Vault",
		Inputs:  map[string]any{"vaultName": "kv", "properties": map[string]any{"sku": map[string]any{"name": "standard"}}},
		Outputs: map[string]any{"properties": map[string]any{"enableRbacAuthorization": true, "tenantId": map[string]any{model.SecretSigKey: model.SecretSigValue, "plaintext": `"` + planted + `"`}}},
	}
	props, unreadable := oldProperties(old)
	got, ok := lookup(props, "properties.enableRbacAuthorization")
	assert.True(t, ok, "a setting only in the outputs is part of the old state")
	assert.Equal(t, true, got)
	assert.Equal(t, []string{"properties.tenantId"}, unreadable)
	assert.NotContains(t, string(mustMarshal(t, props)), planted)
}

func TestDuplicateKeysAreRefused(t *testing.T) {
	clean := string(readFixture(t, "preview-clean-dev.json"))
	export := string(readFixture(t, "export-noncompliant-prod.json"))
	tests := []struct {
		name, data, wantPath string
	}{
		{
			name:     "a second deployment after the real one",
			data:     strings.Replace(export, `"deployment": {`, `"deployment": {"manifest": {}}, "deployment": {`, 1),
			wantPath: "deployment",
		},
		{
			name:     "a key given twice inside a step",
			data:     strings.Replace(clean, `"contentType": "text/plain"`, `"contentType": "text/plain", "contentType": "x"`, 1),
			wantPath: "steps[", // the fast path gives way; the careful one names the step
		},
		{
			name:     "a count given twice",
			data:     strings.Replace(clean, `"changeSummary": {`, `"changeSummary": {"create": 0, `, 1),
			wantPath: "changeSummary.create",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NotEqual(t, clean, tt.data)
			_, err := Load("dup.json", []byte(tt.data))
			var ie *InputError
			require.ErrorAs(t, err, &ie)
			assert.Contains(t, ie.Path, tt.wantPath)
			assert.Equal(t, "a key given twice", ie.Got)
		})
	}
}

func TestRedactKeepsShapeAndNoSecret(t *testing.T) {
	sig := func(payload string) map[string]any {
		return map[string]any{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "plaintext": `"` + payload + `"`}
	}
	props := map[string]any{
		"properties": map[string]any{"value": planted, "contentType": "text/plain"},
		"tags":       map[string]any{"a": sig(planted), "b": "[secret]", "c": model.UnknownSentinel},
		"list":       []any{sig(planted), "x"},
	}
	out, plaintext := Redact("azure-native:keyvault/v20230701:Secret", props)
	assert.Nil(t, plaintext, "the type is judged as given: callers canonicalise it first")
	out, plaintext = Redact("azure-native:keyvault:Secret", props)
	assert.Equal(t, []string{"properties.value"}, plaintext)
	assert.NotContains(t, string(mustMarshal(t, out)), planted)
	assert.Equal(t, "text/plain", out["properties"].(map[string]any)["contentType"], "plain values stay")
	assert.Equal(t, model.UnknownSentinel, out["tags"].(map[string]any)["c"], "unknowns stay unknown")
	assert.Len(t, out["list"], 2, "arrays keep their length")

	bag, _ := Redact("azure-native:keyvault:Vault", sig(planted))
	assert.NotContains(t, string(mustMarshal(t, bag)), planted, "a signed bag is one secret")
}

// An azure-native resource's top-level properties must be an object (or unreadable): a string
// or an array in its place would leave every setting absent, and a Key Vault secret's value
// where kvguard does not remove it.
func TestMisshapedPropertiesAreRefused(t *testing.T) {
	for _, tt := range []struct {
		name  string
		value any
	}{
		{"a string", planted},
		{"an array", []any{map[string]any{"value": planted}}},
		{"a number", 3.0},
		{"a boolean", true},
	} {
		t.Run("export "+tt.name, func(t *testing.T) {
			data := edited(t, "export-clean-dev.json", func(doc map[string]any) {
				obj(exportResources(doc)[8])["inputs"].(map[string]any)["properties"] = tt.value
			})
			_, err := Load("e.json", data)
			var ie *InputError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, "deployment.resources[8].inputs.properties", ie.Path)
			assert.Equal(t, tt.name, ie.Got)
			assert.NotContains(t, err.Error(), planted)
		})
		t.Run("preview "+tt.name, func(t *testing.T) {
			data := edited(t, "preview-clean-dev.json", func(doc map[string]any) {
				obj(obj(previewSteps(doc)[3])["newState"])["outputs"] = map[string]any{"properties": tt.value}
			})
			previewRefusedAt(t, data, "steps[3].newState.outputs.properties")
		})
	}
	// Unreadable or absent properties still load: null, the unknown sentinel, a secret.
	for _, ok := range []any{nil, model.UnknownSentinel, model.SecretPlaceholder} {
		data := edited(t, "preview-clean-dev.json", func(doc map[string]any) {
			obj(obj(previewSteps(doc)[3])["newState"])["outputs"] = map[string]any{"properties": ok}
		})
		_, err := Load("p.json", data)
		assert.NoError(t, err, "%v", ok)
	}
}

// Two current resources with one URN and one op are refused: Pulumi lists a URN more than
// once only for the halves of a replacement (each op once) or, in an export, for resources
// marked delete.
func TestRepeatedURNsAreRefused(t *testing.T) {
	preview := edited(t, "preview-clean-dev.json", func(doc map[string]any) {
		doc["steps"] = append(previewSteps(doc), previewSteps(doc)[3])
	})
	n := len(previewSteps(decoded(t, preview))) - 1
	ie := previewRefusedAt(t, preview, fmt.Sprintf("steps[%d].urn", n))
	assert.Contains(t, ie.Expected, "steps[3] has the same URN")

	export := edited(t, "export-clean-dev.json", func(doc map[string]any) {
		rs := exportResources(doc)
		doc["deployment"].(map[string]any)["resources"] = append(rs, rs[8])
	})
	_, err := Load("e.json", export)
	require.ErrorAs(t, err, &ie)
	assert.Contains(t, ie.Path, ".urn")
	assert.Contains(t, ie.Expected, "deployment.resources[8] has the same URN")

	// A second step for one resource with another op is as contradictory: a vault created and
	// left the same, created and updated, or replaced and created.
	for _, op := range []string{"same", "update"} {
		data := edited(t, "preview-clean-dev.json", func(doc map[string]any) {
			again := maps.Clone(obj(previewSteps(doc)[3]))
			again["op"] = op
			doc["steps"] = append(previewSteps(doc), again)
		})
		n := len(previewSteps(decoded(t, data))) - 1
		ie := previewRefusedAt(t, data, fmt.Sprintf("steps[%d].urn", n))
		assert.Contains(t, ie.Expected, `steps[3] has the same URN, op "create"`)
	}
	// A deletion of the same resource contradicts it too; removing an old copy does not.
	withOldCopy := func(op string) []byte {
		return edited(t, "preview-clean-dev.json", func(doc map[string]any) {
			again := maps.Clone(obj(previewSteps(doc)[3]))
			again["op"], again["oldState"] = op, again["newState"]
			doc["steps"] = append(previewSteps(doc), again)
		})
	}
	deleted := withOldCopy("delete")
	n = len(previewSteps(decoded(t, deleted))) - 1
	previewRefusedAt(t, deleted, fmt.Sprintf("steps[%d].urn", n))
	_, err = Load("p.json", withOldCopy("delete-replaced"))
	assert.NoError(t, err, "an old copy being removed shares the URN")

	replacedAndCreated := edited(t, "preview-replace-vault.json", func(doc map[string]any) {
		again := maps.Clone(obj(previewSteps(doc)[0]))
		again["op"] = "create"
		doc["steps"] = append(previewSteps(doc), again)
	})
	previewRefusedAt(t, replacedAndCreated, "steps[3].urn")
	_, err = Load("r.json", readFixture(t, "preview-replace-vault.json"))
	assert.NoError(t, err, "the steps of one replacement share their URN")

	// The old half of a replacement, marked delete, may share its URN.
	pending := edited(t, "export-clean-dev.json", func(doc map[string]any) {
		rs := exportResources(doc)
		old := maps.Clone(obj(rs[8]))
		old["delete"] = true
		doc["deployment"].(map[string]any)["resources"] = append(rs, old)
	})
	_, err = Load("e.json", pending)
	assert.NoError(t, err)
}

// previewRefusedAt loads an edited preview, requires it refused at path, and requires the fast
// path to give way to the careful one, which words the error.
func previewRefusedAt(t *testing.T, data []byte, path string) *InputError {
	t.Helper()
	_, err := Load("p.json", data)
	var ie *InputError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, path, ie.Path)
	_, carefulErr := loadCareful("p.json", data)
	assert.Equal(t, err, carefulErr, "the fast path gives way to the careful one")
	return ie
}

func decoded(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))
	return doc
}

// capReader fails the test when asked to read into a buffer longer than max.
type capReader struct {
	t   *testing.T
	r   io.Reader
	max int
}

func (c capReader) Read(p []byte) (int, error) {
	if cap(p) > c.max {
		c.t.Errorf("read into a buffer of %d bytes, want at most %d", cap(p), c.max)
	}
	return c.r.Read(p)
}
