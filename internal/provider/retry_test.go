package provider

import (
	"context"
	"testing"
	"time"
)

func TestRetryBudgetBoundsCountAndTime(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := &RetryBudget{retries: 100, deadline: t0.Add(10 * time.Second), now: func() time.Time { return t0 }}
	granted := 0
	for b.Spend(time.Second) {
		granted++
	}
	// A Retry-After of 1 s ten times fills the ten seconds, whatever the
	// count allows.
	if granted != 10 {
		t.Fatalf("granted %d retries of 1s within 10s, want 10", granted)
	}
	if n, _ := b.Left(); n != 90 {
		t.Errorf("left %d retries, want 90 (refused spends take nothing)", n)
	}
	c := NewRetryBudget(3, 0)
	for range 3 {
		if !c.Spend(time.Hour) {
			t.Fatal("a budget without a time bound refused a retry within its count")
		}
	}
	if c.Spend(0) {
		t.Error("a fourth retry of three was granted")
	}
	var nilBudget *RetryBudget
	if nilBudget.Spend(0) {
		t.Error("a nil budget granted a retry")
	}
}

func TestRetryBudgetTravelsInTheContext(t *testing.T) {
	ctx := context.Background()
	if RetryBudgetFrom(ctx) != nil {
		t.Fatal("a budget from nowhere")
	}
	own := RetryBudgetOr(ctx, 2, time.Minute)
	if n, d := own.Left(); n != 2 || d <= 0 || d > time.Minute {
		t.Errorf("own budget left %d, %s", n, d)
	}
	b := NewRetryBudget(1, time.Minute)
	ctx = WithRetryBudget(ctx, b)
	if RetryBudgetOr(ctx, 9, time.Hour) != b {
		t.Error("a caller's budget is not the one used")
	}
}
