package root

import (
	"strings"
	"testing"
)

func TestWrapTextHangsListItemsAndKeepsExamples(t *testing.T) {
	in := "Lookup order, one after another until one answers:\n" +
		"1. the environment variables named below, which win over everything else here\n" +
		"- a keyring entry written by sipctl auth login for this profile and no other\n\n" +
		"  $ sipctl auth login --with-token < token.txt   # an example stays as written, however long it is\n"
	got := WrapText(in, 40)
	want := "Lookup order, one after another until\none answers:\n" +
		"1. the environment variables named\n   below, which win over everything else\n   here\n" +
		"- a keyring entry written by sipctl auth\n  login for this profile and no other\n\n" +
		"  $ sipctl auth login --with-token < token.txt   # an example stays as written, however long it is\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	for _, l := range strings.Split(got, "\n") {
		if len(l) > 40 && !strings.HasPrefix(l, " ") {
			t.Errorf("line of %d: %q", len(l), l)
		}
	}
}
