#!/usr/bin/env bash
# `sipctl apply` of N new accounts (default 5,000), the whole command,
# against `sandbox serve --latency 50ms --max-concurrency 100`: the bound is
# N x 50 ms / 100 (2.5 s for 5,000). Goal: at least 85% of it, no failure.
# Then a no-change plan over the N accounts against `accounts list` of them.
# BenchmarkApplyEngine repeats the apply against an in-memory Twilio fake with
# the same latency and limit, to separate sipctl's engine from the sandbox's
# SQLite writes.
set -euo pipefail
cd "$(dirname "$0")/.."
SIPCTL_BENCH_N="${1:-5000}" go test -run '^$' -bench '^BenchmarkApply(Engine)?$' -benchtime=1x -timeout 30m ./internal/cmd/apply/ |
  grep -E '^Benchmark'
