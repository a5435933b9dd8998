package export

import (
	"errors"
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
)

func TestFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	for _, c := range []struct {
		args   []string
		format string
		bad    bool
	}{{nil, "yaml", false}, {[]string{"--format", "json"}, "json", false}, {[]string{"--format", "xml"}, "", true}} {
		var got *ExportOptions
		cmd := NewCmdExport(&cmdutil.Factory{IOStreams: ios}, func(o *ExportOptions) error { got = o; return nil })
		cmd.SetArgs(c.args)
		cmd.SetOut(ios.ErrOut)
		cmd.SetErr(ios.ErrOut)
		err := cmd.Execute()
		var fe *cmdutil.FlagError
		if c.bad != errors.As(err, &fe) || !c.bad && got.Format != c.format {
			t.Errorf("%v: %+v %v", c.args, got, err)
		}
	}
}
