// Package iostreams is the standard input, output and error of a command,
// with what a command needs to know about them: whether each is a terminal,
// whether colour is wanted, and whether the user can be prompted.
package iostreams

import (
	"bytes"
	"io"
	"os"
	"strconv"

	"golang.org/x/term"
)

// IOStreams carries a command's standard streams.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY, stdoutTTY, stderrTTY bool
	colorEnabled                   bool
	promptDisabled                 bool
	termWidth                      int
}

// System returns the process's streams, consulting the environment knobs:
// SIPCTL_FORCE_TTY (treat stdout and stderr as terminals; a number sets the
// width), NO_COLOR, CLICOLOR, CLICOLOR_FORCE, SIPCTL_PROMPT_DISABLED.
func System() *IOStreams {
	ios := &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		stdinTTY:  isTerminal(os.Stdin),
		stdoutTTY: isTerminal(os.Stdout),
		stderrTTY: isTerminal(os.Stderr),
	}
	if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
		ios.termWidth = w
	} else if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 1 {
		// No terminal to ask (SIPCTL_FORCE_TTY in a pipe): the shell's width.
		ios.termWidth = n
	}
	if v := os.Getenv("SIPCTL_FORCE_TTY"); v != "" && v != "0" && v != "false" {
		ios.stdoutTTY, ios.stderrTTY = true, true
		if n, err := strconv.Atoi(v); err == nil && n > 1 {
			ios.termWidth = n
		}
	}
	ios.colorEnabled = colorWanted(ios.stdoutTTY)
	if v := os.Getenv("SIPCTL_PROMPT_DISABLED"); v != "" && v != "0" && v != "false" {
		ios.promptDisabled = true
	}
	return ios
}

func colorWanted(tty bool) bool {
	if v := os.Getenv("CLICOLOR_FORCE"); v != "" && v != "0" {
		return true
	}
	if _, ok := os.LookupEnv("NO_COLOR"); ok {
		return false
	}
	if os.Getenv("CLICOLOR") == "0" {
		return false
	}
	return tty
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// Test returns streams backed by buffers, none of them a terminal.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, termWidth: 100}, in, out, errOut
}

func (s *IOStreams) IsStdinTTY() bool  { return s.stdinTTY }
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

func (s *IOStreams) SetStdinTTY(v bool)       { s.stdinTTY = v }
func (s *IOStreams) SetStdoutTTY(v bool)      { s.stdoutTTY = v }
func (s *IOStreams) SetStderrTTY(v bool)      { s.stderrTTY = v }
func (s *IOStreams) SetColorEnabled(v bool)   { s.colorEnabled = v }
func (s *IOStreams) SetPromptDisabled(v bool) { s.promptDisabled = v }

// CanPrompt is true when a person can answer: stdin and stdout are terminals
// and prompting was not disabled.
func (s *IOStreams) CanPrompt() bool {
	return s.stdinTTY && s.stdoutTTY && !s.promptDisabled
}

// ColorEnabled says whether stdout output may be styled.
func (s *IOStreams) ColorEnabled() bool { return s.colorEnabled }

// ProgressEnabled says whether progress may be drawn on stderr.
func (s *IOStreams) ProgressEnabled() bool { return s.stderrTTY }

// TerminalWidth is stdout's width, or 80 when unknown.
func (s *IOStreams) TerminalWidth() int {
	if s.termWidth > 0 {
		return s.termWidth
	}
	return 80
}

// SetTerminalWidth fixes the width, for tests.
func (s *IOStreams) SetTerminalWidth(w int) { s.termWidth = w }

// ReadHidden reads one line from the terminal without echo, for secrets.
// It works only when stdin is a real terminal.
func (s *IOStreams) ReadHidden(prompt string) (string, error) {
	f, ok := s.In.(*os.File)
	if !ok || !s.stdinTTY {
		return "", io.ErrUnexpectedEOF
	}
	io.WriteString(s.ErrOut, prompt)
	b, err := term.ReadPassword(int(f.Fd()))
	io.WriteString(s.ErrOut, "\n")
	return string(b), err
}
