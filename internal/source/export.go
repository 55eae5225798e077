package source

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/kvguard/kvguard/internal/model"
)

// Deployment versions Load reads. Both hold a DeploymentV3; Pulumi writes 4 only when the
// deployment uses a feature (listed in "features") older CLIs must refuse, and none of those
// features changes what a resource's state looks like to a policy.
const (
	minDeploymentVersion = apitype.DeploymentSchemaVersionCurrent
	maxDeploymentVersion = apitype.DeploymentSchemaVersionLatest
)

// exportFields and deploymentFields are the JSON fields of apitype.UntypedDeployment and
// apitype.DeploymentV3 (v3.276.0).
var (
	exportFields     = []string{"version", "features", "deployment"}
	deploymentFields = []string{"manifest", "secrets_providers", "resources", "pending_operations", "metadata", "snippets", "extensions"}
)

// loadExport reads `pulumi stack export` output: {"version": 3, "deployment": {...}}. Every
// resource becomes op "same" (it is the current state), except one marked "delete". Secrets are the signature object with
// either "ciphertext" or, after --show-secrets, "plaintext": both count as secret and are
// dropped. pending_operations are counted, not judged: they describe operations an
// interrupted update left behind, whose resources may exist in Azure without being in the
// state, so the report says so (model.Document.PendingOperations).
func loadExport(file string, top map[string]json.RawMessage) (*model.Document, error) {
	if err := knownFields(file, "", top, exportFields); err != nil {
		return nil, err
	}
	rawVersion, ok := top["version"]
	if !ok {
		return nil, &InputError{File: file, Path: "version", Expected: "a deployment version number", Got: "nothing"}
	}
	var version int
	if err := json.Unmarshal(rawVersion, &version); err != nil {
		return nil, &InputError{File: file, Path: "version", Expected: "a deployment version number", Got: kindOf(rawVersion)}
	}
	if version < minDeploymentVersion || version > maxDeploymentVersion {
		return nil, &InputError{File: file, Path: "version",
			Expected: fmt.Sprintf("deployment version %d or %d", minDeploymentVersion, maxDeploymentVersion),
			Got:      fmt.Sprintf("version %d", version)}
	}
	rawDeployment, ok := top["deployment"]
	if !ok || kindOf(rawDeployment) != "an object" {
		got := "nothing"
		if ok {
			got = kindOf(rawDeployment)
		}
		return nil, &InputError{File: file, Path: "deployment", Expected: "an object", Got: got}
	}
	var deployment map[string]json.RawMessage
	if err := unmarshalObject(rawDeployment, &deployment); err != nil {
		return nil, decodeError(file, "deployment", err)
	}
	if err := knownFields(file, "deployment", deployment, deploymentFields); err != nil {
		return nil, err
	}
	// Pulumi records a snapshot that failed its integrity check here; its resources are not a
	// state anyone can rely on, as with a preview's maybeCorrupt.
	var metadata struct {
		IntegrityError json.RawMessage `json:"integrity_error"`
	}
	if raw, ok := deployment["metadata"]; ok && json.Unmarshal(raw, &metadata) == nil &&
		len(metadata.IntegrityError) > 0 && kindOf(metadata.IntegrityError) != "null" {
		return nil, &InputError{File: file, Path: "deployment.metadata.integrity_error", Expected: "nothing (a snapshot that passed Pulumi's integrity check)",
			Got: "an integrity error (repair the stack with pulumi state repair, then export it again)"}
	}
	var raws []json.RawMessage
	// Pulumi leaves "resources" out of an empty stack's deployment; null is not its output.
	if raw, ok := deployment["resources"]; ok {
		if err := unmarshalArray(raw, &raws); err != nil || kindOf(raw) == "null" {
			return nil, &InputError{File: file, Path: "deployment.resources", Expected: "an array", Got: kindOf(raw)}
		}
	}
	var pending []json.RawMessage
	if raw, ok := deployment["pending_operations"]; ok && kindOf(raw) != "null" {
		if err := json.Unmarshal(raw, &pending); err != nil {
			return nil, &InputError{File: file, Path: "deployment.pending_operations", Expected: "an array", Got: kindOf(raw)}
		}
	}
	resources := make([]model.Resource, 0, len(raws))
	var first urnParts
	for i, raw := range raws {
		path := exportResourcePath(i)
		if k := kindOf(raw); k != "an object" {
			return nil, &InputError{File: file, Path: path, Expected: "an object", Got: k}
		}
		var st apitype.ResourceV3
		if err := json.Unmarshal(raw, &st); err != nil {
			return nil, decodeErrorIn(file, path, raw, err)
		}
		if err := refuseDamagedStates(file, raw, map[string]*apitype.ResourceV3{path: &st}); err != nil {
			return nil, err
		}
		// A resource marked "delete" is the old half of a create-before-delete replacement
		// that an interrupted update left behind; it is on its way out, not current state.
		// One marked "pendingReplacement" is already deleted in Azure (an interrupted
		// delete-before-replace): the next update removes it as remove-pending-replace.
		op := model.OpSame
		switch {
		case st.Delete:
			op = model.OpDeleteReplaced
		case st.PendingReplacement:
			op = model.OpRemovePendingReplace
		}
		r, u, err := fromState(file, path, &st, op)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			first = u
		} else if !u.sameStack(first) {
			return nil, otherStackError(file, path, first)
		}
		resources = append(resources, r)
	}
	if err := refuseRepeatedURNs(file, resources, exportResourcePath); err != nil {
		return nil, err
	}
	doc := newDocument(model.SourceExport, resources, first)
	doc.PendingOperations = len(pending)
	return doc, nil
}

// exportResourcePath is where resource i of a stack export is in the file.
func exportResourcePath(i int) string { return fmt.Sprintf("deployment.resources[%d]", i) }
