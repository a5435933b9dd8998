package provider_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// providerClients are the packages that speak one provider's wire: only the
// factory (which registers them by name), their own tests and the sandbox
// may import them.
var providerClients = []string{
	"github.com/sipctl/sipctl/internal/twilio",
	"github.com/sipctl/sipctl/internal/telnyx",
	"github.com/sipctl/sipctl/internal/kamailio",
	"github.com/sipctl/sipctl/internal/providers",
}

// neutralTrees are where no provider client may be imported: commands,
// auth, custody and the runner see providers only through
// internal/provider's interfaces, capabilities and error classes.
var neutralTrees = []string{"internal/cmd", "internal/auth", "internal/custody", "internal/sipctlcmd"}

// pending are the files that still import a provider client, each until the
// capability that replaces it lands; a file leaves the list when it is
// fixed (the test logs listed files that no longer need their place).
var pending = map[string]string{
	// Credential checks as a capability of each provider (issue 19/20:
	// auth login/status stop switching on provider names).
	// Every provider's login file is pending as a whole (an entry ending
	// in "/" covers a directory), so a new provider's login does not trip it.
	"internal/auth/verify.go":  "credential check capability",
	"internal/cmd/auth/login/": "credential check capability",
	// Syntax checks made before any provider exists (flag parsing): they
	// move behind the provider's CanonicalDomain/ValidateUsername/IsID.
	"internal/cmd/accounts/create/create.go":        "domain and list syntax before the provider",
	"internal/cmd/accounts/create/bulk.go":          "domain and list syntax before the provider",
	"internal/cmd/credlists/credentials/add/add.go": "username syntax before the provider",
	"internal/cmd/domains/check/check.go":           "domain and SID syntax before the provider",
	"internal/cmd/domains/update/update.go":         "--rename syntax before the provider",
}

func moduleRoot(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// TestNoNeutralFileImportsAProviderClient walks the import graph's edges
// from every non-test file under the neutral trees.
func TestNoNeutralFileImportsAProviderClient(t *testing.T) {
	root := moduleRoot(t)
	fset := token.NewFileSet()
	stillPending := map[string]bool{}
	var found []string
	for _, tree := range neutralTrees {
		err := filepath.WalkDir(filepath.Join(root, tree), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) {
					return nil
				}
				return err
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			rel = filepath.ToSlash(rel)
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				for _, client := range providerClients {
					if p == client || strings.HasPrefix(p, client+"/") {
						if key, ok := pendingKey(rel); ok {
							stillPending[key] = true
						} else {
							found = append(found, rel+" imports "+p)
						}
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(found)
	for _, f := range found {
		t.Errorf("%s: commands, auth, custody and sipctlcmd reach providers through internal/provider's capabilities only", f)
	}
	for f, why := range pending {
		if !stillPending[f] {
			t.Logf("%s no longer imports a provider client (%s): remove it from pending", f, why)
		}
	}
}

// pendingKey is the pending entry covering rel: the file, or a directory
// entry (ending in "/") it is under.
func pendingKey(rel string) (string, bool) {
	if _, ok := pending[rel]; ok {
		return rel, true
	}
	for k := range pending {
		if strings.HasSuffix(k, "/") && strings.HasPrefix(rel, k) {
			return k, true
		}
	}
	return "", false
}
