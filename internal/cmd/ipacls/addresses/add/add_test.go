package add

import (
	"testing"

	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/twilio/twiliotest"
)

func TestNewCmdAddFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var got *AddOptions
	cmd := NewCmdAdd(twiliotest.New(t).Factory(ios), func(o *AddOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"office-ips", "198.51.100.0/24", "--name", "lan"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.ACL != "office-ips" || got.IP != "198.51.100.0" || got.Prefix != 24 || got.Name != "lan" {
		t.Errorf("%+v", got)
	}
}
