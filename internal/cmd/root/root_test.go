package root

import (
	"errors"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/factory"
	"github.com/sipctl/sipctl/internal/iostreams"
)

// `sipctl help TOPIC` for a topic or command that does not exist is a usage
// error (exit 2), not the root's usage and exit 0; real topics print.
func TestHelpUnknownTopicIsUsageError(t *testing.T) {
	for _, args := range [][]string{{"help", "bogus"}, {"help", "accounts", "bogus"}} {
		ios, _, out, _ := iostreams.Test()
		cmd := NewCmdRoot(factory.New(ios))
		cmd.SetArgs(args)
		_, err := cmd.ExecuteC()
		var fe *cmdutil.FlagError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), "unknown help topic") {
			t.Errorf("%v: err = %v", args, err)
		}
		if out.Len() != 0 {
			t.Errorf("%v printed on stdout:\n%s", args, out)
		}
	}
	for _, topic := range []string{"environment", "exit-codes", "manifest", "accounts"} {
		ios, _, out, _ := iostreams.Test()
		cmd := NewCmdRoot(factory.New(ios))
		cmd.SetArgs([]string{"help", topic})
		if _, err := cmd.ExecuteC(); err != nil || out.Len() == 0 {
			t.Errorf("help %s: %v, %d bytes", topic, err, out.Len())
		}
	}
}
