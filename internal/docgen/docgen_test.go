package docgen

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite docs/ and completions/ (make docs)")

// TestGeneratedFilesUpToDate fails when docs/reference, docs/man or
// completions/ differ from what the command tree generates.
func TestGeneratedFilesUpToDate(t *testing.T) {
	repo := testenv.RepoRoot()
	if *update {
		if err := Generate(repo); err != nil {
			t.Fatal(err)
		}
		return
	}
	tmp := t.TempDir()
	if err := Generate(tmp); err != nil {
		t.Fatal(err)
	}
	var stale []string
	for _, dir := range []string{"docs/reference", "docs/man", "docs/schema", "completions"} {
		want := readTree(t, filepath.Join(tmp, dir))
		got := readTree(t, filepath.Join(repo, dir))
		for name, w := range want {
			if g, ok := got[name]; !ok || !bytes.Equal(g, w) {
				stale = append(stale, filepath.Join(dir, name))
			}
		}
		for name := range got {
			if _, ok := want[name]; !ok {
				stale = append(stale, filepath.Join(dir, name)+" (no longer generated)")
			}
		}
	}
	if len(stale) > 0 {
		t.Fatalf("generated files are stale; run `make docs` and commit:\n  %s", strings.Join(stale, "\n  "))
	}
}

func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = b
		return nil
	})
	return out
}

func TestEveryNounIsDocumented(t *testing.T) {
	cmd := Root()
	want := []string{"auth", "profile", "accounts", "domains", "credlists", "attach", "detach", "ipacls", "callerid",
		"password", "subaccounts", "sandbox", "completion", "version"}
	for _, n := range want {
		c, _, err := cmd.Find([]string{n})
		if err != nil || c == cmd || c.Short == "" {
			t.Errorf("noun %q missing or undocumented", n)
		}
	}
}

// Every help topic has a man page and a reference page, as commands do.
func TestHelpTopicsHaveManPages(t *testing.T) {
	dir := t.TempDir()
	if err := Generate(dir); err != nil {
		t.Fatal(err)
	}
	for _, topic := range []string{"environment", "exit-codes", "manifest"} {
		man, err := os.ReadFile(filepath.Join(dir, "docs", "man", "sipctl-"+topic+".1"))
		if err != nil || !bytes.Contains(man, []byte(".TH \"SIPCTL\"")) {
			t.Errorf("man page of help %s: %v\n%s", topic, err, man)
		}
		if _, err := os.Stat(filepath.Join(dir, "docs", "reference", "sipctl_"+topic+".md")); err != nil {
			t.Errorf("reference page of help %s: %v", topic, err)
		}
	}
}
