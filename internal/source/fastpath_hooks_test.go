package source

// The two load paths, for the external tests in fast_estate_test.go: those import
// bench/estate, which imports this package, so they cannot live in package source.
var (
	LoadPreviewFast = loadPreviewFast
	LoadCareful     = loadCareful
)
