//go:build !windows

package readme

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/testenv"
)

// How README.md's blocks are run (TestREADME):
//
//   - Every ```sh, ```bash or ```shell block runs verbatim with bash, in
//     order, in one working directory and one sipctl configuration and
//     state (the built-in sandbox), so what a block creates the next one
//     sees. Each block is a bash process of its own: exports do not carry
//     over. In a ```console block only the lines starting with "$ " run.
//   - Each command must exit 0, unless its trailing comment starts with
//     "exit N" (`sipctl plan -f office.yaml   # exit 7: changes pending`).
//   - A block whose first line is `# needs <what>` (a real provider account,
//     a Kamailio) is skipped with that reason.
//   - A ```yaml block whose first line is `# NAME.yaml …` is written to
//     NAME.yaml first, as a reader would save it.
//   - Fixtures (testdata/) are in the working directory: pw.txt (a
//     password), extensions.csv. $CI_JOB_ID is set, as a CI job has it.
//   - A `sandbox serve --background` a block starts is stopped at the end.
//
// A failure names the block, the README line of the command, the command,
// the exit code it had and the one wanted, and what it printed.

// block is one fenced block of README.md.
type block struct {
	lang  string
	line  int // README line of the first line inside the fence
	lines []string
}

// command is one shell command of a block: its lines (continuations
// joined as written), the README line it starts on, the exit code wanted.
type command struct {
	text string
	line int
	want int
}

var fence = regexp.MustCompile("^```([a-z]*)\\s*$")

func readBlocks(t *testing.T, path string) []block {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		blocks []block
		cur    *block
		n      int
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		line := sc.Text()
		if m := fence.FindStringSubmatch(strings.TrimSpace(line)); m != nil && !strings.HasPrefix(line, " ") {
			if cur == nil {
				cur = &block{lang: m[1], line: n + 1}
			} else {
				blocks = append(blocks, *cur)
				cur = nil
			}
			continue
		}
		if cur != nil {
			cur.lines = append(cur.lines, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		t.Fatalf("README.md: the block at line %d is never closed", cur.line-1)
	}
	return blocks
}

func isShell(lang string) bool {
	switch lang {
	case "sh", "bash", "shell", "console":
		return true
	}
	return false
}

// trailingComment is the text after a shell comment's # on line (outside
// quotes, at the start or after a space), or "".
func trailingComment(line string) string {
	var quote rune
	prev := ' '
	for i, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '#' && (prev == ' ' || prev == '\t'):
			return strings.TrimSpace(line[i+1:])
		}
		prev = r
	}
	return ""
}

var wantExit = regexp.MustCompile(`^exit (\d+)\b`)

// commands splits a block into its commands.
func (b block) commands() []command {
	var (
		out  []command
		cur  *command
		cont bool
	)
	for i, raw := range b.lines {
		line := raw
		if b.lang == "console" && !cont {
			rest, ok := strings.CutPrefix(line, "$ ")
			if !ok {
				continue
			}
			line = rest
		}
		trimmed := strings.TrimSpace(line)
		if !cont && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if cur == nil {
			out = append(out, command{line: b.line + i})
			cur = &out[len(out)-1]
		} else {
			cur.text += "\n"
		}
		cur.text += line
		if m := wantExit.FindStringSubmatch(trailingComment(line)); m != nil {
			cur.want, _ = strconv.Atoi(m[1])
		}
		cont = strings.HasSuffix(line, "\\")
		if !cont {
			cur = nil
		}
	}
	return out
}

// needs is what a block says it needs (`# needs a Twilio account`), or "".
func (b block) needs() string {
	for _, l := range b.lines {
		if t := strings.TrimSpace(l); t != "" {
			what, ok := strings.CutPrefix(t, "# needs ")
			if ok {
				return strings.TrimSpace(what)
			}
			return ""
		}
	}
	return ""
}

// yamlFile is the file name a yaml block's first line gives (`# office.yaml — …`).
func (b block) yamlFile() string {
	if b.lang != "yaml" || len(b.lines) == 0 {
		return ""
	}
	first := strings.Fields(strings.TrimPrefix(strings.TrimSpace(b.lines[0]), "#"))
	if len(first) > 0 && strings.HasPrefix(strings.TrimSpace(b.lines[0]), "#") &&
		(strings.HasSuffix(first[0], ".yaml") || strings.HasSuffix(first[0], ".yml")) && !strings.Contains(first[0], "/") {
		return first[0]
	}
	return ""
}

