#!/usr/bin/env bash
# Asterisk provider (PJSIP realtime) throughput and memory, against real
# databases with our test DDL of the ps_* tables:
#   - rotating 10,000 accounts (md5_cred of each endpoint's auth) with journal
#     (fsync'd before any change) and handover file, through the rotation
#     engine, on SQLite and PostgreSQL;
#   - listing 100,000 accounts; goal: peak heap under 64 MiB.
# Needs the peers of scripts/test-deps.sh (PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(go test -run '^$' -bench '^(BenchmarkRotate|BenchmarkList100k)$' -benchtime=1x -timeout 60m ./internal/providers/asterisk/)"
echo "$out" | grep -E '^Benchmark' | awk '{
  line=$1; for (i=2;i<=NF;i++) if ($i ~ /\/s$|MiB$/) line=line sprintf("  %s %s", $(i-1), $i)
  print line
}'
