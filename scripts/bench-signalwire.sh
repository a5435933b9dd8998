#!/usr/bin/env bash
# Rotating 5,000 SignalWire SIP endpoints through `sandbox serve --latency
# 50ms`'s SignalWire face, which enforces SignalWire's documented limit of
# 13,800 writes per 10 s: the whole `password rotate --all` at --concurrency
# 64 (1,280 PUTs/s at 50 ms, under the documented 1,380/s). Prints the
# critical-path bound k×L + N×L/C (k listing pages one after another, then
# N PUTs C at a time), k, and the ratio; the goal is at least 90 %.
set -euo pipefail
cd "$(dirname "$0")/.."
SIPCTL_BENCH_N="${1:-5000}" go test -run '^$' -bench '^BenchmarkSignalWireRotateCommand$' -benchtime=1x -timeout 30m ./internal/cmd/sandbox/ |
	grep -E '^(Benchmark|signalwire rotate)'
