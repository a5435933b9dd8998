package sandboxtest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TelnyxPaths are the API v2 paths sipctl's Telnyx client uses.
var TelnyxPaths = []string{"/credential_connections", "/outbound_voice_profiles", "/managed_accounts", "/ip_connections", "/ips"}

var (
	subsetOnce sync.Once
	subsetDoc  []byte
	subsetErr  error
)

// TelnyxSubset is Telnyx's official OpenAPI document cut to the paths under
// TelnyxPaths, with exactly the components they reference, as JSON. Every
// constraint on those paths stays as published; the cut only spares Prism
// (on a busy 2-core machine) from loading 780 paths nobody calls, which it
// would answer as unknown routes anyway.
func TelnyxSubset(t testing.TB, specPath string) string {
	t.Helper()
	subsetOnce.Do(func() { subsetDoc, subsetErr = cutSpec(specPath, TelnyxPaths) })
	if subsetErr != nil {
		t.Fatalf("cutting %s: %v", specPath, subsetErr)
	}
	p := filepath.Join(t.TempDir(), "telnyx-openapi-subset.json")
	if err := os.WriteFile(p, subsetDoc, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// cutSpec is the document at path cut to the paths under prefixes, with
// the components they reference.
func cutSpec(path string, prefixes []string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	paths, _ := doc["paths"].(map[string]any)
	kept := map[string]any{}
	for p, item := range paths {
		for _, prefix := range prefixes {
			if p == prefix || strings.HasPrefix(p, prefix+"/") {
				kept[p] = item
			}
		}
	}
	doc["paths"] = kept
	delete(doc, "webhooks")
	delete(doc, "x-webhooks")
	comps, _ := doc["components"].(map[string]any)
	// The transitive closure of $refs from the kept paths (and the
	// document's security requirements' schemes).
	need := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				if k == "$ref" {
					if ref, ok := val.(string); ok && strings.HasPrefix(ref, "#/components/") && !need[ref] {
						need[ref] = true
						parts := strings.Split(strings.TrimPrefix(ref, "#/components/"), "/")
						if len(parts) == 2 {
							if sec, ok := comps[parts[0]].(map[string]any); ok {
								walk(sec[unescape(parts[1])])
							}
						}
					}
					continue
				}
				walk(val)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(kept)
	out := map[string]any{}
	for section, v := range comps {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		if section == "securitySchemes" {
			out[section] = m
			continue
		}
		sub := map[string]any{}
		for name, def := range m {
			if need["#/components/"+section+"/"+escape(name)] {
				sub[name] = def
			}
		}
		if len(sub) > 0 {
			out[section] = sub
		}
	}
	doc["components"] = out
	return json.Marshal(doc)
}

func unescape(s string) string { return strings.NewReplacer("~1", "/", "~0", "~").Replace(s) }
func escape(s string) string   { return strings.NewReplacer("~", "~0", "/", "~1").Replace(s) }
