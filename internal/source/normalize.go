package source

import (
	"encoding/json"
	"slices"
	"strconv"

	"github.com/kvguard/kvguard/internal/model"
)

// Signature values Pulumi stores under model.SecretSigKey besides the secret one. Only the
// output value matters here: it can carry "secret": true or lack "value" (unknown).
const outputValueSig = "d0e6a833031e9bbcd3f4e8bde6ca49a4"

// The other signatures Pulumi writes (sdk/v3/go/common/resource/sig), of values that are not
// secret: anything else under the signature key is treated as a secret.
const (
	resourceReferenceSig = "5cf8f73096256a8f31e491e813e4eb8e"
	byteStringSig        = "803fd3297a5875dc03ca845dda5d2a98"
	assetSig             = "c44067f5952c0a294b673a41bacd8c17"
	archiveSig           = "0def7320c3a5731c473e5ecbe6d01bc7"
	// floatSig marks a NaN or infinite number, which JSON cannot hold (pkg/resource/stack's
	// floatSignature, with the float's bits as hex in "value"). The policies cannot read such a
	// value either, so classify drops it like a secret; it is not damaged.
	floatSig = "8ad145fe-0d11-4827-bfd7-1abcbf086f5c"
)

// keyVaultSecretType is the one resource type whose properties.value must never be plain.
const keyVaultSecretType = "azure-native:keyvault:Secret"

// plaintextPath is the Key Vault secret's value, relative to the resource's properties.
const plaintextPath = "properties.value"

// Normalized is one property bag after the sources' shared rules ran over it: unknown and
// secret values removed and their paths recorded, sorted.
type Normalized struct {
	// Properties never holds an unknown, a secret or a Key Vault secret's plain value. It is
	// never nil. Inside arrays a removed element stays as null so later indexes (and the paths
	// that name them) still line up.
	Properties map[string]any
	// Unknown, Secret and Plaintext are the removed paths, relative to Properties, sorted and
	// never nil (Plaintext may be nil: the model omits it when empty).
	Unknown   []string
	Secret    []string
	Plaintext []string
}

// Normalize applies the one set of rules every source shares to decoded JSON properties of a
// resource of type typ:
//   - the unknown sentinel, at any depth and in place of any type (a whole object too), and an
//     output value without a value, are removed and their path goes to Unknown;
//   - "[secret]", the secret signature object (ciphertext or --show-secrets plaintext alike) and
//     an output value marked secret are removed and their path goes to Secret;
//   - for azure-native:keyvault:Secret, a properties.value left after that is plain: it is
//     removed and "properties.value" goes to Plaintext.
//
// The input is not modified.
func Normalize(typ string, props map[string]any) Normalized {
	w := &walker{}
	out := make(map[string]any, len(props))
	for k, v := range props {
		w.push(k)
		if c, keep := w.clean(v); keep {
			out[k] = c
		}
		w.pop()
	}
	return w.normalized(typ, out)
}

// normalizeOverlay is Normalize(typ, overlayProps(inputs, outputs)) in one walk, without the
// overlaid copy: the properties of a state.
func normalizeOverlay(typ string, inputs, outputs map[string]any) Normalized {
	if inputs == nil || outputs == nil || classify(inputs) != markerNone || classify(outputs) != markerNone {
		return Normalize(typ, overlayProps(inputs, outputs))
	}
	// Two bags that are not signature objects (wholeBag wraps those) are merged key by key.
	w := &walker{}
	return w.normalized(typ, w.cleanMerged(inputs, outputs))
}

// normalized is the Normalized of the properties out the walker has cleaned.
func (w *walker) normalized(typ string, out map[string]any) Normalized {
	n := Normalized{Properties: out, Unknown: sorted(w.unknown), Secret: sorted(w.secret)}
	n.Plaintext = stripPlaintext(typ, out)
	return n
}

// Redact is Normalize for a state kept to plan against, which must keep its shape: instead of
// being removed, every secret value and a Key Vault secret's plain value become a secret
// signature object with an empty ciphertext (redactedSecret), and every unknown value the unknown sentinel. plaintext
// lists the plain values' paths (what Normalize reports as Plaintext). nil stays nil; the
// input is not modified.
func Redact(typ string, props map[string]any) (redacted map[string]any, plaintext []string) {
	if props == nil {
		return nil, nil
	}
	w := &walker{redact: true}
	props = wholeBag(props)
	out := make(map[string]any, len(props))
	for k, v := range props {
		w.push(k)
		out[k], _ = w.clean(v)
		w.pop()
	}
	if holdsPlainValue(typ, out) {
		out["properties"].(map[string]any)["value"] = redactedSecret()
		plaintext = []string{plaintextPath}
	}
	return out, plaintext
}

