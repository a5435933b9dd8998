//go:build linux

package sipctlcmd

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/testenv"
)

// cpuTicks is the process's user+system CPU time in clock ticks
// (/proc/PID/stat fields 14 and 15): it proves the process is busy in the
// work a signal must interrupt, without guessing how long start-up takes.
func cpuTicks(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return -1
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	u, _ := strconv.Atoi(f[11])
	st, _ := strconv.Atoi(f[12])
	return u + st
}

// waitExit waits for cmd; a process that ignores the signal is killed
// after a generous bound and the test fails (this bounds a hang, it does not
// time the command).
func waitExit(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("sipctl %v ignored the signal", cmd.Args[1:])
		return -1
	}
}

func TestJQStopsOnSignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			env := testenv.NewEnv(t).Set("SIPCTL_JQ_TIMEOUT", "10m")
			cmd := exec.Command(testenv.Binary(t), "password", "generate", "--jq", "def f: f; f")
			cmd.Env = env.Environ()
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			for cpuTicks(cmd.Process.Pid) < 30 { // 0.3 s of CPU: inside the loop
				time.Sleep(20 * time.Millisecond)
			}
			cmd.Process.Signal(sig)
			if code := waitExit(t, cmd); code != 2 || !strings.Contains(stderr.String(), "cancelled") {
				t.Fatalf("exit %d, stderr %q; want 2 and cancelled", code, stderr.String())
			}
		})
	}
}

func TestJQTimeAndMemoryLimits(t *testing.T) {
	// Each limit alone: the other is set out of reach, so a loaded machine
	// cannot make the wrong one fire first.
	env := testenv.NewEnv(t).Set("SIPCTL_JQ_TIMEOUT", "500ms").Set("SIPCTL_JQ_MAX_MEMORY", "1000000")
	oneLineError(t, run(t, env, "", "password", "generate", "--jq", "def f: f; f"), 1, "ran out of time")

	env = testenv.NewEnv(t).Set("SIPCTL_JQ_MAX_MEMORY", "64").Set("SIPCTL_JQ_TIMEOUT", "1h")
	oneLineError(t, run(t, env, "", "password", "generate", "--jq", "[limit(100000000; repeat(1))]"), 1, "more than 64 MiB")
}

func TestPasswordGenerateStreamsAndStopsOnSignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			env := testenv.NewEnv(t)
			cmd := exec.Command(testenv.Binary(t), "password", "generate", "--count", "1000000")
			cmd.Env = env.Environ()
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(out)
			// The first passwords arrive before the last is made: output streams.
			if !sc.Scan() {
				t.Fatal("no output")
			}
			cmd.Process.Signal(sig)
			lines := 1
			for sc.Scan() {
				lines++
			}
			if code := waitExit(t, cmd); code != 2 || !strings.Contains(stderr.String(), "cancelled") {
				t.Fatalf("exit %d, stderr %q; want 2 and cancelled", code, stderr.String())
			}
			if lines >= 1_000_000 {
				t.Fatalf("all %d passwords were generated despite the signal", lines)
			}
		})
	}
}

func TestPasswordGenerateCapsCount(t *testing.T) {
	oneLineError(t, run(t, testenv.NewEnv(t), "", "password", "generate", "--count", "100000000"), 2, "--count must be from 1 to 1000000")
}
