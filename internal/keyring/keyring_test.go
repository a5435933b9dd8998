package keyring

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	gokeyring "github.com/zalando/go-keyring"
)

// useMock points go-keyring at its in-memory mock for one test.
func useMock(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		gokeyring.MockInitWithError(err)
	} else {
		gokeyring.MockInit()
	}
	prev := impl
	impl = goKeyring{}
	t.Cleanup(func() { impl = prev })
}

func TestSetGetDeleteRoundTrip(t *testing.T) {
	useMock(t, nil)
	if err := Set(Service, "profile:acme", "s3cret"); err != nil {
		t.Fatal(err)
	}
	got, err := Get(Service, "profile:acme")
	if err != nil || got != "s3cret" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if err := Set(Service, "profile:acme", "rotated"); err != nil {
		t.Fatal(err)
	}
	if got, _ := Get(Service, "profile:acme"); got != "rotated" {
		t.Fatalf("Set did not replace: %q", got)
	}
	if err := Delete(Service, "profile:acme"); err != nil {
		t.Fatal(err)
	}
	_, err = Get(Service, "profile:acme")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("after Delete: %v", err)
	}
	if err := Delete(Service, "profile:acme"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Delete: %v", err)
	}
	if errors.Is(err, ErrUnavailable) || errors.Is(err, ErrTimeout) {
		t.Fatalf("not-found matched another kind: %v", err)
	}
	if !strings.Contains(err.Error(), "no secret for profile:acme") {
		t.Errorf("message: %v", err)
	}
}

func TestUnavailableIsTypedAndExplained(t *testing.T) {
	cause := errors.New("The name org.freedesktop.secrets was not provided by any .service files")
	useMock(t, cause)
	for name, call := range map[string]func() error{
		"get":    func() error { _, err := Get(Service, "profile:x"); return err },
		"set":    func() error { return Set(Service, "profile:x", "TOPSECRET") },
		"delete": func() error { return Delete(Service, "profile:x") },
	} {
		err := call()
		if !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrTimeout) {
			t.Fatalf("%s: %v is not only ErrUnavailable", name, err)
		}
		if !errors.Is(err, cause) {
			t.Errorf("%s: cause lost: %v", name, err)
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "OS keyring unavailable") || !strings.Contains(msg, "org.freedesktop.secrets") {
			t.Errorf("%s: message %q", name, msg)
		}
		if strings.Contains(msg, "TOPSECRET") {
			t.Errorf("%s: secret in message %q", name, msg)
		}
	}
}

func TestBackendTimeoutErrorsAreTimeouts(t *testing.T) {
	for _, cause := range []error{
		context.DeadlineExceeded,
		errors.New("org.freedesktop.DBus.Error.NoReply: Did not receive a reply"),
	} {
		useMock(t, cause)
		_, err := Get(Service, "profile:x")
		if !errors.Is(err, ErrTimeout) {
			t.Errorf("%v: got %v", cause, err)
		}
	}
}

type hangingBackend struct{ release chan struct{} }

func (h hangingBackend) Get(string, string) (string, error) { <-h.release; return "late", nil }
func (h hangingBackend) Set(string, string, string) error   { <-h.release; return nil }
func (h hangingBackend) Delete(string, string) error        { <-h.release; return nil }

func TestHangingKeyringTimesOut(t *testing.T) {
	h := hangingBackend{release: make(chan struct{})}
	prev := impl
	impl = h
	SetTimeout(20 * time.Millisecond)
	t.Cleanup(func() {
		close(h.release) // let the abandoned goroutines finish
		impl = prev
		SetTimeout(0)
	})
	secret, err := Get(Service, "profile:acme")
	if !errors.Is(err, ErrTimeout) || secret != "" {
		t.Fatalf("Get = %q, %v", secret, err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "did not answer within 20ms") || !strings.Contains(msg, "SIPCTL_KEYRING_TIMEOUT") {
		t.Errorf("message %q", msg)
	}
	if err := Set(Service, "profile:acme", "x"); !errors.Is(err, ErrTimeout) {
		t.Errorf("Set: %v", err)
	}
	if err := Delete(Service, "profile:acme"); !errors.Is(err, ErrTimeout) {
		t.Errorf("Delete: %v", err)
	}
}

func TestTimeoutSettings(t *testing.T) {
	t.Cleanup(func() { SetTimeout(0) })
	if Timeout() != DefaultTimeout {
		t.Fatalf("default %v", Timeout())
	}
	SetTimeout(2 * time.Second)
	if Timeout() != 2*time.Second {
		t.Fatalf("set %v", Timeout())
	}
	SetTimeout(-1)
	if Timeout() != DefaultTimeout {
		t.Fatalf("reset %v", Timeout())
	}
	for in, want := range map[string]time.Duration{"": DefaultTimeout, "10s": 10 * time.Second, "1500ms": 1500 * time.Millisecond, "2": 2 * time.Second, "0.5": 500 * time.Millisecond} {
		got, err := ParseTimeout(in)
		if err != nil || got != want {
			t.Errorf("ParseTimeout(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"soon", "-3s", "0"} {
		if _, err := ParseTimeout(bad); err == nil {
			t.Errorf("ParseTimeout(%q) accepted", bad)
		}
	}
}
