package cmdutil

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/sipctl/sipctl/internal/iostreams"
)

// CancelError is a declined confirmation (exit 2); it says what was not done.
// errors.Is(err, ErrCancel) matches it.
type CancelError struct{ NotDone string }

func (e *CancelError) Error() string        { return e.NotDone + ": cancelled at the confirmation" }
func (e *CancelError) Is(target error) bool { return target == ErrCancel }

// ConfirmDestructive asks before an action that deletes or stops service.
// With --yes it proceeds; without a terminal to ask on, it refuses with a
// usage error that says what was not done and names --yes. When expect is
// set, the person must type it (e.g. a name); otherwise y/yes confirms. The
// prompt is a question that starts with its verb ("Delete domain X?"), from
// which the refusal is phrased ("domain X not deleted: ...").
func ConfirmDestructive(ios *iostreams.IOStreams, yes bool, prompt, expect string) error {
	if yes {
		return nil
	}
	notDone := NotDone(prompt)
	if !ios.CanPrompt() {
		return FlagErrorf("%s: confirmation required in a non-interactive run; pass --yes", notDone)
	}
	if expect != "" {
		fmt.Fprintf(ios.ErrOut, "%s Type %q to confirm: ", prompt, expect)
	} else {
		fmt.Fprintf(ios.ErrOut, "%s [y/N]: ", prompt)
	}
	line, _ := bufio.NewReader(ios.In).ReadString('\n')
	answer := strings.TrimSpace(line)
	if expect != "" {
		if answer == expect {
			return nil
		}
		return &CancelError{NotDone: notDone}
	}
	switch strings.ToLower(answer) {
	case "y", "yes":
		return nil
	}
	return &CancelError{NotDone: notDone}
}

// NotDone turns a confirmation question into what stays undone when it is
// not confirmed: "Close subaccount Acme (AC…)? This cannot be undone." is
// "subaccount Acme (AC…) not closed".
func NotDone(prompt string) string {
	q, _, _ := strings.Cut(prompt, "?")
	verb, object, _ := strings.Cut(strings.TrimSpace(q), " ")
	participle := pastParticiple(strings.ToLower(verb))
	if object == "" {
		return "not " + participle
	}
	return object + " not " + participle
}

func pastParticiple(verb string) string {
	switch {
	case verb == "":
		return "done"
	case strings.HasSuffix(verb, "e"):
		return verb + "d" // delete, remove, close, rotate
	case strings.HasSuffix(verb, "y") && !strings.HasSuffix(verb, "ay"):
		return verb[:len(verb)-1] + "ied" // empty
	default:
		return verb + "ed" // suspend, detach
	}
}
