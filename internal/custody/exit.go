package custody

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sipctl/sipctl/internal/cmdutil"
)

// Next is what a command tells the user to run after a run that is not
// finished: the exact commands, with the flags (--profile, --output) the
// run needs.
type Next struct {
	// Resume finishes the run from its journal.
	Resume string
	// ResumeWithOutput is Resume with a handover file to name, for a run
	// whose passwords could not be handed over ("" when not asked).
	ResumeWithOutput string
	// Recheck re-checks accounts a --verify did not confirm.
	Recheck string
}

// Err is the one rule that turns a report into the command's exit status:
//
//   - nil: every entry was applied and handed over;
//   - a journal or audit write failed (exit 1, with the resume command);
//   - passwords were set but could not be handed over (exit 1);
//   - work is left: the journal is kept for entries interrupted, not
//     attempted or unconfirmed (exit 3, with the exact resume command);
//   - --verify did not confirm some (exit 3, with the re-check command);
//   - the provider refused some: nothing was set for them, nothing to
//     resume (exit 3).
func (rep *Report) Err(next Next) error {
	switch {
	case rep.Fatal != nil:
		return cmdutil.WithHint(fmt.Errorf("run %s stopped: %s", rep.RunID, oneLine(rep.Fatal.Error())),
			"free the space or fix the error, then finish with `"+next.Resume+"`")
	case rep.Kept != "" && next.ResumeWithOutput != "" && rep.Handover == "" && len(rep.Handovers) == 0 && !rep.Printed && len(rep.Rotated) > 0:
		return cmdutil.WithHint(errors.New("the new passwords were not handed over"),
			fmt.Sprintf("they are in the journal; run `%s`", next.ResumeWithOutput))
	case rep.Kept != "":
		return cmdutil.WithHint(&cmdutil.ExitError{Code: cmdutil.ExitPartial, Err: errors.New(rep.left())},
			"finish with `"+next.Resume+"`")
	case len(rep.Unverified) > 0:
		return &cmdutil.PartialError{Failed: len(rep.Unverified), Total: rep.Total, RetryCommand: next.Recheck}
	case len(rep.Failed) > 0:
		// Only definite refusals: nothing was set, nothing to resume.
		return &cmdutil.PartialError{Failed: len(rep.Failed), Total: rep.Total}
	}
	return nil
}

// left says what a kept run has not finished, every entry counted once.
func (rep *Report) left() string {
	s := ""
	if rep.Interrupted {
		s = "interrupted: "
	}
	s += fmt.Sprintf("%d of %d not finished", len(rep.NotAttempted)+len(rep.Unconfirmed)+len(rep.Failed), rep.Total)
	var parts []string
	if n := len(rep.NotAttempted); n > 0 {
		parts = append(parts, fmt.Sprintf("%d not attempted", n))
	}
	if n := len(rep.Unconfirmed); n > 0 {
		parts = append(parts, fmt.Sprintf("%d unconfirmed", n))
	}
	if n := len(rep.Failed); n > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", n))
	}
	if len(parts) > 0 {
		s += " (" + joinComma(parts) + ")"
	}
	if len(rep.Rotated) == 0 && len(parts) == 0 {
		s = fmt.Sprintf("run %s is not finished", rep.RunID)
	}
	return s
}

func joinComma(ps []string) string { return strings.Join(ps, ", ") }

// ShellQuote quotes s for a POSIX shell when it needs it.
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./@:=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
