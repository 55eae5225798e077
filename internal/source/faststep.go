package source

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/kvguard/kvguard/internal/jsonscan"
	"github.com/kvguard/kvguard/internal/model"
)

// The fast path decodes a step into the same PreviewStep encoding/json builds, with
// jsonscan.Decoder: one pass, no reflection for the fields previews hold. It reads a field
// only under its exact name; a key encoding/json would match to a field case-insensitively
// ("URN", "Op") fails the decode, and so the fast path gives way, because encoding/json's
// matching and its handling of a field given twice under two spellings are its own. Keys of
// no field are skipped (validated) as encoding/json skips them. The fields of a state that
// previews rarely hold (stackTrace, customTimeouts, ...) are decoded by encoding/json from
// their raw value (decodeOtherField), so their validation is its own.

// stepFields and stateFields are the JSON names of PreviewStep's and apitype.ResourceV3's
// fields, by field index.
var (
	stepFields     = jsonFields(reflect.TypeFor[PreviewStep]())
	stateFields    = jsonFields(reflect.TypeFor[apitype.ResourceV3]())
	propDiffFields = jsonFields(reflect.TypeFor[PropertyDiff]())
)

// jsonFields maps the JSON name of each field of struct type t to its index, as
// encoding/json names them (the tag's name, else the Go name).
func jsonFields(t reflect.Type) map[string]int {
	out := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			// encoding/json promotes an embedded struct's fields; the fast path would need to
			// as well (TestStepDecoderMatchesEncodingJSON fails first).
			panic("jsonFields: " + t.String() + " embeds " + f.Name)
		}
		if !f.IsExported() {
			continue // encoding/json ignores it
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		out[name] = i
	}
	return out
}

// skipUnknownField skips the value of key, which names no field exactly. A key encoding/json
// could match to a field case-insensitively fails instead (non-ASCII keys too, since its
// folding covers a few non-ASCII letters such as the Kelvin sign).
func skipUnknownField(d *jsonscan.Decoder, key string, fields map[string]int) bool {
	for i := 0; i < len(key); i++ {
		if key[i] >= 0x80 {
			return false
		}
	}
	for name := range fields {
		if strings.EqualFold(name, key) {
			return false
		}
	}
	return d.Skip()
}

// decodeStep decodes the step object that comes next. With light set, the old state of a
// same step (op given before it, as Pulumi writes it) is read without its inputs and outputs:
// fromStep does not read them, and neither do the checks, as long as their top-level
// properties are objects or null and they hold no signature key. So they are only validated,
// and decodeStep fails when either does not hold; the caller then decodes the step again
// without light.
//
// The states are decoded into scratch (old, new) when it is not nil: the caller uses them
// again for the next step.
func decodeStep(d *jsonscan.Decoder, step *PreviewStep, scratch *[2]apitype.ResourceV3, light bool) bool {
	var oldScratch, newScratch *apitype.ResourceV3
	if scratch != nil {
		oldScratch, newScratch = &scratch[0], &scratch[1]
	}
	watched := d.Watched()
	return d.Object(func(key string) bool {
		switch key {
		case "op":
			return d.StringInto(&step.Op)
		case "urn":
			return d.StringInto(&step.URN)
		case "provider":
			return d.StringInto(&step.Provider)
		case "oldState":
			if light && step.Op == model.OpSame {
				return decodeState(d, &step.OldState, oldScratch, true) && d.Watched() == watched
			}
			return decodeState(d, &step.OldState, oldScratch, false)
		case "newState":
			return decodeState(d, &step.NewState, newScratch, false)
		case "diffReasons":
			var ok bool
			step.DiffReasons, ok = d.Strings()
			return ok
		case "replaceReasons":
			var ok bool
			step.ReplaceReasons, ok = d.Strings()
			return ok
		case "detailedDiff":
			return decodeDetailedDiff(d, &step.DetailedDiff)
		}
		return skipUnknownField(d, key, stepFields)
	})
}

// decodeDetailedDiff decodes a step's detailedDiff: null or an object of property diffs.
func decodeDetailedDiff(d *jsonscan.Decoder, out *map[string]PropertyDiff) bool {
	if d.Null() {
		*out = nil
		return true
	}
	m := map[string]PropertyDiff{}
	*out = m
	return d.Object(func(path string) bool {
		if d.Peek() != '{' {
			return false // null or not an object: left to encoding/json
		}
		var pd PropertyDiff
		ok := d.Object(func(key string) bool {
			switch key {
			case "kind":
				return d.StringInto(&pd.Kind)
			case "inputDiff":
				return d.Bool(&pd.InputDiff)
			}
			return skipUnknownField(d, key, propDiffFields)
		})
		m[path] = pd
		return ok
	})
}