// redactedSecret is a secret with its payload dropped: an empty ciphertext, so the object
// keeps the shape Pulumi (and damagedSecret) requires.
func redactedSecret() map[string]any {
	return map[string]any{model.SecretSigKey: model.SecretSigValue, "ciphertext": ""}
}

// damagedSecret reports a signature object Pulumi itself refuses to read (its deserializer
// fails the whole file): a signature it does not write, or a secret without exactly one of a
// string ciphertext and a plaintext that is JSON. The walker drops it as a secret (classify);
// the file sources refuse the input (refuseDamagedSecrets).
func damagedSecret(m map[string]any) bool {
	sig, _ := m[model.SecretSigKey].(string)
	switch sig {
	case resourceReferenceSig, byteStringSig, assetSig, archiveSig, outputValueSig, floatSig:
		return false
	case model.SecretSigValue:
		_, hasCipher := m["ciphertext"].(string)
		plain, hasPlain := m["plaintext"].(string)
		if _, present := m["ciphertext"]; present && !hasCipher {
			return true
		}
		if _, present := m["plaintext"]; present && !hasPlain {
			return true
		}
		return hasCipher == hasPlain || (hasPlain && !json.Valid([]byte(plain)))
	}
	return true
}

// walker collects the paths it removes while copying a value; with redact set it replaces
// what it would remove (see Redact) and keeps it. The path of the value it is at is kept as
// its elements (push, pop) and joined only for a value it removes.
type walker struct {
	unknown []string
	secret  []string
	redact  bool
	path    []string
}

func (w *walker) push(elem string) { w.path = append(w.path, elem) }
func (w *walker) pop()             { w.path = w.path[:len(w.path)-1] }

// at is the path of the value the walker is at: its elements joined by JoinPath.
func (w *walker) at() string {
	path := ""
	for _, elem := range w.path {
		path = JoinPath(path, elem)
	}
	return path
}

// dropSecret and dropUnknown record the removed value's path; keep says whether the caller
// keeps the returned stand-in (Redact) or drops the value (Normalize).
func (w *walker) dropSecret() (any, bool) {
	w.secret = append(w.secret, w.at())
	if !w.redact {
		return nil, false
	}
	return redactedSecret(), true
}

func (w *walker) dropUnknown() (any, bool) {
	w.unknown = append(w.unknown, w.at())
	if !w.redact {
		return nil, false
	}
	return model.UnknownSentinel, true
}

// clean returns a copy of v without unknown and secret values; keep is false when v itself is
// one and must be dropped by the caller.
func (w *walker) clean(v any) (any, bool) {
	switch x := v.(type) {
	case string:
		switch x {
		case model.UnknownSentinel:
			return w.dropUnknown()
		case model.SecretPlaceholder:
			return w.dropSecret()
		}
		return x, true
	case map[string]any:
		switch classify(x) {
		case markerSecret:
			return w.dropSecret()
		case markerUnknown:
			return w.dropUnknown()
		case markerOutput:
			return w.clean(x["value"])
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			w.push(k)
			if c, keep := w.clean(e); keep {
				out[k] = c
			}
			w.pop()
		}
		return out, true
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			w.push(strconv.Itoa(i))
			if c, keep := w.clean(e); keep {
				out[i] = c
			}
			w.pop()
		}
		return out, true
	}
	return v, true
}

// cleanOverlay is clean(overlay(in, out)) without the overlaid copy.
func (w *walker) cleanOverlay(in, out any) (any, bool) {
	switch {
	case out == nil || isUnknownValue(out):
		if in != nil {
			return w.clean(in)
		}
		return w.clean(out)
	case isSecretValue(out):
		return w.clean(out)
	case isSecretValue(in):
		return w.clean(in)
	}
	im, iok := in.(map[string]any)
	om, ook := out.(map[string]any)
	if iok && ook && classify(im) == markerNone && classify(om) == markerNone {
		// Neither holds the signature key, so neither does their merge: clean copies it key
		// by key.
		return w.cleanMerged(im, om), true
	}
	ia, iok := in.([]any)
	oa, ook := out.([]any)
	if iok && ook && len(ia) == len(oa) {
		merged := make([]any, len(oa))
		for i := range oa {
			w.push(strconv.Itoa(i))
			if c, keep := w.cleanOverlay(ia[i], oa[i]); keep {
				merged[i] = c
			}
			w.pop()
		}
		return merged, true
	}
	return w.clean(out)
}