// script is the block as bash runs it: each command verbatim inside
// braces whose output goes to files of its own, then its exit code.
func script(cmds []command, outDir string) string {
	var b strings.Builder
	b.WriteString("set -o pipefail\n")
	for i, c := range cmds {
		fmt.Fprintf(&b, "{\n%s\n} >%q 2>%q </dev/null\necho \"%d $?\" >>%q\n",
			c.text, filepath.Join(outDir, fmt.Sprintf("%d.out", i)), filepath.Join(outDir, fmt.Sprintf("%d.err", i)),
			i, filepath.Join(outDir, "codes"))
	}
	return b.String()
}

func TestREADME(t *testing.T) {
	bash := testenv.LookPath(t, "bash")
	bin := testenv.Binary(t)
	repo := testenv.RepoRoot()
	blocks := readBlocks(t, filepath.Join(repo, "README.md"))

	env := testenv.NewEnv(t)
	env.Set("PATH", filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	env.Set("CI_JOB_ID", "4711")
	work := t.TempDir()
	for _, name := range []string{"pw.txt", "extensions.csv"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(work, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { stopServes(t, filepath.Join(env.StateHome, "sipctl")) })

	ran := 0
	for i, b := range blocks {
		if name := b.yamlFile(); name != "" {
			if err := os.WriteFile(filepath.Join(work, name), []byte(strings.Join(b.lines, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if !isShell(b.lang) {
			continue
		}
		t.Run(fmt.Sprintf("block%02d_line%d", i+1, b.line), func(t *testing.T) {
			if what := b.needs(); what != "" {
				t.Skipf("README.md line %d: needs %s", b.line, what)
			}
			ran++
			runBlock(t, bash, env, work, i+1, b)
		})
	}
	if ran == 0 {
		t.Fatal("no README block ran")
	}
}

func runBlock(t *testing.T, bash string, env *testenv.Env, work string, n int, b block) {
	cmds := b.commands()
	if len(cmds) == 0 {
		t.Fatalf("README.md block %d (line %d) has no command; mark it `# needs …` or give it a language other than sh", n, b.line)
	}
	outDir := t.TempDir()
	cmd := exec.Command(bash, "--noprofile", "--norc", "-c", script(cmds, outDir))
	cmd.Dir = work
	cmd.Env = env.Environ()
	log, err := os.Create(filepath.Join(outDir, "bash.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	// Files, not pipes: a background process the block starts must not
	// hold this test up.
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Run(); err != nil {
		data, _ := os.ReadFile(log.Name())
		t.Fatalf("README.md block %d (line %d): bash: %v\n%s", n, b.line, err, data)
	}
	codes := map[int]int{}
	data, _ := os.ReadFile(filepath.Join(outDir, "codes"))
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var i, code int
		if _, err := fmt.Sscanf(l, "%d %d", &i, &code); err == nil {
			codes[i] = code
		}
	}
	for i, c := range cmds {
		got, ok := codes[i]
		if !ok {
			t.Errorf("README.md block %d, line %d: `%s` did not run (an earlier command ended the shell)", n, c.line, c.text)
			continue
		}
		if got != c.want {
			stderr, _ := os.ReadFile(filepath.Join(outDir, fmt.Sprintf("%d.err", i)))
			stdout, _ := os.ReadFile(filepath.Join(outDir, fmt.Sprintf("%d.out", i)))
			t.Errorf("README.md block %d, line %d: `%s`\n  exit %d, want %d (a trailing comment `# exit N` documents another code)\n  stderr:\n%s  stdout:\n%s",
				n, c.line, c.text, got, c.want, indent(stderr), indent(tail(stdout, 20)))
		}
	}
}

func indent(b []byte) string {
	if len(b) == 0 {
		return "    (nothing)\n"
	}
	var out strings.Builder
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		out.WriteString("    " + l + "\n")
	}
	return out.String()
}

func tail(b []byte, n int) []byte {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("(%d lines before)", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return []byte(strings.Join(lines, "\n"))
}

// stopServes stops every `sandbox serve` running on the test's state
// directory (the README starts one in the background).
func stopServes(t *testing.T, stateDir string) {
	for _, rec := range sandbox.RunningServers(stateDir) {
		p, err := os.FindProcess(rec.PID)
		if err != nil {
			continue
		}
		p.Signal(syscall.SIGTERM)
		for deadline := time.Now().Add(10 * time.Second); processAlive(rec.PID); {
			if time.Now().After(deadline) {
				p.Kill()
				t.Errorf("sandbox serve (pid %d) ignored SIGTERM", rec.PID)
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func processAlive(pid int) bool {
	return syscall.Kill(pid, 0) == nil
}
