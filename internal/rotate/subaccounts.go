package rotate

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/sipctl/sipctl/internal/provider"
)

// Customer is one subaccount of a run across subaccounts.
type Customer struct {
	SID    string `json:"subaccount_sid"`
	Name   string `json:"subaccount"`
	Status string `json:"status"`
	// Accounts is how many SIP accounts it has to rotate.
	Accounts int `json:"accounts"`
	// Skipped says why it is not rotated ("" when it is): a suspended or
	// closed subaccount is left alone.
	Skipped string `json:"skipped,omitempty"`
}

// SubaccountsOf returns p's Scope and Accounts capabilities, the two a run
// across subaccounts needs; the error names what the provider lacks.
func SubaccountsOf(p provider.SIPAccounts) (provider.Scope, provider.Accounts, error) {
	sc, err := provider.Require[provider.Scope](p, provider.WhatSubaccounts)
	if err != nil {
		return nil, nil, err
	}
	ac, err := provider.Require[provider.Accounts](p, provider.WhatSubaccounts)
	if err != nil {
		return nil, nil, err
	}
	return sc, ac, nil
}

// ForSubaccounts is every account of every active subaccount of p, each
// target carrying its subaccount's SID; suspended and closed subaccounts
// are listed as skipped, with no targets. Up to workers subaccounts are
// listed at once (each listing is sequential, so at most workers requests
// are in flight), in the provider's order.
func ForSubaccounts(ctx context.Context, p provider.SIPAccounts, workers int) ([]Customer, []Target, error) {
	sc, ac, err := SubaccountsOf(p)
	if err != nil {
		return nil, nil, err
	}
	var customers []Customer
	for a, err := range ac.ListSubaccounts(ctx) {
		if err != nil {
			return nil, nil, fmt.Errorf("listing subaccounts: %w", err)
		}
		c := Customer{SID: a.SID, Name: a.FriendlyName, Status: a.Status}
		if a.Status != "" && a.Status != "active" {
			c.Skipped = a.Status
		}
		customers = append(customers, c)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	found := make([][]Target, len(customers))
	errs := make([]error, len(customers))
	sem := make(chan struct{}, max(1, workers))
	var wg sync.WaitGroup
	for i, c := range customers {
		if c.Skipped != "" {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			ts, err := ForAll(ctx, sc.WithAccount(c.SID), c.SID)
			if err != nil {
				errs[i] = fmt.Errorf("listing the accounts of subaccount %s (%s): %w", c.Name, c.SID, err)
				cancel()
				return
			}
			found[i] = ts
		})
	}
	wg.Wait()
	// The first failure, not a listing it cancelled.
	var first error
	for _, err := range errs {
		if err != nil && (first == nil || errors.Is(first, context.Canceled) && !errors.Is(err, context.Canceled)) {
			first = err
		}
	}
	if first != nil {
		return nil, nil, first
	}
	var all []Target
	for i := range customers {
		customers[i].Accounts = len(found[i])
		all = append(all, found[i]...)
	}
	return customers, all, nil
}