// cleanMerged is clean of the merge overlay makes of two objects.
func (w *walker) cleanMerged(im, om map[string]any) map[string]any {
	merged := make(map[string]any, max(len(im), len(om)))
	for k, v := range im {
		if _, over := om[k]; over {
			continue
		}
		w.push(k)
		if c, keep := w.clean(v); keep {
			merged[k] = c
		}
		w.pop()
	}
	for k, ov := range om {
		w.push(k)
		if c, keep := w.cleanOverlay(im[k], ov); keep {
			merged[k] = c
		}
		w.pop()
	}
	return merged
}

type marker int

const (
	markerNone    marker = iota
	markerSecret         // secret signature, or output value marked secret
	markerUnknown        // output value without a value
	markerOutput         // known, non-secret output value: use its "value"
)

// classify recognises Pulumi's signature objects. Assets, archives and resource references
// carry the signature key too; they are ordinary objects for our purposes.
func classify(m map[string]any) marker {
	raw, signed := m[model.SecretSigKey]
	if !signed {
		return markerNone
	}
	sig, _ := raw.(string)
	switch sig {
	case resourceReferenceSig, byteStringSig, assetSig, archiveSig:
		return markerNone
	case model.SecretSigValue:
		return markerSecret
	case outputValueSig:
		if secret, _ := m["secret"].(bool); secret {
			return markerSecret
		}
		if _, known := m["value"]; !known {
			return markerUnknown
		}
		return markerOutput
	}
	// A signature Pulumi does not write (a damaged or hand-edited secret): fail closed, so a
	// value that was meant to be secret is never read or printed.
	return markerSecret
}

func isUnknownValue(v any) bool {
	switch x := v.(type) {
	case string:
		return x == model.UnknownSentinel
	case map[string]any:
		return classify(x) == markerUnknown
	}
	return false
}

func isSecretValue(v any) bool {
	switch x := v.(type) {
	case string:
		return x == model.SecretPlaceholder
	case map[string]any:
		return classify(x) == markerSecret
	}
	return false
}

// overlay lays known outputs over inputs. An unknown or null output never hides a known input
// (the input is what the program asked for); a secret on either side wins so a value marked
// secret once is never read in the clear; objects merge key by key and arrays of the same
// length element by element, otherwise the output replaces the input.
func overlay(in, out any) any {
	switch {
	case out == nil || isUnknownValue(out):
		if in != nil {
			return in
		}
		return out
	case isSecretValue(out):
		return out
	case isSecretValue(in):
		return in
	}
	im, iok := in.(map[string]any)
	om, ook := out.(map[string]any)
	if iok && ook && classify(im) == markerNone && classify(om) == markerNone {
		merged := make(map[string]any, len(im)+len(om))
		for k, v := range im {
			merged[k] = v
		}
		for k, ov := range om {
			merged[k] = overlay(im[k], ov)
		}
		return merged
	}
	ia, iok := in.([]any)
	oa, ook := out.([]any)
	if iok && ook && len(ia) == len(oa) {
		merged := make([]any, len(oa))
		for i := range oa {
			merged[i] = overlay(ia[i], oa[i])
		}
		return merged
	}
	return out
}

// overlayProps lays outputs over inputs; either may be nil.
func overlayProps(inputs, outputs map[string]any) map[string]any {
	switch {
	case inputs == nil && outputs == nil:
		return map[string]any{}
	case outputs == nil:
		return inputs
	case inputs == nil:
		return outputs
	}
	if merged, ok := overlay(inputs, outputs).(map[string]any); ok {
		return merged
	}
	return inputs
}

// stripPlaintext removes a Key Vault secret's plain value from props (already cleaned of
// secrets, so whatever remains there is not marked secret) and reports its path.
func stripPlaintext(typ string, props map[string]any) []string {
	if typ != keyVaultSecretType {
		return nil
	}
	inner, ok := props["properties"].(map[string]any)
	if !ok {
		return nil
	}
	v, present := inner["value"]
	if !present || v == nil {
		return nil
	}
	delete(inner, "value")
	return []string{plaintextPath}
}

// holdsPlainValue reports whether raw (undecoded inputs or outputs) holds a Key Vault
// secret's value in the clear: present, not null, neither a Pulumi secret nor unknown.
func holdsPlainValue(typ string, raw map[string]any) bool {
	if typ != keyVaultSecretType {
		return false
	}
	inner, ok := raw["properties"].(map[string]any)
	if !ok {
		return false
	}
	v := inner["value"]
	return v != nil && !isSecretValue(v) && !isUnknownValue(v)
}

// sorted returns paths sorted and deduplicated, never nil.
func sorted(paths []string) []string {
	if len(paths) == 0 {
		return []string{}
	}
	out := slices.Clone(paths)
	slices.Sort(out)
	return slices.Compact(out)
}
