package provider

import (
	"context"
	"errors"
	"iter"
	"sync"
	"testing"
	"time"
)

// slowMappings answers each mapping read after a pause, noting how many
// were in progress at once.
type slowMappings struct {
	Mappings
	mu          sync.Mutex
	inFlight    int
	peak        int
	calls, regs []Mapping
	failCalls   error
	pause       time.Duration
}

func (m *slowMappings) ListCredentialListMappings(ctx context.Context, domainSID string, kind AuthKind) iter.Seq2[Mapping, error] {
	return func(yield func(Mapping, error) bool) {
		m.mu.Lock()
		m.inFlight++
		m.peak = max(m.peak, m.inFlight)
		m.mu.Unlock()
		time.Sleep(m.pause)
		m.mu.Lock()
		m.inFlight--
		m.mu.Unlock()
		if kind == ForCalls && m.failCalls != nil {
			yield(Mapping{}, m.failCalls)
			return
		}
		ms := m.regs
		if kind == ForCalls {
			ms = m.calls
		}
		for _, x := range ms {
			if !yield(x, nil) {
				return
			}
		}
	}
}

func TestAttachedListsParallelOnlyWhenAllowed(t *testing.T) {
	m := &slowMappings{pause: 20 * time.Millisecond,
		regs:  []Mapping{{SID: "CL1", FriendlyName: "office-users"}},
		calls: []Mapping{{SID: "CL1", FriendlyName: "office-users"}, {SID: "CL2", FriendlyName: "trunk"}}}
	want := []AttachedList{{SID: "CL1", FriendlyName: "office-users", Registrations: true, Calls: true}, {SID: "CL2", FriendlyName: "trunk", Calls: true}}
	for _, tc := range []struct {
		name     string
		ctx      context.Context
		wantPeak int
	}{
		{"one at a time by default (a shared budget)", context.Background(), 1},
		{"both at once under WithParallelReads", WithParallelReads(context.Background()), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m.peak = 0
			got, err := AttachedLists(tc.ctx, m, "SD1")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
				t.Fatalf("AttachedLists = %+v, want %+v", got, want)
			}
			if m.peak != tc.wantPeak {
				t.Fatalf("%d reads in progress at once, want %d", m.peak, tc.wantPeak)
			}
		})
	}
}

func TestAttachedListsReportsAFailedRead(t *testing.T) {
	boom := errors.New("503 from the provider")
	for _, ctx := range []context.Context{context.Background(), WithParallelReads(context.Background())} {
		m := &slowMappings{failCalls: boom, regs: []Mapping{{SID: "CL1"}}}
		if got, err := AttachedLists(ctx, m, "SD1"); !errors.Is(err, boom) || got != nil {
			t.Fatalf("AttachedLists = %v, %v; want the read's error and nothing", got, err)
		}
	}
}
