package planner

import (
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/kvguard/kvguard/internal/model"
)

// ReplaceOnChange lists, per resource type, the inputs whose change makes Azure (and so
// azure-native) replace the resource instead of updating it in place: the names and parents
// that make up its ARM id, and the few properties ARM refuses to change. The table is ours and
// deliberately small; it covers what the secret-store program creates. A change of any other
// input is an update.
var ReplaceOnChange = map[string][]string{
	"azure-native:keyvault:Vault":                                   {"vaultName", "resourceGroupName", "location"},
	"azure-native:keyvault:Secret":                                  {"secretName", "vaultName", "resourceGroupName"},
	"azure-native:keyvault:Key":                                     {"keyName", "vaultName", "resourceGroupName"},
	"azure-native:authorization:RoleAssignment":                     {"scope", "roleDefinitionId", "principalId", "roleAssignmentName"},
	"azure-native:insights:DiagnosticSetting":                       {"name", "resourceUri"},
	"azure-native:operationalinsights:Workspace":                    {"workspaceName", "resourceGroupName"},
	"azure-native:managedidentity:UserAssignedIdentity":             {"resourceName", "resourceGroupName"},
	"azure-native:resources:ResourceGroup":                          {"resourceGroupName"},
	"azure-native:authorization:ManagementLockAtResourceLevel":      {"lockName", "resourceGroupName", "resourceName", "resourceType", "resourceProviderNamespace", "parentResourcePath"},
	"azure-native:authorization:ManagementLockAtResourceGroupLevel": {"lockName", "resourceGroupName"},
}

// diffInputs compares a resource's inputs in the state with the program's new inputs and
// returns the top-level keys that differ and, of those, the ones that force a replace.
//
// A secret is compared with a secret as equal: the state's secrets are redacted when it is
// read (ParseState) and the stack config's secure values are never decrypted, so a changed secret value cannot be seen (Pulumi
// itself would show an update). An input unknown at preview (it comes from a resource being
// replaced) counts as changed, and so does one holding a path of plaintext (see
// OldResource.PlaintextInputs): the state has that value in the clear where a secret belongs,
// and the value itself was dropped when the state was read.
func diffInputs(typ string, old map[string]any, plaintext []string, inputs resource.PropertyMap) (diff, replace []string) {
	keys := map[string]bool{}
	for k := range old {
		keys[k] = true
	}
	changed := map[string]bool{}
	for _, p := range plaintext {
		changed[strings.SplitN(p, ".", 2)[0]] = true
	}
	for k := range inputs {
		keys[string(k)] = true
	}
	forces := map[string]bool{}
	for _, k := range ReplaceOnChange[typ] {
		forces[k] = true
	}
	for k := range keys {
		ov := canonJSON(old[k])
		nv := any(nil)
		if v, ok := inputs[resource.PropertyKey(k)]; ok {
			nv = canonProp(v)
		}
		if !changed[k] && equalCanon(ov, nv) {
			continue
		}
		diff = append(diff, k)
		if forces[k] {
			replace = append(replace, k)
		}
	}
	sort.Strings(diff)
	sort.Strings(replace)
	return diff, replace
}

type marker string

const (
	secretMark  marker = "secret"
	unknownMark marker = "unknown"
)

// canonProp turns a program value into plain comparable data, secrets and unknowns as markers
// (so no plaintext is ever copied out of the PropertyValue).
func canonProp(v resource.PropertyValue) any {
	switch {
	case v.IsSecret():
		return secretMark
	case v.IsComputed():
		return unknownMark
	case v.IsOutput():
		o := v.OutputValue()
		switch {
		case o.Secret:
			return secretMark
		case !o.Known:
			return unknownMark
		}
		return canonProp(o.Element)
	case v.IsNull():
		return nil
	case v.IsString():
		if v.StringValue() == model.UnknownSentinel {
			return unknownMark
		}
		return v.StringValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsBool():
		return v.BoolValue()
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = canonProp(e)
		}
		return out
	case v.IsObject():
		out := map[string]any{}
		for k, e := range v.ObjectValue() {
			if c := canonProp(e); c != nil {
				out[string(k)] = c
			}
		}
		return out
	case v.IsResourceReference():
		ref := v.ResourceReferenceValue()
		if id, ok := ref.IDString(); ok && id != "" {
			return id
		}
		return string(ref.URN)
	}
	// Assets and archives do not occur in this program; compare them by kind only.
	return string(v.TypeString())
}

// canonJSON turns a state value into the same comparable data as canonProp.
func canonJSON(v any) any {
	switch x := v.(type) {
	case string:
		if x == model.UnknownSentinel {
			return unknownMark
		}
		return x
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = canonJSON(e)
		}
		return out
	case map[string]any:
		if sig, ok := x[model.SecretSigKey].(string); ok && sig == model.SecretSigValue {
			return secretMark
		}
		out := map[string]any{}
		for k, e := range x {
			if c := canonJSON(e); c != nil {
				out[k] = c
			}
		}
		return out
	}
	return v
}

func equalCanon(a, b any) bool {
	if a == unknownMark || b == unknownMark {
		return false
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if !equalCanon(v, y[k]) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalCanon(x[i], y[i]) {
				return false
			}
		}
		return true
	case int:
		return equalCanon(float64(x), b)
	case int64:
		return equalCanon(float64(x), b)
	}
	if y, ok := b.(int64); ok {
		return a == any(float64(y))
	}
	return a == b
}
