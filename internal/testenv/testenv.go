// Package testenv gives tests the real peers they run against (sipp, Prism,
// gnome-keyring, the built sipctl binary) and an isolated user environment.
//
// A peer that is missing skips the test on a developer machine, but fails it
// under CI=true: CI must never go green by silently skipping.
package testenv

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// inCI is $CI as the test process started with it: Env.Apply removes CI
// from the process (sipctl itself refuses the unnamed sandbox under CI),
// which must not turn a missing peer into a skip.
var inCI = func() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v == "true" || v == "1"
}()

// InCI reports whether the tests run under CI, where missing peers are failures.
func InCI() bool { return inCI }

// RepoRoot is the module root, found from this source file's location.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Missing reports a required peer as absent: a skip locally, a failure in CI.
func Missing(t testing.TB, what string) {
	t.Helper()
	msg := what + " is not installed; run `make test-deps` (as root) or `make test`"
	if InCI() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// LookPath finds an executable on PATH or reports it missing (see Missing).
func LookPath(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name)
	}
	return p
}

// NodeBin finds an executable installed by npm under test/npm/node_modules/.bin.
func NodeBin(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(NodeDir(), "node_modules", ".bin", name)
	if _, err := os.Stat(p); err != nil {
		Missing(t, "npm package providing "+name+" (test/npm)")
	}
	return p
}

// NodeFile finds a file of an installed npm package under
// test/npm/node_modules (e.g. "telnyx/package.json") or reports it missing.
func NodeFile(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(NodeDir(), "node_modules", filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		Missing(t, "npm package "+strings.SplitN(rel, "/", 2)[0]+" (test/npm)")
	}
	return p
}

// NodeDir is the folder holding the pinned npm test dependencies.
func NodeDir() string { return filepath.Join(RepoRoot(), "test", "npm") }

// TwilioSpec is the path of Twilio's official OpenAPI document for the
// 2010-04-01 API, as shipped in the pinned @twilio/cli-core package.
func TwilioSpec(t testing.TB) string {
	t.Helper()
	p := filepath.Join(NodeDir(), "node_modules", "@twilio", "cli-core", "src", "services", "twilio-api", "twilio_api_v2010.json")
	if _, err := os.Stat(p); err != nil {
		Missing(t, "@twilio/cli-core (test/npm)")
	}
	return p
}

// TelnyxSpec is the path of Telnyx's official OpenAPI document for API v2,
// kept outside the repository in ../shared/specs/telnyx/openapi-v2.yml.
func TelnyxSpec(t testing.TB) string {
	t.Helper()
	p := filepath.Join(RepoRoot(), "..", "shared", "specs", "telnyx", "openapi-v2.yml")
	if _, err := os.Stat(p); err != nil {
		Missing(t, "Telnyx's OpenAPI document (../shared/specs/telnyx/openapi-v2.yml)")
	}
	return p
}

// SignalWireSpec is SignalWire's official OpenAPI document.
func SignalWireSpec(t testing.TB) string {
	t.Helper()
	p := filepath.Join(RepoRoot(), "..", "shared", "specs", "signalwire", "signalwire-rest.yml")
	if _, err := os.Stat(p); err != nil {
		Missing(t, "SignalWire's OpenAPI document (../shared/specs/signalwire/signalwire-rest.yml)")
	}
	return p
}

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
	buildOut  []byte
)

// Binary builds ./cmd/sipctl once per test process and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sipctl-bin-")
		if err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(dir, "sipctl")
		if runtime.GOOS == "windows" {
			buildPath += ".exe"
		}
		// Static, as releases are built: a cgo binary starts several times slower.
		cmd := exec.Command("go", "build", "-trimpath", "-o", buildPath, "./cmd/sipctl")
		cmd.Dir = RepoRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		buildOut, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("building sipctl: %v\n%s", buildErr, buildOut)
	}
	return buildPath
}

// Env is an isolated environment for a sipctl process or an in-process test:
// its own HOME, config and state directories, and none of the caller's
// SIPCTL_*, TWILIO_* or CI-sensitive variables leaking in.
type Env struct {
	Home, ConfigHome, StateHome string
	vars                        map[string]string
}

// NewEnv creates the directories under t.TempDir().
func NewEnv(t testing.TB) *Env {
	t.Helper()
	root := t.TempDir()
	e := &Env{
		Home:       filepath.Join(root, "home"),
		ConfigHome: filepath.Join(root, "config"),
		StateHome:  filepath.Join(root, "state"),
		vars:       map[string]string{},
	}
	for _, d := range []string{e.Home, e.ConfigHome, e.StateHome} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// Set adds or overrides one variable.
func (e *Env) Set(k, v string) *Env { e.vars[k] = v; return e }

// Clone is a copy of e (the same directories) whose Set leaves e alone.
func (e *Env) Clone() *Env {
	c := *e
	c.vars = maps.Clone(e.vars)
	return &c
}

// Environ is os.Environ() minus sipctl/Twilio variables, plus the isolation
// directories and whatever Set added.
func (e *Env) Environ() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		// CI too: under CI=true sipctl refuses the unnamed sandbox, and a
		// test that wants that sets CI itself.
		if strings.HasPrefix(k, "SIPCTL_") || strings.HasPrefix(k, "TWILIO_") || strings.HasPrefix(k, "TELNYX_") || strings.HasPrefix(k, "PLIVO_") || strings.HasPrefix(k, "SIGNALWIRE_") ||
			k == "CI" || k == "HOME" || k == "XDG_CONFIG_HOME" || k == "XDG_STATE_HOME" || k == "XDG_DATA_HOME" {
			continue
		}
		out = append(out, kv)
	}
	out = append(out,
		"HOME="+e.Home,
		"XDG_CONFIG_HOME="+e.ConfigHome,
		"XDG_STATE_HOME="+e.StateHome,
		"XDG_DATA_HOME="+filepath.Join(e.Home, ".local", "share"),
	)
	for k, v := range e.vars {
		out = append(out, k+"="+v)
	}
	return out
}

// Run runs the built sipctl (Binary) in this environment with stdin and
// returns its output and exit code. A run that cannot start, is killed by a
// signal, or is still going after 5 minutes fails t.
func (e *Env) Run(t testing.TB, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, Binary(t), args...)
	cmd.Env = e.Environ()
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return out.String(), errOut.String(), 0
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		return out.String(), errOut.String(), ee.ExitCode()
	}
	t.Fatalf("sipctl %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	return "", "", -1
}

// Apply sets the isolated environment on the current test process (t.Setenv),
// for in-process tests of code that reads the environment.
func (e *Env) Apply(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "SIPCTL_") || strings.HasPrefix(k, "TWILIO_") || strings.HasPrefix(k, "TELNYX_") || strings.HasPrefix(k, "PLIVO_") || strings.HasPrefix(k, "SIGNALWIRE_") || k == "CI" {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	for _, kv := range e.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if k == "HOME" || k == "CI" || strings.HasPrefix(k, "XDG_") || strings.HasPrefix(k, "SIPCTL_") || strings.HasPrefix(k, "TWILIO_") || strings.HasPrefix(k, "TELNYX_") || strings.HasPrefix(k, "SIGNALWIRE_") {
			t.Setenv(k, v)
		}
	}
}