// decodeState decodes a state: null (nil) or an apitype.ResourceV3 object, into scratch when
// it is not nil. With light set, its inputs and outputs are validated and left out, and their
// top-level properties must be an object or null (decodeStep).
func decodeState(d *jsonscan.Decoder, out **apitype.ResourceV3, scratch *apitype.ResourceV3, light bool) bool {
	if d.Null() {
		*out = nil
		return true
	}
	if d.Peek() != '{' {
		return false
	}
	st := scratch
	if st == nil {
		st = &apitype.ResourceV3{}
	} else {
		*st = apitype.ResourceV3{}
	}
	*out = st
	return d.Object(func(key string) bool {
		switch key {
		case "urn":
			return d.StringInto((*string)(&st.URN))
		case "custom":
			return d.Bool(&st.Custom)
		case "delete":
			return d.Bool(&st.Delete)
		case "id":
			return d.StringInto((*string)(&st.ID))
		case "type":
			return d.StringInto((*string)(&st.Type))
		case "inputs":
			if light {
				return skipBag(d)
			}
			return decodeBag(d, &st.Inputs)
		case "outputs":
			if light {
				return skipBag(d)
			}
			return decodeBag(d, &st.Outputs)
		case "parent":
			return d.StringInto((*string)(&st.Parent))
		case "protect":
			return d.Bool(&st.Protect)
		case "provider":
			return d.StringInto(&st.Provider)
		case "dependencies":
			urns, ok := decodeURNs(d)
			st.Dependencies = urns
			return ok
		case "propertyDependencies":
			return decodePropertyDependencies(d, &st.PropertyDependencies)
		case "pendingReplacement":
			return d.Bool(&st.PendingReplacement)
		case "sourcePosition":
			return d.StringInto(&st.SourcePosition)
		case "created":
			return decodeTime(d, &st.Created)
		case "modified":
			return decodeTime(d, &st.Modified)
		}
		if i, ok := stateFields[key]; ok {
			return decodeOtherField(d, reflect.ValueOf(st).Elem().Field(i))
		}
		return skipUnknownField(d, key, stateFields)
	})
}

// decodeTime decodes a state's created or modified time as encoding/json does: null gives nil,
// anything else is given to time.Time's UnmarshalJSON. Pulumi writes both in every state.
func decodeTime(d *jsonscan.Decoder, out **time.Time) bool {
	raw, ok := d.Raw()
	if !ok {
		return false
	}
	if string(raw) == "null" {
		*out = nil
		return true
	}
	t := new(time.Time)
	if t.UnmarshalJSON(raw) != nil {
		return false
	}
	*out = t
	return true
}

// decodeOtherField decodes a field the fast path has no code for with encoding/json, from
// its raw (validated) value.
func decodeOtherField(d *jsonscan.Decoder, field reflect.Value) bool {
	raw, ok := d.Raw()
	if !ok {
		return false
	}
	v := reflect.New(field.Type())
	if json.Unmarshal(raw, v.Interface()) != nil {
		return false
	}
	field.Set(v.Elem())
	return true
}

// decodeBag decodes inputs or outputs: null (nil) or an object.
func decodeBag(d *jsonscan.Decoder, out *map[string]any) bool {
	if d.Null() {
		*out = nil
		return true
	}
	if d.Peek() != '{' {
		return false
	}
	v, ok := d.Value()
	if ok {
		*out = v.(map[string]any)
	}
	return ok
}

// skipBag validates inputs or outputs (null or an object) whose top-level properties are an
// object or null.
func skipBag(d *jsonscan.Decoder) bool {
	if d.Null() {
		return true
	}
	if d.Peek() != '{' {
		return false
	}
	return d.Object(func(key string) bool {
		if c := d.Peek(); key == "properties" && c != '{' && c != 'n' {
			return false
		}
		return d.Skip()
	})
}

// decodeURNs decodes an array of URNs; null gives nil.
func decodeURNs(d *jsonscan.Decoder) ([]resource.URN, bool) {
	if d.Null() {
		return nil, true
	}
	out := []resource.URN{}
	ok := d.Array(func() bool {
		if d.Peek() != '"' {
			return false
		}
		s, ok := d.String()
		out = append(out, resource.URN(s))
		return ok
	})
	return out, ok
}

// decodePropertyDependencies decodes a state's propertyDependencies: null (nil) or an object
// of URN arrays (a null array is left to encoding/json).
func decodePropertyDependencies(d *jsonscan.Decoder, out *map[resource.PropertyKey][]resource.URN) bool {
	if d.Null() {
		*out = nil
		return true
	}
	m := map[resource.PropertyKey][]resource.URN{}
	*out = m
	return d.Object(func(key string) bool {
		if d.Peek() != '[' {
			return false
		}
		urns, ok := decodeURNs(d)
		m[resource.PropertyKey(key)] = urns
		return ok
	})
}
