package output

import (
	"slices"
	"sort"
	"testing"
)

func TestNaturalLess(t *testing.T) {
	in := []string{"1000", "desk10", "101", "Desk2", "alice", "desk2", "0101", "9", "bob", "desk02"}
	want := []string{"9", "0101", "101", "1000", "alice", "bob", "Desk2", "desk02", "desk2", "desk10"}
	got := slices.Clone(in)
	sort.SliceStable(got, func(i, j int) bool { return NaturalLess(got[i], got[j]) })
	if !slices.Equal(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}
