#!/usr/bin/env bash
# `sipctl apply` of N new accounts (default 5,000), the whole command,
# against `sandbox serve --latency 50ms --max-concurrency 100` (the least
# time an answer takes, the server's work inside it): the bound is the
# critical path k x L + N x L / C with k = 3 round trips one after another
# (issue 20), L = 50 ms, C = 100 (2.65 s for 5,000); each line prints
# bound-s, k and ratio. Goal: at least 90% of it, no failure.
# Then a no-change plan over the N accounts against `accounts list` of them.
# BenchmarkApplyEngine repeats the apply against an in-memory Twilio fake with
# the same latency and limit, to separate sipctl's engine from the sandbox's
# SQLite writes.
set -euo pipefail
cd "$(dirname "$0")/.."
SIPCTL_BENCH_N="${1:-5000}" go test -run '^$' -bench '^BenchmarkApply(Engine)?$' -benchtime=1x -timeout 30m ./internal/cmd/apply/ |
  grep -E '^Benchmark'
