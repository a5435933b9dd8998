package cmdutil

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/sipctl/sipctl/internal/iostreams"
)

// ConfirmDestructive asks before an irreversible action. With --yes it
// proceeds; without a terminal to ask on, it refuses with a usage error that
// names --yes. When expect is set, the person must type it (e.g. a name);
// otherwise y/yes confirms.
func ConfirmDestructive(ios *iostreams.IOStreams, yes bool, prompt, expect string) error {
	if yes {
		return nil
	}
	if !ios.CanPrompt() {
		return FlagErrorf("%s: confirmation required; pass --yes to proceed without a terminal", strings.TrimSuffix(prompt, "?"))
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
		return ErrCancel
	}
	switch strings.ToLower(answer) {
	case "y", "yes":
		return nil
	}
	return ErrCancel
}
