package delete

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/twilio/twiliotest"
)

func TestNewCmdDeleteFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var got *DeleteOptions
	cmd := NewCmdDelete(twiliotest.New(t).Factory(ios), func(o *DeleteOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"office", "--yes"})
	if err := cmd.Execute(); err != nil || got.Domain != "office" || !got.Yes {
		t.Fatalf("%+v %v", got, err)
	}
}

func TestDeleteWithYes(t *testing.T) {
	sid := twiliotest.SID("SD", 3)
	s := twiliotest.New(t)
	s.Expect("GET", "SIP/Domains/"+sid+".json", nil, 0, twiliotest.Domain(sid, "office.sip.twilio.com", nil))
	s.Expect("DELETE", "SIP/Domains/"+sid+".json", nil, 204, "")
	ios, _, out, errOut := iostreams.Test()
	if err := deleteRun(context.Background(), &DeleteOptions{IO: ios, Provider: s.Factory(ios).Provider, Domain: sid, Yes: true}); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 || !strings.Contains(errOut.String(), "Deleted domain office.sip.twilio.com") {
		t.Errorf("stdout %q stderr %q", out, errOut)
	}
}

func TestDeleteWithoutTerminalNeedsYes(t *testing.T) {
	s := twiliotest.New(t)
	s.Expect("GET", "SIP/Domains.json", nil, 0, twiliotest.Page("domains", "", twiliotest.Domain(twiliotest.SID("SD", 3), "office.sip.twilio.com", nil)))
	ios, _, _, _ := iostreams.Test()
	err := deleteRun(context.Background(), &DeleteOptions{IO: ios, Provider: s.Factory(ios).Provider, Domain: "office"})
	var fe *cmdutil.FlagError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "--yes") {
		t.Fatalf("err = %v", err)
	}
}

func TestDeleteConfirmOnTerminal(t *testing.T) {
	sid := twiliotest.SID("SD", 3)
	for answer, deleted := range map[string]bool{"y\n": true, "n\n": false} {
		s := twiliotest.New(t)
		s.Expect("GET", "SIP/Domains.json", nil, 0, twiliotest.Page("domains", "", twiliotest.Domain(sid, "office.sip.twilio.com", nil)))
		if deleted {
			s.Expect("DELETE", "SIP/Domains/"+sid+".json", nil, 204, "")
		}
		ios, in, _, errOut := iostreams.Test()
		ios.SetStdinTTY(true)
		ios.SetStdoutTTY(true)
		in.WriteString(answer)
		err := deleteRun(context.Background(), &DeleteOptions{IO: ios, Provider: s.Factory(ios).Provider, Domain: "office"})
		if deleted && err != nil || !deleted && !errors.Is(err, cmdutil.ErrCancel) {
			t.Errorf("answer %q: err = %v", answer, err)
		}
		if !strings.Contains(errOut.String(), "Delete domain office.sip.twilio.com?") {
			t.Errorf("prompt: %q", errOut)
		}
	}
}

func TestDeleteNotFoundBySID(t *testing.T) {
	sid := twiliotest.SID("SD", 4)
	s := twiliotest.New(t)
	s.Expect("GET", "SIP/Domains/"+sid+".json", nil, 404, twiliotest.Error(404, 20404, "The requested resource was not found"))
	ios, _, _, _ := iostreams.Test()
	err := deleteRun(context.Background(), &DeleteOptions{IO: ios, Provider: s.Factory(ios).Provider, Domain: sid, Yes: true})
	if err == nil || !strings.Contains(err.Error(), "no domain") {
		t.Fatalf("err = %v", err)
	}
}
