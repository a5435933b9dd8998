package sandboxtest

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// SignalWirePaths are the REST paths sipctl's SignalWire client uses.
var SignalWirePaths = []string{"/api/relay/rest/endpoints/sip"}

var (
	swSubsetOnce sync.Once
	swSubsetDoc  []byte
	swSubsetErr  error
)

// SignalWireSubset is SignalWire's official OpenAPI document cut to the
// paths under SignalWirePaths with exactly the components they reference,
// as JSON: every constraint on those paths stays as published; Prism is
// spared loading the 2 MB document's hundreds of other paths.
func SignalWireSubset(t testing.TB, specPath string) string {
	t.Helper()
	swSubsetOnce.Do(func() { swSubsetDoc, swSubsetErr = cutSpec(specPath, SignalWirePaths) })
	if swSubsetErr != nil {
		t.Fatalf("cutting %s: %v", specPath, swSubsetErr)
	}
	p := filepath.Join(t.TempDir(), "signalwire-openapi-subset.json")
	if err := os.WriteFile(p, swSubsetDoc, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
