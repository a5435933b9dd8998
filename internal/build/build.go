// Package build holds version information injected at link time:
//
//	-ldflags "-X github.com/sipctl/sipctl/internal/build.Version=1.2.3 -X ...Commit=abc -X ...Date=2026-11-23"
package build

import "runtime/debug"

var (
	Version = "dev"
	Commit  = ""
	Date    = ""
)

func init() {
	if Version != "dev" {
		return
	}
	// `go install module@version` builds carry the module version.
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		Version = info.Main.Version
	}
}
