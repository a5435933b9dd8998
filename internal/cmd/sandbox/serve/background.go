package serve

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sipctl/sipctl/internal/sandbox"
)

// backgroundWait bounds how long --background waits for the serve to bind
// its ports and record itself.
const backgroundWait = 30 * time.Second

// BackgroundLog is the file in the state directory a background serve
// writes its output to.
const BackgroundLog = "serve.log"

// backgroundRun starts this serve as a process of its own (its output in
// the state directory's serve.log, mode 0600), waits until it serves, and
// prints its addresses and how to stop it: a script or a README can go on
// at once, with nothing to clean up in its own output.
func backgroundRun(opts *ServeOptions) error {
	dir, err := opts.StateDir()
	if err != nil {
		return fmt.Errorf("creating the state directory: %w", err)
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding sipctl's own executable: %w", err)
	}
	logPath := filepath.Join(dir, BackgroundLog)
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("opening %s: %w", logPath, err)
	}
	defer logFile.Close()
	args := []string{"sandbox", "serve", "--http-addr", opts.HTTPAddr, "--sip-addr", opts.SIPAddr,
		"--latency", opts.Latency.String(), "--max-concurrency", strconv.Itoa(opts.MaxConcurrency),
		"--fail-rate", strconv.FormatFloat(opts.FailRate, 'g', -1, 64)}
	if opts.ListenAny {
		args = append(args, "--listen-any")
	}
	if opts.PlivoRateLimit {
		args = append(args, "--plivo-rate-limit")
	}
	cmd := exec.Command(exe, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = detached()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting sandbox serve: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(backgroundWait)
	for {
		for _, rec := range sandbox.RunningServers(dir) {
			if rec.PID == cmd.Process.Pid {
				fmt.Fprintf(opts.IO.ErrOut, "Sandbox API on %s, SIP registrar on %s (process %d; stop it with `kill %d`, its log is %s)\n",
					rec.APIURL(), orNone(rec.SIPAddr), rec.PID, rec.PID, logPath)
				return nil
			}
		}
		select {
		case <-exited:
			return fmt.Errorf("sandbox serve stopped at start: %s", lastLine(logPath))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			return fmt.Errorf("sandbox serve did not start within %s; see %s", backgroundWait, logPath)
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// lastLine is the last line a serve printed (its error), for the parent's
// one-line error.
func lastLine(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return "no output"
	}
	defer f.Close()
	last := "no output"
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			last = strings.TrimPrefix(l, "error: ")
		}
	}
	return last
}
